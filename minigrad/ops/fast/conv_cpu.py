"""The fast convolution's CPU work: a few images at a time, each thread its own images.

The reference im2col (ops/conv.py) builds the columns of the WHOLE batch, then runs
one matrix product. At resnet34's layer1 and batch 32 those columns are 231 MB: they
are written to memory and read back from it. Here each thread takes its share of
the batch and, a chunk of images at a time:

1. builds the chunk's columns in its own scratch buffer (a few MB, which stays in
   the cache), with the padding folded into the copy (no padded copy of the input:
   the cells of a window that fall in the padding are set to zero instead), and a
   strided window read from the input's stride phases (stride_phases.strided_reader);
2. multiplies them by the weight matrix on ONE BLAS thread (blas.py says why),
   writing a single image's result straight into the NCHW output.

Where a thread's share would be thin (layer3 and layer4 at small batches), the
whole batch is one product on BLAS's own threads instead: `plan`.

Backward works the same way, one pass over the chunks: dW sums each thread's
`grad @ cols^T`, and dx is either a convolution of the output gradient with the
flipped kernel (stride 1) or `W^T @ grad` added back to the input's pixels (col2im).

A convolution of a large image (resnet34's layer1, its stem and layer2's 3x3/2) copies less:
im2col writes every input pixel KH*KW times (9 for 3x3), but kernel row i's columns are
kernel row 0's moved down i image rows (in a strided convolution: down the rows of one
stride phase). So each image is copied once per kernel column, shifted sideways, and the
product is one smaller product per kernel row (per group of SH rows), each reading the
same buffer from a row offset on: shifted_columns.py (one image of 64 channels at 56x56 on
one thread, the two alternating: 3.9 -> 3.3 ms; layer2's 3x3/2 at b32: 0.88x the phase columns).
A strided convolution's dx still goes through W^T @ grad and col2im.

3x3 stride-1 convolutions with outputs from 7x7 up to below 56x56 skip all of this: Winograd
F(4x2, 3x3) (winograd.py, on BLAS's threads) takes their forward, dx and, from MIN_WEIGHT_GRAD_TILES, dW
(`winograd_fits`); the columns remain for what it declines (a non-finite result). From 56x56 up
(resnet34's layer1) the forward and dx of one with at least MIN_WINOGRAD_1D_CHANNELS channels
take Winograd F(4, 3) down the image instead of the shifted columns, still one image per thread
(winograd_1d.py, `winograd_1d_fits`): half their multiplications. An image whose output is not
finite is redone by the shifted columns.
"""
import numpy as np

from ..geometry import window_parts
from . import winograd, winograd_1d
from .shifted_columns import kernel_rows, multiply_shifted, shifted_columns, shifted_weight_grad
from .stride_phases import phase_columns, strided_reader
from .workspace import chunks, gemm_threads, over_batch, workspace

MIN_COLUMNS = 2048  # a chunk holds enough images for this many output pixels: fewer make thin products
MIN_THREAD_COLUMNS = 2048  # fewer output pixels per thread: one whole-batch product on BLAS's threads
MIN_SHIFT_PIXELS = 784  # shifted columns from 28x28 outputs up; at 14x14 they measured no faster
MAX_WINOGRAD_PIXELS = 56 * 56  # 3x3 stride-1 convolutions with smaller outputs take Winograd: winograd_fits
MIN_WEIGHT_GRAD_TILES = 128  # ...and their dW, from this many 4x2 output tiles in the batch (its 24 products
# sum over the tiles: fewer make them thin. dW A/B, Winograd's against the columns': 784 tiles 0.74x (128
# channels at 28x28, b8), 448 0.77x (256 at 14x14, b16), 256 0.84x, 128 0.91x (512 at 7x7, b32, b16);
# 112 0.99x, 64 1.44x, 32 2.7x)
MIN_WINOGRAD_1D_CHANNELS = 64  # larger 3x3 stride-1 convolutions take Winograd F(4, 3) down the image from
# this many channels in and out (fewer leave its transforms the larger part: 16 at 56x56 1.3x the shifted columns)


def plan(n, out_pixels):
    """(threads, images per chunk) for a batch of n images of out_pixels output pixels each.

    Each thread needs a wide enough share: its products all pack the whole weight
    matrix, where OpenBLAS's own threads split one product and pack it once between
    them. Below MIN_THREAD_COLUMNS pixels a thread (layer3 and layer4 at small batches;
    resnet34's b8 eval forward, the two alternating in one process: 977 -> 837 ms) the
    whole batch is one product on BLAS's threads."""
    threads = gemm_threads()
    if threads > 1 and -(-n // threads) * out_pixels < MIN_THREAD_COLUMNS:
        return 1, n
    return threads, chunk_size(n, out_pixels, threads)


def chunk_size(n, out_pixels, threads):
    """Images per chunk: enough for MIN_COLUMNS output pixels, at most one thread's share."""
    return max(1, min(-(-MIN_COLUMNS // out_pixels), -(-n // threads)))


def im2col(x, win):
    """(M, C, H, W) -> this thread's scratch columns (C*KH*KW, M*OH*OW), padding folded in.
    Called for the whole batch (`plan`'s one product on BLAS's threads), the copy itself is
    split over threads by images."""
    m, c = x.shape[:2]
    (kh, kw), (oh, ow) = win.kernel, win.out
    cols = workspace(np, "im2col", (c, kh, kw, m, oh, ow), x.dtype)

    def fill(a, b):
        read = strided_reader(x[a:b], win)
        for i, j, (y0, y1, x0, x1), (rows, columns) in window_parts(win, x.shape[2:]):
            dst = cols[:, i, j, a:b]  # (C, images, OH, OW)
            dst[:, :, :y0] = 0  # the window's cells in the padding
            dst[:, :, y1:] = 0
            dst[:, :, y0:y1, :x0] = 0
            dst[:, :, y0:y1, x1:] = 0
            if y1 > y0 and x1 > x0:
                dst[:, :, y0:y1, x0:x1] = read(rows, columns).transpose(1, 0, 2, 3)
    over_batch(np, m, fill, cols.size)  # inside a worker thread: one call, on that thread
    return cols.reshape(c * kh * kw, m * oh * ow)


def shifts(win, groups, out_pixels):
    """Does this convolution take shifted columns (shifted_columns.py): no dilation, one group,
    a kernel taller than its stride, and at least MIN_SHIFT_PIXELS output pixels per image?"""
    return (win.dilation == (1, 1) and groups == 1 and win.kernel[0] > win.stride[0]
            and win.out[0] * win.out[1] >= MIN_SHIFT_PIXELS)


def col2im_add(dcols, dx, win):
    """dx (M, C, H, W) += the adjoint of im2col of dcols (C*KH*KW, M*OH*OW)."""
    m, c = dx.shape[:2]
    (kh, kw), (oh, ow) = win.kernel, win.out
    dcols = dcols.reshape(c, kh, kw, m, oh, ow)

    def add(a, b):
        for i, j, (y0, y1, x0, x1), (rows, columns) in window_parts(win, dx.shape[2:]):
            if y1 > y0 and x1 > x0:
                dx[a:b, :, rows, columns] += dcols[:, i, j, a:b, y0:y1, x0:x1].transpose(1, 0, 2, 3)
    over_batch(np, m, add, dcols.size)


def as_columns(a, groups):
    """(M, O, OH, OW) -> (G, O/G, M*OH*OW): free for one image, a small copy for several."""
    m, o = a.shape[:2]
    if m > 1:
        a = np.ascontiguousarray(a.transpose(1, 0, 2, 3))
    return a.reshape(groups, o // groups, -1)


def multiply_into(wmat, cols, out):
    """out (M, O, OH, OW) = wmat (G, O/G, K) @ cols (G, K, M*OH*OW), in NCHW."""
    m, o = out.shape[:2]
    if m == 1:
        np.matmul(wmat, cols, out=out.reshape(wmat.shape[0], o // wmat.shape[0], -1))
    else:
        out[...] = (wmat @ cols).reshape(o, m, *out.shape[2:]).transpose(1, 0, 2, 3)


def strided(win):
    """Does this convolution take phase_columns: a stride, no dilation, and a kernel with more
    offsets than the stride has phases (3x3/2 and 7x7/2, not 1x1/2)?"""
    (kh, kw), (sh, sw) = win.kernel, win.stride
    return (sh, sw) != (1, 1) and win.dilation == (1, 1) and kh * kw > sh * sw


def multiply_dropping(wmat, cols, out):
    """out (M, O, OH, OW) = wmat (G, O/G, K) @ phase_columns' cols (K, M*OH*PW), in NCHW,
    dropping the PW - OW junk columns of each output row."""
    m, o, oh, ow = out.shape
    result = wmat @ cols.reshape(wmat.shape[0], wmat.shape[2], -1)
    out[...] = result.reshape(o, m, oh, -1)[:, :, :, :ow].transpose(1, 0, 2, 3)


def stride_1_3x3(win, groups):
    """A 3x3 kernel, stride 1, no dilation, one group: the convolutions Winograd computes."""
    return win.kernel == (3, 3) and win.stride == (1, 1) and win.dilation == (1, 1) and groups == 1


def winograd_fits(win, groups):
    """Winograd F(4x2, 3x3) (winograd.py) where it measured faster than the columns: 3x3, stride 1,
    one group, outputs from 7x7 up to below MAX_WINOGRAD_PIXELS. On the 2-core EPYC, quiet A/B
    against the columns with F(2x2, 3x3), b32 forward: 128 channels at 28x28 0.85x, 256 at 14x14
    0.68x; b8: 128 at 28x28 0.57x, 64 at 28x28 0.69x; F(4x2) then took 0.83-0.93x of F(2x2)'s time.
    But at 56x56 the copies of its blocks cost more than they save (64 channels, b32: 88 ms against
    60 for winograd_1d.py, which takes them)."""
    (oh, ow) = win.out
    return stride_1_3x3(win, groups) and min(oh, ow) >= 7 and oh * ow < MAX_WINOGRAD_PIXELS


def winograd_1d_fits(win, groups, weight):
    """Winograd F(4, 3) down the image (winograd_1d.py) for the 3x3 stride-1 convolutions that
    winograd_fits leaves to the shifted columns (outputs from MAX_WINOGRAD_PIXELS up) with at least
    MIN_WINOGRAD_1D_CHANNELS in and out, unless the weight is all within 1e4 of the smallest normal
    number (G's sixths would drop its last bits) or not finite (every image would be redone)."""
    (o, c), (oh, ow) = weight.shape[:2], win.out
    if not (stride_1_3x3(win, groups) and oh * ow >= MAX_WINOGRAD_PIXELS and min(o, c) >= MIN_WINOGRAD_1D_CHANNELS):
        return False
    largest = np.abs(weight).max()
    return bool(np.isfinite(largest)) and not winograd.near_subnormal(largest, weight.dtype)


def convolve_large(rows, u, x, win, out):
    """out (O, OH, OW) = the convolution of one image x by shifted columns (kernel rows `rows`),
    or by Winograd F(4, 3) down the image where u (its kernel transform) is given, and its
    outputs are finite."""
    if u is None or not winograd_1d.convolve(x, u, win.padding, out):
        multiply_shifted(rows, shifted_columns(x, win), out.reshape(out.shape[0], -1), win.out[1])


def conv_forward(x, weight, win, groups):
    """out = conv2d(x, weight) in NCHW, the images shared between threads."""
    if winograd_fits(win, groups):
        out = winograd.conv3x3(x, weight, win.padding)
        if out is not None:  # None: an output is NaN or inf, where the columns give torch's values
            return out
    n, o, (oh, ow) = x.shape[0], weight.shape[0], win.out
    wmat = weight.reshape(groups, o // groups, -1)
    out = np.empty((n, o, oh, ow), dtype=np.result_type(x, weight))
    threads, size = plan(n, oh * ow)
    rows = kernel_rows(weight, win.stride[0]) if shifts(win, groups, oh * ow) else None
    u = winograd_1d.kernel_transform(weight, out.dtype) if winograd_1d_fits(win, groups, weight) else None

    def work(start, stop):
        if rows is not None:  # large images: shifted columns, one image at a time
            for i in range(start, stop):
                convolve_large(rows, u, x[i], win, out[i])
            return
        for a, b in chunks(start, stop, size):
            if strided(win):  # columns copied from the stride phases as long runs
                multiply_dropping(wmat, phase_columns(x[a:b], win), out[a:b])
            else:
                multiply_into(wmat, im2col(x[a:b], win).reshape(groups, -1, (b - a) * oh * ow), out[a:b])
    over_batch(np, n, work, x.size * win.kernel[0] * win.kernel[1], threads)
    return out


def conv_backward(grad, x, weight, win, groups, x_shape, flipped=None):
    """(dx, dW) of conv2d, either None when not wanted (x None: no dW; weight None: no dx).
    `flipped`: (weight (C, O, KH, KW), window) of the stride-1 input gradient as a convolution,
    or None for W^T @ grad + col2im. Winograd takes each of the two where it fits (winograd_fits;
    dW from MIN_WEIGHT_GRAD_TILES tiles), both on BLAS's threads so that no per-thread pass meets
    OpenBLAS's spinning thread right after; the columns do whatever is left (all of it, or what
    Winograd declined: non-finite)."""
    gx = gw = None
    if flipped is not None and winograd_fits(flipped[1], 1):
        gx = winograd.conv3x3(grad, weight, flipped[1].padding, flipped=True)
    ty, tx = winograd.tile_grid(*grad.shape[2:])
    if x is not None and winograd_fits(win, groups) and grad.shape[0] * ty * tx >= MIN_WEIGHT_GRAD_TILES:
        gw = winograd.weight_grad(grad, x, win.padding)
    if gx is not None:
        weight = flipped = None
    if gw is not None:
        x = None
    if x is None and weight is None:
        return gx, gw
    cx, cw = columns_backward(grad, x, weight, win, groups, x_shape, flipped)
    return (cx if gx is None else gx), (cw if gw is None else gw)


def columns_backward(grad, x, weight, win, groups, x_shape, flipped):
    """conv_backward by the columns: one pass over the chunks, each thread its own images."""
    n, o, oh, ow = grad.shape
    threads, size = plan(n, oh * ow)
    shifted = shifts(win, groups, oh * ow)  # dW from shifted columns
    scatter = weight is not None and flipped is None  # dx by W^T @ grad and col2im
    gx = np.zeros(x_shape, dtype=grad.dtype) if scatter else None
    frows = fu = None
    if weight is not None and flipped is not None:
        fw, fwin = flipped
        gx = np.empty(x_shape, dtype=grad.dtype)
        frows = kernel_rows(fw, 1) if shifts(fwin, 1, fwin.out[0] * fwin.out[1]) else None
        fu = winograd_1d.kernel_transform(fw, gx.dtype) if frows is not None and winograd_1d_fits(fwin, 1, fw) else None
        fmat = fw.reshape(1, fw.shape[0], -1) if frows is None else None  # fw is a view: this copies
    wmat = weight.reshape(groups, o // groups, -1) if weight is not None else None
    if shifted or frows is not None:  # shifted columns go one image at a time
        size = 1

    def work(start, stop):
        gw = None
        for a, b in chunks(start, stop, size):
            if x is not None:  # dW += grad @ cols^T, the columns rebuilt from the kept input
                if shifted:
                    part = shifted_weight_grad(grad[a], x[a], win)
                elif strided(win):
                    part = strided_weight_grad(grad[a:b], x[a:b], win, groups)
                else:
                    cols = im2col(x[a:b], win).reshape(groups, -1, (b - a) * oh * ow)
                    part = as_columns(grad[a:b], groups) @ cols.transpose(0, 2, 1)
                gw = part if gw is None else np.add(gw, part, out=gw)
            if flipped is not None:  # the flipped kernel over the gradient
                if frows is not None:
                    convolve_large(frows, fu, grad[a], fwin, gx[a])
                else:
                    multiply_into(fmat, im2col(grad[a:b], fwin)[None], gx[a:b])
            elif scatter:
                gcols = as_columns(grad[a:b], groups)
                dcols = workspace(np, "dcols", (groups, wmat.shape[2], gcols.shape[2]), grad.dtype)
                np.matmul(wmat.transpose(0, 2, 1), gcols, out=dcols)
                col2im_add(dcols.reshape(-1, gcols.shape[2]), gx[a:b], win)
        return gw
    parts = over_batch(np, n, work, grad.size * win.kernel[0] * win.kernel[1], threads)
    if x is None:
        return gx, None
    gw = parts[0]
    for part in parts[1:]:  # each thread's share of dW, added in place (sum() would copy twice)
        gw += part
    if shifted:  # (O, KH, C, KW) -> (O, C, KH, KW)
        kh, kw = win.kernel
        return gx, np.ascontiguousarray(gw.reshape(o, kh, -1, kw).transpose(0, 2, 1, 3))
    return gx, gw.reshape(o, x_shape[1] // groups, *win.kernel)


def strided_weight_grad(grad, x, win, groups):
    """A chunk's dW (G, O/G, K/G) of a strided convolution from phase_columns: grad laid out with
    the same PW - OW junk columns per row, zero there, and the columns' junk set to zero too, so
    each junk product is 0 * 0 (a NaN or inf pixel in the junk must not reach dW)."""
    m, o, oh, ow = grad.shape
    cols = phase_columns(x, win)
    pw = cols.shape[-1] // oh
    cols = cols.reshape(-1, m, oh, pw)
    cols[..., ow:] = 0
    padded = workspace(np, "grad_rows", (o, m, oh, pw), grad.dtype)
    padded[..., :ow] = grad.transpose(1, 0, 2, 3)
    padded[..., ow:] = 0
    return padded.reshape(groups, o // groups, -1) @ cols.reshape(groups, cols.shape[0] // groups, -1).transpose(0, 2, 1)
