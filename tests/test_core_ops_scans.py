"""Issue 22's new scans and reductions against PyTorch: cumprod (its gradient exact through
zeros), cummax, cummin, logcumsumexp, median and nanmedian (global and along a dim, with
torch's choice of index), nansum, nanmean, count_nonzero; and empty tensors through softmax,
log_softmax, cumsum and sort. Gradients: float64 check with a random upstream gradient and a
torch comparison, on every device."""
import numpy as np
import pytest

import minigrad
from core_ops_checks import grads_as_torch, needs_torch, same_error, same_result
from helpers import check_op, randn

NAN = float("nan")
WITH_ZEROS = np.array([[2.0, 0.0, 3.0, 0.0, 4.0], [1.0, 2.0, 0.0, 5.0, 6.0], [1.5, -2.0, 3.0, 0.5, 5.0]])
WITH_TIES = np.array([[1.0, 3.0, 3.0, 2.0, 5.0, 5.0], [0.0, 0.0, -1.0, 1.0, 1.0, -2.0]])
WITH_NAN = np.array([[1.0, NAN, 2.0, 4.0], [NAN, NAN, NAN, NAN], [3.0, 1.0, 1.0, 0.0]])


@needs_torch
@pytest.mark.parametrize("name, fn, values", [
    ("cumprod dim 1, zeros", lambda L, a: L.cumprod(a, 1), WITH_ZEROS),
    ("cumprod dim 0, zeros", lambda L, a: a.cumprod(dim=0), WITH_ZEROS),
    ("cumprod dim -1", lambda L, a: L.cumprod(a, -1), randn(3, 4)),
    ("cummax", lambda L, a: L.cummax(a, 1).values, WITH_TIES),
    ("cummin dim 0", lambda L, a: a.cummin(0)[0], WITH_TIES),
    ("logcumsumexp", lambda L, a: L.logcumsumexp(a * 10, 1), randn(3, 5)),
    ("median", lambda L, a: L.median(a), randn(3, 5)),
    ("median ties", lambda L, a: a.median(), WITH_TIES),
    ("median dim", lambda L, a: L.median(a, 1).values, WITH_TIES),
    ("median dim 0 keepdim", lambda L, a: a.median(0, keepdim=True)[0], randn(4, 3)),
    ("nanmedian dim", lambda L, a: L.nanmedian(a.masked_fill(a > 1, NAN), 1).values, randn(3, 5)),
    ("nansum", lambda L, a: L.nansum(a.masked_fill(a > 1, NAN), 1), randn(3, 5)),
    ("nanmean", lambda L, a: L.nanmean(a.masked_fill(a > 1, NAN), 0), randn(3, 5)),
])
def test_scans_and_reductions_gradcheck_and_match_torch(name, fn, values, device):
    grads_as_torch(fn, [values], device)  # ties included: torch's choice of where the gradient goes
    untied = values + np.random.default_rng(0).uniform(0, 0.01, values.shape)  # differentiable points
    check_op(lambda a: fn(minigrad, a), [untied], device)


@needs_torch
def test_cumprod_gradient_through_zeros_is_torchs():
    x = minigrad.tensor([2.0, 0.0, 3.0, 0.0, 4.0], requires_grad=True)
    x.cumprod(0).backward(minigrad.tensor([1.0, 2, 3, 4, 5]))
    assert x.grad.tolist() == [1.0, 22.0, 0.0, 0.0, 0.0]  # torch's numbers


@needs_torch
@pytest.mark.parametrize("fn", [
    lambda L: L.cummax(L.tensor([1.0, NAN, 3.0, NAN, 2.0]), 0),
    lambda L: L.cummin(L.tensor([[3.0, 1, 1, 2, 0, 0]]), 1),
    lambda L: L.cummax(L.tensor([True, False, True]), 0),
    lambda L: L.cummax(L.tensor([1, 3, 2], dtype=L.uint8), 0),
    lambda L: L.cummax(L.tensor(2.0), -1),
    lambda L: L.cummin(L.zeros(0, 3), 0),
    lambda L: L.cumprod(L.tensor([1, 2, 3]), 0),
    lambda L: L.cumprod(L.tensor([True, True]), 0),
    lambda L: L.cumprod(L.tensor([1.0, 2.0]), 0, dtype=L.float64),
    lambda L: L.cumprod(L.tensor(3.0), 0),
    lambda L: L.logcumsumexp(L.tensor([-1000.0, 0.0, 1000.0]), 0),
    lambda L: L.logcumsumexp(L.tensor([-float("inf"), -float("inf"), 1.0]), 0),
    lambda L: L.logcumsumexp(L.tensor([float("inf"), 1.0, NAN]), 0),
    lambda L: L.logcumsumexp(L.zeros(0), 0),
    lambda L: L.median(L.tensor(WITH_NAN, dtype=L.float32)),
    lambda L: L.median(L.tensor(WITH_NAN, dtype=L.float32), 1),
    lambda L: L.nanmedian(L.tensor(WITH_NAN[:, :3], dtype=L.float32), 1),  # (an all-NaN row of 4+: see below)
    lambda L: L.nanmedian(L.tensor(WITH_NAN, dtype=L.float32)),
    lambda L: L.median(L.tensor([3, 1, 2, 4])),
    lambda L: L.median(L.tensor([1, 2], dtype=L.int32), 0),
    lambda L: L.median(L.zeros(0)),
    lambda L: L.median(L.tensor(2.0), 0, True),
    lambda L: L.median(L.zeros(0, 3), 1),
    lambda L: L.nansum(L.tensor(WITH_NAN, dtype=L.float32)),
    lambda L: L.nansum(L.tensor([[1, 2], [3, 4]]), 0),
    lambda L: L.nansum(L.tensor([True, True])),
    lambda L: L.nansum(L.tensor([1.0, 2.0]), dtype=L.float64),
    lambda L: L.nanmean(L.tensor(WITH_NAN, dtype=L.float32), 1, keepdim=True),
    lambda L: L.nanmean(L.zeros(0)),
    lambda L: L.count_nonzero(L.tensor([[1.0, 0, NAN], [0, 0, 2]])),
    lambda L: L.count_nonzero(L.tensor([[1.0, 0, NAN], [0, 0, 2]]), 1),
    lambda L: L.count_nonzero(L.tensor([[1, 0], [0, 3]]), (0, 1)),
    lambda L: L.tensor(3.0).count_nonzero(0),
    lambda L: L.tensor([True, False]).count_nonzero(),
])
def test_values_dtypes_and_indices_match_torch(fn):
    same_result(fn)


@needs_torch
def test_median_index_is_torchs_on_random_ties_and_nans():
    rng = np.random.default_rng(0)
    for _ in range(200):
        a = rng.integers(0, 5, size=(3, rng.integers(1, 40))).astype(np.float32)
        a[a == 4] = np.nan if rng.random() < 0.5 else 4
        same_result(lambda L: L.tensor(a).median(1))
        same_result(lambda L: L.tensor(a).nanmedian(1))


@needs_torch
def test_nanmedian_of_an_all_nan_row_is_nan():
    # torch's index there is wherever its nth_element leaves the row (0, 0, 0, 2, 2, 3, 5... for 1, 2, 3,
    # 4, 5, 6, 7... NaNs); minigrad gives the first NaN's, 0, and the same value, NaN
    values, index = minigrad.full((2, 5), NAN).nanmedian(1)
    assert np.isnan(values.numpy()).all() and index.tolist() == [0, 0]


@needs_torch
def test_nan_gradients_as_torch():
    grads_as_torch(lambda L, a: L.nanmean(a, 1), [WITH_NAN])  # an all-NaN row: NaN gradient there
    grads_as_torch(lambda L, a: L.median(a), [WITH_NAN])  # the NaNs share it
    grads_as_torch(lambda L, a: L.nanmedian(a), [np.array([NAN, 1.0, NAN, 3.0])])


@needs_torch
@pytest.mark.parametrize("bad", [
    lambda L: L.cumprod(L.ones(2, 2), 5),
    lambda L: L.cummax(L.tensor([1.0]), 1),
    lambda L: L.logcumsumexp(L.tensor([1, 2]), 0),
    lambda L: L.median(L.tensor([True, False])),
    lambda L: L.median(L.zeros(0, 3), 0),
    lambda L: L.nanmean(L.tensor([1, 2])),
])
def test_refusals_match_torch(bad):
    same_error(bad)


@needs_torch
@pytest.mark.parametrize("fn", [
    lambda L: L.zeros(0, 3).softmax(1), lambda L: L.zeros(3, 0).softmax(1), lambda L: L.zeros(3, 0).log_softmax(0),
    lambda L: L.zeros(0, 3).cumsum(1), lambda L: L.zeros(3, 0).cumsum(1), lambda L: L.zeros(0, 3).sort(1),
    lambda L: L.zeros(0).sort(), lambda L: L.zeros(0, 3).cumprod(0),
])
def test_empty_tensors_through_softmax_cumsum_and_sort(fn):
    same_result(fn)


def test_scans_keep_float32_through_forward_and_backward():
    x = minigrad.randn(3, 4, requires_grad=True)
    for out in (x.cumprod(1), x.cummax(0).values, x.logcumsumexp(1), x.median(1).values, x.nansum(0), x.nanmean()):
        assert out.dtype == minigrad.float32
        x.grad = None
        out.sum().backward()
        assert x.grad.dtype == minigrad.float32


@needs_torch
def test_scans_of_one_element_and_0d_reductions_along_dim_0():
    x = minigrad.tensor(3.0)
    assert not np.shares_memory(x.logcumsumexp(0).array, x.array)
    assert not np.shares_memory(minigrad.ones(1, 3, 1).logcumsumexp(-3).array, minigrad.ones(1).array)
    same_result(lambda L: L.tensor(2.0, dtype=L.float64).nanmean(0))
    same_result(lambda L: L.tensor(2.0).nansum(-1))
    same_result(lambda L: L.ones(1, 3, 1).logcumsumexp(-3))
