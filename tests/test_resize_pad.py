"""Padding and resizing against PyTorch: F.pad in its four modes (negative widths crop; PyTorch's
refusals), F.interpolate's modes and coordinate rules (size or scale_factor, align_corners,
recompute_scale_factor), F.pixel_shuffle / pixel_unshuffle, and their layers. Float64 gradchecks
with a random upstream gradient, then forward and input gradient against torch's."""
import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from helpers import check_op, compare_with_torch, host, randn, torch

TF = torch.nn.functional if torch is not None else None


def needs_torch():
    if torch is None:
        pytest.skip("torch is not installed: `pip install torch==2.13.0` to compare with PyTorch")


PADS = [  # (input shape, pad, mode)
    ((2, 3, 4), (1, 2), "constant"), ((2, 3, 4), (1, 2, 0, 1, 1, 1), "constant"), ((2, 3, 4), (-1, 2, -2, 0), "constant"),
    ((3, 4), (2, 3), "reflect"), ((2, 3, 4), (-1, 3), "reflect"), ((1, 2, 3, 4), (1, 2, 2, 1), "reflect"),
    ((2, 3, 4), (5, 6), "replicate"), ((1, 2, 3, 4), (-1, 2, 1, -2), "replicate"), ((1, 1, 2, 3, 4), (1,) * 6, "replicate"),
    ((2, 3, 4), (4, 4), "circular"), ((2, 3, 5), (-1, 2), "circular"), ((1, 2, 3, 4), (1, -1, 3, 1), "circular"),
    ((1, 2, 3, 4), (2, -1, 0, 0), "circular"),
]


@pytest.mark.parametrize("shape,pad,mode", PADS)
def test_pad(shape, pad, mode, device):
    check_op(lambda x: F.pad(x, pad, mode), [randn(*shape)], device, lambda x: TF.pad(x, pad, mode))


def test_constant_pad_value_and_dtypes():
    assert F.pad(minigrad.tensor([1, 2]), (1, 1), value=2.5).tolist() == [2, 1, 2, 2]  # int stays int, as torch
    assert F.pad(minigrad.tensor([True]), (1, 1)).tolist() == [False, True, False]
    x = minigrad.ones(2, 2, requires_grad=True)
    y = F.pad(x, (1, 1), value=-3.0)
    assert y.dtype == np.float32 and y.numpy()[0].tolist() == [-3, 1, 1, -3]
    y.sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.numpy().tolist() == [[1, 1], [1, 1]]


@pytest.mark.parametrize("shape,pad,mode,value", [
    ((1, 3, 4), (1,), "constant", None), ((1, 3, 4), (1,) * 8, "constant", None), ((1, 3, 4), (-3, -2), "constant", None),
    ((1, 3, 4), (4, 0), "reflect", None), ((1, 3, 4), (1,) * 6, "reflect", None), ((4,), (1, 1), "replicate", None),
    ((1, 1, 4), (-2, -2), "replicate", None), ((1, 0, 4), (1, 1), "reflect", None), ((1, 3, 4), (5, 0), "circular", None),
    ((1, 3, 4), (1, 1), "reflect", 1.0), ((1, 3, 4), (1, 1), "foo", None), ((1, 3, 4), [1.5, 1], "constant", None),
])
def test_pad_refusals_as_torch(shape, pad, mode, value):
    needs_torch()
    with pytest.raises(Exception) as theirs:
        TF.pad(torch.zeros(shape), pad, mode, value)
    with pytest.raises(Exception) as ours:
        F.pad(minigrad.zeros(*shape), pad, mode, value)
    assert type(ours.value) is type(theirs.value)
    assert str(ours.value)[:25] == str(theirs.value)[:25]


def test_circular_pad_refuses_wrapping_past_the_cropped_input():
    """PyTorch reads uninitialised memory here (or refuses): minigrad refuses."""
    with pytest.raises(RuntimeError, match="Padding value causes wrapping around more than once"):
        F.pad(minigrad.zeros(3, 5), (-3, 3), "circular")


INTERPOLATE = [  # (input shape, keyword arguments)
    ((2, 3, 5), dict(scale_factor=2.0)), ((2, 3, 5), dict(size=7)), ((2, 3, 6), dict(scale_factor=0.5)),
    ((2, 2, 4, 5), dict(size=(7, 3))), ((2, 2, 4, 5), dict(scale_factor=2)), ((1, 2, 5, 3), dict(scale_factor=(1.7, 2.3))),
    ((1, 2, 5, 3), dict(scale_factor=1.7, recompute_scale_factor=True)), ((1, 2, 3, 4, 5), dict(size=(4, 6, 3))),
]
MODES = {3: ["nearest", "nearest-exact", "linear", "area"], 4: ["nearest", "nearest-exact", "bilinear", "bicubic", "area"],
         5: ["nearest", "nearest-exact", "trilinear"]}


def interpolate_cases():
    for shape, kwargs in INTERPOLATE:
        for mode in MODES[len(shape)]:
            aligned = (False, True) if mode in ("linear", "bilinear", "bicubic", "trilinear") else (None,)
            for align_corners in aligned:
                yield shape, dict(kwargs, mode=mode, align_corners=align_corners)


@pytest.mark.parametrize("shape,kwargs", list(interpolate_cases()))
def test_interpolate(shape, kwargs, device):
    check_op(lambda x: F.interpolate(x, **kwargs), [randn(*shape)], device, lambda x: TF.interpolate(x, **kwargs))


@pytest.mark.parametrize("shape,kwargs", [((2, 3, 5), dict(scale_factor=2.2)), ((2, 3, 5), dict(scale_factor=1.1)),
                                          ((1, 1, 5, 1, 3), dict(scale_factor=2.18))])
def test_nearest_1d_3d_without_shortcuts(shape, kwargs, device):
    """torch's 3-D and 5-D nearest forward computes floor(j / scale_factor) even where the output is
    the input's size or twice it, but its backward then takes the 4-D shortcut (j or j // 2): the
    two disagree. minigrad's forward is torch's and its gradient is the forward's own (gradcheck)."""
    needs_torch()
    check_op(lambda x: F.interpolate(x, **kwargs), [randn(*shape)], device)
    x = randn(*shape)
    np.testing.assert_array_equal(host(F.interpolate(minigrad.tensor(x, dtype=minigrad.float64, device=device),
                                                     **kwargs).array),
                                  TF.interpolate(torch.tensor(x), **kwargs).numpy())


def test_interpolate_float32_stays_float32_and_close_to_torch():
    needs_torch()
    rng = np.random.default_rng(0)
    for mode in ("bilinear", "bicubic", "nearest"):
        for kwargs in (dict(size=(9, 7)), dict(scale_factor=1.37)):
            x = rng.standard_normal((2, 3, 5, 6)).astype(np.float32)
            m_x = minigrad.tensor(x, requires_grad=True)
            out = F.interpolate(m_x, mode=mode, **kwargs)
            out.sum().backward()
            assert out.dtype == m_x.grad.dtype == np.float32
            np.testing.assert_allclose(out.numpy(), TF.interpolate(torch.tensor(x), mode=mode, **kwargs).numpy(),
                                       rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kwargs", [dict(size=0), dict(scale_factor=0.1), dict(size=(3,)), dict(), dict(size=3, scale_factor=2),
                                    dict(size=3, align_corners=True), dict(size=3, mode="linear"),
                                    dict(size=3, mode="foo"), dict(size=3, recompute_scale_factor=True),
                                    dict(size=3, mode="nearest", antialias=True)])
def test_interpolate_refusals_as_torch(kwargs):
    needs_torch()
    with pytest.raises(Exception) as theirs:
        TF.interpolate(torch.zeros(1, 2, 4, 5), **kwargs)
    with pytest.raises(Exception) as ours:
        F.interpolate(minigrad.zeros(1, 2, 4, 5), **kwargs)
    assert type(ours.value) is type(theirs.value) and str(ours.value)[:30] == str(theirs.value)[:30]
    with pytest.raises(NotImplementedError, match="\"compute_indices_weights_linear\" not implemented for 'Long'"):
        F.interpolate(minigrad.tensor([[[1, 2, 3]]]), scale_factor=2, mode="linear")


@pytest.mark.parametrize("r,shape", [(2, (2, 8, 3, 4)), (1, (3, 2, 2)), (3, (2, 1, 9, 2, 3))])
def test_pixel_shuffle_and_unshuffle(r, shape, device):
    check_op(lambda x: F.pixel_shuffle(x, r), [randn(*shape)], device, lambda x: TF.pixel_shuffle(x, r))
    out = shape[:-3] + (shape[-3] // (r * r), shape[-2] * r, shape[-1] * r)
    check_op(lambda x: F.pixel_unshuffle(x, r), [randn(*out)], device, lambda x: TF.pixel_unshuffle(x, r))


def test_pixel_shuffle_refusals():
    with pytest.raises(RuntimeError, match=r"input.size\(-3\)=5 is not divisible by 4"):
        F.pixel_shuffle(minigrad.zeros(5, 3, 3), 2)
    with pytest.raises(RuntimeError, match="at least 3 dimensions"):
        F.pixel_shuffle(minigrad.zeros(4, 3), 2)
    with pytest.raises(RuntimeError, match="expects a positive upscale_factor, but got 0"):
        F.pixel_shuffle(minigrad.zeros(4, 3, 3), 0)
    with pytest.raises(RuntimeError, match=r"width to be divisible by downscale_factor, but input.size\(-1\)=5"):
        F.pixel_unshuffle(minigrad.zeros(1, 4, 5), 2)


LAYERS = [lambda m: m.ZeroPad2d(2), lambda m: m.ZeroPad2d((1, 2, 3, 0)), lambda m: m.ConstantPad2d(1, 3.5),
          lambda m: m.ConstantPad1d((1, 2), 0), lambda m: m.ReflectionPad2d(1), lambda m: m.ReflectionPad1d((2, 1)),
          lambda m: m.ReplicationPad2d((1, 0, 2, 1)), lambda m: m.ReplicationPad1d(1), lambda m: m.CircularPad2d(1),
          lambda m: m.ZeroPad1d(1), lambda m: m.Upsample(scale_factor=2), lambda m: m.UpsamplingNearest2d(size=5),
          lambda m: m.Upsample(size=(4, 5), mode="bilinear", align_corners=True), lambda m: m.UpsamplingBilinear2d(
              scale_factor=1.5), lambda m: m.PixelShuffle(2), lambda m: m.PixelUnshuffle(1)]


@pytest.mark.parametrize("make", LAYERS)
def test_layers_match_torch(make):
    needs_torch()
    layer, t_layer = make(nn), make(torch.nn)
    assert repr(layer) == repr(t_layer)
    shape = (2, 4, 5) if type(layer).__name__.endswith("1d") else (2, 4, 3, 4)
    compare_with_torch(lambda x: layer(x), lambda x: t_layer(x), [randn(*shape)], "cpu")
