"""The Functions behind hypot, copysign, xlogy (minigrad/ops/binary_maps.py) and cdist
(minigrad/ops/distance.py): a float64 gradient check with a random upstream gradient, and forward
and every input gradient against torch. The rest of those ops' behaviour (dtypes, 0-d, empty,
layouts, errors, PyTorch's choices where a derivative does not exist) is in tests/test_opinfo.py."""
import numpy as np
import pytest
from helpers import check_op, compare_with_torch

import minigrad

try:
    import torch
except ImportError:
    torch = None

RNG = np.random.default_rng(0)
A, B = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))


def test_hypot(device):
    check_op(lambda a, b: a.hypot(b), [A, B[0]], device, torch_fn=lambda a, b: torch.hypot(a, b))


def test_copysign(device):
    check_op(lambda a, b: a.copysign(b), [A, B], device, torch_fn=lambda a, b: torch.copysign(a, b))


def test_xlogy(device):
    check_op(lambda a, b: a.xlogy(b), [A, np.abs(B) + 0.5], device, torch_fn=lambda a, b: torch.xlogy(a, b))


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.5])
def test_cdist(device, p):
    check_op(lambda a, b: minigrad.cdist(a, b, p), [A, B[:2]], device, torch_fn=lambda a, b: torch.cdist(a, b, p))


@pytest.mark.parametrize("p", [0.0, float("inf")])
def test_cdist_p_zero_and_inf(device, p):
    """p = 0 (a count: no gradient but zeros) and p = inf (the largest difference's sign) against torch."""
    compare_with_torch(lambda a, b: minigrad.cdist(a, b, p), lambda a, b: torch.cdist(a, b, p), [A, B[:2]], device)


def test_xlogy_zero_gradients_as_torch(device):
    """PyTorch's d/dx of xlogy is 0 where x = 0 and y <= 0, and xlogy(grad, y) elsewhere (0 for a zero
    upstream gradient even where log y is NaN)."""
    x = np.array([0.0, 0.0, 1.0, 1.0, 0.0, 1.0])
    y = np.array([0.0, -2.0, 0.0, -2.0, 2.0, 3.0])
    compare_with_torch(lambda a, b: a.xlogy(b), lambda a, b: torch.xlogy(a, b), [x, np.abs(y) + 0.5], device)
    if torch is None:
        pytest.skip("torch is not installed")
    results = []
    for L in (torch, minigrad):
        a = L.tensor(x, dtype=L.float64, requires_grad=True)
        b = L.tensor(y, dtype=L.float64, requires_grad=True)
        a.xlogy(b).backward(L.tensor([1.0, 1.0, 1.0, 0.0, 1.0, 0.0], dtype=L.float64))
        results.append([np.asarray(a.grad.tolist()), np.asarray(b.grad.tolist())])
    for t, m in zip(*results):
        np.testing.assert_array_equal(t, m)
