"""The house rules, checked: the import graph of minigrad/ and models/ has no cycle and no
upward arrow, no module imports another module's private name, nothing imports torch, and
files stay short enough to read. Imports inside functions count too: a hidden import is
still an arrow."""
import ast
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGES = ("minigrad", "models")

# Lower layers never import higher ones. A module's layer is the longest prefix listed here.
LAYERS = {
    "minigrad.array_module": 0, "minigrad.random_source": 0, "minigrad.device": 0, "minigrad.dtypes": 0,
    "minigrad.size": 0, "minigrad.shared_arrays": 0,
    "minigrad.autograd": 1,
    "minigrad.ops": 2,
    "minigrad.tensor": 3, "minigrad.factories": 3, "minigrad.derived_factories": 3, "minigrad.tensor_functions": 3,
    "minigrad.legacy": 3,
    "minigrad.gradcheck": 4, "minigrad.nn": 4, "minigrad.weights": 4, "minigrad.download": 4,
    "minigrad.serialization": 4, "minigrad.cuda": 4, "minigrad.backends": 4, "minigrad.accelerator": 4,
    "minigrad.multiprocessing": 4, "minigrad.onnx": 4,
    "minigrad.graph": 4,  # reads tensors and autograd nodes; imports nothing of minigrad's
    "models": 5, "minigrad.optim": 5, "minigrad.data": 5, "minigrad.utils": 5, "minigrad.distributed": 5,
    "minigrad.nn.parallel": 5,
    "minigrad.train": 6,
    "minigrad.fastai": 7,
}


def _modules():
    """module name -> path, for every .py file of the packages."""
    found = {}
    for package in PACKAGES:
        for folder, _, files in os.walk(os.path.join(ROOT, package)):
            for name in files:
                if name.endswith(".py"):
                    path = os.path.join(folder, name)
                    parts = os.path.relpath(path, ROOT)[:-3].split(os.sep)
                    if parts[-1] == "__init__":
                        parts = parts[:-1]
                    found[".".join(parts)] = path
    return found


MODULES = _modules()


def _resolve(module, node):
    """The absolute module names an import statement in `module` refers to."""
    is_package = MODULES[module].endswith("__init__.py")
    if isinstance(node, ast.Import):
        return [(alias.name, None) for alias in node.names]
    base = module.split(".") if is_package else module.split(".")[:-1]
    if node.level:
        base = base[:len(base) - (node.level - 1)] if node.level > 1 else base
        prefix = ".".join(base + ([node.module] if node.module else []))
    else:
        prefix = node.module
    out = []
    for alias in node.names:
        candidate = f"{prefix}.{alias.name}"
        out.append((candidate if candidate in MODULES else prefix, alias.name))
    return out


def _imports(module):
    tree = ast.parse(open(MODULES[module]).read())
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for target, name in _resolve(module, node):
                yield target, name, node.lineno


def _project(target):
    """The project module an imported name belongs to (longest known prefix), or None."""
    parts = target.split(".")
    for k in range(len(parts), 0, -1):
        name = ".".join(parts[:k])
        if name in MODULES:
            return name
    return None


def _layer(module):
    parts = module.split(".")
    for k in range(len(parts), 0, -1):
        if ".".join(parts[:k]) in LAYERS:
            return LAYERS[".".join(parts[:k])]
    return None


def _edges():
    for module in MODULES:
        for target, name, line in _imports(module):
            dep = _project(target)
            if dep is not None and dep != module:
                yield module, dep, name, line


def _is_reexport_package(module):
    """A package's __init__ gathers its children's names: it may import from below and beside."""
    return MODULES[module].endswith("__init__.py")


def test_no_module_imports_torch():
    offenders = [f"{m} line {line}" for m in MODULES for target, _, line in _imports(m)
                 if target == "torch" or target.startswith("torch.")]
    assert not offenders, "torch is a test oracle only, never imported by minigrad/ or models/: " + ", ".join(offenders)


def test_no_upward_import():
    upward = []
    for module, dep, _, line in _edges():
        if _is_reexport_package(module) and dep.startswith(module + "."):
            continue
        a, b = _layer(module), _layer(dep)
        if module == "minigrad" or dep == "minigrad" or a is None or b is None:
            continue
        if b > a:
            upward.append(f"{module} (layer {a}) imports {dep} (layer {b}) at line {line}")
    assert not upward, "arrows must point down: " + "; ".join(upward)


def test_import_graph_has_no_cycle():
    graph = {}
    for module, dep, _, _ in _edges():
        if module == "minigrad" or dep == "minigrad":
            continue  # the top-level package only re-exports
        if _is_reexport_package(dep) and module.startswith(dep + "."):
            continue  # a child naming its own package's __init__ is how Python walks down to it
        graph.setdefault(module, set()).add(dep)
    state, stack_path = {}, []

    def visit(node):
        state[node] = 1
        stack_path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycle = stack_path[stack_path.index(nxt):] + [nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack_path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_no_module_imports_another_modules_private_name():
    private = [f"{m} imports {name} from {dep} (line {line})" for m, dep, name, line in _edges()
               if name and name.startswith("_") and not name.startswith("__")
               and not dep.startswith(m + ".") and dep.split(".")[:2] != m.split(".")[:2]]
    assert not private, "private names stay in their package: " + "; ".join(private)


def test_files_stay_short():
    long_files = [f"{os.path.relpath(p, ROOT)} ({n} lines)" for p in MODULES.values()
                  for n in [sum(1 for _ in open(p))] if n > 330]
    assert not long_files, "keep each file readable in one sitting (~300 lines): " + ", ".join(long_files)


def test_threadpoolctl_is_a_run_time_dependency():
    """Without it the fast convolution's BLAS threads fight minigrad's (1.2-3x slower), silently."""
    import configparser
    cfg = configparser.ConfigParser()
    cfg.read(os.path.join(ROOT, "setup.cfg"))
    assert "threadpoolctl" in cfg["options"]["install_requires"].split()
