"""More of the core against PyTorch (issue 22): the differences a differential fuzzer still found
after test_core_fidelity.py, each compared with torch 2.13 (`same` and `grads` from there: values,
dtypes, shapes and gradients equal, or the same exception where torch raises).

Gradients at the edges (acosh at +-1, atan2 at the origin and of integer inputs, lerp at inf);
products with inf (PyTorch's CPU kernels round each product); index_add's alpha in self's dtype;
random draws (multinomial's zero-weight categories, rand_like of integers); kron's view of its
product; backward after an in-place change to what PyTorch's backward keeps; out= of another
dtype; Python data torch.tensor refuses; the exception types of broadcasting, bit shifts, index
ops and factories; scatter's reduce=, writes into expanded tensors, stride() of empty tensors,
unique in the graph.
"""
import warnings

import numpy as np
import pytest
from test_core_fidelity import grads, needs_torch, same

import minigrad
import minigrad.ops.sampling as sampling

try:
    import torch
except ImportError:
    torch = None

nan, inf = float("nan"), float("inf")


# ---- gradients at the edges ------------------------------------------------------------------

@needs_torch
def test_acosh_gradient_at_one_keeps_the_sign_of_the_upstream_gradient(device):
    grads(lambda m, x: x.acosh() * m.tensor([-1.0, 2.0, -3.0, 1.0], dtype=x.dtype).to(x.device),
          [[-1.0, 1.0, 1.0, 2.0]], device, dtype="float64")


@needs_torch
def test_atan2_gradients_at_the_origin_and_beyond_float32(device):
    y = [0.0, 1e-30, 1e-30, 0.0, -0.0, inf, inf, 1.0, nan, 1e30, 3e38, 1e-20]
    x = [0.0, 0.0, 1e-30, -0.0, 0.0, 1.0, inf, inf, 1.0, 1e30, 3e38, 1e-20]
    grads(lambda m, a, b: a.atan2(b), [y, x], device)


@needs_torch
@pytest.mark.parametrize("dtype", ["uint8", "int32", "int64"])
def test_atan2_gradient_reads_an_integer_input_in_its_own_dtype(dtype, device):
    """torch's formula squares and negates the integer input as it is: a uint8 wraps around."""
    def case(m, T):
        b = T([1.0, 2.0, 0.5], requires_grad=True)
        T([16, 10, 3], dtype=getattr(m, dtype)).atan2(b).backward(T([1.0, -0.3, 2.0]))
        return b.grad
    same(case, device)


@needs_torch
def test_atan2_of_a_bool_tensor_refuses_the_other_gradient(device):
    def case(m, T):
        b = T([1.0, 2.0], requires_grad=True)
        T([True, False]).atan2(b).sum().backward()
        return b.grad
    same(case, device)


@needs_torch
def test_lerp_gradients_where_the_other_branch_is_infinite(device):
    grads(lambda m, a, b, w: m.lerp(a, b, w), [[[1.0, inf, -1e30], [0.0, 2.0, 3.0]], [4.0, 5.0, nan], [0.3, 0.7, 0.0]],
          device)
    grads(lambda m, a, b: m.lerp(a, b, 0.7), [[1.0, inf, -1e30], [4.0, 5.0, 6.0]], device)
    grads(lambda m, a, b: a.lerp(b, 0.25), [[1.0, 2.0, -3.0], [4.0, 5.0, 6.0]], device, dtype="float64")


# ---- products with inf: each multiply rounded, as PyTorch's CPU kernels -------------------------

@needs_torch
def test_bmm_with_inf_times_an_overflowing_product_is_nan(device):
    grads(lambda m, a, b: m.bmm(a, b), [[[[-1.68, -1.52], [-1e30, 1.38], [-inf, 3e38]]],
                                        [[[-1.0, -1.0, -1.0], [0.0, -2.0, -2.0]]]], device)


@needs_torch
def test_linear_with_inf_and_overflow_as_torch(device):
    x = [[-0.28, -1.14, -0.05, -inf], [0.31, inf, -1e30, -1e30], [-0.49, 2.75, 0.38, 3e38]]
    w = [[-0.69, -0.34, -0.2, -2.34], [-1.65, -1.12, -3.94, -2.7], [0.75, 0.66, 2.69, -0.95]]
    same(lambda m, T: m.nn.functional.linear(T(x), T(w) * 1e30, T([2.0, -2.0, -1.0])), device)


def test_linear_with_an_empty_weight_has_gradients(device):
    x = minigrad.ones(2, 3, requires_grad=True).to(device)
    w, b = minigrad.ones(0, 3, requires_grad=True), minigrad.ones(0, requires_grad=True)
    minigrad.nn.functional.linear(x, w.to(device), b.to(device)).sum().backward()
    assert x.grad.shape == (2, 3) and w.grad.shape == (0, 3) and b.grad.shape == (0,)


# ---- index_add's alpha, random draws -----------------------------------------------------------

INDEX_ADD = {
    "int_half": lambda m, T: T([4, 5]).index_add(0, T([1]), T([-3]), alpha=0.5),
    "int_truncated": lambda m, T: T([4, 5]).index_add(0, T([1]), T([-3]), alpha=-1.7),
    "bool_minus_one": lambda m, T: T([True, False]).index_add(0, T([1, 0]), T([True, True]), alpha=-1),
    "bool_zero": lambda m, T: T([True, False]).index_add(0, T([1, 0]), T([True, True]), alpha=0),
    "uint8_wraps": lambda m, T: T([1, 2], dtype=m.uint8).index_add(0, T([1, 1]), T([3, 4], dtype=m.uint8), alpha=-1),
    "uint8_overflow": lambda m, T: T([1, 2], dtype=m.uint8).index_add(0, T([1]), T([3], dtype=m.uint8), alpha=-1.5),
}


@needs_torch
@pytest.mark.parametrize("name", list(INDEX_ADD))
def test_index_add_takes_alpha_in_the_dtype_of_self(name, device):
    same(INDEX_ADD[name], device)


ADD_ALPHA = {  # add/sub multiply by alpha in the result's dtype, not in a narrower operand's
    "uint8_times_minus_one": lambda m, T: T(3, dtype=m.int32).sub(T(6, dtype=m.uint8), alpha=-1),
    "uint8_add": lambda m, T: T([3], dtype=m.int32).add(T([200], dtype=m.uint8), alpha=2),
    "int32_into_int64": lambda m, T: T([3]).add(T([2 ** 30], dtype=m.int32), alpha=8),
}


@needs_torch
@pytest.mark.parametrize("name", list(ADD_ALPHA))
def test_add_and_sub_take_alpha_in_the_dtype_of_the_result(name, device):
    same(ADD_ALPHA[name], device)


def _backward(out, *leaves):
    out.sum().backward()
    return tuple(x.grad for x in leaves)


def _dist_p0(x, y):
    return _backward(x.dist(y, 0), x, y) + (x.dist(y, 0),)


EDGES = {  # numbers that do not fit, a matrix norm's dims, and backwards PyTorch refuses or leaves None
    "where_uint8_300": lambda m, T: T(1, dtype=m.uint8).where(T([True, False]), 300),
    "where_uint8_minus_one_wraps": lambda m, T: T(1, dtype=m.uint8).where(T([True, False]), -1),
    "where_function_uint8": lambda m, T: m.where(T([True, False]), 2 ** 31, T(1, dtype=m.uint8)),
    "where_float32_1e300": lambda m, T: T([1.0, 2.0]).where(T([True, False]), 1e300),
    "where_two_numbers_1e300": lambda m, T: m.where(T([True, False]), 1e300, 0),
    "norm_fro_of_three_dims": lambda m, T: m.norm(m.ones(1, 1, 3), dim=(0, 2, 1)),
    "norm_p2_of_three_dims": lambda m, T: m.norm(m.ones(1, 1, 3), p=2, dim=(0, 2, 1)),
    "addcdiv_integer_tensor2": lambda m, T: _backward(m.addcdiv(T([1, 1]), m.ones(2, requires_grad=True),
                                                               T([2, 2], dtype=m.uint8), value=2)),
    "addcdiv_float_tensor2": lambda m, T: _backward(m.addcdiv(T([1, 1]), m.ones(2), m.full((2,), 2.0,
                                                                                            requires_grad=True))),
    "dist_p0_self_gets_none": lambda m, T: _dist_p0(T([1.0, 0.0]).requires_grad_(), T(0.0)),
    "dist_p0_other_refused": lambda m, T: _dist_p0(T([1.0, 0.0]), T(0.0).requires_grad_()),
}


@needs_torch
@pytest.mark.parametrize("name", list(EDGES))
def test_numbers_that_do_not_fit_and_backwards_torch_refuses(name, device):
    same(EDGES[name], device)


@needs_torch
def test_cumprod_along_a_dimension_of_one_passes_the_gradient(device):
    """out = x there: PyTorch returns the gradient itself, not (grad * out) / x, NaN at inf."""
    grads(lambda m, x: x.cumprod(1), [[[-2.41], [1.76], [-inf]]], device)
    grads(lambda m, x: x[0, 0].cumprod(0), [[[-inf]]], device)


@needs_torch
def test_square_is_a_power_in_the_graph(device):
    """square's gradient is grad * (2 x), PyTorch's pow rule: 2 x overflows first (-inf), not x * grad."""
    grads(lambda m, x: x.square(), [[3e38, 2.0, -1e30, inf]], device)


@needs_torch
def test_randint_reads_its_arguments_as_torch():
    """randint(high, size=...) (mnist_forward_forward), randint(high, size), randint(low, high, size),
    keywords only; randint(low, high) without a size is torch's TypeError."""
    calls = [((10,), {"size": (2,)}), ((10, (2,)), {}), ((3, 10, (2, 3)), {}), ((), {"low": 3, "high": 10, "size": (2,)}),
             ((), {"high": 10, "size": [4]})]
    for args, kwargs in calls:
        theirs, mine = torch.randint(*args, **kwargs), minigrad.randint(*args, **kwargs)
        assert tuple(mine.shape) == tuple(theirs.shape) and str(mine.dtype) == "int64"
        low = kwargs.get("low", args[0] if len(args) == 3 else 0)
        high = kwargs.get("high", args[1] if len(args) == 3 else args[0] if args else None)
        assert ((mine.numpy() >= low) & (mine.numpy() < high)).all()
    with pytest.raises(TypeError, match="must be tuple of ints, not int"):
        minigrad.randint(3, 10)


def test_multinomial_never_draws_a_trailing_zero_weight_category(monkeypatch):
    """u + row is rounded up to the next row's start for u just below 1: the draw stays in its row,
    on its last category that has weight."""
    monkeypatch.setattr(sampling, "random_uniform", lambda xp, shape, dtype: xp.full(shape, 1 - 2.0 ** -53))
    p = np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.0], [0.0, 1.0, 0.0]])
    assert (sampling.multinomial(p, 4, True) == 1).all()


def test_multinomial_draws_weighted_categories_only(device):
    p = minigrad.tensor([[0.1, 0.0, 0.9, 0.0], [0.0, 0.0, 0.0, 1.0]]).to(device)
    drawn = minigrad.multinomial(p, 2000, replacement=True).numpy()
    assert set(drawn[0]) == {0, 2} and set(drawn[1]) == {3}
    rest = minigrad.multinomial(p, 4).numpy()  # without replacement: the weight-0 ones come last, as torch's
    assert set(rest[0][:2]) == {0, 2} and rest[1][0] == 3 and sorted(rest[1]) == [0, 1, 2, 3]


@needs_torch
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
@pytest.mark.parametrize("fn", ["rand_like", "randn_like"])
def test_random_floats_like_an_integer_tensor_are_refused(fn, dtype, device):
    same(lambda m, T: getattr(m, fn)(m.zeros(2, dtype=getattr(m, dtype))), device)
    same(lambda m, T: getattr(m, fn[:-5])(2, dtype=getattr(m, dtype)), device)
    same(lambda m, T: str(getattr(m, fn)(m.zeros(2, dtype=getattr(m, dtype)), dtype=m.float64).dtype)[-7:], device)


# ---- kron: PyTorch views its product as the result ----------------------------------------------

KRON = {
    "transposed": lambda m, T: m.kron(m.arange(8.0).reshape(4, 2).t(), T([[1.0], [0.0], [-2.0], [-1.0]])),
    "transposed_other": lambda m, T: m.kron(m.arange(8).reshape(2, 4), m.arange(12).reshape(3, 4).t()),
    "both": lambda m, T: m.kron(m.arange(6.0).reshape(2, 3).t(), m.arange(10.0).reshape(5, 2)[1::2]),
    "viewable": lambda m, T: m.kron(m.arange(6.0).reshape(2, 3).t(), T([[1.0, 2.0]])),
    "expanded": lambda m, T: m.kron(m.arange(3.0).reshape(3, 1).expand(3, 2), m.arange(4.0).reshape(2, 2)),
    "contiguous": lambda m, T: m.kron(m.arange(6.0).reshape(2, 3), m.arange(4.0).reshape(2, 2)),
    "empty": lambda m, T: m.kron(m.zeros(0, 1), T([[-0.37, -0.22]])),
    "empty_transposed": lambda m, T: m.kron(m.zeros(4, 0).t(), m.ones(4, 2)),
}


@needs_torch
@pytest.mark.parametrize("name", list(KRON))
def test_kron_refuses_where_torch_cannot_view_the_product(name, device):
    same(KRON[name], device)


# ---- backward after an in-place change to what PyTorch's backward keeps ---------------------------

SAVED = {  # op, the in-place change (to its input y or its output z)
    "amax_input": ("z = y.amax()", "y.sub_(1)"), "amax_output": ("z = y.amax(0)", "z.add_(1)"),
    "amin_input": ("z = y.amin(0)", "y.add_(1)"), "max_all": ("z = y.max()", "y.add_(1)"),
    "median_all": ("z = y.median()", "y.add_(1)"), "logsumexp_input": ("z = y.logsumexp(-1)", "y.sqrt_()"),
    "logsumexp_output": ("z = y.logsumexp(0)", "z.add_(1)"), "clamp": ("z = y.clamp(0.1, 1)", "y.add_(1)"),
    "clamp_min": ("z = y.clamp_min(0.5)", "y.add_(1)"), "nansum": ("z = y.nansum()", "y.add_(1)"),
    "nanmean": ("z = y.nanmean(0)", "y.add_(1)"), "cummax": ("z = y.cummax(0).values", "y.add_(1)"),
    "gather": ("z = y.gather(0, L.tensor([[0]]))", "y.add_(1)"), "prod_output": ("z = y.prod()", "z.add_(1)"),
    "std_output": ("z = y.std()", "z.add_(1)"), "rsqrt_output": ("z = y.rsqrt()", "z.add_(1)"),
    "pow_tensor_output": ("z = y.pow(y.detach())", "z.add_(1)"),
    # where PyTorch keeps less than minigrad kept: no error
    "reciprocal_input": ("z = y.reciprocal()", "y.add_(1)"), "rdiv_input": ("z = 2 / y", "y.add_(1)"),
    "div_output": ("z = y.detach() / y", "z.add_(1)"), "max_dim": ("z = y.max(0).values * 1", "y.add_(1)"),
}


@needs_torch
@pytest.mark.parametrize("name", list(SAVED))
def test_backward_after_an_in_place_change_as_torch(name, device):
    op, change = SAVED[name]

    def case(m, T):
        y0 = T([[0.5, 1.5, 2.0], [0.3, 0.7, 1.1], [0.2, 0.4, 0.9]], dtype=m.float64, requires_grad=True)
        names = {"L": m, "y": y0.clone()}
        exec(op, names)
        exec(change, names)
        names["z"].sum().backward()
        return y0.grad
    same(case, device)


# ---- out= of another dtype, sums in a given dtype -------------------------------------------------

OUT = {
    "abs_int_into_float": lambda m, T: m.abs(T([1, -2]), out=m.zeros(2)),
    "neg_float_into_double": lambda m, T: m.neg(T([1.0, -2.0]), out=m.zeros(2, dtype=m.float64)),
    "floor_bool_into_long": lambda m, T: m.floor(T([True]), out=m.zeros(1, dtype=m.int64)),
    "round_uint8_into_float": lambda m, T: m.round(T([3], dtype=m.uint8), out=m.zeros(1)),
    "exp_into_double": lambda m, T: m.exp(T([1.0, 2.0]), out=m.zeros(2, dtype=m.float64)),
    "amax_into_double": lambda m, T: m.amax(T([1.0, 2.0]), 0, out=m.zeros((), dtype=m.float64)),
    "signbit_into_float": lambda m, T: m.signbit(T([1.0, -2.0]), out=m.zeros(2)),
    "sum_into_long": lambda m, T: m.sum(T([[0.5, 1.5], [2.0, 3.0]]), 0, out=m.zeros(2, dtype=m.int64)),
    "cumprod_into_long": lambda m, T: m.cumprod(T([[0.5, 1.5], [2.0, 3.0]]), 0, out=m.zeros(2, 2, dtype=m.int64)),
    "cumsum_into_bool": lambda m, T: m.cumsum(T([0.5, 1.5]), 0, out=m.zeros(2, dtype=m.bool)),
    "nansum_into_long": lambda m, T: m.nansum(T([0.5, 1.5]), 0, out=m.zeros((), dtype=m.int64)),
    "max_indices_into_float": lambda m, T: m.max(T([[1.0, 2.0]]), 1, out=(m.zeros(1), m.zeros(1))),
    "matmul_into_double": lambda m, T: m.matmul(T([[1.0]]), T([[2.0]]), out=m.zeros(1, 1, dtype=m.float64)),
    "cat_float_into_long": lambda m, T: m.cat([T([1.0])], out=m.zeros(1, dtype=m.int64)),
    "where_into_double": lambda m, T: m.where(T([True]), T([1.0]), T([2.0]), out=m.zeros(1, dtype=m.float64)),
    "all_into_float": lambda m, T: m.all(T([1.0, 2.0]), 0, out=m.zeros(())),
    "sum_dtype_bool": lambda m, T: T([[0.5, 0.0], [2.0, 0.0]]).sum(0, dtype=m.bool),
    "prod_dtype_bool": lambda m, T: T([[0.5, 0.0], [2.0, 1.0]]).prod(0, dtype=m.bool),
    "cumsum_dtype_bool": lambda m, T: T([0.5, 1.5]).cumsum(0, dtype=m.bool),
}


@needs_torch
@pytest.mark.parametrize("name", list(OUT))
def test_out_of_another_dtype_as_torch(name, device):
    same(OUT[name], device)


# ---- Python data, factories, exception types -------------------------------------------------------

ERRORS = {
    "tensor_none": lambda m, T: m.tensor(None),
    "tensor_none_float64": lambda m, T: m.tensor(None, dtype=m.float64),
    "tensor_none_in_list": lambda m, T: m.tensor([1.0, None], dtype=m.float32),
    "tensor_str": lambda m, T: m.tensor("abc", dtype=m.bool),
    "tensor_nan_into_int32": lambda m, T: m.tensor([nan, inf], dtype=m.int32),
    "tensor_overflow_int8": lambda m, T: m.tensor([200], dtype=m.int8),
    "tensor_minus_one_uint8": lambda m, T: m.tensor([-1, -255], dtype=m.uint8),
    "tensor_float_uint8": lambda m, T: m.tensor([255.9], dtype=m.uint8),
    "tensor_big_int_float": lambda m, T: m.tensor([2 ** 70], dtype=m.float32),
    "ones_negative": lambda m, T: m.ones(-1, 3),
    "zeros_negative": lambda m, T: m.zeros((2, -3)),
    "empty_negative": lambda m, T: m.empty(2, -1),
    "new_full_negative": lambda m, T: m.zeros(2).new_full((-1, 3), 1.0),
    "count_nonzero_repeated_dim": lambda m, T: T([[1.0, 0.0]]).count_nonzero((0, -2)),
    "nansum_repeated_dim": lambda m, T: T([[1.0, 0.0]]).nansum((1, 1)),
    "compare_shapes": lambda m, T: T([[1.0, 2.0, 3.0]] * 2) < T([1.0, 2.0, 3.0, 4.0]),
    "logical_shapes": lambda m, T: m.logical_and(T([[True] * 4] * 3), T([[True] * 5] * 3)),
    "bitwise_shapes": lambda m, T: T([1, 2, 3]) | T([1, 2]),
    "where_shapes": lambda m, T: T([[1.0], [2.0]]).where(T([[True]] * 3), T([[3.0]] * 3)),
    "clamp_shapes": lambda m, T: T([[1.0, 2.0]]).clamp_min(T([1.0, 2.0, 3.0])),
    "copy_shapes": lambda m, T: m.zeros(3).copy_(m.zeros(4)),
    "stack_nothing": lambda m, T: m.stack([]),
    "unflatten_0d": lambda m, T: T(2.0).unflatten(-2, (1, 1)),
    "softmax_int_bad_dim": lambda m, T: T(2).softmax(1),
    "index_add_1d_out_of_range": lambda m, T: m.zeros(4).index_add(0, T([4]), m.ones(1)),
    "index_add_2d_out_of_range": lambda m, T: m.zeros(4, 2).index_add(0, T([4]), m.ones(1, 2)),
    "index_select_dim1": lambda m, T: m.zeros(3, 3).index_select(1, T([3])),
    "index_select_dim0": lambda m, T: m.zeros(3, 3).index_select(0, T([3])),
    "index_fill_empty_dim": lambda m, T: m.zeros(0, 3).index_fill(0, T([0]), 2.0),
    "index_fill_inf_into_int": lambda m, T: m.zeros(3, dtype=m.int64).index_fill(0, T([1]), inf),
    "index_fill_minus_one_uint8": lambda m, T: m.zeros(3, dtype=m.uint8).index_fill(0, T([1]), -1),
    "index_copy_empty_dim": lambda m, T: m.zeros(0).index_copy(0, T([0]), m.ones(1)),
    "relu_expanded": lambda m, T: m.relu_(m.ones(1, 3).expand(2, 3)),
    "xor_expanded": lambda m, T: T([[1], [2]]).expand(2, 3).bitwise_xor_(T([1, 2])),
    "logical_and_number_expanded": lambda m, T: m.ones(1, 3).expand(2, 3).logical_and_(300),
    "set_inf_into_int64": lambda m, T: T([[1, 2]]).expand(2, 2).__setitem__(0, -inf),
    "set_overflow_uint8": lambda m, T: T([[1, 2]], dtype=m.uint8).__setitem__((0, 1), 2 ** 31),
    "float_of_three": lambda m, T: float(T([1.0, 2.0, 3.0])),
    "int_of_none": lambda m, T: int(m.zeros(0)),
    "complex_of_one": lambda m, T: complex(T([2.5])),
    "bool_of_none": lambda m, T: bool(m.zeros(0)),
    "format_spec_of_a_vector": lambda m, T: "{:.2f}".format(T([1.0])),
    "format_of_0d": lambda m, T: "{:.2f}".format(T(2.5)),
    "norm_bool_dim": lambda m, T: m.norm(T([[1.0]]), 0, False),
    "set_wrong_shape": lambda m, T: m.zeros(2, 3).__setitem__(0, T([1.0, 2.0])),
    "set_wrong_shape_in_graph": lambda m, T: (m.zeros(2, 3, requires_grad=True) * 1).__setitem__(
        0, T([1.0, 2.0], requires_grad=True)),
    "set_advanced_wrong_shape": lambda m, T: m.zeros(2, 3).__setitem__([0, 1], m.zeros(2, 2)),
}


@needs_torch
@pytest.mark.parametrize("name", list(ERRORS))
def test_refusals_and_their_exception_types_as_torch(name, device):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(ERRORS[name], device)


SHIFTS = ["x << s", "x >> s", "x << n", "x >> n", "i8 << T([1, 1, 1, 8], dtype=m.int8)", "i8 >> 9",
          "i32 << 31", "(-i32) >> 40", "u << T([1, 1, 8, 9], dtype=m.uint8)", "u << -1", "u << 300", "b << 1",
          "1 << x", "2 >> s", "x << True", "x << u", "u << x", "b << b", "f << 1", "x << 1.5", "1.5 << x",
          "x << T([1, 2])", "x.clone().__ilshift__(s)", "x.clone().__irshift__(f)", "b.clone().__ilshift__(1)",
          "u.clone().__irshift__(x)"]


@needs_torch
@pytest.mark.parametrize("code", SHIFTS)
def test_bit_shifts_as_torch(code, device):
    def case(m, T):
        names = dict(m=m, T=T, x=T([1, -3, 100, 7]), s=T([0, 1, 63, 64]), n=T([-1, 65, 2, 3]),
                     u=T([1, 200, 3, 255], dtype=m.uint8), b=T([True, False, True, True]), f=T([1.0, 2.0, 3.0, 4.0]),
                     i8=T([1, -128, 64, 127], dtype=m.int8), i32=T([1, -3, 100, 7], dtype=m.int32))
        return eval(code, names)
    same(case, device)


def test_shift_in_place_writes_into_the_tensor(device):
    x = minigrad.tensor([1, 2, 3]).to(device)
    y = x
    x <<= 2
    assert x is y and x.tolist() == [4, 8, 12]


def test_broadcast_errors_are_runtime_and_value_errors(device):
    a, b = minigrad.zeros(2, 3).to(device), minigrad.zeros(4).to(device)
    for op in (lambda: a == b, lambda: a.logical_or(b), lambda: (a > 0) & (b > 0)):
        with pytest.raises(RuntimeError, match="The size of tensor a"):
            op()
        with pytest.raises(ValueError):  # minigrad's ShapeError is both
            op()


# ---- scatter's reduce=, expanded targets, strides of empty tensors, unique -------------------------

SCATTER = {
    "add": lambda m, T: m.arange(6.0).reshape(2, 3).scatter(1, T([[0, 2], [1, 0]]), T([[10.0, 20.0], [30.0, 40.0]]),
                                                            reduce="add"),
    "multiply_repeated": lambda m, T: m.arange(6.0).reshape(2, 3).scatter(1, T([[0, 0], [1, 1]]),
                                                                          T([[10.0, 20.0], [30.0, 40.0]]),
                                                                          reduce="multiply"),
    "value_add": lambda m, T: m.arange(6.0).reshape(2, 3).scatter(1, T([[0, 2], [1, 0]]), 2.5, reduce="add"),
    "in_place_multiply": lambda m, T: m.arange(6).reshape(2, 3).scatter_(1, T([[0, 2]]), T([[3, 4]]),
                                                                       reduce="multiply"),
    "bool_add": lambda m, T: T([[True, False, True]]).scatter(1, T([[0, 1]]), T([[True, True]]), reduce="add"),
    "bad_reduce": lambda m, T: m.zeros(2, 3).scatter(1, T([[0]]), T([[1.0]]), reduce="mean"),
}


@needs_torch
@pytest.mark.parametrize("name", list(SCATTER))
def test_scatter_reduce_as_torch(name, device):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(SCATTER[name], device)


@needs_torch
def test_scatter_with_reduce_has_no_backward_as_torch(device):
    def case(m, T):
        x = T([[1.0, 2.0]], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = x.scatter(1, T([[0]]), T([[5.0]]), reduce="add")
        assert y.requires_grad
        y.sum().backward()
    same(case, device)


@needs_torch
@pytest.mark.parametrize("fill", ["zero_()", "fill_(2.0)", "fill_(T(2.0))", "masked_fill_(M, 0.0)",
                                  "index_fill_(1, T([0, 2]), 5.0)", "index_fill_(0, T([1]), 5.0)", "add_(1.0)",
                                  "__setitem__(0, 3.0)", "__setitem__((slice(None), 1), 3.0)"])
def test_fills_write_into_an_expanded_tensor_as_torch(fill, device):
    def case(m, T):
        base = T([[1.0, 1.0, 1.0]])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            eval("v." + fill, {"v": base.expand(2, 3), "T": T, "M": T([[True, False, True], [False, False, True]])})
        return base
    same(case, device)


@needs_torch
@pytest.mark.parametrize("shape", [(0, 3), (2, 0, 3), (3, 0), (0,), (1, 0, 2)])
def test_stride_of_an_empty_tensor_as_torch(shape, device):
    same(lambda m, T: m.zeros(shape).stride(), device)


@needs_torch
@pytest.mark.parametrize("code", ["x.unique()", "x.unique(return_inverse=True, return_counts=True)", "x.unique(dim=0)"])
def test_unique_of_a_tensor_requiring_grad_is_in_the_graph_without_a_backward(code, device):
    def case(m, T):
        out = eval(code, {"x": T([[1.0, 2.0], [2.0, 3.0]], requires_grad=True)})
        values = out[0] if isinstance(out, tuple) else out
        assert values.requires_grad and not (isinstance(out, tuple) and out[1].requires_grad)
        values.sum().backward()
    same(case, device)


# ---- memory order of results (is_contiguous / stride), ops/layout.py -------------------------------

LAYOUT = ["x + y", "y + x", "x * 2", "x / y", "x > y", "x.long() << y.long()", "x.maximum(y)", "x.atan2(y)",
          "x.lerp(y, 0.3)", "x.clamp(y, y + 1)", "L.where(x > 2, x, 0.0)", "x.exp()", "x.erf()", "e.sigmoid()",
          "e.relu()", "e.double()", "x.float()", "x.long().floor()", "e.long().ceil()", "L.ones_like(x)",
          "L.full_like(x, 2.0)", "L.zeros_like(e)", "x.softmax(0)", "x.cumsum(0)", "x.cummax(0)[1]", "x.sum(0)",
          "x.var(1)", "x.amax(1)", "x.sort(0)[0]", "x.sort(0)[1]", "x.argsort(1)", "x.topk(2, 0)[0]", "x.flip(0)",
          "x.roll(1, 0)", "x.clone()", "e.clone()", "L.cat([x])", "x.index_select(0, L.tensor([0, 1]))",
          "x[:, [0, 1]]", "x.index_fill(0, L.tensor([0]), 1.0)", "x.index_copy(0, L.tensor([0]), L.ones(1, 3))",
          "x.gather(0, L.tensor([[0, 1, 2]] * 4))", "L.tensor([[1, 0], [1, 1], [0, 1]]).nonzero()",
          "x.repeat_interleave(2, 0)", "x.div(y, rounding_mode='floor')", "x.fmod(y)", "x.masked_fill(x > 2, 0.0)",
          "x.tril()", "2 ** x", "2 ** x.long()", "x ** 2", "L.einsum('ij->ji', x)", "L.einsum('ij,jk->ik', x, e.t())"]


@needs_torch
@pytest.mark.parametrize("code", LAYOUT)
def test_results_are_laid_out_in_memory_as_torch_lays_them(code, device):
    def case(m, T):
        x = T(np.arange(12.0, dtype=np.float32).reshape(3, 4)).t()  # (4, 3), transposed
        y = T(np.arange(12.0, dtype=np.float32).reshape(4, 3))
        e = T(np.arange(3.0, dtype=np.float32).reshape(1, 3)).expand(4, 3)
        out = eval(code, {"L": m, "x": x, "y": y, "e": e})
        return out.is_contiguous(), tuple(out.stride())
    same(case, device)


def test_numpy_array_of_a_tensor_is_a_copy_and_asarray_shares():
    """np.array(t) copies, as for a torch tensor; np.asarray(t) shares a CPU tensor's memory."""
    t = minigrad.tensor([1.0, 2.0])
    copied, shared, converted = np.array(t), np.asarray(t), np.array(t, dtype=np.float64)
    t.add_(1)
    assert copied.tolist() == [1.0, 2.0] and converted.tolist() == [1.0, 2.0]
    assert shared.tolist() == [2.0, 3.0]
