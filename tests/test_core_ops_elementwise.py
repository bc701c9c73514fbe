"""Issue 22's new elementwise ops against PyTorch: erf, erfc, expm1, exp2, log2, log10, the
hyperbolic and inverse trigonometric maps, atan2, frac, lerp; div with rounding_mode, fmod,
remainder, floor_divide, true_divide; the logical ops, isclose and signbit; and their in-place
forms. Every differentiable one: a float64 gradient check with a random upstream gradient and a
torch comparison of forward and gradients, on every device."""
import numpy as np
import pytest

import minigrad
from core_ops_checks import grads_as_torch, needs_torch, same_error, same_result
from helpers import check_op, randn

R = np.random.default_rng(0)
X = np.r_[R.standard_normal(12) * 2, 0.3, -0.49, 0.51, 1e-9, -4.0]  # both sides of erf's series switch
POSITIVE = np.abs(X) + 0.2
INSIDE = R.uniform(-0.9, 0.9, 10)

MAPS = {  # name: inputs away from the edges of the domain
    "erf": X, "erfc": X, "expm1": X, "exp2": X, "sinh": X, "cosh": X, "tan": X / 3, "atan": X, "asinh": X,
    "log2": POSITIVE, "log10": POSITIVE, "acosh": POSITIVE + 1, "asin": INSIDE, "acos": INSIDE, "atanh": INSIDE,
    "arcsin": INSIDE, "arctan": X,
}


@needs_torch
@pytest.mark.parametrize("name", list(MAPS))
def test_maps_gradcheck_and_match_torch(name, device):
    fn = {"arcsin": "asin", "arctan": "atan"}.get(name, name)
    check_op(lambda a: getattr(a, name)(), [MAPS[name]], device,
             torch_fn=lambda a: getattr(a, fn)())
    check_op(lambda a: getattr(minigrad, name)(a), [MAPS[name]], device)


@needs_torch
@pytest.mark.parametrize("name", ["erf", "erfc", "expm1", "log2", "tan", "asinh"])
@pytest.mark.parametrize("values", [[1, 2, 0], [True, False], [[]], 3])
def test_maps_of_integers_bools_empty_and_0d_give_torchs_dtype(name, values):
    same_result(lambda L: getattr(L, name)(L.tensor(values)))
    same_result(lambda L: getattr(L.tensor(values, dtype=L.float64), name)())


@needs_torch
def test_erf_is_accurate_in_float32_and_float64_and_at_the_extremes():
    x = np.r_[np.linspace(-6, 6, 1001), 1e-300, -1e-20, np.inf, -np.inf, np.nan]
    same_result(lambda L: L.tensor(x, dtype=L.float64).erf())
    same_result(lambda L: L.tensor(x, dtype=L.float64).erfc())
    same_result(lambda L: L.tensor(x.astype(np.float32)).erf())


@needs_torch
def test_maps_of_a_transposed_input():
    a = randn(3, 4)
    same_result(lambda L: L.tensor(a, dtype=L.float32).t().expm1().abs().log10())
    same_result(lambda L: L.atan2(L.tensor(a, dtype=L.float32).t(), L.tensor(a.T.copy(), dtype=L.float32)))


@needs_torch
@pytest.mark.parametrize("name, fn", [
    ("atan2", lambda L, a, b: L.atan2(a, b)),
    ("atan2 broadcast", lambda L, a, b: a.arctan2(b[:1])),
    ("frac", lambda L, a, b: L.frac(a * 3)),
    ("lerp low weight", lambda L, a, b: L.lerp(a, b, 0.3)),
    ("lerp high weight", lambda L, a, b: a.lerp(b, 0.8)),
    ("lerp tensor weight", lambda L, a, b: L.lerp(a, b, (a - b).sigmoid() * 2 - 0.5)),
    ("fmod", lambda L, a, b: L.fmod(a * 3, b)),
    ("remainder", lambda L, a, b: L.remainder(a * 3, b)),
    ("fmod by a number", lambda L, a, b: (a * 3).fmod(-1.5)),
    ("div floor", lambda L, a, b: L.div(a * 3, b, rounding_mode="floor") + a),
    ("div trunc", lambda L, a, b: (a * 3).div(b, rounding_mode="trunc") * b),
    ("true_divide", lambda L, a, b: L.true_divide(a, b)),
])
def test_binary_ops_gradcheck_and_match_torch(name, fn, device):
    a, b = randn(3, 4), randn(2, 3, 4, away_from=0)
    check_op(lambda x, y: fn(minigrad, x, y), [a, b], device, directions=None)
    grads_as_torch(fn, [a, b], device)


@needs_torch
@pytest.mark.parametrize("mode", [None, "trunc", "floor"])
@pytest.mark.parametrize("a, b", [
    ([7, -7, 7, -7, 0], [2, 2, -2, -2, 3]),                 # integers stay integers when rounded
    ([7.5, -7.5, 0.5, -0.5, -0.0], [2.0, 2.0, -2.0, 2.0, 3.0]),  # floats, signed zeros
    ([1.0, -1.0, 0.0], [0.0, 0.0, 0.0]),                    # inf, -inf, nan as torch
    ([7, -7], 2.5), ([7.0, -7.0], 2), (5, [2, -3]),
])
def test_div_rounding_modes_match_torch(mode, a, b):
    def div(L):
        x = L.tensor(a) if isinstance(a, list) else a
        y = L.tensor(b) if isinstance(b, list) else b
        return L.div(x, y, rounding_mode=mode)
    same_result(div)
    if isinstance(a, list):
        same_result(lambda L: L.tensor(a).div(L.tensor(b) if isinstance(b, list) else b, rounding_mode=mode))


@needs_torch
@pytest.mark.parametrize("op", ["fmod", "remainder", "floor_divide"])
def test_remainders_match_torch_on_random_floats_and_integers(op):
    x, y = R.standard_normal(2000) * 10, R.standard_normal(2000)
    for dtype in ("float32", "float64"):
        same_result(lambda L: getattr(L, op)(L.tensor(x, dtype=getattr(L, dtype)),
                                             L.tensor(y, dtype=getattr(L, dtype))))
    i, j = R.integers(-20, 20, 500), R.integers(1, 7, 500) * R.choice([-1, 1], 500)
    same_result(lambda L: getattr(L, op)(L.tensor(i), L.tensor(j)))
    same_result(lambda L: getattr(L, op)(L.tensor(i), 3))


@needs_torch
@pytest.mark.parametrize("bad", [
    lambda L: L.div(L.tensor([1, 2]), L.tensor([0, 1]), rounding_mode="floor"),
    lambda L: L.div(L.tensor([1, 2]), 0, rounding_mode="trunc"),
    lambda L: L.fmod(L.tensor([1, 2]), 0),
    lambda L: L.div(L.tensor([True]), L.tensor([True]), rounding_mode="trunc"),
    lambda L: L.fmod(L.tensor([True]), L.tensor([True])),
    lambda L: L.div(L.tensor([1.0]), 2, rounding_mode="round"),
    lambda L: L.frac(L.tensor([1, 2])),
    lambda L: L.lerp(L.tensor([1, 2]), L.tensor([1, 2]), 0.5),
    lambda L: L.lerp(L.tensor([1.0]), L.tensor([2.0], dtype=L.float64), 0.5),
    lambda L: L.lerp(L.tensor([1.0]), L.tensor([2.0]), L.tensor([0.5], dtype=L.float64)),
    lambda L: L.atan2(L.tensor([1.0]), 1),
    lambda L: L.logical_and(L.tensor([1.0]), 1),
    lambda L: L.isclose(L.tensor([1.0]), L.tensor([1])),
    lambda L: L.isclose(L.tensor([1.0]), L.tensor([1.0]), rtol=-1.0),
    lambda L: L.isclose(L.tensor([1.0]), 1.0),
])
def test_refusals_match_torch(bad):
    same_error(bad)


def test_floor_divide_has_no_derivative_and_div_floor_a_zero_one():
    x = minigrad.tensor([5.5, -3.2], requires_grad=True)
    minigrad.div(x, 2, rounding_mode="floor").sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]
    with pytest.raises(RuntimeError, match="derivative for floor_divide is not implemented"):
        minigrad.floor_divide(x, 2).sum().backward()


@needs_torch
def test_logical_ops_isclose_and_signbit_match_torch():
    a = [1.0, 0.0, float("nan"), -0.0, float("inf")]
    b = [0, 0, 1, 1, 2]
    for name in ("logical_and", "logical_or", "logical_xor"):
        same_result(lambda L: getattr(L, name)(L.tensor(a), L.tensor(b)))
        same_result(lambda L: getattr(L.tensor([[True], [False]]), name)(L.tensor(a)))
    same_result(lambda L: L.logical_not(L.tensor(a)))
    same_result(lambda L: L.signbit(L.tensor(a)))
    same_result(lambda L: L.signbit(L.tensor([-1, 0, 2])))
    same_result(lambda L: L.signbit(L.tensor([True, False])))
    c = [1.0, float("nan"), float("inf"), -float("inf"), 1e-9, 1.0001]
    d = [1.0 + 1e-7, float("nan"), float("inf"), float("inf"), 0.0, 1.0]
    for kwargs in ({}, {"equal_nan": True}, {"rtol": 0.0, "atol": 0.0}, {"rtol": 1e-3}, {"atol": 1e-8, "rtol": 0}):
        same_result(lambda L: L.isclose(L.tensor(c), L.tensor(d), **kwargs))
        same_result(lambda L: L.tensor(c, dtype=L.float64).isclose(L.tensor(d, dtype=L.float64), **kwargs))
    same_result(lambda L: L.isclose(L.tensor([1, 2]), L.tensor([1, 3]), rtol=0.5))
    same_result(lambda L: L.isclose(L.tensor([True, False]), L.tensor([True, True])))


INPLACE = {  # name_: (arguments, values it accepts)
    "sigmoid_": ((), X), "tanh_": ((), X), "log_": ((), POSITIVE), "log1p_": ((), POSITIVE), "floor_": ((), X),
    "ceil_": ((), X), "round_": ((), X), "trunc_": ((), X), "frac_": ((), X), "reciprocal_": ((), POSITIVE),
    "square_": ((), X), "erf_": ((), X), "erfc_": ((), X), "expm1_": ((), X), "sin_": ((), X), "cos_": ((), X),
    "tan_": ((), X / 3), "log2_": ((), POSITIVE), "sign_": ((), X), "rsqrt_": ((), POSITIVE), "atan_": ((), X),
    "clamp_min_": ((0.1,), X), "clamp_max_": ((0.1,), X), "fmod_": ((1.5,), X), "remainder_": ((-1.5,), X),
    "lerp_": (("end", 0.25), X), "atan2_": (("end",), X),
}


@needs_torch
@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_forms_match_torch_in_and_out_of_the_graph(name, device):
    args, values = INPLACE[name]

    def run(L, x):
        y = x * 1  # not a leaf: in-place is allowed in the graph
        end = L.ones_like(x) * 0.5
        getattr(y, name)(*(end if a == "end" else a for a in args))
        return y * 2

    grads_as_torch(run, [values], device)
    for L in (minigrad,):
        t = L.tensor(values, device=device)
        same = t
        assert getattr(t, name)(*(L.ones_like(t) * 0.5 if a == "end" else a for a in args)) is same


@needs_torch
def test_inplace_division_and_logical_forms_match_torch():
    def run(L):
        a, b = L.tensor([7.0, -7.0, 5.0]), L.tensor([7, -7, 5])
        a.div_(2, rounding_mode="floor")
        b.div_(2, rounding_mode="trunc")
        c = L.tensor([1.0, 0.0, 2.0])
        c.logical_and_(L.tensor([0, 1, 3]))
        d = L.tensor([5, -5])
        d.floor_divide_(2)
        e = L.tensor([3.0, 0.0]).logical_not_()
        f = L.tensor([5.0, -5.0]).true_divide_(2)
        return a, b, c, d, e, f
    same_result(run)
    same_error(lambda L: L.tensor([1, 2]).sigmoid_())
    same_error(lambda L: L.tensor([1, 2]).div_(2))


def test_float32_stays_float32_through_forward_and_backward():
    x = minigrad.tensor(INSIDE, dtype=minigrad.float32, requires_grad=True)
    y = minigrad.tensor(INSIDE[::-1].copy() + 2, dtype=minigrad.float32, requires_grad=True)
    for name in list(MAPS) + ["frac"]:
        out = getattr(x.abs() + 1.5 if name in ("log2", "log10", "acosh") else x, name)()
        x.grad = None
        out.sum().backward()
        assert out.dtype == x.grad.dtype == minigrad.float32, name
    for out in (x.atan2(y), x.lerp(y, 0.7), x.fmod(y), x.remainder(y), x.div(y, rounding_mode="floor") + x):
        x.grad = y.grad = None
        out.sum().backward()
        assert out.dtype == x.grad.dtype == y.grad.dtype == minigrad.float32


def test_an_inplace_op_without_derivative_keeps_the_history_as_torch():
    # torch records nothing for logical_not_ on a float tensor in the graph: the gradient is y's as before
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.logical_not_()
    y.sum().backward()
    assert y.tolist() == [0.0, 0.0] and x.grad.tolist() == [3.0, 3.0]
