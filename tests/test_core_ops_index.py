"""Issue 22's new shape and index ops against PyTorch: diagonal (a view), diag, diag_embed, trace,
roll, masked_select, take, take_along_dim, index_add/index_copy/index_fill (and their in-place
forms), fill_diagonal_, repeat_interleave, argwhere, kron, broadcast_to, movedim, swapdims,
tensor_split; the joins hstack, vstack, dstack, column_stack, atleast_*d, meshgrid,
cartesian_prod, broadcast_tensors; tril/triu_indices, searchsorted and bucketize.
Gradients: float64 check with a random upstream gradient and a torch comparison, every device."""
import warnings

import pytest

import minigrad
from core_ops_checks import grads_as_torch, needs_torch, same_error, same_result
from helpers import check_op, randn

A, B, V = randn(3, 4), randn(4, 5), randn(3)


def idx(L, values):
    return L.tensor(values)


DIFFERENTIABLE = {
    "diagonal": (lambda L, a: L.diagonal(a, 1), [A]),
    "diagonal dims (1, 0)": (lambda L, a: a.diagonal(-1, 1, 0), [A]),
    "diagonal of 3-D": (lambda L, a: L.diagonal(a.reshape(3, 2, 2), 0, 2, 1), [A]),
    "diag of a vector": (lambda L, v: L.diag(v, 1), [V]),
    "diag of a vector, below": (lambda L, v: v.diag(-2), [V]),
    "diag of a matrix": (lambda L, a: L.diag(a, 1), [A]),
    "diag past the corner": (lambda L, a: L.diag(a, -5), [A]),
    "diag_embed": (lambda L, a: L.diag_embed(a, 1, 0, 2), [A]),
    "diag_embed dims reversed": (lambda L, a: a.diag_embed(-1, 2, 0), [A]),
    "trace": (lambda L, a: L.trace(a), [A]),
    "roll flattened": (lambda L, a: L.roll(a, 1), [A]),
    "roll two dims": (lambda L, a: a.roll((1, -3), (0, 1)), [A]),
    "roll by more than the size": (lambda L, a: L.roll(a, 5, -1), [A]),
    "masked_select": (lambda L, a: L.masked_select(a, a > 0), [A]),
    "masked_select broadcast": (lambda L, v, a: L.masked_select(v.reshape(3, 1), a > 0), [V, A]),
    "take": (lambda L, a: L.take(a, idx(L, [[0, -1], [5, 2]])), [A]),
    "take_along_dim": (lambda L, a: L.take_along_dim(a, idx(L, [[0], [-1], [2]]), 1), [A]),
    "take_along_dim broadcast": (lambda L, a: a.take_along_dim(idx(L, [[0, 3, 3]]), 1), [A]),
    "take_along_dim flat": (lambda L, a: L.take_along_dim(a, idx(L, [5, 0, 5])), [A]),
    "take_along_dim argsort": (lambda L, a: L.take_along_dim(a, a.argsort(1), 1), [A]),
    "index_add": (lambda L, a, s: L.index_add(a, 0, idx(L, [0, 0, 2]), s, alpha=2), [A, A * 2]),
    "index_add dim 1": (lambda L, a, s: a.index_add(1, idx(L, [3, 1]), s[:, :2]), [A, A]),
    "index_copy": (lambda L, a, s: L.index_copy(a, 0, idx(L, [2, 0]), s[:2]), [A, A * 2]),
    "index_fill": (lambda L, a: L.index_fill(a, 1, idx(L, [1, 3]), -1.5), [A]),
    "index_fill tensor value": (lambda L, a, v: a.index_fill(1, idx(L, [1, 3]), v.sum()), [A, V]),
    "repeat_interleave": (lambda L, a: L.repeat_interleave(a, 2), [A]),
    "repeat_interleave counts": (lambda L, a: a.repeat_interleave(idx(L, [1, 0, 3]), 0), [A]),
    "repeat_interleave 0-d count": (lambda L, a: L.repeat_interleave(a, idx(L, 2), dim=1), [A]),
    "kron": (lambda L, a, b: L.kron(a, b), [A[:2, :2], B[:3, :3]]),
    "kron 1-D with 2-D": (lambda L, v, a: v.kron(a), [V, A]),
    "broadcast_to": (lambda L, a: L.broadcast_to(a, (2, 3, 4)), [A]),
    "movedim": (lambda L, a: L.movedim(a.reshape(3, 2, 2), (0, 1), (2, 0)), [A]),
    "moveaxis": (lambda L, a: a.reshape(3, 2, 2).moveaxis(-1, 0), [A]),
    "swapdims": (lambda L, a: L.swapdims(a, 0, 1), [A]),
    "tensor_split": (lambda L, a: L.cat(L.tensor_split(a, 3, 1)[1:], 1), [A]),
    "hstack": (lambda L, v, a: L.hstack([v, a[0], v]), [V, A]),
    "vstack": (lambda L, v, a: L.vstack((a[:, :3], v)), [V, A]),
    "dstack": (lambda L, a: L.dstack([a, a * 2]), [A]),
    "column_stack": (lambda L, v, a: L.column_stack([v, a]), [V, A]),
    "meshgrid xy": (lambda L, v, a: L.meshgrid(v, a[0], indexing="xy")[0] * L.meshgrid(v, a[0], indexing="xy")[1],
                    [V, A]),
    "meshgrid ij": (lambda L, v, a: L.stack(L.meshgrid(v, a[0], a[1, :2], indexing="ij")), [V, A]),
    "cartesian_prod": (lambda L, v, a: L.cartesian_prod(v, a[0]), [V, A]),
    "broadcast_tensors": (lambda L, v, a: L.stack(L.broadcast_tensors(v.reshape(3, 1), a)), [V, A]),
    "atleast_3d": (lambda L, v: L.atleast_3d(v), [V]),
}


@needs_torch
@pytest.mark.parametrize("name", list(DIFFERENTIABLE))
def test_differentiable_ops_gradcheck_and_match_torch(name, device):
    fn, arrays = DIFFERENTIABLE[name]
    check_op(lambda *xs: fn(minigrad, *xs), arrays, device)
    grads_as_torch(fn, arrays, device)


@needs_torch
@pytest.mark.parametrize("fn", [
    lambda L: L.diag(L.arange(6).reshape(2, 3), 1), lambda L: L.diag(L.zeros(0)),
    lambda L: L.trace(L.arange(6).reshape(2, 3)),
    lambda L: L.trace(L.arange(6, dtype=L.int32).reshape(2, 3)), lambda L: L.trace(L.zeros(0, 3)),
    lambda L: L.arange(6).reshape(2, 3).diagonal(-5), lambda L: L.diag_embed(L.tensor([[1, 2], [3, 4]]), 1),
    lambda L: L.roll(L.tensor(3), 1), lambda L: L.roll(L.zeros(0, 3), 1, 0), lambda L: L.roll(L.arange(4), L.tensor(1)),
    lambda L: L.masked_select(L.tensor(3.0), L.tensor(True)),
    lambda L: L.masked_select(L.arange(3), L.tensor([[True], [False]])),
    lambda L: L.zeros(3, 2).index_add(0, L.tensor([0, 1], dtype=L.int32), L.ones(2, 2)),
    lambda L: L.zeros(3, 2).index_add(0, L.tensor(1), L.ones(1, 2)),
    lambda L: L.zeros(3, dtype=L.int64).index_add(0, L.tensor([1, 1]), L.tensor([2, 3]), alpha=2),
    lambda L: L.zeros(2, 3).index_fill(1, L.tensor([1]), L.tensor(5.0)),
    lambda L: L.zeros(3, 2).index_fill(0, L.tensor([0, -1]), 1.0),
    lambda L: L.repeat_interleave(L.tensor([1, 2, 0, 3])), lambda L: L.repeat_interleave(L.tensor(3), 2),
    lambda L: L.argwhere(L.tensor([[1, 0], [0, 3]])), lambda L: L.argwhere(L.tensor(3)),
    lambda L: L.argwhere(L.tensor(0.0)),
    lambda L: L.kron(L.tensor([[1, 2], [3, 4]]), L.tensor([[0, 1], [1, 0]])),
    lambda L: L.tensor_split(L.arange(7), [1, 5, 2]), lambda L: L.tensor_split(L.arange(7), L.tensor([1, 9])),
    lambda L: L.tensor_split(L.arange(7), L.tensor(2)), lambda L: L.tensor_split(L.arange(7), [-2]),
    lambda L: L.hstack([L.tensor(1), L.tensor([2.0, 3.0])]), lambda L: L.vstack([L.tensor(1), L.tensor(2)]),
    lambda L: L.row_stack([L.arange(2), L.arange(2)]), lambda L: L.atleast_1d(L.tensor(1), L.tensor(2)),
    lambda L: L.atleast_2d([L.tensor(1), L.arange(3)]), lambda L: L.atleast_3d(L.zeros(2, 3)),
    lambda L: L.meshgrid(L.tensor(2), L.arange(3), indexing="ij"), lambda L: L.cartesian_prod(L.arange(3)),
    lambda L: L.tril_indices(3, 4, 1), lambda L: L.triu_indices(4, 3, -1), lambda L: L.tril_indices(0, 0),
    lambda L: L.tril_indices(3, 3, dtype=L.int32),
    lambda L: L.searchsorted(L.tensor([1, 3, 5, 7]), L.tensor([[0, 3], [6, 9]])),
    lambda L: L.searchsorted(L.tensor([1, 3, 5, 7]), L.tensor([3, 7]), right=True),
    lambda L: L.searchsorted(L.tensor([1, 3, 5, 7]), L.tensor([3, 7]), side="right", out_int32=True),
    lambda L: L.searchsorted(L.tensor([[1.0, 3, 5], [2, 4, 6]]), L.tensor([[3.0, float("nan")], [1, 7]])),
    lambda L: L.searchsorted(L.tensor([1.0, 2, 3]), L.tensor([float("nan"), 2.5, float("inf")])),
    lambda L: L.searchsorted(L.tensor([3, 1, 2]), L.tensor([2]), sorter=L.tensor([1, 2, 0])),
    lambda L: L.searchsorted(L.tensor([1, 3, 5]), 4),
    lambda L: L.bucketize(L.tensor([[3, 6], [9, 1]]), L.tensor([1, 3, 5, 7, 9])),
    lambda L: L.bucketize(L.tensor([3.0, 6.0]), L.tensor([1, 3, 5, 7, 9]), right=True, out_int32=True),
    lambda L: L.zeros(3, 3).fill_diagonal_(2.0), lambda L: L.zeros(7, 2).fill_diagonal_(2.0, wrap=True),
    lambda L: L.zeros(4, 2).fill_diagonal_(2.0), lambda L: L.zeros(2, 2, 2).fill_diagonal_(2.0),
    lambda L: L.zeros(2, 4).fill_diagonal_(True),
    lambda L: L.zeros(3, 2).index_add_(0, L.tensor([0, 2]), L.ones(2, 2)),
    lambda L: L.zeros(3, 2).index_copy_(0, L.tensor([2, 0]), L.arange(4.0).reshape(2, 2)),
    lambda L: L.zeros(3, 2).index_fill_(1, L.tensor([1]), 5),
])
def test_values_and_dtypes_match_torch(fn):
    same_result(fn)


@needs_torch
@pytest.mark.parametrize("bad", [
    lambda L: L.diag(L.tensor(1.0)), lambda L: L.diag(L.zeros(2, 2, 2)), lambda L: L.zeros(2, 3).diagonal(0, 1, 1),
    lambda L: L.trace(L.arange(3)), lambda L: L.trace(L.tensor([[True]])), lambda L: L.diag_embed(L.tensor(2.0)),
    lambda L: L.roll(L.arange(4), (1, 2)), lambda L: L.roll(L.arange(4), 1, (0, 1)),
    lambda L: L.roll(L.tensor(3), 1, 0),
    lambda L: L.roll(L.arange(3), [], []), lambda L: L.masked_select(L.arange(3), L.tensor([1, 0, 1])),
    lambda L: L.take(L.arange(6), L.tensor([6])), lambda L: L.take(L.arange(6), L.tensor([-7])),
    lambda L: L.take_along_dim(L.zeros(2, 3), L.tensor([[[0]]]), 1),
    lambda L: L.zeros(3, 2).index_add(0, L.tensor([0, 0, 2]), L.ones(2, 2)),
    lambda L: L.zeros(3, 2).index_add(0, L.tensor([0, 3]), L.ones(2, 2)),
    lambda L: L.zeros(3, 2).index_add(0, L.tensor([0, -1]), L.ones(2, 2)),
    lambda L: L.zeros(3, 2).index_add(0, L.tensor([0.0, 1]), L.ones(2, 2)),
    lambda L: L.zeros(3, 2).index_add(0, L.tensor([[0, 1]]), L.ones(2, 2)),
    lambda L: L.zeros(3, 2).index_add(0, L.tensor([0, 1]), L.ones(2, 2, dtype=L.float64)),
    lambda L: L.tensor(1.0).index_add(0, L.tensor([0]), L.tensor([2.0])),
    lambda L: L.zeros(2, 3).index_fill(1, L.tensor([1]), L.tensor([5.0])),
    lambda L: L.zeros(3, 2).index_fill(0, L.tensor([0, -4]), 1.0),
    lambda L: L.zeros(3, 2).index_fill(0, L.tensor([[0, 1]]), 1.0),
    lambda L: L.zeros(3, 2).index_fill(0, L.tensor([0, 1], dtype=L.int32), 1.0),
    lambda L: L.zeros(3, 2).index_copy(0, L.tensor([0, 3]), L.ones(2, 2)),
    lambda L: L.zeros(3, 2).index_copy(0, L.tensor([0, 1], dtype=L.int32), L.ones(2, 2)),
    lambda L: L.zeros(3, 2).index_copy(0, L.tensor([0, 1, 2]), L.ones(2, 2)),
    lambda L: L.zeros(3, 2).index_copy(0, L.tensor([[0, 1]]), L.ones(2, 2)),
    lambda L: L.zeros(3, 2).index_copy(0, L.tensor(1), L.ones(2)),
    lambda L: L.zeros(3, 2).index_copy(0, L.tensor([1]), L.ones(1, 2, dtype=L.float64)),
    lambda L: L.take(L.zeros(2), L.tensor([0.0])), lambda L: L.take_along_dim(L.zeros(2), L.tensor([0.0]), 0),
    lambda L: L.repeat_interleave(L.tensor([[1, 2], [3, 4]]), L.tensor([1, 2])),
    lambda L: L.repeat_interleave(L.tensor([1, 2]), L.tensor([-1, 2])),
    lambda L: L.zeros(2, 3, 4).movedim((0, 1), (2,)), lambda L: L.zeros(2, 3, 4).movedim((0, 0), (1, 2)),
    lambda L: L.zeros(2, 3, 4).movedim(0, 5),
    lambda L: L.tensor_split(L.arange(7), 0), lambda L: L.tensor_split(L.tensor(2), 1),
    lambda L: L.tensor_split(L.arange(7), L.tensor([[1]])), lambda L: L.tensor_split(L.arange(7), L.tensor([1.0])),
    lambda L: L.hstack([]), lambda L: L.hstack(L.arange(3)),
    lambda L: L.meshgrid(L.arange(2), L.arange(2.0), indexing="ij"),
    lambda L: L.meshgrid(L.arange(2), indexing="foo"), lambda L: L.meshgrid(indexing="ij"),
    lambda L: L.tril_indices(-1, 2), lambda L: L.tril_indices(3, 3, dtype=L.float32),
    lambda L: L.searchsorted(L.tensor([[1, 3, 5], [2, 4, 6]]), L.tensor([3, 6])),
    lambda L: L.searchsorted(L.tensor([[1.0, 2], [3, 4]]), 2.0),
    lambda L: L.searchsorted(L.tensor([1.0, 2]), L.tensor([1.5]), side="x"),
    lambda L: L.searchsorted(L.tensor([1, 2, 3]), L.tensor([2]), side="left", right=True),
    lambda L: L.bucketize(L.tensor([3]), L.tensor([[1, 2]])),
    lambda L: L.zeros(3).fill_diagonal_(1.0), lambda L: L.zeros(2, 3, 2).fill_diagonal_(1.0),
])
def test_refusals_match_torch(bad):
    same_error(bad)


def test_broadcast_to_refuses_as_expand():
    with pytest.raises(RuntimeError):
        minigrad.broadcast_to(minigrad.arange(3), (2, 2))


def test_diagonal_is_a_view_that_writes_through():
    x = minigrad.zeros(3, 4)
    d = x.diagonal(1)
    d.fill_(1.0)
    x.add_(1.0)
    assert x.tolist() == [[1, 2, 1, 1], [1, 1, 2, 1], [1, 1, 1, 2]] and d.tolist() == [2.0, 2.0, 2.0]


@needs_torch
def test_meshgrid_without_indexing_warns_and_uses_ij():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        grids = minigrad.meshgrid(minigrad.arange(3), minigrad.arange(2))
    assert any("indexing argument" in str(w.message) for w in caught)
    same_result(lambda L: L.meshgrid(L.arange(3), L.arange(2), indexing="ij"))
    assert [g.shape for g in grids] == [(3, 2), (3, 2)]


def test_fill_diagonal_and_index_add_in_place_in_the_graph():
    x = minigrad.randn(3, 3, requires_grad=True)
    y = x * 1
    y.fill_diagonal_(0.0).index_add_(0, minigrad.tensor([1]), x[:1] * 2)
    y.sum().backward()
    assert x.grad.tolist() == [[2, 3, 3], [1, 0, 1], [1, 1, 0]]  # the diagonal overwritten; row 0 twice more


def test_repeat_interleave_counts_make_the_index_without_numpy_repeat():
    x = minigrad.arange(4.0)
    assert x.repeat_interleave(minigrad.tensor([0, 2, 0, 1])).tolist() == [1.0, 1.0, 3.0]
    assert minigrad.repeat_interleave(minigrad.zeros(0, dtype=minigrad.int64)).shape == (0,)
