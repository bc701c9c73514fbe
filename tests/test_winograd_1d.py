"""Winograd F(4, 3) down the image (minigrad/ops/fast/winograd_1d.py) against a float64 convolution:
heights that end inside a tile, asymmetric and wide padding, bands of one tile row, non-contiguous
input, a flipped kernel view, float64, NaN/inf and overflow (convolve returns False and the caller
runs the shifted columns), which convolutions take it, and torch at resnet34's layer1 size."""
import numpy as np
import pytest

from helpers import torch

import minigrad
import minigrad.nn.functional as F
from minigrad.ops.fast import conv_cpu, winograd_1d
from minigrad.ops.geometry import window
from test_winograd import pads, random, reference

# float32 error against float64, relative to max |out|: measured <= 1.2e-6 at 64 channels, 56x56
# (F(4, 3)'s transforms multiply by up to 5 before the products, 8 after them, and 1/24 in the kernel's)
RTOL32 = 4e-6
needs_torch = pytest.mark.skipif(torch is None, reason="needs torch==2.13.0 as the oracle")


def convolve(x, weight, padding):
    """winograd_1d.convolve over a batch, one image at a time as conv_cpu calls it: (out, all finite)."""
    (t, b), (l, r) = pads(padding)
    out = np.empty((x.shape[0], weight.shape[0], x.shape[2] + t + b - 2, x.shape[3] + l + r - 2),
                   np.result_type(x, weight))
    u = winograd_1d.kernel_transform(weight, out.dtype)
    finite = [winograd_1d.convolve(x[i], u, pads(padding), out[i]) for i in range(x.shape[0])]
    return out, all(finite)


def test_transform_matrices_give_four_outputs_of_a_3_tap_correlation():
    """A^T [(G g) * (B^T d)] = y[m] = sum over i of g[i] d[m + i], m < 4, for 6 inputs d."""
    rng = np.random.default_rng(0)
    for _ in range(5):
        d, g = rng.standard_normal(6), rng.standard_normal(3)
        y = winograd_1d._AT @ ((winograd_1d._G @ g) * (winograd_1d._BT @ d))
        np.testing.assert_allclose(y, [g @ d[m:m + 3] for m in range(4)], atol=1e-14)


SHAPES = [  # (N, C, O, H, W, padding)
    (2, 3, 4, 8, 8, 1),
    (1, 2, 3, 9, 7, 0),          # a 7-row output: the last tile ends inside the image
    (2, 4, 3, 13, 17, ((2, 1), (0, 2))),  # asymmetric padding
    (1, 3, 2, 3, 3, 1),          # 3 output rows: one tile, cropped
    (1, 1, 1, 3, 5, 0),          # one output row
    (1, 3, 2, 4, 5, 3),          # padding wider than the kernel
    (2, 16, 8, 30, 22, 1),
    (1, 64, 64, 56, 56, 1),      # resnet34's layer1
]


@pytest.mark.parametrize("band", [1, 3, 1024])
@pytest.mark.parametrize("n, c, o, h, w, padding", SHAPES)
def test_matches_float64(monkeypatch, n, c, o, h, w, padding, band):
    """In bands of 1 and 3 tile rows (layer1 takes one band of all 14) and one band."""
    (t, b), (l, r) = pads(padding)
    monkeypatch.setattr(winograd_1d, "BAND_COLUMNS", band * (w + l + r))  # band tile rows of PW = OW + 2
    x, weight = random((n, c, h, w)), random((o, c, 3, 3), seed=1)
    out, finite = convolve(x, weight, padding)
    ref = reference(x, weight, padding)
    assert finite and out.dtype == np.float32 and out.shape == ref.shape
    assert np.abs(out - ref).max() <= RTOL32 * np.abs(ref).max()


def test_float64_stays_float64_and_exact():
    x, weight = random((2, 3, 10, 9), np.float64), random((4, 3, 3, 3), np.float64, seed=1)
    out, _ = convolve(x, weight, 1)
    ref = reference(x, weight, 1)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, ref, rtol=0, atol=1e-13 * np.abs(ref).max())


def test_non_contiguous_input_and_a_flipped_kernel_view():
    """A strided input, and the input gradient's kernel (turned 180 degrees, channels swapped)
    transformed straight from its view: the same U as from a copy."""
    x = random((2, 4, 24, 10)).transpose(0, 1, 3, 2)[:, :, :, ::2]  # (2, 4, 10, 12), strided
    w = random((4, 5, 3, 3), seed=1)
    view = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)  # (5, 4, 3, 3)
    np.testing.assert_array_equal(winograd_1d.kernel_transform(view, np.float32),
                                  winograd_1d.kernel_transform(np.ascontiguousarray(view), np.float32))
    out, _ = convolve(x, view, 1)
    ref = reference(x, view, 1)
    assert np.abs(out - ref).max() <= RTOL32 * np.abs(ref).max()


@pytest.mark.parametrize("where, value", [("x", np.nan), ("x", np.inf), ("x", -np.inf), ("weight", np.nan)])
def test_non_finite_outputs_return_false(where, value):
    """A NaN or inf reaches every output of its tile (and inf - inf is NaN): False, quietly."""
    x, weight = random((1, 3, 12, 8)), random((4, 3, 3, 3), seed=1)
    if where == "x":
        x[0, 1, 5, 2] = value
    else:
        weight[0, 1, 2, 2] = value
    with np.errstate(all="raise"):
        assert not convolve(x, weight, 1)[1]


def test_overflow_returns_false():
    """Finite numbers near float32's limit: B^T's 4s and 5s overflow where the columns' sums do not."""
    x, weight = random((1, 2, 8, 8)), random((3, 2, 3, 3), seed=1)
    x[0, 0, 3, 3] = 3e38
    with np.errstate(all="raise"):
        assert not convolve(x, weight, 1)[1]


def test_which_convolutions_take_it():
    """3x3 stride-1 convolutions from 56x56 outputs (below, winograd.py's F(4x2, 3x3)) with at
    least MIN_WINOGRAD_1D_CHANNELS in and out, unless the weight is all near-subnormal."""
    def fits(c, o, size, stride=1, scale=1.0, dtype=np.float32):
        win = window("conv2d", (2, c, size, size), (3, 3), (stride, stride), pads(1))
        return conv_cpu.winograd_1d_fits(win, 1, (random((o, c, 3, 3), np.float64) * scale).astype(dtype))
    assert fits(64, 64, 56) and fits(64, 128, 112) and fits(256, 64, 56)
    assert not fits(64, 64, 28) and not fits(64, 64, 112, stride=2)
    assert not fits(16, 64, 56) and not fits(64, 32, 56)
    assert not fits(64, 64, 56, scale=1e-40) and fits(64, 64, 56, scale=1e-30)
    assert not fits(64, 64, 56, scale=np.inf)  # a non-finite weight: the shifted columns, not every image twice


@pytest.fixture
def calls(monkeypatch):
    """How many images winograd_1d.convolve was asked for, and how many it gave (finite)."""
    counts = {"images": 0, "finite": 0}
    convolve = winograd_1d.convolve

    def counted(*args):
        finite = convolve(*args)
        counts["images"] += 1
        counts["finite"] += finite
        return finite
    monkeypatch.setattr(winograd_1d, "convolve", counted)
    return counts


@pytest.fixture
def everywhere(monkeypatch, calls):
    """Winograd F(4, 3) for every 3x3 stride-1 convolution, however small."""
    monkeypatch.setattr(conv_cpu, "MIN_SHIFT_PIXELS", 0)
    monkeypatch.setattr(conv_cpu, "MAX_WINOGRAD_PIXELS", 0)
    monkeypatch.setattr(conv_cpu, "MIN_WINOGRAD_1D_CHANNELS", 0)
    return calls


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_conv2d_keeps_nan_and_inf_where_the_reference_has_them(everywhere, value):
    """The image whose outputs are not finite is redone by the shifted columns: NaN where the
    reference is NaN, inf where inf, in the output and the input gradient; the others keep Winograd's."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 4, 13, 12)).astype(np.float32)
    x[1, 2, 6, 0] = value
    w = rng.standard_normal((5, 4, 3, 3)).astype(np.float32)
    grad = rng.standard_normal((3, 5, 13, 12)).astype(np.float32)
    grad[2, 1, 0, 7] = value
    results = []
    for use_reference in (False, True):
        with minigrad.ops.use_reference(use_reference):
            xt = minigrad.tensor(x, requires_grad=True)
            out = F.conv2d(xt, minigrad.tensor(w), padding=1)
            out.backward(minigrad.tensor(grad))
            results.append((out.numpy(), xt.grad.numpy()))
    assert everywhere == {"images": 6, "finite": 4}  # 3 images forward, 3 backward: one of each redone
    for fast, ref in zip(*results):
        np.testing.assert_array_equal(np.isnan(fast), np.isnan(ref))
        np.testing.assert_array_equal(np.isinf(fast), np.isinf(ref))
        np.testing.assert_allclose(fast, ref, rtol=1e-4, atol=1e-4)


@needs_torch
def test_conv2d_matches_torch_at_layer1(calls):
    """64 channels at 56x56, b2, through F.conv2d as a model runs it: the output and the input
    gradient (the flipped kernel over the output gradient) within torch's own float32 distance
    from float64, or RTOL32."""
    win = window("conv2d", (2, 64, 56, 56), (3, 3), (1, 1), pads(1))
    x, w = random((2, 64, 56, 56)), random((64, 64, 3, 3), seed=1) * 0.05
    assert conv_cpu.winograd_1d_fits(win, 1, w)
    grad = random((2, 64, 56, 56), seed=2)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w)
    tout = torch.nn.functional.conv2d(xt, wt, padding=1)
    tout.backward(torch.tensor(grad))
    xm = minigrad.tensor(x, requires_grad=True)
    out = F.conv2d(xm, minigrad.tensor(w), padding=1)
    out.backward(minigrad.tensor(grad))
    assert calls == {"images": 4, "finite": 4}  # 2 images forward, 2 backward
    ref = reference(x, w, 1)
    ref_dx = reference(grad, np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)), 1)
    for ours, theirs, exact in ((out.numpy(), tout.detach().numpy(), ref), (xm.grad.numpy(), xt.grad.numpy(), ref_dx)):
        assert ours.dtype == np.float32
        torch_err = np.abs(theirs - exact).max()
        assert np.abs(ours - exact).max() <= max(4 * torch_err, RTOL32 * np.abs(exact).max())
