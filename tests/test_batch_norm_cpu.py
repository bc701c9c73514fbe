"""Batch norm's blocked CPU passes (minigrad/ops/fast/batch_norm_cpu.py) against the reference op
(ops/normalization.py) and torch: blocks of many rows, of one row, and rows longer than a block,
on one thread and on two; statistics exact to float32 rounding at a large mean; inf and NaN."""
import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad.ops.fast import batch_norm_cpu, workspace
from helpers import torch

needs_torch = pytest.mark.skipif(torch is None, reason="needs torch==2.13.0 as the oracle")

SHAPES = [(4, 16, 24, 24), (8, 64, 7, 7), (2, 3, 300, 300), (3, 2, 1, 1)]


@pytest.fixture(params=[1, 2], ids=["one thread", "two threads"])
def threads(monkeypatch, request):
    monkeypatch.setattr(workspace, "PARALLEL_MIN_SIZE", 0)
    monkeypatch.setattr(batch_norm_cpu, "BLOCK", 1 << 12)  # many blocks, even in small tests
    before = workspace.get_num_threads()
    workspace.set_num_threads(request.param)
    yield
    workspace.set_num_threads(before)


def _run(x, w, b, g, training, reference, dtype):
    """out, dx, dweight, dbias and the running statistics, minigrad's fast or reference op."""
    with minigrad.ops.use_reference(reference):
        xs = minigrad.from_numpy(x.astype(dtype)).requires_grad_()
        ws, bs = (minigrad.from_numpy(a.astype(dtype)).requires_grad_() for a in (w, b))
        rm, rv = np.zeros(x.shape[1], dtype), np.ones(x.shape[1], dtype)
        out = F.batch_norm(xs, rm, rv, ws, bs, training=training)
        out.backward(minigrad.from_numpy(g.astype(dtype)))
        return [out.numpy(), xs.grad.numpy(), ws.grad.numpy(), bs.grad.numpy(), rm, rv]


def _torch(x, w, b, g, training, dtype):
    xs, ws, bs = (torch.tensor(a.astype(dtype), requires_grad=True) for a in (x, w, b))
    rm, rv = torch.zeros(x.shape[1], dtype=xs.dtype), torch.ones(x.shape[1], dtype=xs.dtype)
    out = torch.nn.functional.batch_norm(xs, rm, rv, ws, bs, training=training)
    out.backward(torch.tensor(g.astype(dtype)))
    return [t.detach().numpy() for t in (out, xs.grad, ws.grad, bs.grad, rm, rv)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@needs_torch
def test_matches_the_reference_and_torch(shape, training, dtype, threads):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape) * 3 + 1
    w, b, g = rng.standard_normal(shape[1]), rng.standard_normal(shape[1]), rng.standard_normal(shape)
    fast = _run(x, w, b, g, training, False, dtype)
    ref = _run(x, w, b, g, training, True, dtype)
    theirs = _torch(x, w, b, g, training, dtype)
    tol = 2e-4 if dtype == np.float32 else 1e-9
    for a, r, t in zip(fast, ref, theirs):
        assert a.dtype == np.dtype(dtype)
        scale = max(1.0, np.abs(r).max())  # dweight and dbias are sums of up to 180,000 numbers
        np.testing.assert_allclose(a, r, rtol=tol, atol=tol * scale)
        np.testing.assert_allclose(a, t, rtol=tol, atol=tol * scale)


@pytest.mark.parametrize("shape", [(5, 3, 4, 4), (3, 7, 9, 9), (2, 3, 70, 70), (4, 2, 0, 3), (2, 0, 4, 4)], ids=str)
def test_blocks_are_whole_images_or_rows_of_one_image_and_spread_lines_up(shape, monkeypatch):
    """Every row once; a block's part of x times spread(v) is x times v per channel, as the (N*C, 1) column was."""
    monkeypatch.setattr(workspace, "PARALLEL_MIN_SIZE", 0)
    monkeypatch.setattr(batch_norm_cpu, "BLOCK", 400)  # 2 images of 3x4x4 a block; 9x9 and 70x70 cut inside images
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    rows = batch_norm_cpu.Rows(x)
    n, c = shape[:2]
    covered = [r for lo, hi in rows.blocks for r in range(lo, hi)]
    assert covered == list(range(n * c))
    v = np.arange(1, c + 1, dtype=np.float32)
    spread = rows.spread(v)
    for lo, hi in rows.blocks:
        assert hi - lo >= c and lo % c == 0 and hi % c == 0 or lo // c == (hi - 1) // c
        got = rows.part(x, lo, hi) * spread(lo, hi)
        want = rows.of(x)[lo:hi] * np.tile(v, n)[lo:hi, None]
        np.testing.assert_array_equal(got.reshape(-1), want.reshape(-1))


def test_statistics_are_exact_to_float32_rounding_at_a_large_mean(threads):
    """mean 1000, spread 0.003: one pass of sums and sums of squares in float32 would lose the
    variance entirely, and the float32 mean's rounding alone would shift it by 1e-4 (sum(c) corrects it)."""
    rng = np.random.default_rng(1)
    x = (1000 + 0.003 * rng.standard_normal((16, 4, 20, 20))).astype(np.float32)
    x[:, 1] += np.linspace(0, 0.01, 16, dtype=np.float32)[:, None, None]  # image means that differ
    out, c, mean, var, _, _ = batch_norm_cpu.train_forward(x, None, None, 1e-5)
    x64 = x.astype(np.float64)
    true_mean, true_var = x64.mean(axis=(0, 2, 3)), x64.var(axis=(0, 2, 3))
    np.testing.assert_allclose(mean, true_mean, rtol=1e-7)
    np.testing.assert_allclose(var, true_var, rtol=1e-5)
    np.testing.assert_array_equal(c, x - mean[:, None, None])


@needs_torch
def test_inf_and_nan_give_torchs_running_statistics_and_nan(threads):
    x = np.random.default_rng(2).standard_normal((2, 3, 4, 5)).astype(np.float32)
    x[0, 1, 2, 3], x[1, 2, 0, 0] = np.inf, np.nan
    w, b, g = np.ones(3), np.zeros(3), np.ones(x.shape)
    fast, theirs = _run(x, w, b, g, True, False, np.float32), _torch(x, w, b, g, True, np.float32)
    for a, t in zip(fast, theirs):
        np.testing.assert_allclose(a, t, rtol=1e-5, atol=1e-5)  # NaN where torch has NaN, inf where inf


def test_eval_is_one_affine_map_bitwise(threads):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 8, 33, 17)).astype(np.float32)
    scale, shift = rng.standard_normal(8).astype(np.float32), rng.standard_normal(8).astype(np.float32)
    out = batch_norm_cpu.affine(x, scale, shift)
    np.testing.assert_array_equal(out, x * scale[:, None, None] + shift[:, None, None])


@pytest.mark.parametrize("reference", [False, True])
@pytest.mark.parametrize("layout", ["contiguous", "channels last", "2-D", "3-D"])
def test_statistics_near_1000_keep_a_spread_of_001_on_every_path(reference, layout):
    """float32 sums lost the spread: running_var was off by 1.7e-3 (channels last) to 2.8e-3 (2-D)
    on the fast op's general path and the reference op (torch: about 1e-5); now about 1e-7."""
    rng = np.random.default_rng(0)
    shape = {"contiguous": (2, 64, 7, 7), "channels last": (2, 64, 7, 7), "2-D": (256, 8), "3-D": (512, 8, 3)}[layout]
    x = (1000 + 0.01 * rng.standard_normal(shape)).astype(np.float32)
    t = minigrad.from_numpy(np.ascontiguousarray(x.transpose(0, 2, 3, 1))).permute(0, 3, 1, 2) \
        if layout == "channels last" else minigrad.from_numpy(x)
    rm, rv = minigrad.zeros(shape[1]), minigrad.ones(shape[1])
    with minigrad.ops.use_reference(reference):
        F.batch_norm(t, rm, rv, training=True, momentum=1.0)
    axes = tuple(i for i in range(x.ndim) if i != 1)
    n = x.size // shape[1]
    want = x.astype(np.float64).var(axis=axes) * n / (n - 1)
    assert np.abs(rv.numpy() - want).max() / want.max() < 1e-5
    np.testing.assert_allclose(rm.numpy(), x.astype(np.float64).mean(axis=axes), rtol=1e-7)


@pytest.mark.parametrize("shape", [(4, 64, 7, 7), (2, 512, 7, 7), (196, 64)])  # the image path; the general one
def test_gradients_near_1000_take_the_mean_rounding_out_of_c(shape):
    """c = x - mean carries the float32 mean's rounding (up to 3e-5 at 1000, against a spread of 0.01):
    dx and dweight were 2-4x further from float64 than torch's float32 (1e-3); now about 1e-7."""
    rng = np.random.default_rng(0)
    x = (1000 + 0.01 * rng.standard_normal(shape)).astype(np.float32)
    w, b = rng.standard_normal(shape[1]).astype(np.float32), rng.standard_normal(shape[1]).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    grads = []
    for dtype in (minigrad.float32, minigrad.float64):
        xt = minigrad.tensor(x, dtype=dtype, requires_grad=True)
        wt = minigrad.tensor(w, dtype=dtype, requires_grad=True)
        F.batch_norm(xt, None, None, wt, minigrad.tensor(b, dtype=dtype), training=True).backward(
            minigrad.tensor(g, dtype=dtype))
        grads.append((xt.grad.numpy(), wt.grad.numpy()))
    for ours, exact in zip(*grads):
        assert np.abs(ours - exact).max() / np.abs(exact).max() < 1e-5
