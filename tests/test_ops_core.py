"""Every autograd-core op: float64 gradient check with a random upstream gradient,
and forward + backward equal to PyTorch's. One row per op and shape case."""
import numpy as np
import pytest

import minigrad
from helpers import check_op, randn, torch

positive = lambda *shape: np.abs(randn(*shape)) + 0.5  # noqa: E731  (log, pow, division)

# (id, minigrad function, torch function, input arrays)
CASES = [
    ("add", lambda a, b: a + b, lambda a, b: a + b, [randn(3, 4), randn(3, 4)]),
    ("add_broadcast", lambda a, b: a + b, lambda a, b: a + b, [randn(2, 1, 3), randn(4, 1)]),
    ("add_scalar", lambda a: 2.5 + a, lambda a: 2.5 + a, [randn(3)]),
    ("sub_broadcast", lambda a, b: a - b, lambda a, b: a - b, [randn(3, 4), randn(4)]),
    ("rsub_scalar", lambda a: 1 - a, lambda a: 1 - a, [randn(2, 3)]),
    ("mul_broadcast", lambda a, b: a * b, lambda a, b: a * b, [randn(5, 1), randn(1, 4)]),
    ("mul_reused", lambda a: a * a * a, lambda a: a * a * a, [randn(4)]),
    ("div_broadcast", lambda a, b: a / b, lambda a, b: a / b, [randn(3, 4), positive(4)]),
    ("rdiv_scalar", lambda a: 1 / a, lambda a: 1 / a, [positive(3)]),
    ("pow_scalar", lambda a: a ** 3, lambda a: a ** 3, [randn(3, 2)]),
    ("pow_tensor", lambda a, b: a ** b, lambda a, b: a ** b, [positive(3, 2), randn(2)]),
    ("rpow", lambda a: 2.0 ** a, lambda a: 2.0 ** a, [randn(4)]),
    ("neg", lambda a: -a, lambda a: -a, [randn(2, 3)]),
    ("matmul_2d", lambda a, b: a @ b, lambda a, b: a @ b, [randn(3, 4), randn(4, 5)]),
    ("matmul_vec_mat", lambda a, b: a @ b, lambda a, b: a @ b, [randn(4), randn(4, 5)]),
    ("matmul_mat_vec", lambda a, b: a @ b, lambda a, b: a @ b, [randn(3, 4), randn(4)]),
    ("matmul_dot", lambda a, b: a @ b, lambda a, b: a @ b, [randn(4), randn(4)]),
    ("matmul_batched_broadcast", lambda a, b: a @ b, lambda a, b: a @ b, [randn(2, 1, 3, 4), randn(5, 4, 2)]),
    ("sum_all", lambda a: a.sum(), lambda a: a.sum(), [randn(3, 4)]),
    ("sum_dim", lambda a: a.sum(1), lambda a: a.sum(1), [randn(3, 4, 2)]),
    ("sum_dims_keepdim", lambda a: a.sum((0, 2), keepdim=True), lambda a: a.sum((0, 2), keepdim=True), [randn(3, 4, 2)]),
    ("mean_all", lambda a: a.mean(), lambda a: a.mean(), [randn(3, 4)]),
    ("mean_dim_neg", lambda a: a.mean(-1, keepdim=True), lambda a: a.mean(-1, keepdim=True), [randn(3, 4)]),
    ("max_all", lambda a: a.max(), lambda a: a.amax(), [randn(3, 4)]),
    ("amax_dim", lambda a: a.amax(1), lambda a: a.amax(1), [randn(3, 4, 2)]),
    ("amax_dims_keepdim", lambda a: a.amax((0, 2), keepdim=True), lambda a: a.amax((0, 2), keepdim=True), [randn(3, 4, 2)]),
    ("max_ties", lambda a: a.amax(1), lambda a: a.amax(1), [np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])]),
    ("max_dim_values", lambda a: a.max(1).values, lambda a: a.max(1).values, [randn(3, 4, 2)]),
    ("min_dim_keepdim", lambda a: a.min(-1, keepdim=True)[0], lambda a: a.min(-1, keepdim=True)[0], [randn(3, 4)]),
    ("reshape", lambda a: a.reshape(4, 3) * a.reshape(4, 3), lambda a: a.reshape(4, 3) * a.reshape(4, 3), [randn(2, 6)]),
    ("reshape_infer", lambda a: a.reshape((-1,)), lambda a: a.reshape(-1), [randn(2, 3)]),
    ("transpose", lambda a: a.transpose(0, 2), lambda a: a.transpose(0, 2), [randn(2, 3, 4)]),
    ("permute", lambda a: a.permute(2, 0, 1), lambda a: a.permute(2, 0, 1), [randn(2, 3, 4)]),
    ("flatten", lambda a: a.flatten(1), lambda a: a.flatten(1), [randn(2, 3, 4)]),
    ("getitem_basic", lambda a: a[1:, ::2], lambda a: a[1:, ::2], [randn(4, 5)]),
    ("getitem_int", lambda a: a[2], lambda a: a[2], [randn(4, 5)]),
    ("getitem_repeated", lambda a: a[[0, 2, 0, 0]], lambda a: a[[0, 2, 0, 0]], [randn(4, 3)]),
    ("getitem_pairs", lambda a: a[np.array([0, 1, 1]), np.array([2, 0, 2])],
     lambda a: a[[0, 1, 1], [2, 0, 2]], [randn(3, 3)]),
    ("cat", lambda a, b: minigrad.cat([a, b, a], dim=1), lambda a, b: torch.cat([a, b, a], dim=1),
     [randn(2, 3), randn(2, 1)]),
    ("exp", lambda a: a.exp(), lambda a: a.exp(), [randn(3, 4)]),
    ("log", lambda a: a.log(), lambda a: a.log(), [positive(3, 4)]),
    ("relu", lambda a: a.relu(), lambda a: a.relu(), [randn(3, 4, away_from=0)]),
    ("sigmoid", lambda a: a.sigmoid(), lambda a: a.sigmoid(), [randn(3, 4) * 3]),
    ("tanh", lambda a: a.tanh(), lambda a: a.tanh(), [randn(3, 4)]),
    ("softmax_last", lambda a: a.softmax(-1), lambda a: a.softmax(-1), [randn(3, 5)]),
    ("softmax_dim0", lambda a: a.softmax(0), lambda a: a.softmax(0), [randn(3, 5, 2)]),
    ("log_softmax", lambda a: a.log_softmax(1), lambda a: a.log_softmax(1), [randn(3, 5)]),
    ("composite_reused", lambda a, b: ((a @ b).tanh() * a.sum(1, keepdim=True)).mean(0),
     lambda a, b: ((a @ b).tanh() * a.sum(1, keepdim=True)).mean(0), [randn(3, 4), randn(4, 2)]),
]


# At a tie the maximum has no derivative, so finite differences cannot check it;
# torch's convention (share the gradient equally) is checked by the parity test.
SMOOTH = [c for c in CASES if c[0] != "max_ties"]


@pytest.mark.parametrize("name, fn, torch_fn, arrays", SMOOTH, ids=[c[0] for c in SMOOTH])
def test_gradcheck(name, fn, torch_fn, arrays, device):
    check_op(fn, arrays, device)


@pytest.mark.parametrize("name, fn, torch_fn, arrays", CASES, ids=[c[0] for c in CASES])
def test_matches_torch(name, fn, torch_fn, arrays, device):
    from helpers import compare_with_torch
    compare_with_torch(fn, torch_fn, arrays, device)


def test_log_softmax_and_softmax_are_stable_for_huge_inputs(device):
    x = minigrad.tensor([[1e4, 0.0, -1e4]], device=device)
    assert np.isfinite(x.log_softmax(1).numpy()).all()
    np.testing.assert_allclose(x.softmax(1).numpy(), [[1.0, 0.0, 0.0]])


def test_sigmoid_does_not_overflow(device):
    x = minigrad.tensor([-1000.0, 1000.0], device=device)
    np.testing.assert_allclose(x.sigmoid().numpy(), [0.0, 1.0])


def test_astype_matches_torch_and_casts_the_gradient_back(device):
    """astype's backward casts the gradient to the input's dtype (a float32 detour is too coarse
    for finite differences, so this compares with torch and checks the dtypes instead)."""
    from helpers import compare_with_torch
    compare_with_torch(lambda a: a.astype(np.float32) * 3, lambda a: a.float() * 3, [randn(3, 4)], device,
                       atol=1e-6, rtol=1e-6)
    x = minigrad.tensor(randn(3), requires_grad=True, dtype=np.float64, device=device)
    y = x.astype(np.float32)
    assert y.dtype == np.float32
    (y * y).sum().backward()
    assert x.grad.dtype == np.float64
