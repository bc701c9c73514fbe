"""More of the CUDA code checked on the CPU (tests/cuda_emulator.py), beside tests/test_cuda_kernels.py:
max pooling's NaN routing in all three versions (the CUDA kernel, the reference op, the fast CPU op)
against torch, conv_cuda.py's im2col/col2im ElementwiseKernel bodies against the numpy loops, and DDP's
one device-to-host read a backward.
"""
import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad.nn import Parameter
from minigrad.ops import pooling
from minigrad.ops.fast import conv as fast_conv
from minigrad.ops.fast import conv_cuda, pooling_cuda
from minigrad.ops.fast import pooling as fast_pooling
from minigrad.ops.geometry import window
import cuda_emulator
import test_cuda_kernels
from helpers import torch
from test_cuda_kernels import DTYPES, POOL_CASES, pool_window

emulated = test_cuda_kernels.emulated  # the fixture: numpy stands in for cupy, the emulator runs each kernel


def nan_inf_ties(shape, seed, dtype):
    """Small integers (ties), with NaN (one or several a window), -inf (whole windows) and +inf."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 3, shape).astype(dtype)
    u = rng.random(shape)
    x[u < 0.2], x[(u > 0.2) & (u < 0.5)], x[(u > 0.5) & (u < 0.55)] = np.nan, -np.inf, np.inf
    x[0, 0, :5, :5] = -np.inf  # whole windows of -inf, at the padded corner too
    return x


@pytest.mark.parametrize("case", POOL_CASES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_max_pool_nan_routing_is_torchs_in_all_three_versions(case, dtype, emulated):
    """torch 2.13 (CPU): a window's NaN is its maximum and the LAST NaN in window order wins (value,
    return_indices, gradient); otherwise the first of equal maxima; a window of -inf (and padding) is
    won by its first cell inside the input. The CUDA kernel, the reference op and the fast CPU op, each
    against torch (a kernel taking the first NaN, or a NaN-blind compare, fails here)."""
    if torch is None:
        pytest.skip("torch is the oracle")
    k, s, p, d, ceil_mode = case
    shape = (2, 3, 7, 6)
    for seed in range(3):
        x = nan_inf_ties(shape, seed, dtype)
        t_x = torch.tensor(x, requires_grad=True)
        t_out, t_idx = torch.nn.functional.max_pool2d(t_x, k, s, p, d, ceil_mode, return_indices=True)
        g = np.random.default_rng(seed).standard_normal(tuple(t_out.shape)).astype(dtype)
        t_out.backward(torch.tensor(g))
        want, want_idx, want_dx = t_out.detach().numpy(), t_idx.numpy(), t_x.grad.numpy()
        assert np.isnan(want).any() and (want == -np.inf).any()  # the case this test is about
        win = pool_window(shape, *case)
        out, winner = pooling_cuda.forward(x, win, keep=True)
        np.testing.assert_array_equal(out, want)
        np.testing.assert_array_equal(winner, want_idx)
        np.testing.assert_allclose(pooling_cuda.backward(g, winner, shape, win), want_dx, rtol=1e-6, atol=1e-6)
        for op in (pooling.MaxPool2dWithIndices(), fast_pooling.MaxPool2dWithIndicesFast()):
            op.needs_input_grad = (True,)
            np.testing.assert_array_equal(op.forward(x, win), want)
            np.testing.assert_allclose(op.backward(g), want_dx, rtol=1e-6, atol=1e-6)  # sums in another order
        m_out, m_idx = F.max_pool2d(minigrad.tensor(x), k, s, p, d, ceil_mode, return_indices=True)
        np.testing.assert_array_equal(m_out.numpy(), want)
        np.testing.assert_array_equal(m_idx.numpy(), want_idx)


CONV_CASES = [  # x shape, kernel, stride, padding, dilation
    ((2, 3, 7, 6), (3, 3), (1, 1), (1, 1), (1, 1)), ((2, 2, 9, 8), (3, 3), (2, 2), (1, 1), (1, 1)),
    ((1, 3, 8, 7), (3, 2), (2, 1), (2, 0), (1, 2)), ((2, 4, 5, 5), (1, 1), (2, 2), (0, 0), (1, 1)),
    ((1, 2, 6, 6), (4, 4), (3, 3), (2, 2), (1, 1)),  # stride 3 < kernel 4: not every pixel is read twice
]


@pytest.mark.parametrize("case", CONV_CASES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_conv_kernels_match_the_portable_im2col_and_col2im(case, dtype, emulated, monkeypatch):
    """conv_cuda.py's ElementwiseKernel bodies, run by the emulator, against fast/conv.py's numpy loops."""
    monkeypatch.setattr(conv_cuda, "_kernel", lambda name: cuda_emulator.elementwise(*conv_cuda.KERNELS[name], dtype))
    x_shape, kernel, stride, (ph, pw), dilation = case
    rng = np.random.default_rng(4)
    x = rng.standard_normal(x_shape).astype(dtype)
    win = window("conv2d", x_shape, kernel, stride, ((ph, ph), (pw, pw)), dilation)
    (kh, kw), (oh, ow) = win.kernel, win.out
    want = fast_conv.im2col(x, win, fused=False).copy()
    cols = np.empty((x_shape[1], kh, kw, x_shape[0], oh, ow), dtype)
    np.testing.assert_array_equal(conv_cuda.im2col(x, cols, win).reshape(want.shape), want)
    g = rng.standard_normal(want.shape).astype(dtype)
    got = conv_cuda.col2im(g, x_shape, win)
    assert got.dtype == dtype and got.shape == x_shape
    np.testing.assert_allclose(got, fast_conv.col2im(g, x_shape, win, fused=False), rtol=1e-6 if dtype == np.float32 else 1e-13)


class DeviceArray(np.ndarray):
    """A numpy array that counts its device-to-host copies (cupy's .get())."""
    gets = 0

    def get(self):
        DeviceArray.gets += 1
        return np.asarray(self)


def test_ddp_reads_the_used_flags_back_once_a_backward(monkeypatch):
    """finish_gradient_sync waited for the GPU once per bucket (used.get()); now once in all."""
    from minigrad.distributed import ddp
    fake_cupy = type("cupy", (), {"concatenate": staticmethod(lambda a: np.concatenate(a).view(DeviceArray))})
    monkeypatch.setattr(ddp, "get_array_module", lambda a: fake_cupy if isinstance(a, DeviceArray) else np)
    params = [Parameter(minigrad.tensor(np.ones(s))) for s in ((3,), (2, 2), (5,), (1,))]
    buckets = [ddp._Bucket(params[:2]), ddp._Bucket(params[2:3]), ddp._Bucket(params[3:])]
    for b, flags in zip(buckets, ([2, 2], [0], [1])):  # summed over ranks; params[2]: no rank had a gradient
        b.buffer = b.buffer.view(DeviceArray)
        b.buffer[b.offsets[-1]:] = flags
    DeviceArray.gets = 0
    assert ddp.used_flags(buckets).tolist() == [2, 2, 0, 1]
    assert DeviceArray.gets == 1
