"""Winograd F(4x2, 3x3) (minigrad/ops/fast/winograd.py) against a float64 convolution: odd and
tiny images, one channel, asymmetric and zero padding, non-contiguous input, chunks of one
image or all, the stride-1 input gradient as a convolution, and NaN/inf (Winograd turns an inf
into NaN, so conv3x3 returns None there and the caller runs im2col)."""
import numpy as np
import pytest

from helpers import torch

import minigrad
import minigrad.nn.functional as F
from minigrad.ops.fast import blas, conv_cpu, winograd, workspace
from minigrad.ops.geometry import window

# float32 error of winograd against float64, relative to max |out|: measured <= 3.6e-6 at 64 to
# 512 channels (torch's own float32 conv2d: <= 2.9e-6; im2col's: <= 6e-7); F(4, 3)'s transforms
# multiply by up to 8, so this bound leaves room for that and for larger channel counts.
RTOL32 = 8e-6
needs_torch = pytest.mark.skipif(torch is None, reason="needs torch==2.13.0 as the oracle")


def pads(padding):
    return ((padding, padding), (padding, padding)) if isinstance(padding, int) else padding


def reference(x, weight, padding):
    """conv2d in float64, stride 1: the sum over the 9 kernel cells of a shifted product."""
    (t, b), (l, r) = pads(padding)
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (t, b), (l, r)))
    oh, ow = xp.shape[2] - 2, xp.shape[3] - 2
    out = np.zeros((x.shape[0], weight.shape[0], oh, ow))
    for i in range(3):
        for j in range(3):
            out += np.einsum("nchw,oc->nohw", xp[:, :, i:i + oh, j:j + ow], weight[:, :, i, j].astype(np.float64))
    return out


def random(shape, dtype=np.float32, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


SHAPES = [  # (N, C, O, H, W, padding)
    (2, 3, 4, 7, 7, 1),
    (1, 1, 1, 5, 5, 0),
    (3, 2, 5, 1, 1, 1),  # 1x1 images: one tile, mostly padding
    (1, 1, 1, 3, 3, 0),  # a 1x1 output
    (2, 4, 3, 6, 9, ((1, 0), (2, 1))),  # asymmetric padding, odd output width
    (2, 5, 6, 2, 7, ((2, 2), (0, 1))),
    (1, 3, 2, 4, 5, 3),  # padding wider than the kernel
    (2, 16, 8, 14, 14, 1),
    (4, 8, 16, 28, 28, 1),
]


@pytest.mark.parametrize("n, c, o, h, w, padding", SHAPES)
def test_matches_float64(n, c, o, h, w, padding):
    x, weight = random((n, c, h, w)), random((o, c, 3, 3), seed=1)
    out = winograd.conv3x3(x, weight, pads(padding))
    ref = reference(x, weight, padding)
    assert out.dtype == np.float32 and out.shape == ref.shape
    assert np.abs(out - ref).max() <= RTOL32 * np.abs(ref).max()


@needs_torch
@pytest.mark.parametrize("n, c, h", [(4, 128, 28), (4, 256, 14), (8, 512, 7)])
def test_matches_torch_at_resnet34_sizes(n, c, h):
    """layer2 to layer4's 3x3 convolutions: float32 within 3x torch's own float32 distance from float64."""
    x, weight = random((n, c, h, h)), random((c, c, 3, 3), seed=1) * 0.05
    ref = reference(x, weight, 1)
    theirs = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(weight), padding=1).numpy()
    ours = winograd.conv3x3(x, weight, pads(1))
    assert np.abs(ours - ref).max() <= 3 * np.abs(theirs - ref).max()


def test_float64_stays_float64_and_exact():
    x, weight = random((2, 3, 9, 8), np.float64), random((4, 3, 3, 3), np.float64, seed=1)
    out = winograd.conv3x3(x, weight, pads(1))
    ref = reference(x, weight, 1)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, ref, rtol=0, atol=1e-13 * np.abs(ref).max())


def test_non_contiguous_input_and_weight():
    x = random((3, 4, 12, 10)).transpose(0, 1, 3, 2)[:, :, ::2]  # (3, 4, 5, 12), strided
    weight = random((4, 6, 3, 3), seed=1).transpose(1, 0, 3, 2)  # (6, 4, 3, 3), transposed
    out = winograd.conv3x3(x, weight, pads(1))
    ref = reference(x, weight, 1)
    assert np.abs(out - ref).max() <= RTOL32 * np.abs(ref).max()


def test_matches_minigrad_reference_and_im2col():
    """Same values as the reference conv2d (ops/conv.py) and the fast im2col path, to float32 rounding."""
    x, weight = random((2, 8, 11, 11)), random((5, 8, 3, 3), seed=1)
    with minigrad.ops.use_reference():
        x64, w64 = minigrad.tensor(x.astype(np.float64)), minigrad.tensor(weight.astype(np.float64))
        ref = F.conv2d(x64, w64, padding=1).array
    out = winograd.conv3x3(x, weight, pads(1))
    im2col = conv_cpu.conv_forward(x, weight, window("conv2d", x.shape, (3, 3), (1, 1), pads(1)), 1)
    scale = np.abs(ref).max()
    assert np.abs(out - ref).max() <= RTOL32 * scale
    assert np.abs(out - im2col).max() <= 2 * RTOL32 * scale


@pytest.mark.parametrize("min_tiles", [1, 1 << 62])
def test_chunks(monkeypatch, min_tiles):
    """Chunks of one image each, or the whole batch as one chunk: the same numbers."""
    monkeypatch.setattr(winograd, "MIN_TILES", min_tiles)
    monkeypatch.setattr(winograd, "MAX_CHUNK_BYTES", 1 << 62)
    x, weight = random((5, 6, 9, 9)), random((7, 6, 3, 3), seed=1)
    assert winograd.chunk_size(5, 25, 6, 4) == (1 if min_tiles == 1 else 5)
    out = winograd.conv3x3(x, weight, pads(1))
    ref = reference(x, weight, 1)
    assert np.abs(out - ref).max() <= RTOL32 * np.abs(ref).max()


def test_transform_matrices_are_the_kronecker_products_of_lavin_and_gray():
    """BB, GG and AA apply B^T d B', G g G'^T and A^T m A' to a flattened block: F(4, 3)'s matrices
    down the rows, F(2, 3)'s across the columns."""
    rng = np.random.default_rng(3)
    (bt, g4, at), (bt2, g2, at2) = winograd.F43, winograd.F23
    d, g, m = rng.standard_normal((6, 4)), rng.standard_normal((3, 3)), rng.standard_normal((6, 4))
    np.testing.assert_allclose(winograd._BB @ d.ravel(), (bt @ d @ bt2.T).ravel(), atol=1e-13)
    np.testing.assert_allclose(winograd._GG @ g.ravel(), (g4 @ g @ g2.T).ravel(), atol=1e-14)
    np.testing.assert_allclose(winograd._AA @ m.ravel(), (at @ m @ at2.T).ravel(), atol=1e-13)
    # and together they convolve: a 6x4 input block and a 3x3 kernel give the 4x2 valid correlation
    out = (winograd._AA @ ((winograd._GG @ g.ravel()) * (winograd._BB @ d.ravel()))).reshape(4, 2)
    direct = np.array([[(d[i:i + 3, j:j + 3] * g).sum() for j in range(2)] for i in range(4)])
    np.testing.assert_allclose(out, direct, atol=1e-12)


def test_convolve_a_chunk_at_a_time():
    """The chunk-level call conv_cpu's own loops can make: one kernel transform, then convolve
    per chunk of images on one BLAS thread, each chunk saying whether its outputs are finite."""
    x, weight = random((4, 6, 10, 9)), random((3, 6, 3, 3), seed=1)
    u = winograd.kernel_transform(weight).copy()  # scratch memory: copied, as a caller keeping it would
    out = np.empty((4, 3, 10, 9), np.float32)
    with blas.one_blas_thread():
        assert all(winograd.convolve(x[a:a + 2], u, pads(1), out[a:a + 2]) for a in (0, 2))
        x[3, 2, 4, 4] = np.nan
        assert winograd.convolve(x[:2], u, pads(1), out[:2])
        assert not winograd.convolve(x[2:], u, pads(1), out[2:])
    ref = reference(x[:2], weight, 1)
    assert np.abs(out[:2] - ref).max() <= RTOL32 * np.abs(ref).max()


@pytest.mark.parametrize("padding", [1, 0, ((1, 0), (0, 2))])
def test_input_gradient_as_flipped_convolution(padding):
    """The stride-1 input gradient of conv2d is conv3x3 of the output gradient with the kernel
    flipped and its channels swapped, padded by 2 - padding (Convolution2dFast.flipped_conv)."""
    torch = pytest.importorskip("torch")
    (t, b), (l, r) = pads(padding)
    x, weight = random((2, 4, 8, 7)), random((5, 4, 3, 3), seed=1)
    grad = random((2, 5, 8 + t + b - 2, 7 + l + r - 2), seed=2)
    flipped = np.ascontiguousarray(weight[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
    dx = winograd.conv3x3(grad, flipped, ((2 - t, 2 - b), (2 - l, 2 - r)))
    xt = torch.tensor(np.pad(x, ((0, 0), (0, 0), (t, b), (l, r))), dtype=torch.float64, requires_grad=True)
    out = torch.nn.functional.conv2d(xt, torch.tensor(weight, dtype=torch.float64))
    out.backward(torch.tensor(grad, dtype=torch.float64))
    ref = xt.grad.numpy()[:, :, t:t + 8, l:l + 7]
    assert dx.shape == x.shape
    assert np.abs(dx - ref).max() <= RTOL32 * np.abs(ref).max()


@pytest.mark.parametrize("where, value", [("x", np.nan), ("x", np.inf), ("x", -np.inf), ("weight", np.inf),
                                          ("weight", np.nan)])
def test_non_finite_returns_none(where, value):
    """Winograd's non-finite outputs are im2col's, but an inf comes out as NaN (inf * u1 - inf * u2
    in the output transform), a silent difference from torch. So conv3x3 returns None and the
    caller runs im2col (checked against torch here for the input; for a non-finite weight torch
    skips the padding's 0 * inf, im2col does not: a difference of im2col's own, not tested here)."""
    out = np.empty((2, 4, 8, 8), np.float32)
    x, weight = random((2, 3, 8, 8)), random((4, 3, 3, 3), seed=1)
    (x if where == "x" else weight)[0, 1, 2, 2] = value
    with np.errstate(all="raise"):  # winograd's own NaN arithmetic stays quiet
        assert winograd.conv3x3(x, weight, pads(1)) is None
        assert not winograd.convolve(x, winograd.kernel_transform(weight), pads(1), out)
    if value == np.inf:  # what the check guards against
        assert np.isnan(out).any()
    torch = pytest.importorskip("torch")
    if where == "x":
        with np.errstate(invalid="ignore", over="ignore"):
            im2col = conv_cpu.conv_forward(x, weight, window("conv2d", x.shape, (3, 3), (1, 1), pads(1)), 1)
        t = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(weight), padding=1).numpy()
        np.testing.assert_array_equal(np.isnan(im2col), np.isnan(t))
        np.testing.assert_array_equal(np.isposinf(im2col), np.isposinf(t))
        np.testing.assert_array_equal(np.isneginf(im2col), np.isneginf(t))


def test_overflow_returns_none():
    """Finite numbers near float32's limit: the transforms' sums may overflow where im2col's do not."""
    x, weight = random((1, 2, 6, 6)), random((3, 2, 3, 3), seed=1)
    x[0, 0, 2, 2] = 3e38
    with np.errstate(all="raise"):
        assert winograd.conv3x3(x, weight, pads(1)) is None


def test_empty_batch_and_errors():
    assert winograd.conv3x3(np.zeros((0, 3, 5, 5), np.float32), random((2, 3, 3, 3)), pads(1)).shape == (0, 2, 5, 5)
    with pytest.raises(ValueError, match="weight"):
        winograd.conv3x3(random((1, 3, 5, 5)), random((2, 3, 5, 5)), pads(1))
    with pytest.raises(ValueError, match="smaller than the 3x3 kernel"):
        winograd.conv3x3(random((1, 3, 2, 2)), random((2, 3, 3, 3)), pads(0))


def test_subnormal_weights_leave_winograd_to_im2col():
    """G's halves drop the last bits of subnormal weights: Winograd's float32 error was 5x im2col's
    at 1e-40 (0.21 against 0.05 of max |out| at 1e-43). It returns None there, and F.conv2d's answer
    is im2col's."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 16, 9, 9)).astype(np.float32)
    w = rng.standard_normal((8, 16, 3, 3))
    assert winograd.conv3x3(x, (w * 1e-40).astype(np.float32), ((1, 1), (1, 1))) is None
    assert winograd.conv3x3(x, (w * 1e-30).astype(np.float32), ((1, 1), (1, 1))) is not None


def test_a_flipped_kernel_is_read_in_place_with_the_same_result():
    """The input gradient's kernel, turned 180 degrees with its channels swapped, is transformed
    straight from the weight (no flipped copy): the same numbers as from the copied kernel, to the
    last bit or so (BLAS may sum a transposed operand in another order)."""
    rng = np.random.default_rng(2)
    g = rng.standard_normal((3, 6, 9, 8)).astype(np.float32)   # 6 = the weight's out channels
    w = rng.standard_normal((6, 4, 3, 3)).astype(np.float32)
    copied = np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
    for pad in (((1, 1), (1, 1)), ((2, 2), (2, 2)), ((0, 2), (2, 0))):
        ours, copy = winograd.conv3x3(g, w, pad, flipped=True), winograd.conv3x3(g, copied, pad)
        np.testing.assert_allclose(ours, copy, rtol=0, atol=1e-6 * np.abs(copy).max())


def weight_grad_reference(grad, x, padding):
    """dW of conv2d in float64, stride 1: each kernel cell's sum over images and pixels."""
    (t, b), (l, r) = pads(padding)
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (t, b), (l, r)))
    oh, ow = grad.shape[2:]
    return np.stack([np.stack([np.einsum("nohw,nchw->oc", grad.astype(np.float64), xp[:, :, i:i + oh, j:j + ow])
                               for j in range(3)], -1) for i in range(3)], -2)


@pytest.mark.parametrize("n, c, o, h, w, padding", SHAPES)
def test_weight_grad_matches_float64(n, c, o, h, w, padding):
    """dW by the transposed algorithm, GG^T [(AA^T grad_tile) * (BB d)] summed over tiles."""
    x = random((n, c, h, w))
    (t, b), (l, r) = pads(padding)
    grad = random((n, o, h + t + b - 2, w + l + r - 2), seed=2)
    dw = winograd.weight_grad(grad, x, pads(padding))
    ref = weight_grad_reference(grad, x, padding)
    assert dw.dtype == np.float32 and dw.shape == (o, c, 3, 3) and dw.flags.c_contiguous
    assert np.abs(dw - ref).max() <= RTOL32 * np.abs(ref).max()
    dw64 = winograd.weight_grad(grad.astype(np.float64), x.astype(np.float64), pads(padding))
    np.testing.assert_allclose(dw64, ref, rtol=0, atol=1e-13 * np.abs(ref).max())


@needs_torch
@pytest.mark.parametrize("chunk_tiles", [1, 1 << 62])
def test_weight_grad_matches_torch_at_a_real_size(monkeypatch, chunk_tiles):
    """128 channels at 14x14, b4, chunks of one image or the whole batch: float32 within
    torch's own float32 distance from float64."""
    monkeypatch.setattr(winograd, "MIN_TILES", chunk_tiles)
    monkeypatch.setattr(winograd, "MAX_CHUNK_BYTES", 1 << 62)
    x, w = random((4, 128, 14, 14)), random((128, 128, 3, 3), seed=1) * 0.05
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    out = torch.nn.functional.conv2d(xt, wt, padding=1)
    grad = random(tuple(out.shape), seed=2)
    out.backward(torch.tensor(grad))
    ref = weight_grad_reference(grad, x, 1)
    dw = winograd.weight_grad(grad, x, pads(1))
    torch_err = np.abs(wt.grad.numpy() - ref).max()
    assert np.abs(dw - ref).max() <= max(4 * torch_err, RTOL32 * np.abs(ref).max())


@pytest.mark.parametrize("where, value", [("x", np.nan), ("x", np.inf), ("grad", -np.inf), ("grad", np.nan)])
def test_weight_grad_non_finite_returns_none(where, value):
    """An inf times the transforms' zeros is NaN where the columns give inf: None, the columns instead."""
    x, grad = random((2, 3, 8, 8)), random((2, 4, 8, 8), seed=2)
    (x if where == "x" else grad)[1, 2, 3, 3] = value
    with np.errstate(all="raise"):
        assert winograd.weight_grad(grad, x, pads(1)) is None


def test_weight_grad_tiny_sums_return_none_and_zeros_stay_zero():
    """GG^T's halves would drop the last bits of sums near the smallest normal number: None there.
    An all-zero output gradient (a dead ReLU's) gives exact zeros, not None."""
    x, grad = random((2, 3, 8, 8)), random((2, 4, 8, 8), seed=2)
    assert winograd.weight_grad((grad * 1e-30).astype(np.float32), (x * 1e-12).astype(np.float32), pads(1)) is None
    zeros = winograd.weight_grad(np.zeros_like(grad), x, pads(1))
    assert zeros is not None and not zeros.any()
