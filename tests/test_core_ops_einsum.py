"""minigrad.einsum against torch.einsum: explicit and implicit outputs, traces and diagonals
(repeated labels), ellipsis with broadcasting, size-1 broadcasting, 0-d and empty operands,
integer operands, and torch's errors for bad equations. Every equation: a float64 gradient
check with a random upstream gradient and a torch comparison of forward and gradients."""
import numpy as np
import pytest

import minigrad
from core_ops_checks import grads_as_torch, needs_torch, same_error, same_result
from helpers import check_op, randn

EQUATIONS = [
    ("ij,jk", [(3, 4), (4, 5)]),                 # matmul, implicit output
    ("ij,jk->", [(3, 4), (4, 5)]),               # everything summed
    ("ij,jk->ki", [(3, 4), (4, 5)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),    # batched
    ("ii", [(3, 3)]),                            # trace
    ("ii->i", [(3, 3)]),                         # diagonal
    ("iij->ij", [(2, 2, 3)]),
    ("ij->", [(3, 4)]),
    ("ba", [(3, 4)]),                            # implicit output is alphabetical: a transpose
    ("i,j", [(3,), (4,)]),                       # outer
    ("i,i", [(3,), (3,)]),                       # dot
    ("bn,anm,bm->ba", [(2, 3), (5, 3, 4), (2, 4)]),  # bilinear
    ("...ij,...jk", [(2, 3, 4), (4, 5)]),        # ellipsis, broadcast over it
    ("i...->...", [(3, 2, 4)]),
    ("...,...->...", [(3, 1), (4,)]),
    ("ij,ij->ij", [(1, 4), (3, 4)]),             # a size-1 dimension broadcasts
    ("iJ,Jk->ik", [(3, 4), (4, 2)]),             # upper-case labels
    (" i j , j k -> i k ", [(3, 4), (4, 2)]),    # spaces
    ("", [()]),                                  # a 0-d operand
    ("ij,jk->ik", [(0, 4), (4, 2)]),             # empty
]


@needs_torch
@pytest.mark.parametrize("equation, shapes", EQUATIONS)
def test_einsum_gradcheck_and_matches_torch(equation, shapes, device):
    arrays = [randn(*s) if s else np.asarray(randn(1)[0]) for s in shapes]
    check_op(lambda *xs: minigrad.einsum(equation, *xs), arrays, device)
    grads_as_torch(lambda L, *xs: L.einsum(equation, *xs), arrays, device)


@needs_torch
def test_einsum_takes_a_list_and_integer_operands():
    same_result(lambda L: L.einsum("ij,jk", [L.arange(6).reshape(2, 3), L.arange(12).reshape(3, 4)]))
    same_result(lambda L: L.einsum("i,i->", L.arange(3, dtype=L.float64), L.arange(3, dtype=L.float64)))


def test_einsum_keeps_float32():
    a = minigrad.randn(3, 4, requires_grad=True)
    out = minigrad.einsum("ij,ij->i", a, a)
    out.sum().backward()
    assert out.dtype == minigrad.float32 and a.grad.dtype == minigrad.float32


@needs_torch
@pytest.mark.parametrize("bad", [
    lambda L: L.einsum("ij,jk", L.ones(2, 3), L.ones(2, 4)),
    lambda L: L.einsum("ij,jk", L.ones(2, 3)),
    lambda L: L.einsum("ij", L.ones(2, 3), L.ones(2, 3)),
    lambda L: L.einsum("ij->k", L.ones(2, 3)),
    lambda L: L.einsum("ij->ii", L.ones(2, 3)),
    lambda L: L.einsum("i", L.ones(2, 3)),
    lambda L: L.einsum("i1", L.ones(2, 3)),
    lambda L: L.einsum("ij->ji->", L.ones(2, 3)),
    lambda L: L.einsum("ij,jk", L.ones(2, 3), L.ones(3, 4, dtype=L.float64)),
    lambda L: L.einsum("i,i", L.tensor([True, False]), L.tensor([True, True])),
])
def test_einsum_refusals_match_torch(bad):
    same_error(bad)
