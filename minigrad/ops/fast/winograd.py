"""Winograd F(4x2, 3x3): a 3x3, stride-1 convolution with 3x fewer multiplications (CPU, numpy).

Each tile of 4 x 2 output pixels (4 rows, 2 columns) is computed from the 6 x 4 block of padded
input under it, in a basis where the convolution is an elementwise product (Lavin & Gray 2015):
    out_tile = A^T [ sum over c of (G g G'^T)[o, c] * (B^T d B')[c] ] A'
with d the 6x4 input block of channel c and g the 3x3 kernel W[o, c]. Down the rows B, G, A are
F(4, 3)'s (four outputs of a 3-tap correlation from six inputs: winograd_1d.py writes them out);
across the columns B', G', A' are F(2, 3)'s (two outputs from four inputs):
    B'^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]
    G'   = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]]
    A'^T = [[1, 1, 1, 0], [0, 1, -1, -1]].
For each of the 24 positions of the 6x4 basis the sum over c is a matrix product, so a
convolution is 24 products (O, C) @ (C, tiles): 3 multiplications per output pixel and channel
pair, where im2col's one (O, 9C) @ (9C, pixels) does 9 (and F(2x2, 3x3), F(2, 3) both ways, 4:
F(4x2) measured 0.83-0.93x its forward time at b32, 128-512 channels, with the same dW time).

Every step is a matrix product. Flattened to 24 numbers, B^T d B' is one (24, 24) matrix,
B^T (x) B'^T (a Kronecker product), times d; A^T m A' is one (8, 24) matrix, A^T (x) A'^T,
times m. So a chunk of images is: copy its 6x4 blocks into one array D (24, tiles, C),
then V = BB @ D, the 24 products, and AA @ their result, copied into the NCHW output.
The weight gradient is the same algorithm transposed (the derivative of grad . out_tile with
respect to g, summed over tiles): dW = GG^T [ (AA^T grad_tile) * (BB d) ], so its V is the forward's, the
output gradient's 4x2 tiles take AA^T, and the sum over tiles is again 24 products,
(O, tiles) @ (tiles, C), before one (9, 24) matrix gives the 3x3 kernels (`weight_grad`).
The whole batch runs on the calling thread, a chunk at a time, and BLAS's own threads share
every product. Splitting the images between minigrad's threads instead (as conv_cpu.py does)
measured 1.3x slower here: the block copies are memory-bound, two threads copying at once went
no faster than one, and the products waited on them (a 2-core VM, 128 channels at 28x28, b32).

The float32 result differs from float64 by at most ~3.6e-6 of max |out| (measured at 64-512
channels; rms 0.9-1.2e-6), where torch's own float32 conv2d differs by 1.1-2.9e-6 (rms 0.4-1.1e-6)
at the same sizes and im2col by ~6e-7. A NaN or inf in a 6x4 block reaches all eight outputs of
its tile (the matrices multiply it by their zeros too), and an inf comes out as NaN
(inf * u1 - inf * u2): not im2col's answer, nor torch's. So `conv3x3` returns None when any
output is not finite, and the caller runs im2col instead.
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from .winograd_1d import F43
from .workspace import workspace

MIN_TILES = 512  # a chunk holds enough images for this many tiles: fewer make thin products...
MAX_CHUNK_BYTES = 8 << 20  # ...unless its V would outgrow this (quiet A/B, chunks of 2/3/4/8 images:
# 128 channels at 28x28 b32 0.82/0.77/0.90/0.95 of the columns' time; 512 at 7x7, 4/8/16: 1.12/1.03/0.93;
# measured with 2x2 tiles, and again with 4x2: 256/512/1024 tiles, 4/6/8 MB no different beyond this VM's noise)

TH, TW = 4, 2  # a tile's output rows and columns: F(4, 3) down the image, F(2, 3) across
P, Q = (TH + 2) * (TW + 2), TH * TW  # numbers in an input block (24) and in a tile (8)
F23 = (np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], dtype=np.float64),  # B'^T
       np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]]),  # G'
       np.array([[1, 1, 1, 0], [0, 1, -1, -1]], dtype=np.float64))  # A'^T


def kron(rows, columns):
    """M[a*J + b, i*L + j] = rows[a, i] columns[b, j] (J, L: columns' shape): the matrix that applies
    rows down a block and columns across it, rows @ block @ columns^T, to the block flattened."""
    return np.einsum("ai,bj->abij", rows, columns).reshape(rows.shape[0] * columns.shape[0], -1)


# the three transforms, each a matrix over the flattened block (or 3x3 kernel, or tile)
_BB = kron(F43[0], F23[0])  # input:  V = BB @ d, (P, P)
_GG = kron(F43[1], F23[1])  # kernel: U = GG @ g, (P, 9)
_AA = kron(F43[2], F23[2])  # output: y = AA @ m, (Q, P)
# the weight gradient's: the output gradient's tiles take AA^T (P, Q), the sums over tiles GG^T (9, P)


def tile_grid(oh, ow):
    """(TY, TX): the TH x TW tiles covering an OH x OW output, the last ones cropped at the edge."""
    return -(-oh // TH), -(-ow // TW)


def near_subnormal(largest, dtype):
    """Is `largest` within 1e4 of dtype's smallest normal number? G's halves, sixths and 24ths drop the
    last bits there."""
    return largest < 1e4 * np.finfo(dtype).tiny


def kernel_transform(weight, flipped=False):
    """(O, C, 3, 3) -> U (P, O, C) in this thread's scratch memory (valid until this thread's
    next kernel_transform; worker threads may read it meanwhile); flipped: U (P, C, O) of the
    kernel turned 180 degrees with its channels swapped (a stride-1 input gradient's). One small product,
    (P, 9) @ (9, O*C). U is P/9 the weight's size (25 MB at 512 channels): a fresh array
    would cost the OS's new pages on every call."""
    o, c = weight.shape[:2]
    u = workspace(np, "winograd_u", (P, o * c), weight.dtype)
    gg = _GG[:, ::-1] if flipped else _GG  # the kernel turned 180 degrees: its 9 taps in reverse order
    with np.errstate(invalid="ignore", over="ignore"):  # a non-finite weight: convolve reports it
        np.matmul(gg.astype(weight.dtype), weight.reshape(o * c, 9).T, out=u)
    # flipped: in and out channels swapped too, as a view (BLAS reads it transposed, no copy)
    return u.reshape(P, o, c).transpose(0, 2, 1) if flipped else u.reshape(P, o, c)


def input_transform(x, pad, tiles, v):
    """v (P, M, TY, TX, C) = BB @ (the (TH+2)x(TW+2) input block of every tile, flattened) for x
    (M, C, H, W), whose tile (s, t) starts at row TH*s, column TW*t of x padded by pad ((top, bottom),
    (left, right)).
    Channels last, so each block's copy moves runs of C contiguous numbers."""
    m, c, h, w = x.shape
    (top, _), (left, _) = pad
    ty, tx = tiles
    xpad = workspace(np, "winograd_pad", (m, TH * ty + 2, TW * tx + 2, c), x.dtype)
    xpad[:, :top] = 0
    xpad[:, top + h:] = 0
    xpad[:, top:top + h, :left] = 0
    xpad[:, top:top + h, left + w:] = 0
    xpad[:, top:top + h, left:left + w] = x.transpose(0, 2, 3, 1)
    # the blocks as a view: block cell (i, j) of tile (s, t) is xpad[:, TH*s + i, TW*t + j]
    image, row, column, channel = xpad.strides
    blocks = as_strided(xpad, (TH + 2, TW + 2, m, ty, tx, c), (row, column, image, TH * row, TW * column, channel))
    d = workspace(np, "winograd_m", blocks.shape, x.dtype)  # the products' memory, free until then
    d[...] = blocks
    np.matmul(_BB.astype(x.dtype), d.reshape(P, -1), out=v.reshape(P, -1))


def output_transform(prod, out):
    """out (M, O, OH, OW) = AA @ each tile's P products, from prod (P, O, M, TY, TX): one
    product into V's memory (free now), then one copy into each of the TH*TW (row, column)
    phases of out, out[:, :, a::TH, b::TW], cropped at the edge."""
    o, m, ty, tx = prod.shape[1:]
    y = workspace(np, "winograd_v", (TH, TW, o, m, ty, tx), prod.dtype)
    np.matmul(_AA.astype(prod.dtype), prod.reshape(P, -1), out=y.reshape(Q, -1))
    for a in range(TH):
        for b in range(TW):  # output pixel (TH*s + a, TW*t + b)
            dst = out[:, :, a::TH, b::TW].transpose(1, 0, 2, 3)
            rows, cols = dst.shape[2:]
            dst[...] = y[a, b, :, :, :rows, :cols]


def convolve(x, u, pad, out):
    """out (M, O, OH, OW) = the convolution of x (M, C, H, W), kernel transform u (P, O, C),
    padding pad ((top, bottom), (left, right)), its products on BLAS's threads (one thread
    inside one_blas_thread). Returns whether every output is finite: when not, run im2col
    instead (the module's docstring says why). conv3x3 calls it a chunk of images at a time,
    with u = kernel_transform(weight) once."""
    m, c = x.shape[:2]
    o, (ty, tx) = u.shape[1], tile_grid(*out.shape[2:])
    with np.errstate(invalid="ignore", over="ignore"):  # a NaN or inf: the caller runs im2col
        v = workspace(np, "winograd_v", (P, m, ty, tx, c), x.dtype)
        input_transform(x, pad, (ty, tx), v)
        prod = workspace(np, "winograd_m", (P, o, m, ty, tx), out.dtype)  # the blocks before
        np.matmul(u, v.reshape(P, -1, c).transpose(0, 2, 1), out=prod.reshape(P, o, -1))  # BLAS reads V^T
        output_transform(prod, out)
        return bool(np.isfinite(out.sum()))  # while the chunk is in the cache


def grad_transform(grad, gt):
    """gt (P, O, M, TY, TX) = AA^T @ each TH x TW tile of the output gradient grad (M, O, OH, OW),
    zero past the edge: output_transform's steps in reverse."""
    m, o = grad.shape[:2]
    ty, tx = gt.shape[3:]
    tiles = workspace(np, "winograd_pad", (TH, TW, o, m, ty, tx), grad.dtype)  # the padded input's memory
    for a in range(TH):
        for b in range(TW):  # output pixel (TH*s + a, TW*t + b)
            src = grad[:, :, a::TH, b::TW].transpose(1, 0, 2, 3)
            rows, cols = src.shape[2:]
            tiles[a, b, :, :, :rows, :cols] = src
            tiles[a, b, :, :, rows:] = 0
            tiles[a, b, :, :, :rows, cols:] = 0
    np.matmul(_AA.T.astype(grad.dtype), tiles.reshape(Q, -1), out=gt.reshape(P, -1))


def weight_grad(grad, x, padding):
    """dW (O, C, 3, 3) of conv3x3(x, W, padding) (stride 1) for the output gradient grad
    (N, O, OH, OW): the sum over every tile of GG^T [ (AA^T grad_tile) * (BB d) ], a chunk
    of images at a time. None when an entry is NaN or inf, or within 1e4 of the smallest
    normal number without being 0 (GG^T's fractions lose bits there): run the columns instead."""
    n, o = grad.shape[:2]
    c = x.shape[1]
    ty, tx = tile_grid(*grad.shape[2:])
    dtype = np.result_type(grad, x)
    total = np.zeros((P, o, c), dtype)
    part = workspace(np, "winograd_dw", (P, o, c), dtype)
    size = chunk_size(n, ty * tx, max(c, o), dtype.itemsize)
    with np.errstate(invalid="ignore", over="ignore"):  # a NaN or inf: the caller runs the columns
        for a in range(0, n, size):
            m = min(size, n - a)
            v = workspace(np, "winograd_v", (P, m, ty, tx, c), dtype)
            input_transform(x[a:a + size].astype(dtype, copy=False), padding, (ty, tx), v)
            gt = workspace(np, "winograd_m", (P, o, m, ty, tx), dtype)  # the blocks before
            grad_transform(grad[a:a + size].astype(dtype, copy=False), gt)
            np.matmul(gt.reshape(P, o, -1), v.reshape(P, -1, c), out=part)
            total += part
        dw = np.matmul(_GG.T.astype(dtype), total.reshape(P, -1)).reshape(3, 3, o, c)
        largest = np.abs(dw).max() if dw.size else 0
    if not np.isfinite(largest) or (0 < largest and near_subnormal(largest, dtype)):
        return None
    return np.ascontiguousarray(dw.transpose(2, 3, 0, 1))


def chunk_size(n, tiles, channels, itemsize):
    """Images per chunk: enough for MIN_TILES tiles, unless V would outgrow MAX_CHUNK_BYTES."""
    fit = MAX_CHUNK_BYTES // (P * channels * tiles * itemsize)
    return max(1, min(-(-MIN_TILES // tiles), fit, n))


def conv3x3(x, weight, padding, flipped=False):
    """conv2d(x, weight, stride 1, dilation 1, groups 1) for a 3x3 weight (O, C, 3, 3), x (N, C, H, W)
    and padding ((top, bottom), (left, right)) (flipped: with the weight (C, O, 3, 3) turned 180 degrees
    and its channels swapped, a stride-1 input gradient, without copying it so): the output
    (N, O, OH, OW), or None when it holds a NaN or inf (run im2col instead, whose values match
    PyTorch's), and None for a weight all within 1e4 of the smallest normal number (scaling a
    subnormal by G's fractions loses bits). Any float dtype; float32 stays float32. The check costs one sum of
    each chunk's output."""
    n, c, h, w = x.shape
    o = weight.shape[1] if flipped else weight.shape[0]
    if (weight.shape[0] if flipped else weight.shape[1]) != c or weight.shape[2:] != (3, 3):
        raise ValueError(f"conv3x3 needs a ({'%d, O' % c if flipped else 'O, %d' % c}, 3, 3) weight, got {weight.shape}")
    (top, bottom), (left, right) = padding
    oh, ow = h + top + bottom - 2, w + left + right - 2
    if oh < 1 or ow < 1:
        raise ValueError(f"conv3x3: the padded input {oh + 2}x{ow + 2} is smaller than the 3x3 kernel")
    out = np.empty((n, o, oh, ow), dtype=np.result_type(x, weight))
    if n == 0:
        return out
    if weight.size and near_subnormal(np.abs(weight).max(), out.dtype):
        return None  # G's fractions would drop the last bits of subnormal weights: im2col keeps them
    u = kernel_transform(weight.astype(out.dtype, copy=False), flipped)
    x = x.astype(out.dtype, copy=False)
    ty, tx = tile_grid(oh, ow)
    size = chunk_size(n, ty * tx, c, out.dtype.itemsize)
    finite = True
    for a in range(0, n, size):
        finite = convolve(x[a:a + size], u, padding, out[a:a + size]) and finite
    return out if finite else None
