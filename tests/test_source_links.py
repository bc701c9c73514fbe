"""Links into the source stay true: every link of the form

    [`Function.apply`, autograd/function.py lines 96-121](../minigrad/autograd/function.py#L96-L121)

in the README, docs/ and the internals notebook names a symbol (a class, a function, `Class.method`,
or `docstring` for the module's docstring), and its line numbers must be exactly that symbol's lines
in the file today (decorators included). A reshaping that moves the code fails here instead of
leaving the reader at the wrong lines. `python tests/test_source_links.py` rewrites the numbers."""
import ast
import glob
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = ["README.md", "recipes/internals.ipynb", *sorted(glob.glob("docs/*.md", root_dir=ROOT))]
LINK = re.compile(r"\[`(?P<symbol>[\w.]+)`(?P<text>[^\]]*?)lines (?P<a>\d+)-(?P<b>\d+)\]"
                  r"\((?P<path>[^)#\s]+)#L(?P<la>\d+)-L(?P<lb>\d+)\)")


def symbol_lines(path, symbol):
    """(first, last) line of `symbol` in the Python file at `path`, or None where it is not there."""
    tree = ast.parse(open(path).read())
    if symbol == "docstring":
        first = tree.body[0] if tree.body else None
        ok = isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant)
        return (first.lineno, first.end_lineno) if ok else None
    scope = tree.body
    node = None
    for name in symbol.split("."):
        node = next((n for n in scope if isinstance(n, (ast.ClassDef, ast.FunctionDef)) and n.name == name), None)
        if node is None:
            return None
        scope = node.body
    start = min([node.lineno] + [d.lineno for d in node.decorator_list])
    return start, node.end_lineno


def links(doc):
    text = open(os.path.join(ROOT, doc)).read()
    for m in LINK.finditer(text):
        target = os.path.normpath(os.path.join(ROOT, os.path.dirname(doc), m["path"]))
        yield m, target


def test_the_documents_have_symbol_links():
    assert sum(1 for doc in DOCS for _ in links(doc)) >= 20


def test_every_symbol_link_points_at_the_symbols_lines_today():
    wrong = []
    for doc in DOCS:
        for m, target in links(doc):
            where = f"{doc}: {m.group(0)[:90]}"
            if not os.path.isfile(target):
                wrong.append(f"{where}: no file {os.path.relpath(target, ROOT)}")
                continue
            lines = symbol_lines(target, m["symbol"])
            stated = (int(m["a"]), int(m["b"]))
            if lines is None:
                wrong.append(f"{where}: no {m['symbol']} in {os.path.relpath(target, ROOT)}")
            elif stated != lines or (int(m["la"]), int(m["lb"])) != lines:
                wrong.append(f"{where}: {m['symbol']} is at lines {lines[0]}-{lines[1]} "
                             "(python tests/test_source_links.py rewrites the numbers)")
    assert not wrong, "\n".join(wrong)


def fix():
    """Rewrite every symbol link's numbers to the symbol's lines today."""
    for doc in DOCS:
        path = os.path.join(ROOT, doc)
        text = open(path).read()

        def renumber(m):
            target = os.path.normpath(os.path.join(ROOT, os.path.dirname(doc), m["path"]))
            lines = symbol_lines(target, m["symbol"]) if os.path.isfile(target) else None
            if lines is None:
                print(f"{doc}: cannot find {m['symbol']} in {m['path']}", file=sys.stderr)
                return m.group(0)
            a, b = lines
            return (f"[`{m['symbol']}`{m['text']}lines {a}-{b}]({m['path']}#L{a}-L{b})")
        new = LINK.sub(renumber, text)
        if new != text:
            open(path, "w").write(new)
            print(f"rewrote {doc}")


if __name__ == "__main__":
    fix()
