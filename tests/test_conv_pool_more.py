"""Convolution and pooling beyond the resnet's, against PyTorch: F.conv_transpose2d/1d (im2col's adjoint),
F.conv1d, the 1-D pools, return_indices and max_unpool, PyTorch's NaN rule for max pooling, empty
batches, and the Conv/ConvTranspose/pool layers (reprs, padding_mode, output_size). Each op: a float64
gradcheck with a random upstream gradient, then forward and every input gradient against torch's,
with the fast and the reference ops."""
import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from helpers import check_op, compare_with_torch, host, randn, torch
from op_versions import op_version  # noqa: F401  (fixture)

TF = torch.nn.functional if torch is not None else None


def needs_torch():
    if torch is None:
        pytest.skip("torch is not installed: `pip install torch==2.13.0` to compare with PyTorch")


CONV_TRANSPOSE = [  # (input shape, weight shape, keyword arguments)
    ((2, 3, 5, 4), (3, 4, 3, 3), {}),
    ((2, 3, 5, 4), (3, 2, 3, 2), dict(stride=2, padding=1, output_padding=1)),
    ((1, 3, 4, 5), (3, 2, 2, 3), dict(stride=(2, 3), padding=(0, 2), output_padding=(1, 2), dilation=(2, 1))),
    ((2, 6, 3, 3), (6, 2, 3, 3), dict(groups=3, stride=2)),
    ((2, 3, 4, 4), (3, 2, 3, 3), dict(dilation=2, output_padding=1)),  # output_padding < dilation
    ((3, 5, 5), (3, 2, 3, 3), dict(padding=1)),  # one image
]


@pytest.mark.parametrize("x_shape,w_shape,kwargs", CONV_TRANSPOSE)
def test_conv_transpose2d(x_shape, w_shape, kwargs, device, op_version):
    bias = (w_shape[1] * kwargs.get("groups", 1),)
    check_op(lambda x, w, b: F.conv_transpose2d(x, w, b, **kwargs), [randn(*x_shape), randn(*w_shape), randn(*bias)],
             device, lambda x, w, b: TF.conv_transpose2d(x, w, b, **kwargs))
    check_op(lambda x, w: F.conv_transpose2d(x, w, **kwargs), [randn(*x_shape), randn(*w_shape)], device,
             lambda x, w: TF.conv_transpose2d(x, w, **kwargs))


@pytest.mark.parametrize("kwargs", [{}, dict(stride=2, padding=1, output_padding=1), dict(dilation=2, stride=3),
                                    dict(groups=2)])
def test_conv_transpose1d_and_conv1d(kwargs, device):
    g = kwargs.get("groups", 1)
    check_op(lambda x, w, b: F.conv_transpose1d(x, w, b, **kwargs), [randn(2, 4, 7), randn(4, 3, 3), randn(3 * g)],
             device, lambda x, w, b: TF.conv_transpose1d(x, w, b, **kwargs))
    kw = {k: v for k, v in kwargs.items() if k != "output_padding"}
    check_op(lambda x, w, b: F.conv1d(x, w, b, **kw), [randn(2, 4, 9), randn(6, 4 // g, 3), randn(6)], device,
             lambda x, w, b: TF.conv1d(x, w, b, **kw))
    check_op(lambda x, w: F.conv1d(x, w, padding="same"), [randn(4, 9), randn(6, 4, 4)], device,
             lambda x, w: TF.conv1d(x, w, padding="same"))


def copy_from_torch(module, t_module):
    for name, p in t_module.named_parameters():
        getattr(module, name).array[...] = p.detach().numpy()


@pytest.mark.parametrize("make", [
    lambda m: m.Conv2d(3, 4, 3, padding=2, padding_mode="reflect"),
    lambda m: m.Conv2d(3, 4, (3, 2), padding=(1, 2), padding_mode="replicate", stride=2),
    lambda m: m.Conv2d(3, 4, 3, padding="same", padding_mode="circular", dilation=2),
    lambda m: m.Conv1d(3, 4, 3, padding=1, padding_mode="circular"),
    lambda m: m.Conv1d(3, 6, 2, stride=2, groups=3, bias=False),
    lambda m: m.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1, groups=1, dilation=1),
    lambda m: m.ConvTranspose1d(3, 4, 4, stride=3, bias=False)])
def test_conv_layers_match_torch(make):
    needs_torch()
    layer, t_layer = make(nn), make(torch.nn).double()
    layer.double()
    copy_from_torch(layer, t_layer)
    assert repr(layer) == repr(t_layer) and list(layer.state_dict()) == list(t_layer.state_dict())
    shape = (2, 3, 7, 6) if "2d" in type(layer).__name__ else (2, 3, 8)
    x = randn(*shape)
    compare_with_torch(lambda x: layer(x), lambda x: t_layer(x), [x], "cpu")


def test_conv_transpose_output_size_and_initialisation():
    needs_torch()
    layer, t_layer = nn.ConvTranspose2d(4, 3, 3, stride=2), torch.nn.ConvTranspose2d(4, 3, 3, stride=2)
    x = minigrad.zeros(1, 4, 5, 5)
    for size in ([12, 12], (1, 3, 11, 11), [11, 12]):
        assert tuple(layer(x, output_size=size).shape) == tuple(t_layer(torch.zeros(1, 4, 5, 5), output_size=size).shape)
    with pytest.raises(ValueError, match=r"requested an output size of \[14, 14\], but valid sizes range from "
                                         r"\[11, 11\] to \[12, 12\]"):
        layer(x, output_size=[14, 14])
    bound = 1 / np.sqrt(3 * 9)  # fan_in of the (in, out, kh, kw) weight is out * kh * kw, as PyTorch
    assert np.abs(layer.weight.numpy()).max() <= bound and np.abs(layer.bias.numpy()).max() <= bound
    assert np.abs(layer.weight.numpy()).max() > 0.8 * bound


def test_conv_transpose_refusals():
    needs_torch()
    x, tx = minigrad.zeros(1, 4, 5, 5), torch.zeros(1, 4, 5, 5)
    w, tw = minigrad.zeros(4, 3, 3, 3), torch.zeros(4, 3, 3, 3)
    for kwargs in (dict(output_padding=1), dict(padding=5), dict(groups=3), dict(stride=0), dict(padding=-1)):
        with pytest.raises(RuntimeError) as ours:
            F.conv_transpose2d(x, w, **kwargs)
        with pytest.raises(RuntimeError) as theirs:
            TF.conv_transpose2d(tx, tw, **kwargs)
        assert str(ours.value)[:40] == str(theirs.value)[:40]
    with pytest.raises(RuntimeError, match="expected input\\[1, 3, 5, 5\\] to have 4 channels"):
        F.conv_transpose2d(minigrad.zeros(1, 3, 5, 5), w)
    with pytest.raises(ValueError, match='Only "zeros" padding mode is supported for ConvTranspose2d'):
        nn.ConvTranspose2d(2, 4, 3, padding_mode="reflect")


POOLS_1D = [
    (lambda f, x: f.max_pool1d(x, 3, 2, 1), {}),
    (lambda f, x: f.max_pool1d(x, 3, 2, 1, 2, True), {}),
    (lambda f, x: f.avg_pool1d(x, 3, 2, 1, True, False), {}),
    (lambda f, x: f.avg_pool1d(x[0], 4), {}),
    (lambda f, x: f.adaptive_avg_pool1d(x, 4), {}),
    (lambda f, x: f.adaptive_max_pool1d(x, 4), {}),
    (lambda f, x: f.adaptive_max_pool1d(x[1], (5,)), {}),
]


@pytest.mark.parametrize("pool,_", POOLS_1D)
def test_1d_pools(pool, _, device, op_version):
    check_op(lambda x: pool(F, x), [randn(2, 3, 9, away_from=0)], device, lambda x: pool(TF, x))


INDEXED = [
    lambda f, x: f.max_pool2d(x, 3, 2, 1, return_indices=True),
    lambda f, x: f.max_pool2d(x, (2, 3), (1, 2), (1, 1), (2, 1), True, return_indices=True),
    lambda f, x: f.max_pool2d(x[0], 2, return_indices=True),
    lambda f, x: f.adaptive_max_pool2d(x, (3, 5), True),
    lambda f, x: f.adaptive_max_pool2d(x[0], 1, True),
    lambda f, x: f.max_pool1d(x[0], 3, 2, 1, return_indices=True),
    lambda f, x: f.adaptive_max_pool1d(x[0], 4, True),
]


@pytest.mark.parametrize("pool", INDEXED)
def test_return_indices_are_torchs(pool, device, op_version):
    needs_torch()
    x = randn(2, 3, 7, 8)
    (_, idx), (_, t_idx) = pool(F, minigrad.tensor(x, device=device)), pool(TF, torch.tensor(x))
    assert idx.dtype == minigrad.int64
    np.testing.assert_array_equal(host(idx.array), t_idx.numpy())
    check_op(lambda x: pool(F, x)[0], [x], device, lambda x: pool(TF, x)[0])


@pytest.mark.parametrize("unpool", [
    lambda f, x: f.max_unpool2d(*f.max_pool2d(x, 2, return_indices=True), 2),
    lambda f, x: f.max_unpool2d(*f.max_pool2d(x, 2, return_indices=True), 2, output_size=(7, 9)),
    lambda f, x: f.max_unpool1d(*f.max_pool1d(x[0], 2, return_indices=True), 2, output_size=[8]),
])
def test_max_unpool(unpool, device):
    check_op(lambda x: unpool(F, x), [randn(2, 3, 7, 8)], device, lambda x: unpool(TF, x))


def test_max_unpool_of_overlapping_windows_matches_torch(device):
    """A cell that won two overlapping windows is written twice; each pooled value's gradient is the output
    gradient at its index, as PyTorch (not a finite difference: only one write survives)."""
    unpool = lambda f, x: f.max_unpool2d(*f.max_pool2d(x, 3, 2, 1, return_indices=True), 3, 2, 1, x.shape)  # noqa: E731
    compare_with_torch(lambda x: unpool(F, x), lambda x: unpool(TF, x), [randn(2, 3, 7, 8)], device)


def test_max_unpool_refusals():
    x = minigrad.zeros(1, 1, 2, 2)
    with pytest.raises(RuntimeError, match=r"Found an invalid max index: 100 \(output volumes are of size 4x4\)"):
        F.max_unpool2d(x, minigrad.tensor([[[[0, 1], [2, 100]]]]), 2)
    with pytest.raises(RuntimeError, match="Found an invalid max index: -1"):
        F.max_unpool2d(x, minigrad.tensor([[[[0, 1], [2, -1]]]]), 2)
    with pytest.raises(ValueError, match=r'invalid output_size "\(7, 7\)" \(dim 0 must be between 2 and 6\)'):
        F.max_unpool2d(x, minigrad.tensor([[[[0, 0], [0, 0]]]]), 2, output_size=(7, 7))
    with pytest.raises(RuntimeError, match="elements in indices should be type int64"):
        F.max_unpool2d(x, minigrad.tensor([[[[0, 0], [0, 0]]]], dtype=minigrad.int32), 2)


def nan_inf_input(seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 2, 6, 7)).round(0)  # ties too
    u = rng.random(x.shape)
    x[u < 0.1], x[(u > 0.1) & (u < 0.2)], x[(u > 0.2) & (u < 0.25)] = np.nan, -np.inf, np.inf
    return x


@pytest.mark.parametrize("kwargs", [dict(kernel_size=3, stride=1, padding=1), dict(kernel_size=2),
                                    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
                                    dict(kernel_size=2, stride=1, dilation=2, padding=1)])
def test_max_pool_nan_and_inf_follow_torch(kwargs, op_version):
    """A NaN in a window is its maximum and the LAST NaN takes the gradient; a window of -inf sends it
    to its first cell inside the input (never to padding), as PyTorch's kernels. Fails on the old code
    (first NaN, or the fast path's argmax ignoring NaN)."""
    needs_torch()
    for seed in range(5):
        x = nan_inf_input(seed)
        for pool in (lambda f, t: f.max_pool2d(t, **kwargs), lambda f, t: f.adaptive_max_pool2d(t, (4, 3))):
            t_x, m_x = torch.tensor(x, requires_grad=True), minigrad.tensor(x, dtype=minigrad.float64, requires_grad=True)
            t_out, out = pool(TF, t_x), pool(F, m_x)
            np.testing.assert_array_equal(out.numpy(), t_out.detach().numpy())
            g = np.random.default_rng(seed).standard_normal(tuple(t_out.shape))
            t_out.backward(torch.tensor(g))
            out.backward(minigrad.tensor(g, dtype=minigrad.float64))
            np.testing.assert_allclose(m_x.grad.numpy(), t_x.grad.numpy(), rtol=1e-12)


def test_empty_batches_as_torch(op_version):
    """N = 0 through conv, linear, pools, batch norm (training: an empty output, the running statistics
    untouched, num_batches_tracked counted, zero gradients), as PyTorch."""
    x = minigrad.zeros(0, 3, 6, 6, requires_grad=True)
    w, b = minigrad.randn(4, 3, 3, 3, requires_grad=True), minigrad.randn(4, requires_grad=True)
    y = F.conv2d(x, w, b, padding=1)
    (y.sum() + F.max_pool2d(x, 2).sum() + F.adaptive_max_pool2d(x, 2).sum()
     + F.conv_transpose2d(x, minigrad.randn(3, 2, 3, 3)).sum()).backward()
    assert tuple(y.shape) == (0, 4, 6, 6) and tuple(x.grad.shape) == (0, 3, 6, 6)
    assert not w.grad.numpy().any() and not b.grad.numpy().any()
    lin = nn.Linear(3, 2)
    lin(minigrad.zeros(0, 3)).sum().backward()
    assert not lin.weight.grad.numpy().any()
    bn = nn.BatchNorm2d(3)
    bn.running_mean.array[...] = 0.5
    out = bn(x)
    out.sum().backward()
    assert tuple(out.shape) == (0, 3, 6, 6) and int(bn.num_batches_tracked) == 1
    assert np.all(bn.running_mean.numpy() == 0.5) and np.all(bn.running_var.numpy() == 1)
    assert not bn.weight.grad.numpy().any()


@pytest.mark.parametrize("make", [
    lambda m: m.MaxPool2d(3, 2, 1, return_indices=True), lambda m: m.MaxPool1d(3), lambda m: m.AvgPool1d(3, 2),
    lambda m: m.AdaptiveAvgPool1d(2), lambda m: m.AdaptiveMaxPool1d(3, return_indices=True),
    lambda m: m.AdaptiveMaxPool2d((2, 3), True), lambda m: m.MaxUnpool2d(2), lambda m: m.MaxUnpool1d(2, 1)])
def test_pool_layer_reprs(make):
    needs_torch()
    assert repr(make(nn)) == repr(make(torch.nn))
