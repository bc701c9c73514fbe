"""Winograd F(2x2, 3x3): a 3x3, stride-1 convolution with 2.25x fewer multiplications (CPU, numpy).

Each 2x2 block of output pixels (a tile) is computed from the 4x4 block of padded input
under it, in a basis where the convolution is an elementwise product (Lavin & Gray 2015):
    out_tile = A^T [ sum over c of (G g G^T)[o, c] * (B^T d B)[c] ] A
with d the 4x4 input block of channel c, g the 3x3 kernel W[o, c], and
    B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]
    G   = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]]
    A^T = [[1, 1, 1, 0], [0, 1, -1, -1]].
For each of the 16 positions of the 4x4 basis the sum over c is a matrix product, so a
convolution is 16 products (O, C) @ (C, tiles) instead of im2col's one (O, 9C) @ (9C, pixels).

No tile is gathered: B^T d B is separable and uses only additions, so it is computed with
strided views of the zero-padded input (column 2t + k of every tile t is `xpad[..., k::2]`),
first along x, then along y, channels last, written straight into the products' layout
V (16, tiles, C); the output transform's sums run on whole arrays and end in one copy into
each of the NCHW output's views `out[:, :, a::2, b::2]`. A chunk of images at a time, each
thread its own images (as conv_cpu.py), so the buffers stay in the cache.

The float32 result differs from float64 by at most ~1e-6 of max |out| (im2col: ~6e-7;
torch's own float32 conv2d: up to 3e-6). A NaN or inf reaches the same outputs as in
im2col (F(2, 3) never adds a pixel outside an output's window, not even times zero), but
an inf comes out as NaN: m1 + m2 = inf * u1 - inf * u2. So `conv3x3` returns None when
any output is not finite, and the caller runs im2col instead.
"""
import numpy as np

from .workspace import chunks, gemm_threads, over_batch, workspace

MIN_TILES = 256  # a chunk holds enough images for this many tiles: fewer make thin products...
MAX_CHUNK_BYTES = 8 << 20  # ...unless its V would outgrow this (b32 512x7 one thread, chunks of 8/16/32
# images, V 4/8/16 MB: 77.9/74.1/72.6 ms; 64x56 one and two images: 49.8/54.6 ms for b16)
MIN_THREAD_TILES = 512  # fewer tiles per thread: one whole-batch product on BLAS's threads

# U = G g G^T for all 16 (a, b) at once: U[4a + b] = sum over i, j of G[a, i] G[b, j] g[i, j]
_G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])
_GG = np.einsum("ai,bj->abij", _G, _G).reshape(16, 9)


def kernel_transform(weight, flipped=False):
    """(O, C, 3, 3) -> U (16, O, C) in this thread's scratch memory (valid until this thread's
    next kernel_transform; worker threads may read it meanwhile); flipped: U (16, C, O) of the
    kernel turned 180 degrees with its channels swapped (a stride-1 input gradient's). One small product,
    (16, 9) @ (9, O*C). U is 16/9 the weight's size (17 MB at 512 channels): a fresh array
    would cost the OS's new pages on every call."""
    o, c = weight.shape[:2]
    u = workspace(np, "winograd_u", (16, o * c), weight.dtype)
    gg = _GG[:, ::-1] if flipped else _GG  # the kernel turned 180 degrees: its 9 taps in reverse order
    with np.errstate(invalid="ignore", over="ignore"):  # a non-finite weight: convolve reports it
        np.matmul(gg.astype(weight.dtype), weight.reshape(o * c, 9).T, out=u)
    # flipped: in and out channels swapped too, as a view (BLAS reads it transposed, no copy)
    return u.reshape(16, o, c).transpose(0, 2, 1) if flipped else u.reshape(16, o, c)


def input_transform(x, pad, tiles, v):
    """v (16, M, TY, TX, C) = B^T d B of every 4x4 input block d of x (M, C, H, W), whose
    tile (s, t) starts at row 2s, column 2t of x padded by pad ((top, bottom), (left, right)).
    The work runs channels last, so every addition's inner loop is C contiguous numbers (on
    NCHW the x pass reads every other number and the y pass rows of TX: 3-7x slower)."""
    m, c, h, w = x.shape
    (top, _), (left, _) = pad
    ty, tx = tiles
    hp, wp = 2 * ty + 2, 2 * tx + 2
    xpad = workspace(np, "winograd_pad", (m, hp, wp, c), x.dtype)
    xpad[:, :top] = 0
    xpad[:, top + h:] = 0
    xpad[:, top:top + h, :left] = 0
    xpad[:, top:top + h, left + w:] = 0
    xpad[:, top:top + h, left:left + w] = x.transpose(0, 2, 3, 1)
    # along x: (d0 - d2, d1 + d2, d2 - d1, d1 - d3) with d_k = column 2t + k, one term i at a time
    # (a quarter of the scratch, still in the cache for the y pass)...
    even, odd = xpad[:, :, 0::2], xpad[:, :, 1::2]
    d0, d1, d2, d3 = even[:, :, :tx], odd[:, :, :tx], even[:, :, 1:], odd[:, :, 1:]
    rows = workspace(np, "winograd_m", (m, hp, tx, c), x.dtype)  # the products' memory, free now
    terms = ((np.subtract, d0, d2), (np.add, d1, d2), (np.subtract, d2, d1), (np.subtract, d1, d3))
    for i, (op, a, b) in enumerate(terms):
        op(a, b, out=rows)
        # ...then along y, the same on rows 2s + k, into v[4j + i] for y term j
        even, odd = rows[:, 0::2], rows[:, 1::2]
        e0, e1, e2, e3 = even[:, :ty], odd[:, :ty], even[:, 1:], odd[:, 1:]
        np.subtract(e0, e2, out=v[i])
        np.add(e1, e2, out=v[4 + i])
        np.subtract(e2, e1, out=v[8 + i])
        np.subtract(e1, e3, out=v[12 + i])


def output_transform(prod, out):
    """out (M, O, OH, OW) = A^T m A of each tile's 4x4 m, from prod (16, O, M, TY, TX),
    which it overwrites. The sums run on whole contiguous arrays; only the last step
    writes the four (row, column) phases into out's strided views, one copy each (on
    7x7 images the sums written straight there ran rows of 4: 4.0 -> 1.4 ms at 512 channels)."""
    o, m, ty, tx = prod.shape[1:]
    p = prod.reshape(4, 4, o, m, ty, tx)  # (y term, x term, ...)
    # along x, in place: column 0 of a tile = m0 + m1 + m2 (into m0), column 1 = m1 - m2 - m3 (into m3)
    np.subtract(p[:, 1], p[:, 3], out=p[:, 3])
    p[:, 3] -= p[:, 2]
    p[:, 0] += p[:, 1]
    p[:, 0] += p[:, 2]
    # along y, the same, into y[row a, column b] (V's memory, free now)
    y = workspace(np, "winograd_v", (2, 2, o, m, ty, tx), prod.dtype)
    for b, q in ((0, p[:, 0]), (1, p[:, 3])):
        np.add(q[0], q[1], out=y[0, b])
        y[0, b] += q[2]
        np.subtract(q[1], q[2], out=y[1, b])
        y[1, b] -= q[3]
    for a in range(2):
        for b in range(2):  # output pixel (2s + a, 2t + b), cropped at an odd edge
            dst = out[:, :, a::2, b::2].transpose(1, 0, 2, 3)
            rows, cols = dst.shape[2:]
            dst[...] = y[a, b, :, :, :rows, :cols]


def convolve(x, u, pad, out):
    """out (M, O, OH, OW) = the convolution of x (M, C, H, W), kernel transform u (16, O, C),
    padding pad ((top, bottom), (left, right)), on the calling thread (BLAS's threads for the
    products, unless inside one_blas_thread). Returns whether every output is finite: when
    not, run im2col instead (conv3x3 says why). conv3x3 calls it a chunk of images at a time,
    with u = kernel_transform(weight) once."""
    m, c = x.shape[:2]
    o, (oh, ow) = u.shape[1], out.shape[2:]
    ty, tx = -(-oh // 2), -(-ow // 2)
    with np.errstate(invalid="ignore", over="ignore"):  # a NaN or inf: the caller runs im2col
        v = workspace(np, "winograd_v", (16, m, ty, tx, c), x.dtype)
        input_transform(x, pad, (ty, tx), v)
        prod = workspace(np, "winograd_m", (16, o, m, ty, tx), out.dtype)  # input_transform's rows before
        np.matmul(u, v.reshape(16, -1, c).transpose(0, 2, 1), out=prod.reshape(16, o, -1))  # BLAS reads V^T
        output_transform(prod, out)
        return bool(np.isfinite(out.sum()))  # while the chunk is in the cache


def plan(n, tiles, channels, itemsize):
    """(threads, images per chunk), as conv_cpu.plan: each thread its own images when each
    gets at least MIN_THREAD_TILES tiles, else one whole-batch product on BLAS's threads."""
    threads = gemm_threads()
    if threads > 1 and -(-n // threads) * tiles < MIN_THREAD_TILES:
        threads = 1
    fit = MAX_CHUNK_BYTES // (16 * channels * tiles * itemsize)
    return threads, max(1, min(-(-MIN_TILES // tiles), fit, -(-n // threads)))


def conv3x3(x, weight, padding, flipped=False):
    """conv2d(x, weight, stride 1, dilation 1, groups 1) for a 3x3 weight (O, C, 3, 3), x (N, C, H, W)
    and padding ((top, bottom), (left, right)) (flipped: with the weight (C, O, 3, 3) turned 180 degrees
    and its channels swapped, a stride-1 input gradient, without copying it so): the output
    (N, O, OH, OW), or None when it holds a
    NaN or inf (Winograd turns inf into NaN: run im2col instead, whose values match PyTorch's),
    and None for a weight all within 1e4 of the smallest normal number (halving a subnormal loses bits).
    Any float dtype; float32 stays float32. The check costs one sum of each chunk's output."""
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
    if weight.size and np.abs(weight).max() < 1e4 * np.finfo(out.dtype).tiny:
        return None  # G's halves would drop the last bits of subnormal weights: im2col keeps them
    u = kernel_transform(weight.astype(out.dtype, copy=False), flipped)
    x = x.astype(out.dtype, copy=False)
    threads, size = plan(n, -(-oh // 2) * -(-ow // 2), c, out.dtype.itemsize)

    def work(start, stop):
        finite = True
        for a, b in chunks(start, stop, size):
            finite = convolve(x[a:b], u, padding, out[a:b]) and finite
        return finite
    finite = over_batch(np, n, work, x.size * 9, threads)
    return out if all(finite) else None
