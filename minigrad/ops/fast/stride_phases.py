"""Reading a strided window from an input split into its stride phases: the fast convolution's
and max pooling's CPU loops read each kernel offset's pixels as whole rows of one phase, instead
of a strided view numpy copies several times slower. Speed only: the same pixels are read."""
from ...array_module import get_array_module


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
