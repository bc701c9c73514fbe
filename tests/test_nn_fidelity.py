"""The neural-network functions' last differences from torch 2.13 that the differential fuzzer found
(issue 22): int64 average pooling, divisor_override, the pools' and convolutions' dtype and geometry
refusals with PyTorch's exception types and words, soft_margin_loss's dtype and refusals, losses'
promotion and overflow order, the affine form of batch and group norm (where an inf weight gives
NaN), the convolution's input gradient beside an inf weight, pixel_shuffle's copy, and the number
arguments that overflow an integer tensor's dtype.

Each case runs the same code in torch and in minigrad (on `device`), and compares the result's type,
dtype, shape, values (NaN and inf positions exactly) and every input's gradient under one random
upstream gradient, or, when torch raises, minigrad's exception type and the start of its message."""
import warnings

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as MF
from helpers import check_op, host, torch
from op_versions import op_version  # noqa: F401 - the fixture: fast and reference ops

TF = torch.nn.functional if torch is not None else None
needs_torch = pytest.mark.skipif(torch is None, reason="needs torch==2.13.0 as the oracle")
nan, inf = float("nan"), float("inf")


def run(case, lib, device):
    """case(L, F, t) in one library: ('ok', [(dtype, shape, values)], gradients) or ('raised', type, message).
    t(values, dtype, grad=False) makes an input tensor; those made with grad=True get their gradients
    compared after a backward with a seeded random upstream gradient."""
    L, F = (torch, TF) if lib == "torch" else (minigrad, MF)
    leaves = []

    def t(values, dtype="float32", grad=False):
        a = np.asarray(values, dtype=dtype)
        x = torch.tensor(a, requires_grad=grad) if lib == "torch" else \
            minigrad.tensor(a, dtype=a.dtype, device=device, requires_grad=grad)
        if grad:
            leaves.append(x)
        return x
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = case(L, F, t)
            outs = list(out) if isinstance(out, tuple) else [out]
            results = [(str(o.dtype).split(".")[-1], tuple(o.shape), host(o.detach().numpy()).copy()) for o in outs]
            grads = []
            if leaves and outs[0].requires_grad:
                g = np.random.default_rng(7).standard_normal(tuple(outs[0].shape)).astype(results[0][2].dtype)
                outs[0].backward(torch.tensor(g) if lib == "torch" else minigrad.tensor(g, dtype=g.dtype, device=device))
                grads = [None if x.grad is None else host(x.grad.numpy()) for x in leaves]
        return "ok", results, grads
    except Exception as e:  # noqa: BLE001 - the exception is the result compared
        return "raised", type(e), str(e)


def same_values(a, b, rtol):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return False
    special = ~np.isfinite(a) | ~np.isfinite(b)
    if not np.array_equal(a[special], b[special], equal_nan=True):
        return False
    return np.allclose(a[~special], b[~special], rtol=rtol, atol=rtol)


def assert_like_torch(case, device, rtol=1e-5, message_start=None):
    expected, got = run(case, "torch", device), run(case, "minigrad", device)
    if expected[0] == "raised":
        assert got[0] == "raised", f"torch raises {expected[1].__name__}: {expected[2]}; minigrad returns {got[1]}"
        assert issubclass(got[1], expected[1]), f"torch raises {expected[1].__name__}, minigrad {got[1].__name__}: {got[2]}"
        start = expected[2][:message_start or 40]
        assert got[2].startswith(start), f"torch says {expected[2]!r}, minigrad {got[2]!r}"
        return
    assert got[0] == "ok", f"minigrad raises {got[1].__name__}: {got[2]}"
    for (dt, shape, values), (mdt, mshape, mvalues) in zip(expected[1], got[1]):
        assert (mdt, mshape) == (dt, shape), f"torch gives {dt} {shape}, minigrad {mdt} {mshape}"
        assert same_values(values, mvalues, rtol), f"values differ:\ntorch    {values}\nminigrad {mvalues}"
    for k, (g, mg) in enumerate(zip(expected[2], got[2])):
        assert (g is None) == (mg is None), f"gradient {k}: torch {g}, minigrad {mg}"
        if g is not None:
            assert same_values(g, mg, rtol), f"gradient {k} differs:\ntorch    {g}\nminigrad {mg}"


def cases(**named):
    return pytest.mark.parametrize("case", list(named.values()), ids=list(named))


ROW = [[[-7, 2, 5, -3, 8, 9]]]

# ---- pooling ----------------------------------------------------------------------------------


@needs_torch
@cases(
    int64_truncates=lambda L, F, t: F.avg_pool1d(t(ROW, "int64"), 2),
    int64_padding=lambda L, F, t: F.avg_pool1d(t(ROW, "int64"), 3, padding=1),
    int64_no_pad_count=lambda L, F, t: F.avg_pool1d(t(ROW, "int64"), 3, padding=1, count_include_pad=False),
    int64_wraps=lambda L, F, t: F.avg_pool1d(t([[[2 ** 62] * 3]], "int64"), 3),
    int64_2d=lambda L, F, t: F.avg_pool2d(t(ROW, "int64").reshape(1, 1, 2, 3), 2, stride=1),
    divisor_override=lambda L, F, t: F.avg_pool2d(t(np.arange(18.).reshape(1, 2, 3, 3) - 7, grad=True), 2, 1,
                                                  divisor_override=3),
    divisor_override_int=lambda L, F, t: F.avg_pool2d(t(ROW, "int64").reshape(1, 1, 2, 3), 2, 1, divisor_override=-3),
    divisor_zero=lambda L, F, t: F.avg_pool2d(t(np.zeros((1, 1, 2, 2))), 2, divisor_override=0),
    avg_int32=lambda L, F, t: F.avg_pool2d(t(np.zeros((1, 1, 2, 2)), "int32"), 2),
    avg_1d_uint8=lambda L, F, t: F.avg_pool1d(t(ROW, "int64").abs().to(L.uint8), 2),
    max_bool=lambda L, F, t: F.max_pool2d(t(np.zeros((1, 1, 2, 2)), "bool"), 2),
    max_int_padding=lambda L, F, t: F.max_pool2d(-t(np.arange(12).reshape(1, 2, 2, 3), "int64"), 2, padding=1),
    max_uint8_padding=lambda L, F, t: F.max_pool2d(t(np.arange(12).reshape(1, 2, 2, 3) * 20, "uint8"), 2, padding=1),
    max1d_int64=lambda L, F, t: F.max_pool1d(t(ROW, "int64"), 2),
    max1d_int64_indices=lambda L, F, t: F.max_pool1d(t(ROW, "int64"), 2, return_indices=True),
    adaptive_avg_int64=lambda L, F, t: F.adaptive_avg_pool2d(t(np.zeros((1, 1, 4, 4)), "int64"), 2),
    adaptive_avg_int64_mean=lambda L, F, t: F.adaptive_avg_pool1d(t(ROW, "int64"), 1),
    adaptive_max_int64=lambda L, F, t: F.adaptive_max_pool1d(t(ROW, "int64"), 2),
    adaptive_none=lambda L, F, t: F.adaptive_avg_pool2d(t(np.zeros((1, 1, 4, 4))), None),
    adaptive_max_none=lambda L, F, t: F.adaptive_max_pool2d(t(np.zeros((1, 1, 4, 4))), None),
    adaptive_empty_output=lambda L, F, t: F.adaptive_avg_pool2d(t(np.ones((1, 2, 5, 4))), (0, 2)),
    adaptive_empty_backward=lambda L, F, t: F.adaptive_max_pool2d(t(np.ones((1, 2, 5, 4)), grad=True), (2, 0)),
    adaptive_negative=lambda L, F, t: F.adaptive_avg_pool2d(t(np.ones((1, 2, 5, 4))), -1),
    adaptive_empty_input=lambda L, F, t: F.adaptive_avg_pool2d(t(np.ones((1, 2, 0, 4))), 2),
    adaptive_2d_input=lambda L, F, t: F.adaptive_max_pool2d(t(np.ones((3, 4))), 2),
)
def test_pooling_dtypes_and_arguments(case, device):
    assert_like_torch(case, device)


@needs_torch
@cases(
    output_too_small=lambda L, F, t: F.max_pool2d(t(np.zeros((1, 2, 6, 2))), (3, 2), stride=(3, 2), dilation=2),
    padding_over_half=lambda L, F, t: F.max_pool2d(t(np.zeros((1, 2, 6, 2))), (3, 1), padding=1),
    avg_padding_over_half=lambda L, F, t: F.avg_pool2d(t(np.zeros((1, 2, 6, 2))), (3, 1), padding=1),
    stride_zero=lambda L, F, t: F.avg_pool2d(t(np.zeros((1, 2, 6, 2))), 2, stride=0),
    kernel_zero=lambda L, F, t: F.max_pool2d(t(np.zeros((1, 2, 6, 2))), 0),
    dilation_zero=lambda L, F, t: F.max_pool2d(t(np.zeros((1, 2, 6, 2))), 2, dilation=0),
    negative_padding=lambda L, F, t: F.max_pool2d(t(np.zeros((1, 2, 6, 2))), 2, padding=-1),
    empty_plane=lambda L, F, t: F.max_pool2d(t(np.zeros((1, 2, 0, 4))), 1),
    two_dims=lambda L, F, t: F.max_pool2d(t(np.zeros((3, 4))), 2),
    avg_two_dims=lambda L, F, t: F.avg_pool2d(t(np.zeros((3, 4))), 2),
    max1d_too_small=lambda L, F, t: F.max_pool1d(t(np.zeros((1, 2, 3))), 4),
    max1d_padding=lambda L, F, t: F.max_pool1d(t(np.zeros((1, 2, 3))), 2, padding=2),
    max1d_stride_zero=lambda L, F, t: F.max_pool1d(t(np.zeros((1, 2, 3))), 2, stride=0),
    max1d_indices_too_small=lambda L, F, t: F.max_pool1d(t(np.zeros((1, 2, 3))), 4, return_indices=True),
    avg1d_too_small=lambda L, F, t: F.avg_pool1d(t(np.zeros((1, 2, 3))), 4),
)
def test_pooling_geometry_errors_are_torchs(case, device):
    assert_like_torch(case, device, message_start=200)


def test_pooling_geometry_errors_are_still_value_errors():
    """minigrad raised ValueError before: code catching it still works (ShapeError is both)."""
    with pytest.raises(ValueError):
        MF.max_pool2d(minigrad.zeros(1, 2, 6, 2), 7)
    with pytest.raises(ValueError):
        MF.conv2d(minigrad.zeros(1, 2, 6, 2), minigrad.zeros(1, 2, 7, 1))


def test_int_max_pool_with_padding_warns_nothing():
    """The running maximum of an int tensor starts at the dtype's minimum, not a cast of -inf."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for ref in (False, True):
            with minigrad.ops.use_reference(ref):
                out = MF.max_pool2d(-minigrad.arange(12).reshape(1, 2, 2, 3), 2, padding=1)
                assert out.tolist() == [[[[0, -1], [-3, -4]], [[-6, -7], [-9, -10]]]]
                out, where = MF.max_pool2d(minigrad.arange(12).reshape(1, 2, 2, 3).to(minigrad.uint8), 2, padding=1,
                                           return_indices=True)
                assert out.tolist() == [[[[0, 2], [3, 5]], [[6, 8], [9, 11]]]]


def test_avg_pool2d_layer_takes_divisor_override():
    x = minigrad.arange(16.).reshape(1, 1, 4, 4)
    out = nn.AvgPool2d(2, divisor_override=3)(x)
    np.testing.assert_allclose(out.numpy(), MF.avg_pool2d(x, 2).numpy() * 4 / 3, rtol=1e-6)


# ---- convolution --------------------------------------------------------------------------------

X4, W2 = np.zeros((1, 4, 5, 5)), np.zeros((2, 2, 3, 3))


@needs_torch
@cases(
    input_dims=lambda L, F, t: F.conv2d(t(np.zeros((2, 3))), t(W2)),
    stride_zero=lambda L, F, t: F.conv2d(t(X4), t(W2), stride=0, groups=2),
    negative_padding=lambda L, F, t: F.conv2d(t(X4), t(W2), padding=-1, groups=2),
    dilation_zero=lambda L, F, t: F.conv2d(t(X4), t(W2), dilation=0, groups=2),
    groups_zero=lambda L, F, t: F.conv2d(t(X4), t(W2), groups=0),
    groups_too_many=lambda L, F, t: F.conv2d(t(X4), t(W2), groups=3),
    groups_not_dividing=lambda L, F, t: F.conv2d(t(X4), t(np.zeros((3, 2, 3, 3))), groups=2),
    channels=lambda L, F, t: F.conv2d(t(X4), t(W2)),
    bias=lambda L, F, t: F.conv2d(t(X4), t(np.zeros((2, 4, 3, 3))), t(np.zeros(3))),
    kernel_too_large=lambda L, F, t: F.conv2d(t(X4), t(np.zeros((2, 4, 8, 3))), padding=1),
    same_strided=lambda L, F, t: F.conv2d(t(X4), t(np.zeros((2, 4, 3, 3))), padding="same", stride=2),
    bad_padding_string=lambda L, F, t: F.conv2d(t(X4), t(np.zeros((2, 4, 3, 3))), padding="foo"),
    empty_plane=lambda L, F, t: F.conv2d(t(np.zeros((1, 4, 0, 5))), t(np.zeros((2, 4, 1, 1))), padding=1),
    empty_plane_1d=lambda L, F, t: F.conv1d(t(np.zeros((2, 3, 0))), t(np.zeros((2, 3, 1))), padding=1),
    empty_plane_transposed=lambda L, F, t: F.conv_transpose2d(t(np.zeros((1, 4, 0, 5))), t(np.zeros((4, 2, 1, 1)))),
    conv1d_kernel_too_large=lambda L, F, t: F.conv1d(t(np.zeros((1, 3, 4))), t(np.zeros((2, 3, 6)))),
    conv1d_channels=lambda L, F, t: F.conv1d(t(np.zeros((1, 3, 4))), t(np.zeros((2, 2, 3)))),
    conv1d_groups=lambda L, F, t: F.conv1d(t(np.zeros((1, 4, 4))), t(np.zeros((3, 2, 3))), groups=2),
    conv1d_stride_zero=lambda L, F, t: F.conv1d(t(np.zeros((1, 3, 4))), t(np.zeros((2, 3, 3))), stride=0),
    conv1d_weight_dims=lambda L, F, t: F.conv1d(t(np.zeros((1, 3, 4))), t(np.zeros((2, 3)))),
    no_input_channels=lambda L, F, t: F.conv2d(t(np.zeros((2, 0, 4, 4)), grad=True), t(np.zeros((3, 0, 3, 3)), grad=True),
                                               t(np.ones(3), grad=True)),
    empty_batch=lambda L, F, t: F.conv2d(t(np.zeros((0, 4, 5, 5)), grad=True), t(np.ones((2, 4, 3, 3)), grad=True)),
)
def test_convolution_errors_are_torchs(case, device):
    assert_like_torch(case, device, message_start=200)


def _inf_weight(shape, where):
    w = np.random.default_rng(3).standard_normal(shape).round(1)
    w[where] = inf
    return w


@needs_torch
@pytest.mark.parametrize("dtype,padding", [("float32", 0), ("float64", 0), ("float64", 1)])
def test_conv_input_gradient_beside_an_inf_weight(dtype, padding, device, op_version):
    """dx at pixels no inf weight reaches stays finite: the stride-1 fast path's flipped kernel met the
    zeros around the gradient (0 * inf = NaN everywhere). (Not float32 with padding: there PyTorch's
    oneDNN forward skips the padding where its own reference path, and minigrad, multiply it.)"""
    x = np.random.default_rng(0).standard_normal((2, 2, 5, 5)).round(1)
    w = _inf_weight((2, 2, 2, 2), (0, 0, 1, 0))
    assert_like_torch(lambda L, F, t: F.conv2d(t(x, dtype, grad=True), t(w, dtype), padding=padding), device)


# ---- normalisation -------------------------------------------------------------------------------

X = np.array([[1.0, 2, 3, 4], [-3, 0.5, 2, 1], [0, 0, 1, -1]])


@needs_torch
@cases(
    batch_norm_inf_weight_train=lambda L, F, t: F.batch_norm(
        t(X, grad=True), None, None, t([inf, 1, -inf, 2]), t([0.0, 1, 2, 3]), training=True),
    batch_norm_inf_weight_eval=lambda L, F, t: F.batch_norm(
        t(X), t([1.0, 0, 2, 1]), t([1.0, 2, 3, 4]), t([-inf, 1, inf, 2]), t([0.0, 1, 2, 3]), training=False),
    batch_norm_images_inf_weight=lambda L, F, t: F.batch_norm(
        t(X.reshape(3, 2, 2, 1) * [[[1.0]], [[2.0]]], grad=True), None, None, t([inf, 1]), t([0.5, 1]), training=True),
    batch_norm_huge_weight_backward=lambda L, F, t: F.batch_norm(
        t([[[[-1.0, 1, -2], [2, 0.5, -0.5]]]], grad=True), None, None, t([3e38]), t([-3.69]), training=True, eps=0.1),
    # weight / std overflows: backward multiplies by 1/std, then by the weight (forward: NaN everywhere in both)
    batch_norm_huge_scale_backward=lambda L, F, t: F.batch_norm(
        t([[[[-0.5, 0.5]]], [[[0.5, -0.5]]]], grad=True), None, None, t([3e38]), t([1.0]), training=True),
    batch_norm_2d_huge_scale_backward=lambda L, F, t: F.batch_norm(
        t([[-0.5], [0.5], [-0.5], [0.5]], grad=True), None, None, t([3e38]), t([1.0]), training=True),
    group_norm_inf_weight=lambda L, F, t: F.group_norm(t(X.reshape(1, 4, 3)), 2, t([inf, 1, 2, -inf])),
    instance_norm_inf_weight=lambda L, F, t: F.instance_norm(t(X.reshape(1, 2, 6)), weight=t([-inf, 1.0])),
    group_norm_one_value_per_group=lambda L, F, t: F.group_norm(t(np.zeros((1, 2, 1, 1)), grad=True), 2),
    group_norm_one_value=lambda L, F, t: F.group_norm(t(np.zeros((1, 1, 1))), 1),
    layer_norm_int_shape=lambda L, F, t: F.layer_norm(t(X), 4),
    layer_norm_float_in_shape=lambda L, F, t: F.layer_norm(t(X), (4.0,)),
)
def test_normalisation_like_torch(case, device):
    assert_like_torch(case, device)


@pytest.mark.parametrize("affine", [False, True])
def test_group_norm_gradient(affine, device):
    """group_norm (ops/layer_norm.py): float64 gradient check with a random upstream gradient, and torch."""
    arrays = [np.random.default_rng(1).standard_normal((2, 4, 3))]
    if affine:
        arrays += [np.random.default_rng(2).standard_normal(4), np.random.default_rng(3).standard_normal(4)]
    check_op(lambda *a: MF.group_norm(a[0], 2, *a[1:]), arrays, device,
             lambda *a: TF.group_norm(a[0], 2, *a[1:]) if torch is not None else None)


@pytest.mark.parametrize("params", ["", "weight", "bias", "weight,bias"])
def test_layer_norm_gradient(params, device):
    """layer_norm (ops/layer_norm.py): float64 gradient check with a random upstream gradient, and torch."""
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal((2, 3, 4))] + [rng.standard_normal((3, 4)) for p in params.split(",") if p]

    def call(F, x, *rest):
        kw = dict(zip([p for p in params.split(",") if p], rest))
        return F.layer_norm(x, (3, 4), eps=1e-3, **kw)
    check_op(lambda *a: call(MF, *a), arrays, device, (lambda *a: call(TF, *a)) if torch is not None else None)


HUGE = np.array([[1e30, 2e30, 3e30, 4e30], [-0.4, 3e38, 3.24, 1e-30], [1e30, -1e30, 5.0, 1.0],
                 [1.0, 2.0, 3.0, 4.0]])


@needs_torch
@cases(
    layer_norm_huge=lambda L, F, t: F.layer_norm(t(HUGE, grad=True), (4,), t([1.0, -2, 0.5, 3], grad=True)),
    layer_norm_huge_rows_of_8=lambda L, F, t: F.layer_norm(t(HUGE.reshape(2, 8), grad=True), (8,)),
    layer_norm_huge_long_rows=lambda L, F, t: F.layer_norm(t(np.tile(HUGE, (1, 40)), grad=True), (160,)),
    layer_norm_huge_float64=lambda L, F, t: F.layer_norm(t(HUGE * 1e160, "float64", grad=True), (4,)),
    group_norm_huge=lambda L, F, t: F.group_norm(t(HUGE.reshape(2, 2, 4), grad=True), 2, t([1.0, 2], grad=True),
                                                 t([0.5, -1], grad=True)),
    group_norm_inf_weight_gradient=lambda L, F, t: F.group_norm(t(X.reshape(1, 4, 3), grad=True), 2,
                                                                t([inf, 1, 2, -inf])),
    layer_norm_inf_weight_gradient=lambda L, F, t: F.layer_norm(t(X, grad=True), (4,), t([inf, 1, 2, -inf])),
    layer_norm_mixed_dtypes=lambda L, F, t: F.layer_norm(t(X), (4,), t(np.ones(4), "float64")),
    layer_norm_mixed_dtypes_float64=lambda L, F, t: F.layer_norm(t(X, "float64"), (4,), t(np.ones(4))),
    group_norm_mixed_dtypes=lambda L, F, t: F.group_norm(t(X.reshape(1, 4, 3)), 2, t(np.ones(4), "float64")),
    layer_norm_weight_shape=lambda L, F, t: F.layer_norm(t(X), (4,), t(np.ones(3))),
    layer_norm_bias_shape=lambda L, F, t: F.layer_norm(t(X), (4,), None, t(np.ones(3))),
    layer_norm_int=lambda L, F, t: F.layer_norm(t(X, "int64"), (4,)),
    group_norm_int=lambda L, F, t: F.group_norm(t(X.reshape(1, 4, 3), "int64"), 2),
    layer_norm_empty_rows=lambda L, F, t: F.layer_norm(t(np.zeros((2, 0))), (0,)),
    group_norm_empty_batch=lambda L, F, t: F.group_norm(t(np.zeros((0, 2, 3)), grad=True), 2),
)
def test_layer_and_group_norm_like_torch(case, device):
    """Huge values: PyTorch's Welford moments decide where the variance is inf or NaN (ops/moments.py)."""
    assert_like_torch(case, device, rtol=1e-4)


# ---- losses ------------------------------------------------------------------------------------------


@needs_torch
@cases(
    soft_margin_promotes_to_input=lambda L, F, t: F.soft_margin_loss(t([1.0, -2, 3], grad=True),
                                                                     t([1.0, -1, 1], "float64")),
    soft_margin_target_grad=lambda L, F, t: F.soft_margin_loss(t([1.0, -2, 3]), t([1.0, -1, 1], grad=True)),
    soft_margin_int_input=lambda L, F, t: F.soft_margin_loss(t([1, -2, 3], "int64"), t([1.0, -1, 1], "float64")),
    soft_margin_broadcast_into_input=lambda L, F, t: F.soft_margin_loss(t([1.0]), t([1.0, -1, 1])),
    soft_margin_bool=lambda L, F, t: F.soft_margin_loss(t([1, 0], "bool"), t([1, 0], "bool")),
    mse_gradient_does_not_overflow=lambda L, F, t: F.mse_loss(t([3e38, 1, -2], grad=True), t([-1.0, 0, 0])),
    smooth_l1_zero_d_target_promotes=lambda L, F, t: F.smooth_l1_loss(t([-1.0, 0, 1], grad=True), t(-4.76, "float64")),
    smooth_l1_beta0_nan=lambda L, F, t: F.smooth_l1_loss(t([nan, 1, 2], grad=True), t([0.0, 1, 0]), beta=0.0),
    huber_mixed_dtypes_backward=lambda L, F, t: F.huber_loss(t([1.0, 2, 5], grad=True), t([0.0, 2.5, 1], "float64")),
    huber_mixed_dtypes_target_grad=lambda L, F, t: F.huber_loss(t([1.0, 2, 5], "float64"), t([0.0, 2.5, 1], grad=True)),
    huber_int_target_backward=lambda L, F, t: F.huber_loss(t([1.0, 2, 5], grad=True), t([0, 2, 1], "int64")),
    huber_reduction_checked_first=lambda L, F, t: F.huber_loss(t([1, 2], "int64"), t([1.0, 2]), reduction="bogus"),
    multi_margin_nan_adds_nothing=lambda L, F, t: F.multi_margin_loss(
        t([[0.48, 2.06, nan], [1.0, -1, 0.5]], grad=True), t([0, 2], "int64")),
    multi_margin_inf=lambda L, F, t: F.multi_margin_loss(t([[inf, 2.06, nan], [1.0, inf, 0.5]], grad=True),
                                                         t([1, 2], "int64")),
    multi_margin_weight_inf=lambda L, F, t: F.multi_margin_loss(t([[3.0, 0, -5]]), t([0], "int64"),
                                                                weight=t([inf, 1, 1])),
    l1_shapes=lambda L, F, t: F.l1_loss(t([1.0, 2, 3, 4]), t([1.0, 2, 3, 4, 5])),
    kl_div_shapes=lambda L, F, t: F.kl_div(t([1.0, 2, 3, 4, 5]), t([0.1, 0.2, 0.3, 0.4]), reduction="sum"),
    nll_byte_target_images=lambda L, F, t: F.nll_loss(t(np.zeros((2, 3, 2))), t([[0, 1], [2, 0]], "uint8")),
    nll_byte_target_empty_backward=lambda L, F, t: F.nll_loss(t(np.zeros((0, 1, 2)), grad=True), t(np.zeros((0, 2)), "uint8")),
    nll_weight_checked_first=lambda L, F, t: F.nll_loss(t(np.zeros((2, 1))), t([0, 1], "int64"), weight=t([1.0, 2])),
    cross_entropy_byte_target_smoothing=lambda L, F, t: F.cross_entropy(t(np.zeros((2, 3))), t([0, 1], "uint8"),
                                                                        label_smoothing=0.5),
    cross_entropy_byte_target=lambda L, F, t: F.cross_entropy(t(np.zeros((2, 3))), t([0, 1], "uint8")),
)
def test_losses_like_torch(case, device):
    assert_like_torch(case, device, message_start=200)


@needs_torch
def test_binary_cross_entropy_clamps_with_torchs_float_epsilon(device):
    """At p = 0 the gradient divides by PyTorch's EPSILON, a C float: 1e-12 rounded to float32."""
    assert_like_torch(lambda L, F, t: F.binary_cross_entropy(t([0.75, -0.0, 0.16], "float64", grad=True),
                                                             t([0.37, 0.31, 0.59], "float64")), device, rtol=1e-13)


# ---- activations, padding, one_hot, pixel_shuffle ----------------------------------------------


@needs_torch
@cases(
    hardtanh_uint8_negative_limit=lambda L, F, t: F.hardtanh(t([1, 2, 3], "uint8")),
    hardtanh_int8_overflow=lambda L, F, t: F.hardtanh(t([1, 2, 3], "int8"), 0, 300),
    hardtanh_beyond_int64=lambda L, F, t: F.hardtanh(t([1, 2, 3], "int32"), -1e20, 1e20),
    hardtanh_truncated_bounds=lambda L, F, t: F.hardtanh(t([1, 2, 3], "uint8"), -0.5, 2.5),
    hardtanh_float_overflow=lambda L, F, t: F.hardtanh(t([1.0, 2]), -1e300, 1),
    threshold_uint8_value=lambda L, F, t: F.threshold(t([1, 2, 3], "uint8"), 0.5, -1.0),
    threshold_uint8_wraps=lambda L, F, t: F.threshold(t([1, 2, 3], "uint8"), -1, 2),
    threshold_int32_overflow=lambda L, F, t: F.threshold(t([1, 2, 3], "int32"), 1e20, 1),
    threshold_nan_for_int=lambda L, F, t: F.threshold(t([1, 2, 3], "uint8"), nan, 1),
    threshold_inplace_bool=lambda L, F, t: F.threshold_(t([0, 1], "bool"), 0.5, -1.0),
    relu_inplace_expanded=lambda L, F, t: F.relu(t([1.0, -2]).reshape(1, 2).expand(3, 2), inplace=True),
    relu_inplace_empty=lambda L, F, t: F.relu_(t(np.zeros((0, 3)))),
    pad_replicate_bool=lambda L, F, t: F.pad(t(np.ones((1, 2, 3)), "bool"), (1, 1), mode="replicate"),
    pad_reflect_bool_2d=lambda L, F, t: F.pad(t(np.ones((1, 1, 2, 3)), "bool"), (1, 1, 1, 1), mode="reflect"),
    pad_circular_bool=lambda L, F, t: F.pad(t(np.ones((1, 2, 3)), "bool"), (1, 1), mode="circular"),
    pad_value_overflow=lambda L, F, t: F.pad(t([1, 2], "uint8"), (0, 2), value=-1.0),
    pad_value_int_overflow=lambda L, F, t: F.pad(t([1, 2], "uint8"), (0, 2), value=-1),
    pad_value_truncated=lambda L, F, t: F.pad(t([1, 2], "uint8"), (0, 2), value=0.5),
    one_hot_empty_zero_classes=lambda L, F, t: F.one_hot(t(np.zeros((0, 2)), "int64"), num_classes=0),
    one_hot_empty_some_classes=lambda L, F, t: F.one_hot(t(np.zeros((0, 2)), "int64"), num_classes=3),
)
def test_activations_and_padding_like_torch(case, device):
    assert_like_torch(case, device, message_start=200)


@pytest.mark.parametrize("shape,r", [((1, 1, 2, 2), 1), ((4, 1, 1), 2), ((1, 4, 2, 2), 2)])
def test_pixel_shuffle_returns_a_new_tensor(shape, r, device):
    """Writing into the result leaves the input alone, as PyTorch's (it always copies)."""
    x = minigrad.arange(float(np.prod(shape)), device=device).reshape(shape)
    before = x.numpy().copy()
    for fn in (MF.pixel_shuffle, MF.pixel_unshuffle):
        if fn is MF.pixel_unshuffle and (shape[-1] % r or shape[-2] % r):
            continue
        out = fn(x, r)
        out.fill_(-1.0)
        np.testing.assert_array_equal(x.numpy(), before)
        assert out.is_contiguous()


def test_pixel_shuffle_of_an_expanded_input_is_a_copy(device):
    x = minigrad.zeros(1, 1, 2, 2, device=device).expand(3, 1, 2, 2)
    out = MF.pixel_shuffle(x, 1)
    out.add_(1.0)
    assert float(x.sum()) == 0.0


# ---- sums that overflow, and promotion of a 0-d partner ------------------------------------------
BIG = [[[-2.47, -1.42, 0.25]], [[5.2, 0.98, 3.46]], [[3e38, 2.93, 1.38]]]  # one channel, a float32 near its top


@needs_torch
@cases(
    # PyTorch's backward sums grad * (x - mean) and only then multiplies by 1/std: where that sum
    # overflows and 1/std is 0 (the variance is inf), dweight and dx are NaN, not 0
    batch_norm_3d=lambda L, F, t: F.batch_norm(t(BIG, grad=True).permute(1, 0, 2), None, None,
                                               t([1.5], grad=True), t([0.5], grad=True), training=True),
    batch_norm_2d=lambda L, F, t: F.batch_norm(t(np.array(BIG).reshape(9, 1), grad=True), None, None,
                                               t([1.5], grad=True), t([0.5], grad=True), training=True),
    batch_norm_4d=lambda L, F, t: F.batch_norm(t(np.array(BIG).reshape(3, 1, 3, 1), grad=True), None, None,
                                               t([1.5], grad=True), t([0.5], grad=True), training=True),
    # kl_div with log targets is PyTorch's product e^q (q - x): its target gradient adds two terms, inf - inf
    kl_div_log_target_overflow=lambda L, F, t: F.kl_div(t([3.81e30, -2.77e30], grad=True),
                                                        t([3.1e29, 1.63e30], grad=True), log_target=True,
                                                        reduction="sum"),
    batch_norm_5d=lambda L, F, t: F.batch_norm(t(np.array(BIG).reshape(1, 1, 3, 3, 1), grad=True), None, None,
                                               t([1.5], grad=True), t([0.5], grad=True), training=True),
    batch_norm_weight_length=lambda L, F, t: F.batch_norm(t(np.ones((2, 3))), None, None, t([1.0]), training=True),
    batch_norm_eval_without_stats=lambda L, F, t: F.batch_norm(t(np.ones((2, 3))), None, None, training=False),
    batch_norm_one_value=lambda L, F, t: F.batch_norm(t(np.ones((1, 3))), None, None, training=True),
    # a 0-d float64 target does not make a float32 input's loss float64
    kl_div_0d_target=lambda L, F, t: F.kl_div(t([2.72, 1.0], grad=True), t(-1.55, "float64", grad=True),
                                              log_target=True, reduction="batchmean"),
)
def test_overflowing_sums_and_0d_promotion(case, device, op_version):
    assert_like_torch(case, device)


@needs_torch
@cases(
    # relu's backward chooses (PyTorch's threshold_backward), it does not multiply: inf * 0 would be NaN
    relu_infinite_gradient=lambda L, F, t: F.relu(t([[-1.0, 0.0, 2.0, nan]] * 2, grad=True)) * inf,
    relu_infinite_gradient_1d=lambda L, F, t: F.relu(t([-1.0, 0.0, 2.0, nan], grad=True)) * inf,
)
def test_relu_gradient_is_a_choice(case, device, op_version):
    assert_like_torch(case, device)


@needs_torch
@cases(
    # the target broadcasts into the input's shape, never beyond it, with PyTorch's two errors
    larger_target=lambda L, F, t: F.soft_margin_loss(t(np.ones(3)), t(np.ones((2, 3)))),
    mismatched_target=lambda L, F, t: F.soft_margin_loss(t(np.ones(3)), t(np.ones(4))),
    smaller_target=lambda L, F, t: F.soft_margin_loss(t(np.ones((2, 3)), grad=True), t(np.ones(3))),
)
def test_soft_margin_target_broadcasts_into_the_input(case, device):
    assert_like_torch(case, device, message_start=80)
