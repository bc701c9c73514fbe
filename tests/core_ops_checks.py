"""Checks the tests of issue 22's new core ops share: the same result as torch (values, dtype and
shape, NaN included, tuples element by element) and the same refusal (exception type and the
start of the message). Each is given a function of the library, run once with minigrad and once
with torch, so one line states what both must agree on."""
import numpy as np
import pytest

import minigrad
from helpers import host

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed: `pip install torch` to compare")


def _host(x):
    return host(x) if isinstance(x, minigrad.Tensor) else x.numpy()


def assert_same(mine, theirs, what=""):
    if isinstance(theirs, (tuple, list)):
        assert isinstance(mine, (tuple, list)) and len(mine) == len(theirs), f"{what}: {mine!r} vs {theirs!r}"
        for k, (a, b) in enumerate(zip(mine, theirs)):
            assert_same(a, b, f"{what}[{k}]")
        return
    if isinstance(theirs, (bool, int, float)):
        assert mine == theirs, f"{what}: {mine!r} vs {theirs!r}"
        return
    theirs_dtype = str(theirs.dtype).replace("torch.", "")
    assert str(mine.dtype) == theirs_dtype, f"{what}: dtype {mine.dtype} vs {theirs_dtype}"
    assert tuple(mine.shape) == tuple(theirs.shape), f"{what}: shape {tuple(mine.shape)} vs {tuple(theirs.shape)}"
    np.testing.assert_allclose(_host(mine.detach()).astype(np.float64), _host(theirs.detach()).astype(np.float64),
                               rtol=1e-6, atol=1e-7, equal_nan=True, err_msg=what)


def same_result(fn, what=""):
    """fn(minigrad) equals fn(torch): values, dtype, shape."""
    assert_same(fn(minigrad), fn(torch), what)


def same_error(fn, prefix=30):
    """fn(minigrad) and fn(torch) both raise, the same exception type, messages alike at the start."""
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(Exception) as mine:
        fn(minigrad)
    assert type(mine.value).__name__ == type(theirs.value).__name__, (mine.value, theirs.value)
    assert str(mine.value)[:prefix] == str(theirs.value)[:prefix], (str(mine.value), str(theirs.value))


def grads_as_torch(fn, arrays, device="cpu", upstream_seed=1):
    """fn(library, *tensors) forward and every input gradient equal torch's (float64, one random
    upstream gradient); for ops whose outputs are tuples, the first output is compared."""
    mine = [minigrad.tensor(a, dtype=minigrad.float64, device=device, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    out_m, out_t = fn(minigrad, *mine), fn(torch, *theirs)
    if isinstance(out_t, tuple):
        out_m, out_t = out_m[0], out_t[0]
    upstream = np.random.default_rng(upstream_seed).standard_normal(tuple(out_t.shape))
    out_m.backward(minigrad.tensor(upstream, dtype=minigrad.float64, device=device))
    out_t.backward(torch.tensor(upstream))
    np.testing.assert_allclose(host(out_m), out_t.detach().numpy(), rtol=1e-7, atol=1e-9,
                               equal_nan=True, err_msg="forward")
    for k, (a, b) in enumerate(zip(mine, theirs)):
        expected = np.zeros(b.shape) if b.grad is None else b.grad.numpy()
        got = np.zeros(b.shape) if a.grad is None else host(a.grad)
        np.testing.assert_allclose(got, expected, rtol=1e-7, atol=1e-9, equal_nan=True, err_msg=f"gradient {k}")
