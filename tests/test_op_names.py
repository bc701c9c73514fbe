"""Ops and layers have distinct names: a reader who meets `Conv2d` knows whether it is the layer
(nn.Conv2d, PyTorch's name) or an op. Every `Function` subclass in minigrad.ops and minigrad.ops.fast
has a class name of its own: not another Function's (the reference op and its fast twin differ,
e.g. ops/conv.py's Convolution2d and ops/fast/conv.py's Convolution2dFast) and not an nn Module's.
What `grad_fn.name()` prints does not depend on the class name (tests/test_grad_fn_names.py)."""
import importlib
import inspect
import pkgutil

import minigrad
import minigrad.nn
import minigrad.ops
from minigrad.autograd import Function


def _classes(package, base):
    """{class: module name} for the subclasses of base defined in the modules of package."""
    found = {}
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, base) and cls.__module__ == module.__name__:
                found[cls] = cls.__module__
    return found


def test_no_function_shares_its_name_with_another_function_or_a_module():
    functions = _classes(minigrad.ops, Function)
    modules = _classes(minigrad.nn, minigrad.nn.Module)
    assert len(functions) > 50 and len(modules) > 50  # the walk found the ops and the layers
    by_name = {}
    for cls, where in list(functions.items()) + list(modules.items()):
        by_name.setdefault(cls.__name__, []).append(f"{where}.{cls.__name__}")
    clashes = {name: places for name, places in by_name.items()
               if len(places) > 1 and any(issubclass(cls, Function) for cls in functions if cls.__name__ == name)}
    assert not clashes, f"a Function shares its class name with another Function or an nn Module: {clashes}"


def test_the_switch_picks_the_reference_op_class():
    """F.conv2d and its kin run the fast twin by default and the reference op under the switch."""
    import minigrad.nn.functional as F
    x = minigrad.randn(1, 2, 5, 5, requires_grad=True)
    w = minigrad.randn(3, 2, 3, 3)
    from minigrad.ops.conv import Convolution2d
    from minigrad.ops.fast.conv import Convolution2dFast
    with minigrad.ops.use_reference(False):
        assert type(F.conv2d(x, w).grad_fn) is Convolution2dFast
    with minigrad.ops.use_reference():
        assert type(F.conv2d(x, w).grad_fn) is Convolution2d
        assert F.conv2d(x, w).grad_fn.name() == "ConvolutionBackward0"


def test_the_products_pick_the_reference_or_the_fast_one_and_keep_their_names(monkeypatch):
    """`@` and F.linear: ops/matmul.py's MatMul and Affine under the switch, else their twins in
    ops/fast/matmul.py, which hold a small product to one BLAS thread (ops/fast/blas.py)."""
    import minigrad.nn.functional as F
    from minigrad.ops.fast import blas, matmul as fast_matmul
    from minigrad.ops.fast.matmul import AffineFast, MatMulFast
    from minigrad.ops.matmul import Affine, MatMul
    a, w, b = minigrad.randn(4, 3, requires_grad=True), minigrad.randn(2, 3), minigrad.randn(2)
    for reference, (mm, lin) in ((False, (MatMulFast, AffineFast)), (True, (MatMul, Affine))):
        with minigrad.ops.use_reference(reference):
            assert type((a @ w.T).grad_fn) is mm and (a @ w.T).grad_fn.name() == "MmBackward0"
            assert type(F.linear(a, w, b).grad_fn) is lin and F.linear(a, w, b).grad_fn.name() == "AddmmBackward0"
    seen = []
    monkeypatch.setattr(fast_matmul, "small_product", lambda n: seen.append(n) or blas.small_product(n))
    (a @ w.T).sum().backward()
    F.linear(a, w, b)
    assert seen == [4 * 3 * 2, 4 * 3 * 2, 4 * 3 * 2]  # forward and backward of @, forward of linear
