"""Winograd F(4, 3) down the image, shifted columns across: a large image's 3x3 convolution.

winograd.py's F(4x2, 3x3) transforms 6x4 blocks in both directions, which takes a copy of
every block, channels last. At resnet34's layer1 (64 channels at 56x56) those copies cost more
than the multiplications save (b32: 88 ms, this file 60). Here Winograd runs in one direction
only, down the image, where its input transform is one small product over whole image rows.

In one dimension, four outputs of a 3-tap correlation y[m] = sum over i of g[i] d[m + i]
come from six inputs d with 6 multiplications instead of 12 (Lavin & Gray 2015, F(4, 3)):

    y = A^T [ (G g) * (B^T d) ]
    B^T = [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
           [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]]
    G   = [[1/4, 0, 0], [-1/6, -1/6, -1/6], [-1/6, 1/6, -1/6],
           [1/24, 1/12, 1/6], [1/24, -1/12, 1/6], [0, 0, 1]]
    A^T = [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]]

Take d down a column of the padded image xpad (C, PH, PW): tile a is rows 4a .. 4a + 5 and
gives output rows 4a .. 4a + 3. Each kernel column j is such a 3-tap correlation down the
column x + j, so a 3x3 convolution, summed over channels c and kernel columns j, is

    V[t, c, a, x] = sum over k of B^T[t, k] xpad[c, 4a + k, x]    the input: one (6, 6) product
    U[t, j, o, c] = sum over i of G[t, i] W[o, c, i, j]            the kernel, once per call
    P[t, j, o, a, x] = sum over c of U[t, j, o, c] V[t, c, a, x]    6 products (3*O, C) @ (C, TY*PW)
    out[o, 4a + m, w] = sum over t, j of A^T[m, t] P[t, j, o, a, w + j]    the output

18 multiplications per 4 outputs of a channel pair where im2col does 36, in products as deep
as the channels. The P[t, j] are laid out so that the output's sum over t and j is one more
product: P's 18 blocks (t, j) are the rows of one strided (18, B) matrix (B = O*TY*PW) whose
row stride is B + 1, not B, so block (t, j) is read from j numbers on: P[t, j, o, a, x + j].
Each product P[t] writes its 3 blocks back to back (block (t, j) starts at (3t + j)B + 3t), and
3 spare numbers follow it, so that the next product starts at (3t + 3)(B + 1): row 3t + j of the
strided matrix then starts at (3t + j)(B + 1), j numbers into block (t, j). A real output column
w < OW reads x = w + j <= PW - 1, inside its own row; only the 2 junk columns OW and OW + 1 of
each row run into the next row or the spare numbers, and the copy into NCHW drops them.

The float32 result is within ~2e-6 of max |out| of the float64 convolution (the columns: ~6e-7;
torch's own float32 conv2d: up to 3e-6). A NaN or inf reaches every output of its tile and an inf
can come out as NaN (inf - inf): `convolve` returns False for an image with a non-finite output,
and the caller runs the shifted columns for it, whose values match PyTorch's.
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..geometry import valid_range
from .workspace import workspace

BAND_COLUMNS = 1024  # a band of tile rows holds at most this many of them times the padded width PW
# (all 14 tile rows of a 56x56 image: one band; a larger image keeps its buffers in the cache)

_BT = np.array([[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
                [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]], dtype=np.float64)
_G = np.array([[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6],
               [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]])
_AT = np.array([[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]],
               dtype=np.float64)
F43 = _BT, _G, _AT  # (winograd.py's F(4x2, 3x3) takes them down the image)
_AT18 = np.repeat(_AT, 3, axis=1)  # (4, 18): column 3t + j is A^T[:, t], for every kernel column j


def kernel_transform(weight, dtype):
    """W (O, C, 3, 3), any strides (a flipped view too) -> U (6, 3*O, C) in dtype, row (j, o) of
    U[t] being U[t, j, o, :] = sum over i of G[t, i] W[o, :, i, j]: one product, in float64."""
    o, c = weight.shape[:2]
    taps = weight.astype(np.float64).transpose(2, 3, 0, 1).reshape(3, -1)  # row i: W[:, :, i, j] as (j, o, c)
    return (_G @ taps).astype(dtype).reshape(6, 3 * o, c)


def convolve(x, u, padding, out):
    """out (O, OH, OW) = the stride-1 3x3 convolution of ONE image x (C, H, W) padded by padding
    ((top, bottom), (left, right)), for u = kernel_transform(W). A band of tile rows at a time,
    in this thread's scratch memory. Returns whether every output is finite (if not, run the
    shifted columns instead: the module's docstring says why)."""
    tiles = -(-out.shape[1] // 4)
    band = max(1, min(tiles, BAND_COLUMNS // (out.shape[2] + 2)))
    with np.errstate(invalid="ignore", over="ignore"):  # a NaN or inf: the caller runs the columns
        for a in range(0, tiles, band):
            if not convolve_band(x, u, padding, out, a, min(tiles, a + band)):
                return False
    return True


def convolve_band(x, u, padding, out, a0, a1):
    """convolve's tile rows a0 to a1 - 1: output rows 4*a0 up to 4*a1 (fewer at the bottom).
    Few numpy calls: with two threads, each call may wait for the other thread to hand over
    the GIL."""
    c, h, w = x.shape
    o, oh, ow = out.shape
    (top, _), (left, _) = padding
    ta, pw = a1 - a0, ow + 2  # tile rows; padded width
    bt, at18 = _matrices(u.dtype)
    xpad = workspace(np, "winograd_1d_pad", (c, 4 * ta + 4, pw), u.dtype)  # padded rows 4*a0 on
    r0, r1 = valid_range(4 * ta + 4, h, 1, 4 * a0 - top)  # the rows holding x's pixels
    xpad[:, :r0] = 0
    xpad[:, r1:] = 0
    xpad[:, r0:r1, :left] = 0
    xpad[:, r0:r1, left + w:] = 0
    xpad[:, r0:r1, left:left + w] = x[:, r0 + 4 * a0 - top:r1 + 4 * a0 - top]
    d = workspace(np, "winograd_1d_d", (6, c, ta, pw), u.dtype)  # d[k, :, a] = padded row 4a + k
    d[:4] = xpad[:, :4 * ta].reshape(c, ta, 4, pw).transpose(2, 0, 1, 3)
    d[4:] = xpad[:, 4:4 * ta + 4].reshape(c, ta, 4, pw)[:, :, :2].transpose(2, 0, 1, 3)
    v = workspace(np, "winograd_1d_v", (6, c, ta * pw), u.dtype)
    np.matmul(bt, d.reshape(6, -1), out=v.reshape(6, -1))

    b = o * ta * pw  # one block P[t, j]
    p = workspace(np, "winograd_1d_p", (6, 3 * b + 3), u.dtype)
    p[:, 3 * b:] = 0  # the 3 spare numbers after each product (2 are read, into junk columns only)
    np.matmul(u, v, out=p[:, :3 * b].reshape(6, 3 * o, ta * pw))  # the 6 products
    blocks = as_strided(p, (18, b), ((b + 1) * p.itemsize, p.itemsize))  # row 3t + j: P[t, j] from j on
    y = workspace(np, "winograd_1d_y", (4, o, ta, pw), u.dtype)
    np.matmul(at18, blocks, out=y.reshape(4, -1))

    rows = min(oh, 4 * a1) - 4 * a0  # the last band may end inside a tile
    for m in range(4):  # out row 4a + m is y[m, :, a]
        dst = out[:, 4 * a0 + m:4 * a0 + rows:4]
        dst[...] = y[m, :, :dst.shape[1], :ow]
    return bool(np.isfinite(out[:, 4 * a0:4 * a0 + rows].sum()))


_cast = {}


def _matrices(dtype):
    """B^T and A^T (repeated for the 3 kernel columns) in dtype, made once."""
    if dtype not in _cast:
        _cast[dtype] = _BT.astype(dtype), _AT18.astype(dtype)
    return _cast[dtype]
