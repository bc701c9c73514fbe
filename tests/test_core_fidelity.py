"""The core tensor ops against PyTorch off the lesson's path (issue 22): every row of the
issue's table of silent differences and bad inputs accepted, each compared with torch, plus
the edges found around them (0-d, empty, bool, NaN, non-contiguous inputs).

Each case is one function of the library (`m` is minigrad or torch) and a tensor maker `T`
(`T(data, **kw)` is `m.tensor(data, **kw)` on the test's device); `same(case, device)` runs
it in both and compares dtypes, shapes, values and result types, or checks minigrad raises
what torch raises (the exception type, or one of its built-in bases as PyTorch subclasses
them). `grads(...)` also compares every input's gradient for a random upstream gradient.
"""

import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from helpers import check_op, host

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed: `pip install torch` to compare")
pytestmark = pytest.mark.filterwarnings("ignore:.*degrees of freedom")  # torch warns; minigrad does not
nan, inf = float("nan"), float("inf")


def _run(m, case, device):
    def T(data, **kw):
        if getattr(data, "dtype", None) == np.float64 and "dtype" not in kw:
            data = data.astype(np.float32)  # torch would keep float64 where minigrad makes float32
        out = m.tensor(data, **{k: v for k, v in kw.items() if k != "requires_grad"})
        out = out.to(device) if m is minigrad else out
        return out.requires_grad_() if kw.get("requires_grad") else out
    try:
        return case(m, T)
    except Exception as e:  # noqa: BLE001 - compared below
        return e


def _summary(r):
    if isinstance(r, (minigrad.Tensor, torch.Tensor)):
        a = host(r.array) if isinstance(r, minigrad.Tensor) else r.detach().numpy()
        return ("tensor", str(r.dtype).replace("torch.", ""), tuple(r.shape), a)
    if isinstance(r, (tuple, list)):
        return (type(r).__name__ if type(r) in (tuple, list) else "named " + type(r).__name__,
                [_summary(x) for x in r])
    return ("py", type(r).__name__, r)


def _assert_same(t, m, where="result"):
    assert t[0] == m[0], f"{where}: torch gives {t}, minigrad {m}"
    if t[0] != "named" and not isinstance(t[1], list):
        assert t[1] == m[1], f"{where}: torch gives {t[:2]}, minigrad {m[:2]}"
    if t[0] == "tensor":
        assert t[2] == m[2], f"{where}: torch's shape {t[2]}, minigrad's {m[2]}"
        np.testing.assert_allclose(m[3].astype(float) if m[3].dtype.kind == "b" else m[3],
                                   t[3].astype(float) if t[3].dtype.kind == "b" else t[3],
                                   rtol=2e-6, atol=1e-7, err_msg=f"{where}: values differ")
        if t[3].dtype.kind == "f":  # the sign of zeros too (-0.0 % 2 is -0.0)
            zeros = t[3] == 0
            assert (np.signbit(m[3][zeros]) == np.signbit(t[3][zeros])).all(), f"{where}: signs of zeros differ"
    elif t[0] == "py":
        assert t[2] == m[2] or t[2] != t[2] and m[2] != m[2], f"{where}: torch gives {t[2]!r}, minigrad {m[2]!r}"
    else:
        assert len(t[1]) == len(m[1]), f"{where}: torch gives {len(t[1])} items, minigrad {len(m[1])}"
        for k, (a, b) in enumerate(zip(t[1], m[1])):
            _assert_same(a, b, f"{where}[{k}]")


def same(case, device):
    """minigrad's result of case(m, T) is torch's, or minigrad raises where torch raises."""
    theirs, mine = _run(torch, case, "cpu"), _run(minigrad, case, device)
    if isinstance(theirs, Exception):
        kinds = [type(theirs)] + [c for c in type(theirs).__mro__ if c.__module__ == "builtins"
                                  and c not in (Exception, BaseException, object)][:2]
        assert isinstance(mine, tuple(kinds)), f"torch raises {type(theirs).__name__}: {theirs}; minigrad " + (
            f"raises {type(mine).__name__}: {mine}" if isinstance(mine, Exception) else f"returns {mine!r}")
        return mine
    if isinstance(mine, Exception):
        raise AssertionError(f"torch returns {theirs!r}; minigrad raises {type(mine).__name__}: {mine}")
    _assert_same(_summary(theirs), _summary(mine))
    return mine


def grads(fn, arrays, device, dtype="float32", upstream_seed=1):
    """fn(m, *leaves) in both libraries: the forward and every leaf's gradient (None or values) agree."""
    results = {}
    for m in (torch, minigrad):
        leaves = [m.tensor(np.asarray(a, dtype=dtype), dtype=getattr(m, dtype)) for a in arrays]
        leaves = [(x.to(device) if m is minigrad else x).requires_grad_() for x in leaves]
        out = fn(m, *leaves)
        up = np.random.default_rng(upstream_seed).standard_normal(tuple(out.shape)).astype(dtype)
        out.backward(m.tensor(up).to(device) if m is minigrad else m.tensor(up))
        results[m] = (out, [x.grad for x in leaves])
    (t_out, t_grads), (m_out, m_grads) = results[torch], results[minigrad]
    _assert_same(_summary(t_out), _summary(m_out), "forward")
    for k, (tg, mg) in enumerate(zip(t_grads, m_grads)):
        assert (tg is None) == (mg is None), f"gradient of input {k}: torch {tg}, minigrad {mg}"
        if tg is not None:
            _assert_same(_summary(tg), _summary(mg), f"gradient of input {k}")


# ---- % and //: differentiable as torch's, and integer division by zero refused ---------------------

@needs_torch
def test_remainder_is_in_the_graph_with_torch_gradients(device):
    grads(lambda m, x: ((x % 2) + x).sum(), [[5.5, -3.25, 7.0]], device)
    grads(lambda m, x, y: x % y, [[5.5, -3.25, 7.0, -0.0], [2.0, 2.0, -3.0, 2.0]], device)
    grads(lambda m, x, y: x.remainder(y), [[5.5, -3.25], [[2.0], [-1.5]]], device, dtype="float64")


def test_remainder_gradcheck(device):
    check_op(lambda a, b: a % b, [np.array([5.5, -3.25, 7.3]), np.array([2.0, 1.7, -3.0])], device)


REMAINDER = {
    "neg_zero": lambda m, T: T([-0.0, -3.0, 0.0]) % 2,
    "by_neg": lambda m, T: T([5.0, 0.0]) % -2,
    "inf_divisor": lambda m, T: T([5.5, -5.5]) % inf,
    "float_by_zero": lambda m, T: T([5.5, -5.5]) % 0,
    "int": lambda m, T: T([5, -7]) % T([-2, 2]),
    "int_by_zero": lambda m, T: T([5, 1]) % T([0, 2]),
    "int_by_scalar_zero": lambda m, T: T([5]) % 0,
    "number_by_int_zero": lambda m, T: 5 % T([0]),
    "floordiv_int_by_zero": lambda m, T: T([5]) // T([0]),
    "floordiv_float_by_zero": lambda m, T: T([5.5, -5.5]) // 0,
    "floordiv_number": lambda m, T: 5 // T([2, -2]),
    "floordiv_int_float": lambda m, T: T([5]) // 2.5,
    "bool_remainder": lambda m, T: T([True]) % T([True]),
    "bool_floordiv": lambda m, T: T([True]) // T([True]),
    "uint8_by_zero": lambda m, T: T([5], dtype=m.uint8) % 0,
}


@needs_torch
@pytest.mark.parametrize("name", list(REMAINDER))
def test_remainder_and_floor_divide_values_and_refusals(name, device):
    same(REMAINDER[name], device)


@needs_torch
def test_floor_divide_result_is_in_the_graph_but_has_no_derivative(device):
    x, tx = minigrad.tensor([5.5], requires_grad=True), torch.tensor([5.5], requires_grad=True)
    assert (x // 2).requires_grad == (tx // 2).requires_grad
    with pytest.raises(RuntimeError, match="derivative for .*floor_divide is not implemented"):
        (x // 2 + x).sum().backward()
    with pytest.raises(RuntimeError, match="derivative for .*floor_divide is not implemented"):
        (tx // 2 + tx).sum().backward()


# ---- shapes and pieces: narrow, repeat, split, gather, index_select, scatter ----------------------

PIECES = {
    "narrow_negative_start": lambda m, T: T([0, 1, 2, 3, 4]).narrow(0, -2, 2),
    "narrow_whole_from_negative": lambda m, T: T([0, 1, 2, 3, 4]).narrow(0, -5, 5),
    "narrow_past_the_end": lambda m, T: T([0, 1, 2, 3, 4]).narrow(0, 3, 3),
    "narrow_start_out_of_range": lambda m, T: T([0, 1, 2, 3, 4]).narrow(0, -6, 1),
    "narrow_negative_length": lambda m, T: T([0, 1, 2, 3, 4]).narrow(0, 2, -1),
    "narrow_empty_at_end": lambda m, T: T([0, 1, 2, 3, 4]).narrow(0, 5, 0),
    "narrow_0d": lambda m, T: T(2.0).narrow(0, 0, 1),
    "split_empty_dim": lambda m, T: T(np.zeros((0, 3), np.float32)).split(2, dim=0),
    "split_zero_of_empty": lambda m, T: T(np.zeros((0, 3), np.float32)).split(0, dim=0),
    "split_zero": lambda m, T: T(np.zeros((3, 3), np.float32)).split(0, dim=0),
    "split_sizes_short": lambda m, T: T(np.zeros(5, np.float32)).split([2, 2]),
    "split_sizes_long": lambda m, T: T(np.zeros(5, np.float32)).split([2, 4]),
    "split_sizes_negative": lambda m, T: T(np.zeros(5, np.float32)).split([-1, 6]),
    "split_sizes_with_zero": lambda m, T: T(np.arange(5.0)).split([5, 0]),
    "split_negative": lambda m, T: T(np.zeros(5, np.float32)).split(-1),
    "split_0d": lambda m, T: T(2.0).split(1),
    "chunk_zero": lambda m, T: T(np.zeros(5, np.float32)).chunk(0),
    "chunk_empty": lambda m, T: T(np.zeros(0, np.float32)).chunk(2),
    "chunk_0d": lambda m, T: T(2.0).chunk(1),
    "chunk_uneven": lambda m, T: T(np.arange(6.0)).chunk(4),
    "repeat_0d": lambda m, T: T(2.0).repeat(2, 2),
    "repeat_fewer": lambda m, T: T([1.0, 2.0]).repeat(()),
    "repeat_negative": lambda m, T: T([1.0, 2.0]).repeat(-1),
    "repeat_zero": lambda m, T: T([1.0, 2.0]).repeat(0, 2),
    "flatten_start_after_end": lambda m, T: T(np.zeros((2, 3))).flatten(1, 0),
    "flatten_0d_bad_dim": lambda m, T: T(2.0).flatten(1),
    "flatten_0d": lambda m, T: T(2.0).flatten(0, -1),
    "unflatten_wrong_product": lambda m, T: T(np.zeros((2, 3))).unflatten(1, (2, 2)),
    "unflatten_empty_sizes": lambda m, T: T(np.zeros((2, 3))).unflatten(1, ()),
    "unflatten_minus_one": lambda m, T: T(np.zeros((2, 3))).unflatten(1, (-1, 1)),
    "view_as_not_viewable": lambda m, T: T(np.zeros((2, 3))).t().view_as(T(np.zeros(6))),
    "permute_too_few": lambda m, T: T(np.zeros((2, 3))).permute(0),
    "permute_repeated": lambda m, T: T(np.zeros((2, 3))).permute(0, 0),
    "permute_out_of_range": lambda m, T: T(np.zeros((2, 3))).permute(0, 2),
    "flip_repeated": lambda m, T: T(np.zeros((2, 3))).flip(0, 0),
    "expand_fewer_sizes": lambda m, T: T(np.zeros(3)).expand(()),
    "expand_non_singleton": lambda m, T: T(np.zeros(3)).expand(4),
    "gather_smaller_index": lambda m, T: T(np.arange(6.0).reshape(3, 2)).gather(1, T([[1]])),
    "gather_smaller_index_dim0": lambda m, T: T(np.arange(6.0).reshape(3, 2)).gather(0, T([[2], [0]])),
    "gather_wider_index": lambda m, T: T(np.arange(6.0).reshape(3, 2)).gather(1, T([[1, 1, 0]])),
    "gather_negative_index": lambda m, T: T(np.arange(6.0).reshape(3, 2)).gather(1, T([[-1]])),
    "gather_index_too_big": lambda m, T: T(np.arange(6.0).reshape(3, 2)).gather(1, T([[2]])),
    "gather_index_too_long": lambda m, T: T(np.arange(6.0).reshape(3, 2)).gather(1, T([[1], [1], [1], [1]])),
    "gather_float_index": lambda m, T: T(np.arange(6.0).reshape(3, 2)).gather(0, T([[1.0]])),
    "gather_int32_index": lambda m, T: T(np.arange(6.0).reshape(3, 2)).gather(0, T([[1]], dtype=m.int32)),
    "gather_index_fewer_dims": lambda m, T: T(np.arange(6.0).reshape(3, 2)).gather(0, T([1])),
    "gather_0d": lambda m, T: T(2.0).gather(0, T(0)),
    "gather_0d_with_1d_index": lambda m, T: T(2.0).gather(0, T([0, 0])),
    "gather_1d_with_0d_index": lambda m, T: T([2.0, 3.0]).gather(0, T(1)),
    "index_select_0d_index": lambda m, T: T(np.arange(6.0).reshape(2, 3)).index_select(0, T(1)),
    "index_select_negative": lambda m, T: T(np.arange(6.0).reshape(2, 3)).index_select(0, T([-1])),
    "index_select_too_big": lambda m, T: T(np.arange(6.0).reshape(2, 3)).index_select(0, T([2])),
    "index_select_2d_index": lambda m, T: T(np.arange(6.0).reshape(2, 3)).index_select(0, T([[1]])),
    "index_select_float_index": lambda m, T: T(np.arange(6.0).reshape(2, 3)).index_select(0, T([1.0])),
    "index_select_repeats": lambda m, T: T(np.arange(6.0).reshape(2, 3)).index_select(-1, T([2, 0, 2])),
    "index_select_none": lambda m, T: T(np.arange(6.0).reshape(2, 3)).index_select(1, T(np.zeros(0, np.int64))),
    "index_select_of_0d": lambda m, T: T(5.0).index_select(0, T([0])),
    "index_select_of_0d_two": lambda m, T: T(5.0).index_select(0, T([0, 0])),
    "scatter_negative_index": lambda m, T: T(np.zeros(3, np.float32)).scatter(0, T([-1]), T([1.0])),
    "scatter_index_too_big": lambda m, T: T(np.zeros(3, np.float32)).scatter(0, T([3]), T([1.0])),
    "scatter_src_too_small": lambda m, T: T(np.zeros(3, np.float32)).scatter(0, T([1, 2]), T([1.0])),
    "scatter_src_larger": lambda m, T: T(np.zeros(3, np.float32)).scatter(0, T([1]), T([1.0, 2.0])),
    "scatter_src_dtype": lambda m, T: T(np.zeros(3, np.float32)).scatter(0, T([1]), T([1])),
    "scatter_add_src_dtype": lambda m, T: T(np.zeros((2, 3), np.float32)).scatter_add(
        1, T([[1, 1]]), T(np.ones((2, 3)), dtype=m.float64)),
    "scatter_value": lambda m, T: T(np.zeros(3, np.float32)).scatter(0, T([1]), value=5),
    "scatter_smaller_index": lambda m, T: T(np.zeros((2, 3), np.float32)).scatter(1, T([[1]]), T(np.ones((2, 3)))),
    "scatter_index_wider_than_self": lambda m, T: T(np.zeros((2, 3), np.float32)).scatter(
        1, T([[1, 0, 2, 1]]), T(np.ones((2, 3)))),
    "scatter_0d": lambda m, T: T(2.0).scatter(0, T(0), T(5.0)),
    "scatter_0d_value": lambda m, T: T(2.0).scatter(0, T(0), 5.0),
}


@needs_torch
@pytest.mark.parametrize("name", list(PIECES))
def test_pieces_as_torch(name, device):
    same(PIECES[name], device)


@needs_torch
def test_repeat_with_more_dims_gives_the_gradient_the_input_shape(device):
    grads(lambda m, x: x.repeat(2, 2), [[1.0, 2.0]], device)
    grads(lambda m, x: x.repeat(3, 1, 2), [[[1.0, 2.0]]], device)
    grads(lambda m, x: x.repeat(2), [3.0], device)
    grads(lambda m, x: x.tile(2, 1, 1), [[1.0, 2.0, 3.0]], device)


@needs_torch
def test_gather_and_scatter_gradients_with_smaller_indices(device):
    grads(lambda m, x: x.gather(1, m.tensor([[1]]).to(x.device)), [np.arange(6.0).reshape(3, 2)], device)
    grads(lambda m, x: x.gather(0, m.tensor([[2], [0]]).to(x.device)), [np.arange(6.0).reshape(3, 2)], device)
    grads(lambda m, x: x.gather(0, m.tensor(0).to(x.device)), [2.0], device)
    index = lambda m, x: m.tensor([[1], [2]]).to(x.device)  # noqa: E731  (smaller than x, as large as src)
    grads(lambda m, x, s: x.scatter(1, index(m, x), s), [np.zeros((2, 3)), [[4.0], [5.0]]], device)
    grads(lambda m, x, s: x.scatter_add(1, index(m, x), s), [np.zeros((2, 3)), [[4.0], [5.0]]], device)
    # an empty index uses nothing of src: its gradient is zeros of src's shape (torch sums () down to it)
    grads(lambda m, x, s: x.scatter(0, m.tensor(np.zeros(0, np.int64)).to(x.device), s), [np.zeros(3), [7.0]], device)


def test_scatter_src_gradient_has_src_shape_with_zeros_where_unused(device):
    # torch's own backward refuses this case (index [[1]] smaller than src (2, 3)): the gradient of the
    # part of src scatter never reads is 0, and the gradient keeps src's shape
    x = minigrad.zeros(2, 3, device=device, requires_grad=True)
    src = minigrad.ones(2, 3, device=device, requires_grad=True)
    x.scatter(1, minigrad.tensor([[1]], device=device), src).sum().backward()
    assert host(src.grad.array).tolist() == [[1, 0, 0], [0, 0, 0]]
    assert host(x.grad.array).tolist() == [[1, 0, 1], [1, 1, 1]]


def test_gather_and_scatter_gradcheck_with_smaller_indices(device):
    index = minigrad.tensor([[2, 0]], device=device)
    check_op(lambda x: x.gather(0, index), [np.random.default_rng(0).standard_normal((3, 4))], device)
    check_op(lambda x, s: x.scatter(1, minigrad.tensor([[3], [1]], device=device), s),
             [np.random.default_rng(1).standard_normal((2, 4)), np.random.default_rng(2).standard_normal((2, 3))],
             device)


@needs_torch
def test_index_select_zero_d_index_keeps_the_dim(device):
    grads(lambda m, x: x.index_select(0, m.tensor(1).to(x.device)), [np.arange(6.0).reshape(2, 3)], device)
    grads(lambda m, x: x.index_select(1, m.tensor([2, 0, 2]).to(x.device)), [np.arange(6.0).reshape(2, 3)], device)


def test_an_integer_index_is_a_zero_d_view_both_ways(device):
    y = minigrad.zeros(3, device=device)
    v = y[0]
    y.add_(1)
    assert v.item() == 1.0 and v._version is y._version  # torch: tensor(1.), one shared version counter
    v.add_(5)
    assert host(y.array).tolist() == [6.0, 1.0, 1.0]
    grid = minigrad.zeros(2, 3, device=device)
    corner = grid[1, 2]
    grid[1, 2] = 7
    assert corner.item() == 7.0 and corner.shape == ()
    cube = minigrad.zeros(3, 3, 3, device=device)
    picked = cube[1, -2, minigrad.tensor(1)]  # a 0-d integer tensor indexes as an int: a view too
    cube.add_(1)
    assert picked.item() == 1.0
    w = minigrad.ones(3, device=device, requires_grad=True) * 1
    first = w[0]
    w.mul_(3)  # in the graph: the view's history is rewritten through its base, as torch's
    first.backward()
    base = minigrad.ones(3, requires_grad=True)
    (base * 1)[1].backward()
    assert host(base.grad.array).tolist() == [0.0, 1.0, 0.0]


@needs_torch
def test_clone_keeps_the_memory_order_and_contiguous_makes_c_order(device):
    for case in (lambda m, T: T(np.zeros((2, 3))).t().clone().is_contiguous(),
                 lambda m, T: T(np.zeros((2, 3))).t().clone().t().is_contiguous(),
                 lambda m, T: T(np.zeros((2, 3))).t()[::2].clone().is_contiguous(),
                 lambda m, T: T(np.zeros((2, 3))).t().contiguous().is_contiguous(),
                 lambda m, T: T(np.zeros((2, 3, 4))).permute(2, 0, 1).clone().stride(),
                 lambda m, T: T(np.zeros((2, 3))).t().clone().stride(),
                 lambda m, T: T(np.zeros((2, 3))).t().contiguous().stride()):
        same(case, device)


# ---- reductions: 0-d tensors with dim 0 / -1, dims as tuples, empty tensors ----------------------

ZERO_D = ["sum(0)", "sum(-1, keepdim=True)", "sum(())", "mean(0)", "prod(0)", "amax(0)", "amin(-1)", "max(0)",
          "min(-1, keepdim=True)", "argmax(0)", "argmin(-1)", "argmax()", "all(0)", "any(-1)", "logsumexp(0)",
          "norm(dim=0)", "norm(p=1, dim=-1)", "var(0)", "var(0, correction=0)", "std(-1, correction=0)",
          "cumsum(0)", "cumsum(-1)", "sort()", "sort(0, descending=True)", "argsort()", "topk(1)", "topk(1, 0)",
          "topk(2)", "transpose(0, -1)", "flip(0)", "flip(-1)", "permute(0)", "softmax(0)", "log_softmax(-1)",
          "squeeze(0)", "unsqueeze(-1)", "t()", "T", "cumsum(1)", "sum(1)", "max(1)", "sort(1)"]


@needs_torch
@pytest.mark.parametrize("call", ZERO_D)
def test_zero_d_tensors_take_dim_0_and_minus_1(call, device):
    same(lambda m, T: eval("T(2.5)." + call), device)


@needs_torch
@pytest.mark.parametrize("call", ["sum(0)", "mean(-1)", "prod(0)", "amax(0)", "max(0).values", "cumsum(0)",
                                  "sort(0).values", "topk(1).values", "norm(dim=0)", "std(0, correction=0)",
                                  "logsumexp(0)", "transpose(0, -1)", "flip(0)", "softmax(0)"])
def test_zero_d_reduction_gradients(call, device):
    grads(lambda m, x: eval("x." + call), [2.5], device)


EMPTY = ["sum()", "mean()", "prod()", "max()", "min()", "amax()", "argmax()", "std()", "var()", "norm()",
         "norm(p=float('inf'))", "logsumexp(0)", "all()", "any()", "cumsum(0)", "sort()", "topk(0)"]
EMPTY_2D = ["sum(0)", "mean(0)", "prod(0)", "max(0)", "max(1)", "amax(0)", "amax(1)", "argmax(0)", "argmax(1)",
            "std(0)", "var(1)", "norm(dim=0)", "softmax(0)", "log_softmax(1)", "logsumexp(0)", "logsumexp(1)",
            "min(0)", "amin((0, 1))", "all(1)", "any(0)"]


@needs_torch
@pytest.mark.parametrize("call", [("(0,)", c) for c in EMPTY] + [("(0, 3)", c) for c in EMPTY_2D]
                         + [("(3, 0)", c) for c in EMPTY_2D], ids=lambda c: f"{c[0]}.{c[1]}")
def test_reductions_of_empty_tensors(call, device):
    shape, method = call
    same(lambda m, T: eval(f"T(np.zeros({shape}, np.float32)).{method}"), device)


DIMS = ["sum(())", "mean(())", "amax(())", "std(())", "norm(dim=())", "all(())", "sum((0, 0))", "sum((0, 1))",
        "mean((-1, 0), keepdim=True)", "var((0, 1))", "std([1], keepdim=True)", "amin((1, 0))", "sum(2)",
        "prod((0,))", "norm(dim=(0, -1))", "var(0, True)", "var(False)", "std(0, unbiased=True, correction=1)"]


@needs_torch
@pytest.mark.parametrize("call", DIMS)
def test_reduction_dims_as_tuples(call, device):
    same(lambda m, T: eval(f"T(np.arange(6.0).reshape(2, 3)).{call}"), device)


# ---- std, var, norm, prod: PyTorch's gradients at the edges ----------------------------------------

@needs_torch
def test_std_of_a_constant_has_gradient_zero(device):
    grads(lambda m, x: x.std(), [[1.0, 1.0, 1.0]], device)
    grads(lambda m, x: x.std(1), [[[2.0, 2.0], [1.0, 3.0]]], device)
    grads(lambda m, x: x.std(correction=0), [[5.0]], device)


@needs_torch
@pytest.mark.parametrize("correction", [0, 1, 2, 3, 5])
def test_var_and_std_with_too_few_elements_for_the_correction(correction, device):
    for op in ("var", "std"):
        grads(lambda m, x: getattr(x, op)(correction=correction), [[1.0, 2.0]], device)
        grads(lambda m, x: getattr(x, op)(0, correction=correction), [[[1.0], [2.0]]], device)
        grads(lambda m, x: getattr(x, op)(correction=correction), [[1.0, 1.0]], device)


@needs_torch
def test_std_and_var_at_large_magnitudes_do_not_overflow_where_torch_does_not(device):
    for case in (lambda m, T: T([1e20, -1e20]).std(), lambda m, T: T([1e20, -1e20]).var(),
                 lambda m, T: T([1e30, 1e30, -1e30]).std(0), lambda m, T: T([3e19, 1e19]).std(correction=0),
                 lambda m, T: T([1e-30, 3e-30]).std()):
        same(case, device)
    grads(lambda m, x: x.std(), [[1e20, -1e20, 3e19]], device)


def test_std_and_var_gradcheck(device):
    rng = np.random.default_rng(0)
    check_op(lambda x: x.std(1), [rng.standard_normal((3, 4))], device)
    check_op(lambda x: x.var((0, 2), correction=0, keepdim=True), [rng.standard_normal((2, 3, 4))], device)


@needs_torch
def test_std_and_var_refuse_integers(device):
    same(lambda m, T: T([2, 3]).std(), device)
    same(lambda m, T: T([2, 3]).var(), device)
    same(lambda m, T: T([True, False]).norm(), device)


NORMS = [2, 1, 3, 0.5, -1, -2.5, 0, inf, -inf, "fro"]


@needs_torch
@pytest.mark.parametrize("p", NORMS, ids=str)
def test_norm_every_p_and_its_gradient(p, device):
    data = [[3.0, -0.5, 2.0], [0.0, 1.5, -4.0]]
    grads(lambda m, x: x.norm(p=p), [data], device, dtype="float64")
    grads(lambda m, x: x.norm(p=p, dim=1), [data], device, dtype="float64")
    grads(lambda m, x: x.norm(p=p, dim=0, keepdim=True), [data], device, dtype="float64")
    if p not in (0, -1, -2.5, -inf):  # zero vectors: gradient 0 (torch's NaN with negative p is theirs to keep)
        grads(lambda m, x: x.norm(p=p, dim=1), [[[0.0, 0.0], [1.0, -2.0]]], device, dtype="float64")


@needs_torch
def test_norm_with_ties_and_nan(device):
    grads(lambda m, x: x.norm(p=inf), [[3.0, -3.0, 1.0]], device)
    grads(lambda m, x: x.norm(p=-inf, dim=0), [[[3.0, 1.0], [-1.0, 2.0]]], device)
    grads(lambda m, x: x.norm(p=inf), [[3.0, nan, 1.0]], device)
    same(lambda m, T: T([3.0, -0.5, 2.0]).norm(p=-inf), device)


def test_norm_gradcheck(device):
    x = np.random.default_rng(0).standard_normal((3, 4))
    for p in (2, 1, 3, 0.5, -1.5, inf, -inf):
        check_op(lambda a: a.norm(p=p, dim=1), [x], device)


def test_prod_backward_through_zeros_gradcheck(device):
    one_zero = np.array([[2.0, 0.0, 3.0, 1.5], [0.5, -2.0, 4.0, 0.0], [1.0, 2.0, 3.0, 4.0]])
    two_zeros = np.array([[0.0, 0.0, 3.0], [2.0, 0.0, 0.0], [1.5, -1.0, 2.0]])
    for x in (one_zero, two_zeros):
        check_op(lambda a: a.prod(1), [x], device)
        check_op(lambda a: a.prod(0, keepdim=True), [x], device)
        check_op(lambda a: a.prod(), [x], device)
    check_op(lambda a: a.prod(), [np.array([0.0, 2.0, 3.0])], device)


@needs_torch
def test_prod_gradient_with_zeros_as_torch(device):
    for data in ([[2.0, 0.0, 3.0], [0.0, 0.0, 2.0], [1.0, 2.0, 4.0]], [0.0, 5.0, -1.5]):
        grads(lambda m, x: x.prod(), [data], device, dtype="float64")
        grads(lambda m, x: x.prod(-1), [data], device, dtype="float64")


@needs_torch
def test_max_and_amax_gradients_with_nan_and_ties(device):
    data = [[1.0, nan, nan], [2.0, 2.0, 1.0]]
    for call in ("amax(0)", "amax()", "max()", "amin(1)", "min()", "max(1).values", "min(0).values"):
        grads(lambda m, x: eval("x." + call), [data], device)


# ---- clamp, maximum/minimum and the step functions: gradients at ties and NaN ----------------------

@needs_torch
def test_clamp_with_tensor_bounds_at_a_tie_gives_x_the_gradient(device):
    grads(lambda m, x, lo: x.clamp(min=lo), [[1.0, 2.0, 0.5], [1.0, 1.0, 1.0]], device)
    grads(lambda m, x, hi: x.clamp(max=hi), [[1.0, 2.0, 0.5], [1.0, 1.0, 1.0]], device)
    grads(lambda m, x, lo, hi: x.clamp(lo, hi), [[1.0, 2.0, 0.5, 3.0], [1.0, 1.0, 1.0, 4.0], [2.0, 2.0, 2.0, 2.5]],
          device)


@needs_torch
def test_clamp_with_min_above_max_and_nan(device):
    grads(lambda m, x, lo, hi: x.clamp(lo, hi), [[1.0, 2.0, 3.0], [2.5, 2.5, 2.5], [1.5, 1.5, 1.5]], device)
    grads(lambda m, x, lo, hi: x.clamp(lo, hi), [[nan, 2.0, 3.0], [0.0, nan, 0.0], [5.0, 5.0, nan]], device)
    grads(lambda m, x: x.clamp(0.5, 1.5), [[nan, 0.5, 1.5, 2.0]], device)
    grads(lambda m, x: x.clamp(2.0, 1.0), [[nan, 0.5, 1.5, 2.0]], device)
    grads(lambda m, x, lo: x.clamp(min=lo), [[[1.0, 2.0, 3.0]], [[2.0], [0.0]]], device)  # lo broadcasts x


CLAMP = {
    "bool_int_bound": lambda m, T: T([True, False]).clamp(0),
    "bool_bool_bound": lambda m, T: T([True, False]).clamp(min=False),
    "bool_tensor_bound": lambda m, T: T([True, False]).clamp(T(False)),
    "int_float_bound": lambda m, T: T([2, -3]).clamp(0.5),
    "int_0d_tensor_and_number": lambda m, T: T([2, 3]).clamp(T(1), 2),
    "float_0d_tensor_and_number": lambda m, T: T([2.0, 3]).clamp(min=2.5, max=T(1.0)),
    "tensor_and_number": lambda m, T: T([2.0, 3]).clamp(min=T([2.5, 1]), max=2),
    "float64_0d_bound": lambda m, T: T([2.0, 3]).clamp(min=T(2.5, dtype=m.float64)),
    "float64_bound": lambda m, T: T([2.0, 3]).clamp(min=T([2.5], dtype=m.float64)),
    "no_bounds": lambda m, T: T([2.0, 3]).clamp(),
    "maximum_number": lambda m, T: T([2.0, 3]).maximum(2),
    "maximum_nan": lambda m, T: T([nan, 1.0, 2.0]).maximum(T([1.0, nan, 1.0])),
    "sign_nan": lambda m, T: T([nan, -0.0, 1.5, -2.5, inf]).sign(),
    "sign_bool": lambda m, T: T([True, False]).sign(),
    "sign_uint8": lambda m, T: T([3, 0], dtype=m.uint8).sign(),
    "floor_int": lambda m, T: T([2, -3]).floor(),
    "round_half_even": lambda m, T: T([0.5, 1.5, 2.5, -0.5]).round(),
    "round_decimals": lambda m, T: T([0.125, 1.555]).round(decimals=2),
}


@needs_torch
@pytest.mark.parametrize("name", list(CLAMP))
def test_clamp_maximum_and_steps_as_torch(name, device):
    same(CLAMP[name], device)


@needs_torch
def test_maximum_minimum_gradients_at_nan_and_ties(device):
    for op in ("maximum", "minimum"):
        grads(lambda m, a, b: getattr(a, op)(b), [[nan, 1.0, 2.0, 3.0], [1.0, nan, 2.0, 1.0]], device)
        grads(lambda m, a, b: getattr(a, op)(b), [[1.0, 2.0, 3.0], [[2.0], [3.0]]], device)


@needs_torch
@pytest.mark.parametrize("op", ["sign", "floor", "ceil", "round", "trunc", "abs"])
def test_step_functions_send_back_zeros_and_abs_of_nan_gets_zero(op, device):
    grads(lambda m, x: getattr(x, op)(), [[nan, -0.0, 0.0, 1.5, -2.5, inf]], device)


@needs_torch
def test_relu_gradient_at_nan_and_zero(device):
    grads(lambda m, x: x.relu(), [[nan, 0.0, -1.0, 2.0, inf]], device)
    grads(lambda m, x: F.relu(x) if m is minigrad else torch.nn.functional.relu(x), [[nan, 0.0, 1.0]], device)


# ---- bool and integer dtypes: PyTorch's result dtypes and its refusals ------------------------------

BOOLS = {
    "square": lambda m, T: T([True, False]).square(),
    "square_uint8": lambda m, T: T([3, 250], dtype=m.uint8).square(),
    "add_alpha": lambda m, T: m.add(T([True, False]), T([True, False]), alpha=2),
    "add_bool_alpha_int_result": lambda m, T: m.add(T([2, 3]), T([2, 3]), alpha=True),
    "add_float_alpha_int": lambda m, T: m.add(T([2, 3]), T([2, 3]), alpha=2.5),
    "sub_float_alpha_int": lambda m, T: m.sub(T([2, 3]), T([2, 3]), alpha=0.5),
    "add_number_alpha": lambda m, T: m.add(T([True, False]), 1, alpha=2),
    "pow_true": lambda m, T: T([True, False]) ** True,
    "pow_false": lambda m, T: T([True, False]) ** False,
    "pow_two": lambda m, T: T([True, False]) ** 2,
    "pow_bool_tensor": lambda m, T: T([True, False]) ** T([True, False]),
    "pow_of_bool": lambda m, T: True ** T([True, False]),
    "int_pow_negative_tensor": lambda m, T: T([0, 1, -1, 2, -2, 3]) ** T([-1, -1, -3, -1, -2, 2]),
    "int_pow_negative_number": lambda m, T: T([2, 3]) ** -1,
    "uint8_all": lambda m, T: T([3, 250], dtype=m.uint8).all(),
    "uint8_any_dim": lambda m, T: T([[3, 0]], dtype=m.uint8).any(1, keepdim=True),
    "int_all": lambda m, T: T([3, 0]).all(),
    "sub_scalar": lambda m, T: T([True, False]) - 1,
    "sub_bools": lambda m, T: T([True, False]) - T([True, False]),
    "rsub": lambda m, T: 1 - T([True, False]),
    "sub_bool_number": lambda m, T: T([2.0]) - True,
    "int_sub_bool": lambda m, T: T([2, -3]) - T([True, False]),
    "neg": lambda m, T: -T([True, False]),
    "pos": lambda m, T: +T([True, False]),
    "abs": lambda m, T: T([True, False]).abs(),
    "floor": lambda m, T: T([True, False]).floor(),
    "ceil": lambda m, T: T([True, False]).ceil(),
    "round": lambda m, T: T([True, False]).round(),
    "trunc": lambda m, T: T([True, False]).trunc(),
    "relu": lambda m, T: T([True, False]).relu(),
    "relu_int": lambda m, T: T([2, -3]).relu(),
    "matmul": lambda m, T: T([True, False]) @ T([True, False]),
    "mm": lambda m, T: T([[True]]).mm(T([[False]])),
    "dot": lambda m, T: T([True]).dot(T([True])),
    "dot_int32": lambda m, T: T([2, 3], dtype=m.int32).dot(T([2, 3], dtype=m.int32)),
    "argmax": lambda m, T: T([True, False]).argmax(),
    "topk": lambda m, T: T([True, False]).topk(1),
    "softmax_int": lambda m, T: T([2, -3]).softmax(0),
    "log_softmax_int": lambda m, T: T([2, -3]).log_softmax(0),
    "softmax_int_dtype": lambda m, T: T([2, -3]).softmax(0, dtype=m.float64),
    "tanh_int": lambda m, T: T([1, 2]).tanh(),
    "sigmoid_int": lambda m, T: T([1, 2]).sigmoid(),
    "bitwise_float": lambda m, T: T([2, -3]) & 1.5,
    "bitwise_floats": lambda m, T: T([1.5]) | T([1.5]),
    "mm_vector": lambda m, T: T(np.ones(3)).mm(T(np.ones((3, 2)))),
    "mm_batch": lambda m, T: T(np.ones((2, 2, 2))).mm(T(np.ones((2, 2)))),
    "mm_batch_right": lambda m, T: T(np.ones((2, 2))).mm(T(np.ones((2, 2, 2)))),
    "masked_fill_int_mask": lambda m, T: T([2, -3]).masked_fill(T([1, 0]), 0),
    "masked_fill_value_dims": lambda m, T: T([2, -3]).masked_fill(T([True, False]), T([1, 2])),
    "masked_fill_float_into_int": lambda m, T: T([2, -3]).masked_fill(T([True, False]), 2.5),
    "where_float_condition": lambda m, T: T([2.0, -3.0]).where(T([1.0, 0.0]), 0.0),
}


@needs_torch
@pytest.mark.parametrize("name", list(BOOLS))
def test_bool_and_integer_results_and_refusals(name, device):
    same(BOOLS[name], device)


@needs_torch
def test_masked_fill_with_a_0d_tensor_value_sends_it_the_gradient(device):
    mask = lambda m, x: m.tensor([True, False, True]).to(x.device)  # noqa: E731
    grads(lambda m, x, v: x.masked_fill(mask(m, x), v), [[1.0, 2.0, 3.0], 5.0], device)
    grads(lambda m, x, v: x.masked_fill(mask(m, x).reshape(3, 1), v), [[1.0, 2.0, 3.0], 5.0], device)


# ---- in-place ops: PyTorch's refusals, and `x op= y` changes x itself --------------------------------

INPLACE = {
    "int_mul_float_needing_grad": lambda m, T: T([1, 2]).mul_(T([1.5, 2.0], requires_grad=True)),
    "int_imul_float": lambda m, T: T([1, 2]).__imul__(T([1.5, 2.0])),
    "int_div": lambda m, T: T([1, 2]).div_(2),
    "int_sqrt": lambda m, T: T([1, 2]).sqrt_(),
    "broadcast_grows_target": lambda m, T: T([1.0, 2.0]).add_(T(np.ones((2, 2)))),
    "broadcast_grows_target_mod": lambda m, T: T([1.0, 2.0]).__imod__(T(np.ones((2, 2)))),
    "broadcast_grows_in_graph": lambda m, T: (T([1.0, 2.0], requires_grad=True) * 1).mul_(T(np.ones((2, 2)))),
    "int_mask": lambda m, T: T([1.0, 2.0]).masked_fill_(T([1, 0]), 0.0),
    "expanded_target": lambda m, T: T([1.0]).expand(3).add_(1),
    "expanded_target_mul": lambda m, T: T([1.0]).expand(3).mul_(2),
    "bool_or_int": lambda m, T: T([True, False]).__ior__(T([3, 3])),
    "int32_and_int64": lambda m, T: T([1, 2], dtype=m.int32).__iand__(T([3, 3])),
    "floordiv_int_by_float": lambda m, T: T([5, 7]).__ifloordiv__(2.5),
    "mod_int_by_zero": lambda m, T: T([5, 7]).__imod__(0),
    "copy_larger": lambda m, T: T(np.ones(3)).copy_(T(np.ones((2, 3)))),
    "copy_float_into_int": lambda m, T: T([1, 1]).copy_(T([1.5, 2.5])),
}


@needs_torch
@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_refusals_and_results(name, device):
    same(INPLACE[name], device)


@pytest.mark.parametrize("op", ["__ifloordiv__", "__imod__", "__iand__", "__ior__", "__ixor__"])
def test_augmented_assignment_changes_the_tensor_itself(op, device):
    x = minigrad.tensor([5, 7], device=device)
    alias = x
    x = getattr(x, op)(3)
    assert x is alias and x._version[0] == 1


# ---- F.linear and arange ----------------------------------------------------------------------------

def _linear(m, *args):
    return (F if m is minigrad else torch.nn.functional).linear(*args)


@needs_torch
def test_linear_bias_of_any_broadcastable_shape_gets_its_own_shape_back(device):
    x, w = np.random.default_rng(0).standard_normal((3, 5)), np.random.default_rng(1).standard_normal((4, 5))
    grads(lambda m, x, w, b: _linear(m, x, w, b), [x, w, 0.5], device)  # a 0-d bias: b.grad is 0-d
    grads(lambda m, x, w, b: _linear(m, x, w, b), [x, w, np.ones((3, 4))], device)
    grads(lambda m, x, w, b: _linear(m, x, w, b), [x, w, np.ones((1, 4))], device)
    grads(lambda m, x, w, b: _linear(m, x, w, b), [x[0], w, np.ones(4)], device)  # a 1-D input
    grads(lambda m, x, w: _linear(m, x, w), [np.ones((2, 3, 5)), w], device)


@needs_torch
@pytest.mark.parametrize("args", ["T(2.0), T(np.ones((4, 1)))", "T(np.ones((2, 5))), T(np.ones((4, 5))), T(np.ones(3))",
                                  "T(np.ones((2, 5))), T(np.ones((4, 5))), T(np.ones((3, 2, 4)))",
                                  "T(np.ones((0, 5))), T(np.ones((4, 5))), T(np.ones(4))",
                                  "T(np.ones((2, 0))), T(np.ones((4, 0))), T(np.ones(4))",
                                  "T(np.ones((2, 5)) > 0), T(np.ones((4, 5)) > 0)",
                                  "T(np.ones((2, 5), np.int32)), T(np.ones((4, 5), np.int32))",
                                  "T(np.ones((2, 5))), T(np.ones((4, 5))), T(np.ones(4), dtype=m.float64)"])
def test_linear_inputs_as_torch(args, device):
    same(lambda m, T: eval(f"_linear(m, {args})"), device)


ARANGE = ["0, 5, -1", "5, 0", "5, 0, 1", "0, 5, 0", "5, dtype=m.bool", "float('nan')", "float('inf')",
          "T(3)", "-1.0, 3, 0.3, dtype=m.int32", "0.5, 2.0, 0.5, dtype=m.uint8", "2.7, 9.1, 2.2, dtype=m.int64",
          "-1.0, 3, 0.3, dtype=m.int64", "3, -2.5, -1.5", "2, 2, -1", "0.0, 1.0, 0.3"]


@needs_torch
@pytest.mark.parametrize("args", ARANGE)
def test_arange_as_torch(args, device):
    same(lambda m, T: eval(f"m.arange({args})"), device)


# ---- found by the differential fuzzer (/work/fuzz) around the rows above ---------------------------

FUZZED = {
    "uint8_compare_negative": lambda m, T: T([1, 2], dtype=m.uint8) < -2,
    "uint8_equal_wraps": lambda m, T: T([9, 3], dtype=m.uint8) == 265,
    "uint8_minus_300_wraps": lambda m, T: T([9, 3], dtype=m.uint8) - 300,
    "int8_plus_300_wraps": lambda m, T: T([1, 2], dtype=m.int8) + 300,
    "beyond_int64": lambda m, T: T([1, 2]) + 2 ** 64,
    "number_over_uint8": lambda m, T: -7 / T([9, 3], dtype=m.uint8),
    "number_over_float_rounds_as_reciprocal": lambda m, T: -7 / T([3.0, 9.0, 0.1]),
    "int_then_index_array": lambda m, T: T(np.arange(9.0).reshape(3, 1, 3))[2, 0::2, T([0, 2, 1])],
    "int_slice_then_index_array": lambda m, T: T(np.arange(27.0).reshape(3, 3, 3))[1, 1:, T([[0], [2]])],
    "0d_tensor_index_is_an_int": lambda m, T: T(np.arange(27.0).reshape(3, 3, 3))[1, -2, T(1)],
    "python_bool_in_index": lambda m, T: T([1.0])[0, True],
    "sum_int32_dtype": lambda m, T: T([[1, 2], [3, 4]], dtype=m.int32).sum(-1, dtype=m.int32),
    "prod_int32": lambda m, T: T([[1, 2], [3, 4]], dtype=m.int32).prod(0),
    "sum_int_dtype_of_float_in_graph": lambda m, T: T([1.5, 2.0], requires_grad=True).sum(dtype=m.int32),
    "cumsum_int32_dtype": lambda m, T: T([1, 2], dtype=m.int32).cumsum(0, dtype=m.int32),
    "norm_of_one_large_element": lambda m, T: T([5.6e29]).norm(),
    "norm_of_two_large_elements": lambda m, T: T([5.6e29, 0.0]).norm(),
    "norm_negative_p_of_empty": lambda m, T: T(np.zeros(0, np.float32)).norm(-1),
    "norm_bool_dim": lambda m, T: T([1.0, 2.0]).norm(0, True),
    "round_int": lambda m, T: T([2, 3]).round(),
    "round_int_decimals": lambda m, T: T([2, 3]).round(decimals=0),
    "squeeze_repeated": lambda m, T: T(np.zeros((1, 3))).squeeze((0, 0)),
    "clamp_bool_two_tensor_bounds": lambda m, T: T([True, False]).clamp(T(False), T(True)),
    "clamp_0d_bound_in_graph_and_number": lambda m, T: T([1.0, 2.0]).clamp(T(1.5, requires_grad=True), 3),
    "clamp_uint8_bound_overflow": lambda m, T: T([1, 2], dtype=m.uint8).clamp(max=300),
    "sub_bool_number_with_alpha": lambda m, T: m.sub(T([1.0, 2.0]), True, alpha=0.5),
    "subtract_bool_tensor_with_alpha": lambda m, T: T([1, 2]).subtract(T([True, False]), alpha=-1),
    "add_inplace_bool_alpha": lambda m, T: T([1.0, 2.0]).add_(T([1.0, 1.0]), alpha=True),
    "sub_inplace_bool": lambda m, T: T([1.0, 2.0]).sub_(T([True, False])),
    "pow_exponent_overflow": lambda m, T: T([2], dtype=m.uint8) ** 300,
    "number_pow_uint8_wraps": lambda m, T: 300 ** T([2], dtype=m.uint8),
    "cat_dim_out_of_range": lambda m, T: m.cat([T([1.0, 2.0])], dim=-2),
    "cat_0d": lambda m, T: m.cat([T(1.0)]),
    "cat_ndim_mismatch": lambda m, T: m.cat([T(np.zeros(3)), T(np.zeros((2, 3)))]),
    "cat_skips_empty_1d": lambda m, T: m.cat([T(np.zeros((2, 3))), T(np.zeros(0))]),
    "full_overflow": lambda m, T: m.full((2,), 300, dtype=m.uint8),
    "full_negative_wraps": lambda m, T: m.full((2,), -1, dtype=m.uint8),
    "full_inf_int": lambda m, T: m.full((2,), inf, dtype=m.int32),
    "full_float_truncates": lambda m, T: m.full((2,), 2.5, dtype=m.int64),
    "new_full_overflow": lambda m, T: T([1], dtype=m.uint8).new_full((2,), 256),
    "fill_overflow": lambda m, T: T([1, 2], dtype=m.uint8).fill_(300),
    "masked_fill_overflow": lambda m, T: T([1, 2], dtype=m.uint8).masked_fill(T([True, False]), 300),
    "linspace_int_truncates_ends": lambda m, T: m.linspace(-1.5, 1, 7, dtype=m.int64),
    "linspace_overflow": lambda m, T: m.linspace(0, 300, 3, dtype=m.uint8),
    "linspace_negative_steps": lambda m, T: m.linspace(0, 1, -1),
    "to_copy": lambda m, T: (lambda x: x.to(m.float32, copy=True) is x)(T([1.0])),
    "unique_dim_inverse": lambda m, T: T([[1.0, 2.0, 1.0]]).unique(return_inverse=True, return_counts=True, dim=1),
    "allclose_dtypes": lambda m, T: m.allclose(T([1.0]), T([1.0], dtype=m.float64)),
    "mT_of_vector": lambda m, T: T([1.0, 2.0]).mT,
    "uniform_int": lambda m, T: T([1, 2]).uniform_(),
    "normal_bool": lambda m, T: T([True]).normal_(),
    "inplace_on_empty": lambda m, T: T(np.zeros((0, 2), np.float32)).sub_(300),
    "expanded_single_element": lambda m, T: T([1.0]).expand(1).add_(2),
    "remainder_of_empty_by_zero": lambda m, T: T(np.zeros((3, 0), np.int64)) % 0,
    "unflatten_minus_one_of_empty": lambda m, T: T(np.zeros((0, 1, 1), np.int64)).unflatten(2, (-1,)),
    "setitem_index_put_dtype": lambda m, T: T(np.zeros((4, 4), np.float32)).__setitem__(
        [3, 2, -3], T(np.ones((1, 1), np.uint8))),
    "setitem_mask_other_dtype": lambda m, T: T(np.zeros(3, np.float32)).__setitem__(
        T([True, False, True]), T([1], dtype=m.int64)),
    "relu_inplace_bool": lambda m, T: T([True]).relu_(),
    "nonzero_0d": lambda m, T: T(2.0).nonzero(),
    "nonzero_0d_zero": lambda m, T: T(0.0).nonzero(),
    "nonzero_as_tuple": lambda m, T: T([0.0, 1.0]).nonzero(as_tuple=True),
    "mT_0d": lambda m, T: T(2.0).mT,
    "where_uint8_condition": lambda m, T: T([0.0, 0.0]).where(T([1, 0], dtype=m.uint8), 1.0),
}


@needs_torch
@pytest.mark.parametrize("name", list(FUZZED))
def test_fuzzer_findings(name, device):
    same(FUZZED[name], device)


@needs_torch
def test_fuzzer_gradient_findings(device):
    grads(lambda m, a, b: a ** b, [[0.86, 0.78, -0.99], [3e38, -1e30, -0.14]], device)  # 3e38 * 0.86^3e38 = 0
    grads(lambda m, x: x.std(dim=(), unbiased=False), [[1.0, 2.0, 4.0]], device)  # torch's backward counts n = 1
    grads(lambda m, x, v: x.clone().fill_(v), [[1.0, 2.0], 3.0], device)
    grads(lambda m, x: x.norm(), [[5.6e29]], device)
    grads(lambda m, x, lo, hi: x.clamp(lo, hi), [[0.5, 2.0], [0.0, 1.0], [1.5, 1.5]], device)


def test_a_saved_input_changed_in_place_is_refused_by_var_and_std(device):
    for op in ("var", "std"):
        y = minigrad.tensor([1.0, 2.0, 4.0], device=device, requires_grad=True) * 1
        z = getattr(y, op)()
        y.exp_()
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.backward()


def test_clamp_with_tensor_bounds_linear_with_any_bias_and_amin_gradcheck(device):
    rng = np.random.default_rng(3)
    x, lo, hi = rng.standard_normal((3, 4)), rng.standard_normal(4) - 0.7, rng.standard_normal((3, 1)) + 0.7
    check_op(lambda a, b, c: a.clamp(b, c), [x, lo, hi], device)
    check_op(lambda a, w, b: F.linear(a, w, b), [rng.standard_normal((2, 5)), rng.standard_normal((3, 5)),
                                                 np.array(0.3)], device)
    check_op(lambda a, w, b: F.linear(a, w, b), [rng.standard_normal(5), rng.standard_normal((3, 5)),
                                                 rng.standard_normal(3)], device)  # a vector in, a vector out
    check_op(lambda a: a.amin(1), [rng.standard_normal((3, 4))], device)


@needs_torch
def test_a_range_or_list_beside_an_integer_indexes_as_torch():
    """mnist_forward_forward writes x_[range(n), label] = x.max() with a Python int label: a range beside an
    integer must index (it raised AttributeError inside the integers-first split)."""
    results = []
    for lib in (torch, minigrad):
        x = lib.zeros(3, 4)
        x[range(3), 2] = x.max() + 1
        x[[0, 1], 1] = 7
        results.append((x.tolist(), x[range(2), 1].tolist(), x[[0, 2], 3].tolist(), x[1, range(3)].tolist()))
    assert results[0] == results[1]
