"""Ops written as compositions of other ops (tensor_math.py's triangles and products,
tensor_reduce.py's logsumexp): a float64 gradient check with a random upstream gradient and
PyTorch's forward and backward for each, on every device; PyTorch's errors for bad shapes."""
import numpy as np
import pytest

import minigrad
from helpers import check_op, randn, torch

CASES = {
    "logsumexp dim 1": (lambda m, a: m.logsumexp(a, 1), [randn(3, 4)]),
    "logsumexp keepdim, dims (0, 2)": (lambda m, a: a.logsumexp((0, 2), keepdim=True), [randn(2, 3, 4)]),
    "tril": (lambda m, a: a.tril(), [randn(4, 3)]),
    "tril -1, batched": (lambda m, a: a.tril(-1), [randn(2, 3, 4)]),
    "triu 1": (lambda m, a: m.triu(a, 1), [randn(3, 5)]),
    "outer": (lambda m, a, b: m.outer(a, b), [randn(3), randn(4)]),
    "dot": (lambda m, a, b: m.dot(a, b), [randn(5), randn(5)]),
    "bmm": (lambda m, a, b: m.bmm(a, b), [randn(2, 3, 4), randn(2, 4, 5)]),
    "clamp_min": (lambda m, a: a.clamp_min(0.2), [randn(3, 4, away_from=0.2)]),
    "clamp_max": (lambda m, a: m.clamp_max(a, -0.1), [randn(3, 4, away_from=-0.1)]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_composite_op_gradcheck_and_torch(name, device):
    fn, arrays = CASES[name]
    check_op(lambda *xs: fn(minigrad, *xs), arrays, device,
             torch_fn=(lambda *xs: fn(torch, *xs)) if torch is not None else None)


def test_logsumexp_of_infinite_rows_and_huge_values_as_torch():
    values = np.array([[-np.inf, -np.inf], [np.inf, 1.0], [1000.0, 1000.0]], np.float32)
    got = minigrad.logsumexp(minigrad.tensor(values), 1).numpy()
    np.testing.assert_allclose(got, [-np.inf, np.inf, 1000 + np.log(2)], rtol=1e-6)


@pytest.mark.parametrize("call, message", [
    (lambda: minigrad.ones(3).tril(), "at least 2 dimensions"),
    (lambda: minigrad.outer(minigrad.ones(2, 2), minigrad.ones(2)), "1-D"),
    (lambda: minigrad.dot(minigrad.ones(2, 2), minigrad.ones(2, 2)), "1D tensors expected"),
    (lambda: minigrad.dot(minigrad.ones(2), minigrad.ones(3)), "inconsistent tensor size"),
    (lambda: minigrad.bmm(minigrad.ones(2, 3), minigrad.ones(2, 3, 4)), "batch1 must be a 3D tensor"),
    (lambda: minigrad.bmm(minigrad.ones(2, 3, 4), minigrad.ones(3, 4, 5)), "first two dimensions of batch2"),
])
def test_bad_shapes_are_refused_with_torchs_message(call, message):
    with pytest.raises(RuntimeError, match=message):
        call()
