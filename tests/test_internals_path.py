"""The README's internals path ("The engine in one sitting") holds: at most ten files, each there,
each with exactly the line count the table states, at most ~1,200 lines in all, and the total the
text states. The files it names as skippable exist. And the path really is the engine: the backward
loop reads in about a screen, and a small network trains on the reference ops alone.
`python tests/test_internals_path.py` rewrites the counts after an edit."""
import ast
import os
import re

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(ROOT, "README.md")
ROW = re.compile(r"^\| (\d+) \| \[`([\w/.]+)`\]\(([\w/.]+)\) \| (\d+) \|", re.M)
TOTAL = re.compile(r"its training step, ([\d,]+) lines\.")


def section():
    text = open(README).read()
    start = text.index("## The engine in one sitting")
    return text[start:text.index("\n## ", start + 3)]


def line_count(path):
    with open(os.path.join(ROOT, path)) as f:
        return sum(1 for _ in f)


def test_the_path_is_at_most_ten_files_and_about_1200_lines():
    rows = ROW.findall(section())
    assert 5 <= len(rows) <= 10
    assert [int(r[0]) for r in rows] == list(range(1, len(rows) + 1))
    for _, shown, target, _ in rows:
        assert shown == target and os.path.isfile(os.path.join(ROOT, target)), target
    stated = sum(int(r[3]) for r in rows)
    assert stated <= 1200
    total = TOTAL.search(section())
    assert total and int(total.group(1).replace(",", "")) == stated


def test_each_stated_line_count_is_the_files_today():
    wrong = [f"{path}: README says {n}, the file has {line_count(path)} lines"
             for _, _, path, n in ROW.findall(section()) if line_count(path) != int(n)]
    assert not wrong, "\n".join(wrong) + "\n(python tests/test_internals_path.py rewrites the counts)"


def test_the_files_named_as_skippable_exist():
    text = section()
    skip = text[text.index("**Skip on a first reading**"):text.index("Then the layers")]
    names = re.findall(r"`((?:autograd|ops|optim)/[\w/]+\.py|[\w]+\.py)`", skip)
    assert len(names) >= 10
    for name in names:
        candidates = [os.path.join(ROOT, "minigrad", name), os.path.join(ROOT, name)]
        assert any(os.path.isfile(c) for c in candidates), name
    assert os.path.isdir(os.path.join(ROOT, "minigrad", "ops", "fast"))


def test_the_backward_loop_is_about_a_screen():
    tree = ast.parse(open(os.path.join(ROOT, "minigrad", "autograd", "engine.py")).read())
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "backward")
    body = fn.body[1:] if isinstance(fn.body[0], ast.Expr) else fn.body  # past the docstring
    assert body[-1].end_lineno - body[0].lineno + 1 <= 25


def test_a_conv_net_trains_on_the_reference_ops_of_the_path():
    """conv -> batch norm -> relu -> linear -> cross-entropy -> SGD, every op from the ten files:
    with `use_reference()`, the loss of a fixed batch falls."""
    import minigrad
    import minigrad.nn as nn
    import minigrad.nn.functional as F
    from minigrad.ops import use_reference

    minigrad.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                        nn.Linear(4 * 6 * 6, 2))
    x = minigrad.tensor(np.random.default_rng(0).standard_normal((8, 1, 6, 6)), dtype=minigrad.float32)
    y = minigrad.arange(8) % 2
    opt = minigrad.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    losses = []
    with use_reference():
        for _ in range(10):
            loss = F.cross_entropy(net(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        nodes, node = set(), loss.grad_fn
        stack = [node]
        while stack:  # every op of the graph comes from a file of the path (or is a view/reshape)
            node = stack.pop()
            if node is not None and node not in nodes:
                nodes.add(node)
                stack.extend(p for p in node.parents or ())
    modules = {type(n).__module__ for n in nodes}
    assert not [m for m in modules if m.startswith("minigrad.ops.fast")], modules
    assert losses[-1] < 0.5 * losses[0]


def fix():
    text = open(README).read()
    start = text.index("## The engine in one sitting")
    end = text.index("\n## ", start + 3)
    part = ROW.sub(lambda m: m.group(0).replace(f"| {m.group(4)} |", f"| {line_count(m.group(3))} |"),
                   text[start:end])
    total = sum(int(r[3]) for r in ROW.findall(part))
    part = TOTAL.sub(f"its training step, {total:,} lines.", part)
    open(README, "w").write(text[:start] + part + text[end:])
    print(f"README: {total:,} lines in {len(ROW.findall(part))} files")


if __name__ == "__main__":
    fix()
