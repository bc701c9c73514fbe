"""Reading a strided window from an input split into its stride phases: the fast convolution's
and max pooling's CPU loops read each kernel offset's pixels as whole rows of one phase, instead
of a strided view numpy copies several times slower; and `phase_columns`, the columns of a
strided convolution copied from those phases as long runs. Speed only: the same pixels are read."""
import numpy as np

from ...array_module import get_array_module
from ..geometry import valid_range
from .workspace import over_batch, workspace


def strided_reader(x, win):
    """A function (rows, columns) -> x[:, :, rows, columns], for geometry.window_parts' slices.

    With a stride of 2, every kernel offset reads every other pixel of x, and numpy
    copies such strided views several times slower than whole rows. When the kernel
    has more offsets than the stride has phases (3x3 or 7x7 with stride 2, not 1x1),
    x is first split into its phases, phase (p, q) = x[:, :, p::SH, q::SW] made
    contiguous (one strided copy of x in all); each offset then reads whole rows of
    one phase."""
    (sh, sw), (kh, kw) = win.stride, win.kernel
    if kh * kw <= sh * sw:
        return lambda rows, columns: x[:, :, rows, columns]
    xp = get_array_module(x)
    phases = {(p, q): xp.ascontiguousarray(x[:, :, p::sh, q::sw]) for p in range(sh) for q in range(sw)}

    def read(rows, columns):
        (r, c), count = (rows.start, columns.start), (len(range(*rows.indices(x.shape[2]))),
                                                      len(range(*columns.indices(x.shape[3]))))
        return phases[r % sh, c % sw][:, :, r // sh:r // sh + count[0], c // sw:c // sw + count[1]]
    return read


def phase_columns(x, win, name="im2col"):
    """im2col of a strided convolution (stride > 1, no dilation) as long contiguous runs:
    (M, C, H, W) -> scratch columns (C, KH, KW, M, OH, PW), PW = OW + (KW - 1) // SW.

    The zero-padded input is split into its SH*SW phases, each laid out with rows of PW
    pixels: phase (p, q)[a, b] = xpad[SH*a + p, SW*b + q]. Kernel offset (i, j) reads
    phase (i % SH, j % SW) from row i // SH, column j // SW on, and with rows PW wide its
    OH output rows are ONE contiguous run of OH*PW pixels: a copy of long runs instead of
    OH rows of OW pixels. The price: each output row gets PW - OW extra columns (junk,
    made of neighbouring pixels) that the product computes and the caller drops."""
    m, c, h, w = x.shape
    (kh, kw), (sh, sw), (oh, ow) = win.kernel, win.stride, win.out
    (top, _), (left, _) = win.padding
    ph, pw = oh + (kh - 1) // sh, ow + (kw - 1) // sw
    phases = workspace(np, name + "_phases", (sh, sw, m, c, ph + 1, pw), x.dtype)  # + 1 row: the last runs' tail
    cols = workspace(np, name, (c, kh, kw, m, oh * pw), x.dtype)

    def fill(a, b):
        for p in range(sh):
            r0, r1 = valid_range(ph, h, sh, p - top)  # phase rows holding real pixels
            for q in range(sw):
                c0, c1 = valid_range(pw, w, sw, q - left)
                dst = phases[p, q, a:b]
                dst[:, :, :r0] = dst[:, :, r1:] = 0
                dst[:, :, r0:r1, :c0] = dst[:, :, r0:r1, c1:] = 0
                if r1 > r0 and c1 > c0:
                    dst[:, :, r0:r1, c0:c1] = x[a:b, :, r0 * sh + p - top:(r1 - 1) * sh + p - top + 1:sh,
                                                c0 * sw + q - left:(c1 - 1) * sw + q - left + 1:sw]
        flat = phases[:, :, a:b].reshape(sh, sw, b - a, c, -1)
        for i in range(kh):
            for j in range(kw):
                start = (i // sh) * pw + j // sw
                cols[:, i, j, a:b] = flat[i % sh, j % sw, :, :, start:start + oh * pw].transpose(1, 0, 2)
    over_batch(np, m, fill, cols.size)
    return cols
