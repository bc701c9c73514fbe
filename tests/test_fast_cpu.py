"""The fast CPU ops' machinery (issue 14): convolution a chunk of images per thread,
batch norm, ReLU and max pooling split over threads, and numpy's BLAS held to one
thread while minigrad's threads run. Every case is compared with the reference op
with the thread pool forced on (normally only above a million numbers)."""
import threading

import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad.ops.fast import blas
from minigrad.ops.fast import conv_cpu, workspace
from minigrad.ops.geometry import window
from helpers import randn


@pytest.fixture(params=["images per thread", "whole batch"])
def threads_on(monkeypatch, request):
    """The thread pool for every size, two threads; the convolution either shares the images
    between its threads (chunks of one image where images are large) or runs the whole
    batch as one product (what it does when a thread's share would be thin)."""
    per_thread = request.param == "images per thread"
    monkeypatch.setattr(conv_cpu, "MIN_THREAD_COLUMNS", 0 if per_thread else 1 << 62)
    monkeypatch.setattr(workspace, "PARALLEL_MIN_SIZE", 0)
    before = workspace.get_num_threads()
    workspace.set_num_threads(2)
    yield
    workspace.set_num_threads(before)


def run_both(fn, arrays, grad_seed=0):
    """fn's output and every input's gradient, with the fast ops and with the reference ops,
    in float64 so that only a wrong index, not the order of a sum, can tell them apart."""
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    results = []
    for reference in (False, True):
        with minigrad.ops.use_reference(reference):
            inputs = [minigrad.tensor(a, requires_grad=True, dtype=minigrad.float64) for a in arrays]
            out = fn(*inputs)
            g = np.random.default_rng(grad_seed).standard_normal(out.shape).astype(out.array.dtype)
            out.backward(g)
            results.append([out.numpy()] + [t.grad.numpy() for t in inputs])
    return results


CONVS = [  # (input, weight, kwargs): image sizes above and below conv_cpu.MIN_COLUMNS output pixels
    ((3, 4, 50, 48), (5, 4, 3, 3), {"padding": 1}),                   # one image per chunk, flipped dx
    ((3, 4, 50, 48), (5, 4, 3, 3), {"padding": 1, "stride": 2}),      # col2im dx
    ((5, 4, 11, 9), (6, 4, 3, 3), {"padding": 1}),                    # several images per chunk
    ((5, 4, 11, 9), (6, 4, 1, 1), {"stride": 2}),                     # resnet's downsample
    ((3, 4, 49, 50), (6, 2, 3, 3), {"padding": 2, "dilation": 2, "groups": 2}),
    ((2, 3, 47, 52), (4, 3, 7, 7), {"padding": 3, "stride": 2}),      # resnet's stem
    ((3, 2, 9, 8), (3, 2, 4, 3), {"padding": "same"}),                # uneven padding
    ((2, 3, 8, 9), (4, 3, 3, 1), {"padding": (1, 0)}),                # one-column kernel rows
    ((2, 3, 8, 9), (4, 3, 3, 3), {}),                                 # no padding
    ((2, 3, 8, 9), (4, 3, 3, 3), {"padding": 3}),                     # padding >= kernel: col2im dx
    ((2, 3, 12, 10), (4, 3, 5, 5), {"padding": 2, "bias": True}),
    ((2, 3, 13, 17), (4, 3, 5, 3), {"stride": (2, 3), "padding": (2, 1)}),  # uneven stride: 3 row phases, 2 of them
    ((2, 3, 9, 16), (4, 3, 2, 3), {"stride": (1, 2)}),                # a stride across only
]


@pytest.fixture(params=["shifted columns", "winograd 1d", "im2col", "winograd"])
def shifted(monkeypatch, request):
    """Convolutions with kernel rows from shifted columns (strided ones too) at every image size, or never;
    the 3x3 stride-1 ones among them by Winograd F(4, 3) down the image (forward and dx), or not;
    3x3 ones by Winograd F(4x2, 3x3) (forward, dx and dW) at every image size, or never."""
    monkeypatch.setattr(conv_cpu, "MIN_SHIFT_PIXELS", 1 << 62 if request.param in ("im2col", "winograd") else 0)
    monkeypatch.setattr(conv_cpu, "MIN_WINOGRAD_1D_CHANNELS", 0 if request.param == "winograd 1d" else 1 << 62)
    monkeypatch.setattr(conv_cpu, "MAX_WINOGRAD_PIXELS", 0)  # (winograd_1d_fits: from this many output pixels)
    monkeypatch.setattr(conv_cpu, "MIN_WEIGHT_GRAD_TILES", 0)  # dW by Winograd too, wherever it fits
    monkeypatch.setattr(conv_cpu, "winograd_fits",
                        lambda win, groups: request.param == "winograd" and conv_cpu.stride_1_3x3(win, groups))


@pytest.mark.parametrize("x_shape, w_shape, kwargs", CONVS)
def test_chunked_conv_matches_the_reference(x_shape, w_shape, kwargs, threads_on, shifted):
    kwargs = dict(kwargs)
    if kwargs.pop("bias", False):
        fast, ref = run_both(lambda x, w, b: F.conv2d(x, w, b, **kwargs),
                             [randn(*x_shape), randn(*w_shape), randn(w_shape[0])])
        for a, b in zip(fast, ref):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)
        return
    fast, ref = run_both(lambda x, w: F.conv2d(x, w, **kwargs), [randn(*x_shape), randn(*w_shape)])
    for a, b in zip(fast, ref):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


def test_chunked_conv_without_blas_control_gives_the_same_numbers(monkeypatch, threads_on):
    """Without threadpoolctl the work runs on the calling thread with BLAS's own threads."""
    monkeypatch.setattr(blas, "_controllers", [])
    assert workspace.gemm_threads() == 1
    x, w = randn(3, 4, 50, 48), randn(5, 4, 3, 3)
    fast, ref = run_both(lambda x, w: F.conv2d(x, w, padding=1), [x, w])
    for a, b in zip(fast, ref):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


def test_plan_gives_threads_a_wide_share_or_the_whole_batch_to_blas(monkeypatch):
    monkeypatch.setattr(workspace, "gemm_threads", lambda: 2)
    monkeypatch.setattr(conv_cpu, "gemm_threads", lambda: 2)
    assert conv_cpu.plan(8, 3136) == (2, 1)   # layer1 at b8: one image per product, two threads
    assert conv_cpu.plan(8, 196) == (1, 8)    # layer3 at b8: 784 pixels a thread is too thin
    assert conv_cpu.plan(32, 196) == (2, 11)  # layer3 at b32


def test_winograd_takes_3x3_stride_1_convolutions_from_7x7_to_below_56x56():
    """Where it measured faster: 7x7 to 28x28 outputs at any batch; not 56x56 (shifted columns on
    the threads), 4x4 (too few tiles), nor other kernels, strides or groups."""
    def fits(n, size, kernel=(3, 3), stride=(1, 1), groups=1):
        pad = tuple((k // 2, k // 2) for k in kernel)
        return conv_cpu.winograd_fits(window("conv2d", (n, 8, size, size), kernel, stride, pad), groups)
    assert fits(8, 14) and fits(8, 7) and fits(32, 7) and fits(32, 14) and fits(8, 28) and fits(32, 28)
    assert not fits(32, 56) and not fits(8, 56) and not fits(8, 4)
    assert not fits(8, 14, kernel=(5, 5)) and not fits(8, 14, stride=(2, 2)) and not fits(8, 14, groups=2)


STRIDED_WINDOWS = [  # (input, kernel, stride, padding) of the strided column copies' tests
    ((2, 3, 9, 8), (3, 3), (2, 2), ((1, 1), (1, 1))),    # resnet's 3x3/2, odd height
    ((1, 2, 12, 11), (7, 7), (2, 2), ((3, 3), (3, 3))),  # the stem
    ((3, 2, 10, 13), (3, 5), (3, 2), ((0, 2), (1, 0))),  # uneven stride and padding
    ((1, 2, 10, 13), (5, 3), (2, 3), ((0, 2), (1, 0))),  # uneven, a kernel taller than its stride
    ((2, 1, 5, 5), (4, 4), (3, 3), ((0, 0), (0, 0))),    # the last input rows unused
]


@pytest.mark.parametrize("x_shape, kernel, stride, padding",
                         [((1, 3, 7, 6), (3, 3), (1, 1), ((1, 1), (1, 1)))] + STRIDED_WINDOWS)  # + resnet's 3x3
def test_shifted_columns_hold_each_kernel_row_of_im2col(x_shape, kernel, stride, padding):
    """Kernel row i = r*SH + p's im2col columns (of the first image) are phase p's shifted columns from row r*OW on."""
    from minigrad.ops.fast.shifted_columns import shifted_columns
    from minigrad.ops.geometry import window
    x = randn(*x_shape).astype(np.float32)
    win = window("conv2d", x.shape, kernel, stride, padding)
    (kh, kw), sh, (oh, ow), c = kernel, stride[0], win.out, x_shape[1]
    shifted = shifted_columns(x[0], win).copy().reshape(min(sh, kh), c, kw, -1)
    cols = conv_cpu.im2col(x[:1], win).reshape(c, kh, kw, oh * ow)
    for i in range(kh):
        r, p = divmod(i, sh)
        np.testing.assert_array_equal(shifted[p, :, :, r * ow:r * ow + oh * ow], cols[:, i])


@pytest.mark.parametrize("x_shape, kernel, stride, padding", STRIDED_WINDOWS)
def test_phase_columns_hold_im2col_columns_plus_junk_that_the_product_drops(x_shape, kernel, stride, padding):
    """phase_columns' first OW columns of each output row are im2col's, whatever the junk after them."""
    from minigrad.ops.fast.stride_phases import phase_columns
    from minigrad.ops.geometry import window
    x = randn(*x_shape).astype(np.float32)
    win = window("conv2d", x.shape, kernel, stride, padding)
    (oh, ow), (m, c) = win.out, x_shape[:2]
    cols = phase_columns(x, win).reshape(c, *kernel, m, oh, -1)[..., :ow].copy()
    np.testing.assert_array_equal(cols, conv_cpu.im2col(x, win).reshape(c, *kernel, m, oh, ow))


def test_strided_convolutions_keep_nan_and_inf_where_the_reference_has_them(threads_on, shifted):
    """A NaN or inf next to a strided window's junk columns (phase columns) or in its padding rows
    (shifted columns) stays out of every real output and dW."""
    rng = np.random.default_rng(3)
    for k, s, p in [(3, 2, 1), (7, 2, 3), (3, 3, 0), (5, 2, 2)]:
        x = rng.standard_normal((3, 4, 13, 12)).astype(np.float32)
        x[0, 1, 0, -1], x[1, 2, -1, 0], x[2, 0, 6, 11] = np.nan, np.inf, -np.inf
        w = rng.standard_normal((5, 4, k, k)).astype(np.float32)
        results = []
        for reference in (False, True):
            with minigrad.ops.use_reference(reference):
                xt, wt = minigrad.tensor(x), minigrad.tensor(w, requires_grad=True)
                out = F.conv2d(xt, wt, stride=s, padding=p)
                out.backward(minigrad.ones_like(out))
                results.append((out.numpy(), wt.grad.numpy()))
        for fast, ref in zip(*results):  # NaN where ref is NaN, inf where inf, in out and dW
            np.testing.assert_allclose(fast, ref, rtol=1e-4, atol=1e-4)


def test_chunk_sizes_cover_the_batch():
    assert conv_cpu.chunk_size(32, 3136, 2) == 1  # layer1: one image already makes a wide product
    assert conv_cpu.chunk_size(32, 49, 2) == 16   # layer4: a thread's whole share
    assert workspace.chunks(3, 10, 3) == [(3, 5), (5, 7), (7, 10)]
    assert workspace.chunks(0, 4, 3) == [(0, 2), (2, 4)] and workspace.chunks(2, 2, 3) == []


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("affine", [True, False])
def test_threaded_batch_norm_matches_the_reference(training, affine, threads_on):
    x = randn(6, 5, 7, 9) * 3 + 1
    stats = []

    def fn(x, *wb):
        rm, rv = np.linspace(-1, 1, 5).astype(np.float32), np.linspace(0.5, 2, 5).astype(np.float32)
        out = F.batch_norm(x, rm, rv, *wb, training=training)
        stats.append((rm, rv))
        return out
    arrays = [x] + ([randn(5), randn(5)] if affine else [])
    fast, ref = run_both(fn, arrays)
    for a, b in zip(fast, ref):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)
    for a, b in zip(*stats):  # the running statistics move alike
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_threaded_relu_and_max_pool_match_the_reference(threads_on):
    x = randn(5, 3, 13, 12)
    for fn in (F.relu, lambda x: F.max_pool2d(x, 3, 2, 1), lambda x: F.max_pool2d(x, 2, ceil_mode=True)):
        fast, ref = run_both(fn, [x])
        for a, b in zip(fast, ref):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32])
def test_positive_part_by_rows_of_zeros_is_numpys_maximum_with_0(dtype, monkeypatch):
    """Rows of ZERO_ROW numbers and a tail: NaN, infinities and -0.0 come out as max(x, 0)'s, in place too."""
    from minigrad.ops.fast import activations
    monkeypatch.setattr(activations, "ZERO_ROW", 16)
    monkeypatch.setattr(activations, "_zeros", {})
    x = (randn(3, 5, 7) * 10).astype(dtype)  # 105 numbers: 6 rows of 16 and a tail of 9
    if dtype != np.int32:
        x.flat[[0, 20, 100, 103, 104]] = [np.nan, np.inf, -np.inf, -0.0, np.nan]
    want = np.maximum(x, 0)
    got = activations.positive_part(x, np.empty_like(x))
    np.testing.assert_array_equal(got, want)
    assert got.dtype == want.dtype and np.array_equal(np.signbit(got), np.signbit(want))
    activations.positive_part(x, x)
    np.testing.assert_array_equal(x, want)
    y = np.ones(10, dtype)  # fewer numbers than one row
    np.testing.assert_array_equal(activations.positive_part(-y, np.empty_like(y)), np.zeros_like(y))
    out = np.full((7, 15), 7, dtype).T  # a transposed out is written too, not a copy of it
    activations.positive_part(x.reshape(15, 7), out)
    np.testing.assert_array_equal(out, want.reshape(15, 7))


def test_relu_of_a_non_contiguous_batch_matches_the_reference(threads_on):
    x = randn(4, 6, 9, 10)
    fast, ref = run_both(lambda t: F.relu(t.transpose(1, 3)), [x])
    for a, b in zip(fast, ref):
        np.testing.assert_array_equal(a, b)


def test_max_pool_without_a_backward_keeps_no_winners_and_gives_the_same_maximum():
    x = minigrad.tensor(randn(2, 3, 9, 9))
    with minigrad.no_grad():
        quick = F.max_pool2d(x, 3, 2, 1)
    assert quick.grad_fn is None
    np.testing.assert_array_equal(quick.numpy(), F.max_pool2d(minigrad.tensor(x.numpy(), requires_grad=True), 3, 2, 1).numpy())


@pytest.mark.skipif(not blas._blas(), reason="needs threadpoolctl to read and set numpy's BLAS threads")
def test_one_blas_thread_sets_one_thread_and_restores_it_nested_and_across_threads():
    before = blas.blas_threads()
    with blas.one_blas_thread():
        assert blas.blas_threads() == 1
        with blas.one_blas_thread():
            assert blas.blas_threads() == 1
        assert blas.blas_threads() == 1  # the inner exit does not restore: the outer still runs
    assert blas.blas_threads() == before
    barrier, seen = threading.Barrier(2), []

    def inside():
        with blas.one_blas_thread():
            barrier.wait()
            seen.append(blas.blas_threads())
            barrier.wait()
    workers = [threading.Thread(target=inside) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert seen == [1, 1] and blas.blas_threads() == before
    with blas.small_product(10):
        assert blas.blas_threads() == 1
    with blas.small_product(blas.SMALL_PRODUCT):
        assert blas.blas_threads() == before


def test_linear_and_matmul_give_the_same_numbers_on_one_blas_thread():
    a, b = randn(7, 5), randn(5, 3)
    out = minigrad.tensor(a, requires_grad=True) @ minigrad.tensor(b)
    np.testing.assert_allclose(out.numpy(), a @ b, rtol=1e-6)


@pytest.mark.skipif(not blas._blas(), reason="needs threadpoolctl to read and set numpy's BLAS threads")
def test_one_blas_thread_works_after_another_live_thread_set_the_blas_threads():
    """threadpoolctl lets only the first thread that set a process-wide OpenBLAS pool set it
    again, as long as that thread lives: the others were silently ignored."""
    before, started, done = blas.blas_threads(), threading.Event(), threading.Event()

    def other():
        for lib in blas._blas():
            lib.set_num_threads(lib.num_threads)
        started.set()
        done.wait(10)
    t = threading.Thread(target=other)
    t.start()
    started.wait(10)
    try:
        with blas.one_blas_thread():
            assert blas.blas_threads() == 1
        assert blas.blas_threads() == before
    finally:
        done.set()
        t.join()
