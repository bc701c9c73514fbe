"""The activations beyond the lesson's (F.elu, F.softplus, F.hardtanh, F.relu6, F.prelu, ... and their
nn modules): float64 gradient checks with a random upstream gradient, and values, dtypes, errors and
gradients compared with torch, at the kinks, at NaN and inf, on 0-d, empty, integer and bool inputs."""
import warnings

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from helpers import check_op, host, torch

TF = torch.nn.functional if torch is not None else None
needs_torch = pytest.mark.skipif(torch is None, reason="needs torch==2.13.0 as the oracle")


def away_from(kinks, *shape, seed=0):
    """Normal samples times 2, each at least 0.05 from every kink (finite differences straddle none)."""
    x = np.random.default_rng(seed).standard_normal(shape) * 2
    for k in kinks:
        x = np.where(np.abs(x - k) < 0.05, x + 0.1, x)
    return x


def t(name):
    """torch.nn.functional's function of that name, looked up when the test runs."""
    return lambda *a, **k: getattr(TF, name)(*a, **k)


# name, minigrad function, torch function, kinks to keep the gradient check away from
CASES = [
    ("elu", F.elu, t("elu"), [0]),
    ("elu alpha=0.5", lambda x: F.elu(x, 0.5), lambda x: TF.elu(x, 0.5), [0]),
    ("selu", F.selu, t("selu"), [0]),
    ("celu alpha=2", lambda x: F.celu(x, 2.0), lambda x: TF.celu(x, 2.0), [0]),
    ("softplus", F.softplus, t("softplus"), []),
    ("softplus beta=2 threshold=1", lambda x: F.softplus(x, 2, 1), lambda x: TF.softplus(x, 2, 1), [0.5]),
    ("logsigmoid", F.logsigmoid, t("logsigmoid"), []),
    ("mish", F.mish, t("mish"), []),
    ("softsign", F.softsign, t("softsign"), [0]),
    ("tanhshrink", F.tanhshrink, t("tanhshrink"), []),
    ("hardtanh", F.hardtanh, t("hardtanh"), [-1, 1]),
    ("hardtanh -2, 0.5", lambda x: F.hardtanh(x, -2.0, 0.5), lambda x: TF.hardtanh(x, -2.0, 0.5), [-2, 0.5]),
    ("relu6", lambda x: F.relu6(x * 3), lambda x: TF.relu6(x * 3), [0, 2]),
    ("hardsigmoid", lambda x: F.hardsigmoid(x * 2), lambda x: TF.hardsigmoid(x * 2), [-1.5, 1.5]),
    ("hardswish", lambda x: F.hardswish(x * 2), lambda x: TF.hardswish(x * 2), [-1.5, 1.5]),
    ("threshold", lambda x: F.threshold(x, 0.3, -2.0), lambda x: TF.threshold(x, 0.3, -2.0), [0.3]),
    ("hardshrink", F.hardshrink, t("hardshrink"), [-0.5, 0.5]),
    ("softshrink lambd=1", lambda x: F.softshrink(x, 1.0), lambda x: TF.softshrink(x, 1.0), [-1, 1]),
    ("rrelu (eval)", F.rrelu, t("rrelu"), [0]),
    ("softmin", lambda x: F.softmin(x, 1), lambda x: TF.softmin(x, 1), []),
    ("glu", lambda x: F.glu(x, 0), lambda x: TF.glu(x, 0), []),
    ("glu dim=-1", F.glu, t("glu"), []),
]


@pytest.mark.parametrize("name, fn, torch_fn, kinks", CASES, ids=[c[0] for c in CASES])
def test_activation_gradcheck_and_torch(name, fn, torch_fn, kinks, device):
    check_op(fn, [away_from(kinks, 4, 6)], device, torch_fn=torch_fn if torch else None)


def test_softmin_and_glu_on_a_transposed_input_match_torch(device):
    x = away_from([], 6, 4)
    check_op(lambda a: F.softmin(a.t(), 0), [x], device, torch_fn=lambda a: TF.softmin(a.t(), 0) if torch else None)
    check_op(lambda a: F.glu(a.t(), 1), [x], device, torch_fn=lambda a: TF.glu(a.t(), 1) if torch else None)


@pytest.mark.parametrize("shape, weight", [((2, 3, 4), 3), ((2, 3, 4), 1), ((2, 3), 3), ((5,), 1), ((), 1),
                                           ((2, 3, 2, 2), 3)])
def test_prelu_gradients_of_input_and_weight(shape, weight, device):
    x = away_from([0], *shape)
    w = np.random.default_rng(1).uniform(-0.5, 0.5, weight)
    check_op(F.prelu, [x, w], device, torch_fn=t("prelu") if torch else None)


# ---- kinks, NaN and inf: PyTorch's choices, value by value ----------------------------------

SPECIAL = np.array([0., 6., -3., 3., 1., -1., 0.5, -0.5, 20., 20.5, 19.5, 0.1, np.nan, np.inf, -np.inf, -30., 30.,
                    2., -2., 1e-8, -1e-8, 0.3, -0.3])

KINK_CASES = CASES + [
    ("relu6 at 0 and 6", F.relu6, t("relu6"), []),
    ("hardsigmoid at -3 and 3", F.hardsigmoid, t("hardsigmoid"), []),
    ("hardswish at -3 and 3", F.hardswish, t("hardswish"), []),
    ("elu alpha=-2", lambda x: F.elu(x, -2.0), lambda x: TF.elu(x, -2.0), []),
    ("celu alpha=-0.5", lambda x: F.celu(x, -0.5), lambda x: TF.celu(x, -0.5), []),
    ("softplus beta=-1", lambda x: F.softplus(x, -1), lambda x: TF.softplus(x, -1), []),
    ("softplus threshold=-5", lambda x: F.softplus(x, 1, -5), lambda x: TF.softplus(x, 1, -5), []),
    ("leaky_relu", F.leaky_relu, t("leaky_relu"), []),
    ("silu", F.silu, t("silu"), []),
]


ELEMENTWISE_KINK_CASES = [c for c in KINK_CASES if not c[0].startswith(("softmin", "glu"))]


@needs_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, fn, torch_fn, kinks", ELEMENTWISE_KINK_CASES,
                         ids=[c[0] for c in ELEMENTWISE_KINK_CASES])
def test_values_and_gradients_at_kinks_nan_and_inf_match_torch(name, fn, torch_fn, kinks, dtype, device):
    """One value at a time: PyTorch's per-element kernel decides where NaN goes (its vectorised loop,
    used on long runs, can route NaN differently; minigrad follows the per-element rule)."""
    for value in SPECIAL.astype(dtype):
        x = minigrad.tensor([value], dtype=dtype, device=device, requires_grad=True)
        tx = torch.tensor([value], requires_grad=True)
        out, t_out = fn(x), torch_fn(tx)
        out.backward(minigrad.tensor([0.7], dtype=dtype, device=device))
        t_out.backward(torch.tensor([0.7], dtype=tx.dtype))
        assert out.dtype == x.dtype and x.grad.dtype == x.dtype  # float32 stays float32, forward and backward
        tol = dict(rtol=3e-6, atol=1e-6) if dtype == "float32" else dict(rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(host(out.array), t_out.detach().numpy(), equal_nan=True, err_msg=str(value), **tol)
        np.testing.assert_allclose(host(x.grad.array), tx.grad.numpy(), equal_nan=True, err_msg=str(value), **tol)


@needs_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, fn, torch_fn, kinks", KINK_CASES, ids=[c[0] for c in KINK_CASES])
def test_values_and_gradients_at_the_kinks_and_infinities_match_torch(name, fn, torch_fn, kinks, dtype, device):
    values = np.concatenate([SPECIAL[~np.isnan(SPECIAL)], [0.25, -0.25, 4.0, 5.0]]).astype(dtype)  # an even length
    x = minigrad.tensor(values, dtype=dtype, device=device, requires_grad=True)
    tx = torch.tensor(values, requires_grad=True)
    if name.startswith("softmin"):
        fn, torch_fn = (lambda a: F.softmin(a, 0)), (lambda a: TF.softmin(a, 0))
    out, t_out = fn(x), torch_fn(tx)
    upstream = np.random.default_rng(2).standard_normal(out.shape).astype(dtype)
    out.backward(minigrad.tensor(upstream, dtype=dtype, device=device))
    t_out.backward(torch.tensor(upstream))
    assert out.dtype == x.dtype and x.grad.dtype == x.dtype  # float32 stays float32, forward and backward
    tol = dict(rtol=3e-6, atol=1e-6) if dtype == "float32" else dict(rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(host(out.array), t_out.detach().numpy(), equal_nan=True, **tol)
    np.testing.assert_allclose(host(x.grad.array), tx.grad.numpy(), equal_nan=True, **tol)


def test_gradients_at_the_kinks_are_torchs_choices():
    def grad(fn, values):
        x = minigrad.tensor(values, dtype=np.float64, requires_grad=True)
        fn(x).sum().backward()
        return x.grad.tolist()
    assert grad(F.hardtanh, [-1.0, 1.0, 0.0]) == [0.0, 0.0, 1.0]  # 0 AT the bounds
    assert grad(F.relu6, [0.0, 6.0, 3.0]) == [0.0, 0.0, 1.0]
    assert grad(lambda x: F.elu(x, 0.5), [0.0]) == [0.5]  # the exponential side at 0
    assert grad(lambda x: F.threshold(x, 1.0, 9.0), [1.0, 1.5]) == [0.0, 1.0]
    assert grad(F.hardswish, [-3.0, 3.0]) == [0.0, 1.0]
    assert grad(F.softsign, [0.0]) == [1.0]


# ---- dtypes and refusals --------------------------------------------------------------------

FLOAT_ONLY = ["elu", "selu", "celu", "softplus", "logsigmoid", "mish", "hardsigmoid", "hardswish", "hardshrink",
              "softshrink", "leaky_relu", "silu", "gelu", "glu"]


@pytest.mark.parametrize("name", FLOAT_ONLY)
@pytest.mark.parametrize("values", [[1, 2, -3, 0], [True, False]])
def test_floating_point_only_activations_refuse_integers_and_bools_as_torch(name, values):
    kernel = {"logsigmoid": "log_sigmoid", "gelu": "GeluKernelImpl", "softshrink": "softshrink_check",
              "selu": "elu", "celu": "elu"}.get(name, name)
    kernel = kernel if kernel in ("GeluKernelImpl", "softshrink_check") else kernel + "_cpu"
    with pytest.raises(NotImplementedError, match=f'"{kernel}" not implemented for'):
        getattr(F, name)(minigrad.tensor(values))
    if torch is not None:
        with pytest.raises(NotImplementedError, match=f'"{kernel}" not implemented for'):
            getattr(TF, name)(torch.tensor(values))


@pytest.mark.parametrize("name, fn, torch_fn", [
    ("hardtanh", lambda x: F.hardtanh(x, 0.5, 1.5), lambda x: TF.hardtanh(x, 0.5, 1.5)),
    ("relu6", F.relu6, t("relu6")),
    ("threshold", lambda x: F.threshold(x, 0.5, 7.5), lambda x: TF.threshold(x, 0.5, 7.5)),
    ("relu", F.relu, t("relu")),
    ("softsign", F.softsign, t("softsign")),
    ("tanhshrink", F.tanhshrink, t("tanhshrink")),
    ("sigmoid", F.sigmoid, t("sigmoid")),
    ("tanh", F.tanh, t("tanh")),
])
@pytest.mark.parametrize("values", [[1, 2, -3, 0, 7], 2])
def test_integer_inputs_give_torchs_dtype_and_values(name, fn, torch_fn, values):
    out = fn(minigrad.tensor(values))
    assert str(out.dtype) in ("int64", "float32")
    if torch is not None:
        expected = torch_fn(torch.tensor(values))
        assert str(out.dtype) == str(expected.dtype).replace("torch.", "")
        np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6)


def test_sigmoid_and_tanh_of_ints_are_float32_not_float64():
    assert F.tanh(minigrad.tensor([1, 2])).dtype == minigrad.float32
    assert F.sigmoid(minigrad.tensor([True, False])).dtype == minigrad.float32


@pytest.mark.parametrize("fn, error, message", [
    (F.relu, RuntimeError, "Boolean inputs not supported for relu"),
    (F.hardtanh, RuntimeError, "Bool inputs not supported for hardtanh"),
    (F.relu6, RuntimeError, "Bool inputs not supported for hardtanh"),
    (lambda x: F.threshold(x, 0, 1), NotImplementedError, "\"threshold_cpu\" not implemented for 'Bool'"),
    (F.softsign, NotImplementedError, "\"abs_cpu\" not implemented for 'Bool'"),
    (F.tanhshrink, RuntimeError, "Subtraction, the `-` operator, with a bool tensor is not supported"),
    (lambda x: F.softmin(x, 0), RuntimeError, "Negation, the `-` operator, on a bool tensor is not supported"),
    (lambda x: F.softmax(x, 0), NotImplementedError, "\"softmax_lastdim_kernel_impl\" not implemented for 'Bool'"),
])
def test_bool_inputs_are_refused_as_torch(fn, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(")):
        fn(minigrad.tensor([True, False]))


def test_bad_arguments_are_refused_as_torch():
    x = minigrad.tensor([1.0, -1.0])
    with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
        F.hardtanh(x, 2.0, 1.0)
    with pytest.raises(RuntimeError, match="ZeroDivisionError: alpha cannot be 0 for CELU"):
        F.celu(x, 0.0)
    with pytest.raises(RuntimeError, match=r"lambda must be in range \[0, 3.40282e\+38\] for input dtype Float"):
        F.softshrink(x, -1.0)
    with pytest.raises(RuntimeError, match="Halving dimension must be even, but dimension 0 is size 3"):
        F.glu(minigrad.zeros(3))
    with pytest.raises(RuntimeError, match="glu does not support scalars"):
        F.glu(minigrad.tensor(1.0))
    with pytest.raises(RuntimeError, match="Mismatch of parameter numbers and input channel size. Found parameter "
                                           "numbers = 4 and channel size = 3."):
        F.prelu(minigrad.zeros(2, 3, 4), minigrad.zeros(4))
    with pytest.raises(RuntimeError, match="channel size = 1"):
        F.prelu(minigrad.zeros(3), minigrad.zeros(3))
    with pytest.raises(RuntimeError, match="prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = 2"):
        F.prelu(minigrad.zeros(2, 3), minigrad.zeros(1, 3))
    with pytest.raises(RuntimeError, match="prelu: Type promoting not supported. Got Float and Double"):
        F.prelu(minigrad.zeros(2, 3), minigrad.zeros(3, dtype=minigrad.float64))
    with pytest.raises(ValueError, match="Softmax2d: expected input to be 3D or 4D, got 2D instead"):
        nn.Softmax2d()(minigrad.zeros(2, 3))
    with pytest.raises(AssertionError):
        nn.Hardtanh(1.0, 1.0)
    y = minigrad.tensor([-1.0, 1.0], requires_grad=True) * 1
    with pytest.raises(RuntimeError, match="In-place elu backward calculation is triggered with a negative slope"):
        F.elu(y, -1.0, inplace=True)


# ---- softmax, log_softmax, softmin: implicit dims, 0-d, empty, dtype= -------------------------

@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 3, 4), (2, 3, 2, 2)])
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_an_implicit_dim_warns_and_picks_torchs_dim(name, shape):
    x = np.random.default_rng(0).standard_normal(shape)
    with pytest.warns(UserWarning, match=f"Implicit dimension choice for {name} has been deprecated"):
        out = getattr(F, name)(minigrad.tensor(x))
    if torch is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = getattr(TF, name)(torch.tensor(x, dtype=torch.float32))
        np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_of_a_number_and_of_ints_with_dtype(name, device):
    x = minigrad.tensor(2.0, requires_grad=True, device=device)
    out = getattr(F, name)(x, 0)
    out.backward()
    assert out.shape == () and out.item() == (1.0 if name == "softmax" else 0.0) and x.grad.item() == 0.0
    ints = getattr(F, name)(minigrad.tensor([1, 2], device=device), 0, dtype=minigrad.float64)
    assert ints.dtype == minigrad.float64
    with pytest.raises(NotImplementedError, match=f'"{name}_lastdim_kernel_impl" not implemented for \'Long\''):
        getattr(F, name)(minigrad.tensor([1, 2], device=device), 0)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"):
        getattr(F, name)(minigrad.zeros(2, 3, device=device), 2)


@pytest.mark.parametrize("shape, dim", [((3, 0), 1), ((3, 0), 0), ((0, 3), 1), ((0,), 0)])
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_softmax_of_an_empty_tensor_is_empty_as_torch(name, shape, dim, device):
    x = minigrad.zeros(*shape, requires_grad=True, device=device)
    out = getattr(F, name)(x, dim)
    out.sum().backward()
    assert out.shape == shape and out.dtype == minigrad.float32 and x.grad.shape == shape


# ---- modules ----------------------------------------------------------------------------------

MODULES = ["ELU()", "ELU(0.5, True)", "SELU()", "CELU(2.0)", "Softplus(2, 10)", "Hardtanh(-2, 3)", "ReLU6()",
           "ReLU6(True)", "LogSigmoid()", "Hardsigmoid()", "Hardswish()", "Mish()", "Softsign()", "Tanhshrink()",
           "Softmin(1)", "GLU()", "PReLU()", "PReLU(3, 0.1)", "Threshold(0.1, 20)", "Hardshrink()",
           "Softshrink(0.3)", "RReLU(0.1, 0.3)", "Softmax2d()"]


@needs_torch
@pytest.mark.parametrize("spec", MODULES)
def test_modules_print_and_compute_as_torch(spec):
    module, t_module = eval("nn." + spec), eval("torch.nn." + spec)
    assert repr(module) == repr(t_module)
    module.eval()
    t_module.eval()
    x = away_from([0, -3, 3, 6], 2, 3, 4)
    out = module(minigrad.tensor(x * 1))  # a non-leaf: the inplace forms may write over it
    np.testing.assert_allclose(out.numpy(), t_module(torch.tensor(x, dtype=torch.float32)).detach().numpy(),
                               rtol=2e-6, atol=1e-6)


def test_prelu_module_learns_one_slope_per_channel_as_torch():
    layer, t_layer = nn.PReLU(3), torch.nn.PReLU(3) if torch else None
    assert [n for n, _ in layer.named_parameters()] == ["weight"] and layer.weight.shape == (3,)
    x = away_from([0], 2, 3, 4)
    layer(minigrad.tensor(x)).sum().backward()
    if t_layer is not None:
        t_layer(torch.tensor(x, dtype=torch.float32)).sum().backward()
        np.testing.assert_allclose(layer.weight.grad.numpy(), t_layer.weight.grad.numpy(), rtol=1e-5)
    double = nn.PReLU(2, dtype=minigrad.float64)
    assert double.weight.dtype == minigrad.float64 and double.weight.tolist() == [0.25, 0.25]


def test_rrelu_draws_one_slope_per_negative_element_in_training(device):
    x = minigrad.tensor(-np.ones((200,)), device=device, requires_grad=True)
    minigrad.manual_seed(3)
    out = F.rrelu(x, 0.1, 0.3, training=True)
    slopes = -out.numpy()
    assert 0.1 <= slopes.min() and slopes.max() <= 0.3 and np.unique(slopes).size > 100
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), slopes, rtol=1e-6)  # the gradient uses the same slopes
    minigrad.manual_seed(3)
    np.testing.assert_array_equal(F.rrelu(x, 0.1, 0.3, training=True).numpy(), out.numpy())  # seeded
    positive = minigrad.tensor([1.0, 2.0], device=device)
    assert F.rrelu(positive, training=True).tolist() == [1.0, 2.0]
    layer = nn.RReLU(0.1, 0.3).eval()
    np.testing.assert_allclose(layer(minigrad.tensor([-1.0], device=device)).numpy(), [-0.2], rtol=1e-6)


@pytest.mark.parametrize("name, args", [("elu", ()), ("selu", ()), ("celu", (2.0,)), ("hardtanh", ()), ("relu6", ()),
                                        ("hardsigmoid", ()), ("hardswish", ()), ("mish", ()),
                                        ("threshold", (0.2, -1.0))])
def test_inplace_forms_write_over_the_input_and_keep_the_gradient(name, args, device):
    x0 = away_from([0, -1, 1, -3, 3, 0.2], 3, 4)
    a = minigrad.tensor(x0, dtype=minigrad.float64, requires_grad=True, device=device)
    b = minigrad.tensor(x0, dtype=minigrad.float64, requires_grad=True, device=device)
    y = a * 1
    out = getattr(F, name)(y, *args, inplace=True)
    assert out is y
    expected = getattr(F, name)(b * 1, *args)
    np.testing.assert_allclose(host(y.array), host(expected.array))
    upstream = np.random.default_rng(0).standard_normal(x0.shape)
    out.backward(minigrad.tensor(upstream, device=device))
    expected.backward(minigrad.tensor(upstream, device=device))
    np.testing.assert_allclose(host(a.grad.array), host(b.grad.array))
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        getattr(F, name)(minigrad.zeros(2, requires_grad=True, device=device), *args, inplace=True)
