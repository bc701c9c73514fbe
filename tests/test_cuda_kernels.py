"""minigrad's hand-written CUDA kernels (ops/fast/cuda_kernels.py's registry), checked three ways:

1. every source, for float32 and float64, compiles with nvcc to PTX (no GPU needed; skips
   without nvcc), and defines exactly the kernels the registry lists;
2. the kernels' logic runs on the CPU (tests/cuda_emulator.py: the same source built by g++,
   each argument checked against the C signature) through the real Python glue, with numpy
   standing in for cupy, against the reference ops and the per-parameter SGD (more in
   tests/test_cuda_kernels_more.py: max pooling's NaN routing against torch, conv_cuda.py);
3. on a GPU (the `device` fixture's cuda case), the ops and SGD against the CPU and torch.
"""
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad import optim
from minigrad.nn import Parameter
from minigrad.ops import normalization, pooling
from minigrad.ops.fast import batch_norm_cuda, cuda_kernels, pooling_cuda
from minigrad.ops.fast import normalization as fast_normalization
from minigrad.ops.geometry import window
from minigrad.optim import sgd_cuda
from helpers import check_op, compare_with_torch, host, randn, torch
import cuda_emulator

DTYPES = [np.float32, np.float64]
SOURCE_CASES = [(name, np.dtype(d).name) for name in sorted(cuda_kernels.SOURCES) for d in DTYPES]


def test_the_kernel_modules_register_their_sources():
    assert {batch_norm_cuda.SOURCE, pooling_cuda.SOURCE, sgd_cuda.SOURCE} == set(cuda_kernels.SOURCES)


@pytest.mark.parametrize("name, dtype", SOURCE_CASES)
def test_source_compiles_with_nvcc(name, dtype, tmp_path):
    nvcc = shutil.which("nvcc")
    if nvcc is None:
        pytest.skip("nvcc is not installed (the CUDA toolkit): it compiles the kernels without a GPU")
    path = tmp_path / f"{name}_{dtype}.cu"
    path.write_text(cuda_kernels.instantiate(cuda_kernels.SOURCES[name][0], dtype))
    result = subprocess.run([nvcc, "-ptx", "-arch=sm_80", *cuda_kernels.OPTIONS, "-Werror=all-warnings",
                             "-o", os.devnull, str(path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name, dtype", SOURCE_CASES)
def test_kernels_fit_their_largest_block_on_an_h100(name, dtype, tmp_path):
    """A block needing more registers than an SM has (64K) fails only at launch: ptxas says
    how many each kernel uses; the per-channel reductions run REDUCE_BLOCK threads."""
    nvcc = shutil.which("nvcc")
    if nvcc is None:
        pytest.skip("nvcc is not installed (the CUDA toolkit): ptxas reports the kernels' registers")
    path = tmp_path / f"{name}_{dtype}.cu"
    path.write_text(cuda_kernels.instantiate(cuda_kernels.SOURCES[name][0], dtype))
    result = subprocess.run([nvcc, "-cubin", "-arch=sm_90", *cuda_kernels.OPTIONS, "-Xptxas", "-v",
                             "-o", os.devnull, str(path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    used = re.findall(r"Compiling entry function '(\w+)'.*?Used (\d+) registers", result.stderr, re.S)
    assert len(used) == len(cuda_kernels.SOURCES[name][1])
    block = max(cuda_kernels.BLOCK, batch_norm_cuda.REDUCE_BLOCK)
    for kernel, registers in used:
        assert int(registers) * block <= 65536, f"{kernel} uses {registers} registers a thread"


@pytest.mark.parametrize("name, dtype", SOURCE_CASES)
def test_registered_kernel_names_are_the_ones_defined(name, dtype):
    source, kernels = cuda_kernels.SOURCES[name]
    text = cuda_kernels.instantiate(source, dtype)
    defined = [name for name, _ in cuda_emulator.SIGNATURE.findall(text)]
    assert sorted(defined) == sorted(f"{k}_{cuda_kernels.suffix(dtype)}" for k in kernels)
    assert not re.search(r"\bT\b|\bSQRT\b|_T\(", text), "a placeholder was left in the instantiated source"


def test_launch_refuses_python_numbers_and_sizes_the_grid():
    calls = []
    record = lambda grid, block, args: calls.append((grid, block, args))  # noqa: E731
    with pytest.raises(TypeError, match="np.int32"):
        cuda_kernels.launch(record, 10, (np.zeros(3), 5))
    with pytest.raises(TypeError, match="float"):
        cuda_kernels.launch(record, 10, (1.5,))
    cuda_kernels.launch(record, 1000, (np.float64(1.5), np.int32(2)))
    cuda_kernels.launch(record, 10, (np.int64(3),), grid=7, block=512)
    assert calls == [((4,), (256,), (1.5, 2)), ((7,), (512,), (3,))]
    assert cuda_kernels.blocks(0) == 1 and cuda_kernels.blocks(10 ** 12) == cuda_kernels.MAX_GRID


# ---- 2. the kernels on the CPU, through the real glue --------------------------------------------

@pytest.fixture
def emulated(monkeypatch):
    """cupy's array functions are numpy's and each kernel is its source run by the emulator."""
    if not cuda_emulator.available():
        pytest.skip("g++ is not installed: the CUDA emulator builds the kernel sources with it")

    def kernel(source_name, kernel_name, dtype):
        compiled = cuda_emulator.compile_source(cuda_kernels.instantiate(cuda_kernels.SOURCES[source_name][0], dtype))
        return compiled[f"{kernel_name}_{cuda_kernels.suffix(dtype)}"]
    monkeypatch.setitem(sys.modules, "cupy", np)
    monkeypatch.setattr(cuda_kernels, "kernel", kernel)


def tolerance(dtype):
    return dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)


BN_SHAPES = [(4, 3, 5, 6), (8, 3), (4, 3, 7), (4, 2, 16, 20)]  # the last: more values per channel than threads


@pytest.mark.parametrize("shape", BN_SHAPES)
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("dtype", DTYPES)
def test_batch_norm_kernels_match_the_reference(shape, training, affine, dtype, emulated):
    rng = np.random.default_rng(len(shape))
    c = shape[1]
    x64, g64 = rng.standard_normal(shape) * 2 + 1, rng.standard_normal(shape)
    w64, b64 = (rng.standard_normal(c), rng.standard_normal(c)) if affine else (None, None)
    stats64 = [rng.standard_normal(c) * 0.5, np.abs(rng.standard_normal(c)) + 0.5]
    ref = normalization.BatchNorm()
    ref_stats = [s.copy() for s in stats64]
    ref_out = ref.forward(x64, w64, b64, *ref_stats, training=training)
    ref_grads = ref.backward(g64)

    cast = lambda a: None if a is None else a.astype(dtype)  # noqa: E731
    fn = fast_normalization.BatchNormFast()
    fn.needs_input_grad = (True, True, True) if affine else (True,)
    stats = [cast(s) for s in stats64]
    out = fn.forward_cuda(cast(x64), cast(w64), cast(b64), *stats, training, 0.1, 1e-5)
    grads = fn.backward(cast(g64))
    assert fn.cuda and out.dtype == dtype and all(g.dtype == dtype for g in grads)
    np.testing.assert_allclose(out, ref_out, **tolerance(dtype))
    for got, want in zip(grads, ref_grads):
        np.testing.assert_allclose(got, want, **tolerance(dtype))
    for got, want in zip(stats, ref_stats):  # running statistics (unchanged in eval)
        np.testing.assert_allclose(got, want, **tolerance(dtype))


def test_batch_norm_statistics_do_not_cancel_in_float32(emulated):
    """A large mean and a tiny spread: sum(x^2)/m - mean^2 in float32 would lose every digit."""
    x = (1000 + 0.01 * np.random.default_rng(0).standard_normal((16, 2, 8, 8))).astype(np.float32)
    mean, var = batch_norm_cuda.stats(x)
    np.testing.assert_allclose(mean, x.astype(np.float64).mean(axis=(0, 2, 3)), rtol=1e-7)
    np.testing.assert_allclose(var, x.astype(np.float64).var(axis=(0, 2, 3)), rtol=1e-5)


@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 7), (5, 2, 9, 11)])
def test_batch_norm_reductions_split_channels_over_blocks_and_repeat_bitwise(shape, emulated, monkeypatch):
    """Several blocks a channel (parts of uneven length, fewer blocks than (channel, part) pairs,
    elementwise kernels striding over the grid) give the reference's numbers, the same bits twice."""
    monkeypatch.setattr(batch_norm_cuda, "MIN_SHARE", 7)  # many parts even at these sizes
    monkeypatch.setattr(cuda_kernels, "MAX_GRID", 5)  # grid-stride loops in every kernel
    assert batch_norm_cuda._parts(np.empty(shape)) > 1
    rng = np.random.default_rng(5)
    x, g = (rng.standard_normal(shape) * 3 + 2).astype(np.float32), rng.standard_normal(shape).astype(np.float32)
    w, b = rng.standard_normal(shape[1]).astype(np.float32), rng.standard_normal(shape[1]).astype(np.float32)
    ref = normalization.BatchNorm()
    want = [ref.forward(x.astype(np.float64), w.astype(np.float64), b.astype(np.float64), None, None, training=True),
            *ref.backward(g.astype(np.float64))]
    runs = []
    for _ in range(2):
        mean, var = batch_norm_cuda.stats(x)
        sums = batch_norm_cuda.sums(g, x, mean, var, 1e-5)
        runs.append([mean, var, batch_norm_cuda.normalize(x, mean, var, 1e-5, w, b),
                     batch_norm_cuda.input_grad(g, x, mean, var, 1e-5, w, sums, True), sums[1], sums[0]])
    for a, b_ in zip(*runs):
        np.testing.assert_array_equal(a, b_)
    axes = (0,) + tuple(range(2, len(shape)))
    np.testing.assert_allclose(runs[0][0], x.astype(np.float64).mean(axis=axes), rtol=1e-12)
    np.testing.assert_allclose(runs[0][1], x.astype(np.float64).var(axis=axes), rtol=1e-12)
    for got, w_ in zip(runs[0][2:], want):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, w_, rtol=1e-5, atol=1e-5)


def test_batch_norm_fills_a_gpu_at_64_channels():
    """resnet's first layers: 64 channels of 32 x 112 x 112 values are ~1024 blocks, not 64."""
    x = np.lib.stride_tricks.as_strided(np.empty(1, np.float32), (32, 64, 112, 112), (0, 0, 0, 0))
    assert batch_norm_cuda._parts(x) * 64 >= 1024
    assert batch_norm_cuda._parts(np.empty((256, 2048))) == 1  # (N, C): already 2048 blocks


def test_batch_norm_float32_at_a_large_mean_normalises_as_float64(emulated):
    """Mean 1000, spread 0.01: the mean rounded to float32 (ulp 6e-5) would shift every xhat by
    up to 3e-3; kept in double, out and dx are float64's to float32 rounding."""
    rng = np.random.default_rng(0)
    shape = (16, 2, 8, 8)
    x = (1000 + 0.01 * rng.standard_normal(shape)).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    ref = normalization.BatchNorm()
    want = [ref.forward(x.astype(np.float64), None, None, None, None, training=True), *ref.backward(g.astype(np.float64))]
    fn = fast_normalization.BatchNormFast()
    fn.needs_input_grad = (True,)
    out = fn.forward_cuda(x, None, None, None, None, True, 0.1, 1e-5)
    (dx,) = fn.backward(g)
    assert out.dtype == dx.dtype == np.float32
    np.testing.assert_allclose(out, want[0], rtol=0, atol=1e-6)
    np.testing.assert_allclose(dx, want[1], rtol=0, atol=1e-5 * np.abs(want[1]).max())


def test_block_sum_refuses_a_block_of_other_than_rblock_threads(emulated):
    """__launch_bounds__ refuses more threads; fewer would sum cells no thread wrote: __trap."""
    x = np.ones((2, 3, 4), np.float32)
    fn = cuda_kernels.kernel(batch_norm_cuda.SOURCE, "bn_moments", np.float32)
    part = np.empty(3, np.float64)
    with pytest.raises(RuntimeError, match="__trap"):
        fn((3,), (batch_norm_cuda.REDUCE_BLOCK // 2,),
           (x, np.int64(2), np.int64(3), np.int64(4), np.int64(1), np.int32(0), part, part))
    source = cuda_kernels.SOURCES[batch_norm_cuda.SOURCE][0]
    assert source.count("__launch_bounds__(RBLOCK)") == source.count("block_sum(scratch") - 1  # bn_grad_parts: 2 sums


@pytest.mark.parametrize("needs", [(True, False, False), (False, True, True), (True, True, False)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_kernels_keep_x_only_when_backward_reads_it(needs, training, emulated):
    x, g = randn(4, 3, 2, 5), randn(4, 3, 2, 5)
    fn = fast_normalization.BatchNormFast()
    fn.needs_input_grad = needs
    fn.forward_cuda(x, np.ones(3), np.zeros(3), np.zeros(3), np.ones(3), training, 0.1, 1e-5)
    assert (fn.saved[0] is not None) == (needs[1] or (training and needs[0]))
    grads = fn.backward(g)
    assert [v is not None for v in grads] == list(needs)


def test_batch_norm_kernels_in_eval_keep_their_own_statistics_and_take_an_empty_batch(emulated):
    x, g = randn(4, 3, 2, 5), randn(4, 3, 2, 5)
    rm, rv = np.zeros(3), np.ones(3)
    fn = fast_normalization.BatchNormFast()
    fn.needs_input_grad = (True, True, True)
    fn.forward_cuda(x, np.ones(3), np.zeros(3), rm, rv, False, 0.1, 1e-5)
    want = [a.copy() for a in fn.backward(g)]
    fn.forward_cuda(x, np.ones(3), np.zeros(3), rm, rv, False, 0.1, 1e-5)
    rm += 5  # a training step between forward and backward moves the running statistics in place
    rv *= 3
    for got, w in zip(fn.backward(g), want):
        np.testing.assert_array_equal(got, w)
    empty = fast_normalization.BatchNormFast()
    empty.needs_input_grad = (False,)
    assert empty.forward_cuda(np.ones((0, 3, 2, 2)), None, None, rm, rv, False, 0.1, 1e-5).shape == (0, 3, 2, 2)


POOL_CASES = [  # kernel, stride, padding, dilation, ceil_mode
    (2, None, 0, 1, False), (3, 2, 1, 1, False), (3, 1, 1, 1, False), (2, 3, 0, 1, False),
    (3, 2, 0, 1, True), (2, 2, 1, 1, True), (3, 2, 1, 2, False), ((3, 2), (2, 1), (1, 0), (1, 2), True),
]


def pool_window(x_shape, k, s, p, d, ceil_mode):
    pair = lambda v: v if isinstance(v, tuple) else (v, v)  # noqa: E731
    (ph, pw) = pair(p)
    return window("max_pool2d", x_shape, pair(k), pair(s if s is not None else k), ((ph, ph), (pw, pw)),
                  pair(d), ceil_mode)


@pytest.mark.parametrize("case", POOL_CASES)
@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
def test_max_pool_kernels_match_the_reference(case, ties, dtype, emulated):
    rng = np.random.default_rng(3)
    shape = (2, 3, 7, 6)
    x = (rng.integers(0, 3, shape) if ties else rng.standard_normal(shape)).astype(dtype)
    win = pool_window(shape, *case)
    ref = pooling.MaxPool2dWithIndices()
    want = ref.forward(x, win)
    g = rng.standard_normal(want.shape).astype(dtype)
    out, winner = pooling_cuda.forward(x, win, keep=True)
    np.testing.assert_array_equal(out, want)
    assert winner.dtype == np.int32 and out.dtype == dtype
    np.testing.assert_allclose(pooling_cuda.backward(g, winner, shape, win), ref.backward(g), rtol=1e-6, atol=0)
    out_eval, no_winner = pooling_cuda.forward(x, win, keep=False)
    assert no_winner is None
    np.testing.assert_array_equal(out_eval, want)


SGD_OPTIONS = [dict(momentum=m, dampening=dmp, nesterov=n, weight_decay=wd, maximize=mx)
               for m in (0, 0.9) for dmp in (0, 0.3) for n in (False, True) for wd in (0, 0.01)
               for mx in (False, True) if not (n and (m == 0 or dmp != 0))]


def run_sgd(options, device, dtypes=(np.float32, np.float32, np.float64), steps=3):
    """Parameters and momentum buffers after `steps` SGD steps on fixed gradients; two groups,
    mixed dtypes, parameter 1 without a gradient at step 1."""
    rng = np.random.default_rng(7)
    shapes = [(5, 3), (4097,), (2, 3, 3)]  # 4097: more than one chunk
    params = [Parameter(minigrad.tensor(rng.standard_normal(s), dtype=d, device=device))
              for s, d in zip(shapes, dtypes)]
    opt = optim.SGD([dict(params=params[:2]), dict(params=params[2:], lr=0.05)], lr=0.1, **options)
    for step in range(steps):
        for k, p in enumerate(params):
            g = rng.standard_normal(p.shape)
            p.grad = None if (step == 1 and k == 1) else minigrad.tensor(g, dtype=p.dtype, device=device).array
        opt.step()
    buffers = [host(s["momentum_buffer"]) for s in opt.state_dict()["state"].values() if "momentum_buffer" in s]
    return [host(p.array) for p in params], buffers


def run_fused_sgd(monkeypatch, *args, **kwargs):
    """run_sgd with every numpy parameter counted as a GPU one (all go through the emulated
    kernel), and the number of launches."""
    with monkeypatch.context() as m:
        m.setattr(sgd_cuda, "device_of", lambda a: "cuda")
        m.setattr(sgd_cuda, "_ptr", lambda a: a.ctypes.data)
        launches = []
        launch = cuda_kernels.launch
        m.setattr(cuda_kernels, "launch", lambda *a, **k: (launches.append(a[1]), launch(*a, **k)))
        return run_sgd(*args, **kwargs), len(launches)


@pytest.mark.parametrize("options", SGD_OPTIONS, ids=str)
def test_fused_sgd_kernel_matches_the_per_parameter_sgd(options, emulated, monkeypatch):
    want = run_sgd(options, "cpu")
    got, launches = run_fused_sgd(monkeypatch, options, "cpu")
    assert launches == 3 * 2  # one per group (each group has one dtype) and step
    for g, w in zip(got[0] + got[1], want[0] + want[1]):
        np.testing.assert_array_equal(g, w)  # the same operations, each rounded as numpy rounds
    assert len(got[1]) == len(want[1]) == (3 if options["momentum"] else 0)


def test_fused_sgd_launches_once_per_dtype_of_a_group(emulated, monkeypatch):
    options = dict(momentum=0.9, dampening=0, nesterov=True, weight_decay=0.01, maximize=False)
    dtypes = (np.float32, np.float64, np.float64)  # group 0 mixes float32 and float64
    got, launches = run_fused_sgd(monkeypatch, options, "cpu", dtypes=dtypes)
    want = run_sgd(options, "cpu", dtypes=dtypes)
    assert launches == 3 + 2 + 3  # step 1: group 0's float64 parameter has no gradient
    for g, w in zip(got[0] + got[1], want[0] + want[1]):
        np.testing.assert_array_equal(g, w)


# ---- 3. on a GPU ------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 7), (4, 3, 5, 6)])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_float32_matches_float64_and_gradchecks(shape, training, affine, device):
    c = shape[1]
    mean0, var0 = randn(c) * 0.5, np.abs(randn(c)) + 0.5
    arrays = [randn(*shape) * 2 + 1] + ([randn(c), randn(c)] if affine else [])

    def fn(x, *wb):
        rm, rv = (minigrad.tensor(v, dtype=x.dtype, device=device) for v in (mean0, var0))
        return F.batch_norm(x, rm, rv, *wb, training=training), rm, rv
    results = []
    for dtype in (np.float32, np.float64):
        inputs = [minigrad.tensor(a, dtype=dtype, device=device, requires_grad=True) for a in arrays]
        out, rm, rv = fn(*inputs)
        out.backward(minigrad.tensor(np.cos(np.arange(out.numel())).reshape(out.shape), dtype=dtype, device=device))
        if isinstance(out.grad_fn, fast_normalization.BatchNormFast):  # the fast ops (the default) ran
            assert out.grad_fn.cuda == (device == "cuda")
        results.append([out.numpy(), rm.numpy(), rv.numpy()] + [host(t.grad) for t in inputs])
    for got, want in zip(*results):
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-5)
    check_op(lambda *a: fn(*a)[0], arrays, device)
    if torch is not None:
        tfn = lambda x, *wb: torch.nn.functional.batch_norm(  # noqa: E731
            x, torch.tensor(mean0), torch.tensor(var0), *wb, training=training)
        compare_with_torch(lambda *a: fn(*a)[0], tfn, arrays, device)


@pytest.mark.parametrize("case", POOL_CASES)
def test_max_pool2d_with_dilation_and_ceil_mode(case, device):
    k, s, p, d, ceil_mode = case
    arrays = [randn(2, 3, 7, 6)]
    fn = lambda x: F.max_pool2d(x, k, s, p, d, ceil_mode)  # noqa: E731
    check_op(fn, arrays, device,
             torch_fn=(lambda x: torch.nn.functional.max_pool2d(x, k, s, p, d, ceil_mode)) if torch else None)


def test_max_pool2d_ties_and_float32_match_the_cpu(device):
    x = np.random.default_rng(0).integers(0, 3, (2, 3, 9, 8)).astype(np.float32)  # many ties
    results = []
    for where in ("cpu", device):
        t = minigrad.tensor(x, device=where, requires_grad=True)
        out = F.max_pool2d(t, 3, 2, 1, ceil_mode=True)
        out.backward(minigrad.tensor(np.sin(np.arange(out.numel())).reshape(out.shape), device=where))
        results.append((out.numpy(), host(t.grad)))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-6)


@pytest.mark.parametrize("options", SGD_OPTIONS, ids=str)
def test_sgd_on_the_device_matches_the_cpu_and_torch(options, device):
    want, want_buffers = run_sgd(options, "cpu")
    got, got_buffers = run_sgd(options, device)
    for g, w in zip(got + got_buffers, want + want_buffers):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-7)
    if torch is None:
        return
    rng = np.random.default_rng(2)
    init, grads = rng.standard_normal((3, 4)), rng.standard_normal((3, 3, 4))
    ours = Parameter(minigrad.tensor(init, dtype=np.float64, device=device))
    theirs = torch.tensor(init, requires_grad=True)
    opt, t_opt = optim.SGD([ours], lr=0.1, **options), torch.optim.SGD([theirs], lr=0.1, **options)
    for g in grads:
        ours.grad, theirs.grad = minigrad.tensor(g, dtype=np.float64, device=device).array, torch.tensor(g)
        opt.step()
        t_opt.step()
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-12)
