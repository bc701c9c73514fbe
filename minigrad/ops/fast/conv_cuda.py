"""im2col and col2im as single CUDA kernels, the GPU twins of the loops in fast/conv.py.

On the GPU the portable im2col launches one copy per kernel offset (nine for 3x3)
plus a padding kernel, and col2im nine adds plus a zero fill; launch overhead then
dominates resnet34's small layers. Each function here does the same work in one
launch, one thread per output number, with the padding folded into a bounds check.
col2im gathers rather than scatters: each input pixel sums the column entries it
appears in, so no two threads write the same place. fast/conv.py uses them on cupy
arrays; tests/test_conv_geometry.py checks them against the portable versions on a GPU, and
tests/test_cuda_kernels_more.py runs these same bodies on the CPU (tests/cuda_emulator.py).
"""
from .cuda_kernels import window_args

_kernels = {}
GEOMETRY = ("int32 n, int32 c, int32 h, int32 w, int32 kh, int32 kw, int32 oh, int32 ow, "
            "int32 sh, int32 sw, int32 ph, int32 pw, int32 dh, int32 dw")
KERNELS = {}  # name -> (input parameters, output parameter, body) of a cupy.ElementwiseKernel


def _kernel(name):
    if name not in _kernels:
        import cupy
        _kernels[name] = cupy.ElementwiseKernel(*KERNELS[name], "minigrad_" + name)
    return _kernels[name]


KERNELS["im2col"] = ("raw T x, " + GEOMETRY, "T col", """
                // col is (C, KH, KW, N, OH, OW); i is this thread's flat index into it
                ptrdiff_t t = i / ow;
                int ox = i % ow;
                int oy = t % oh; t /= oh;
                int b = t % n; t /= n;
                int kx = t % kw; t /= kw;
                int ky = t % kh; int ch = t / kh;
                int y = oy * sh + ky * dh - ph, xx = ox * sw + kx * dw - pw;
                col = (y >= 0 && y < h && xx >= 0 && xx < w) ? x[(((ptrdiff_t)b * c + ch) * h + y) * w + xx] : (T)0;
                """)

KERNELS["col2im"] = ("raw T col, " + GEOMETRY, "T dx", """
                // dx is (N, C, H, W): sum every column entry that pixel (y, xx) was copied to
                ptrdiff_t t = i / w;
                int xx = i % w;
                int y = t % h; t /= h;
                int ch = t % c; int b = t / c;
                T sum = 0;
                for (int ky = 0; ky < kh; ++ky) {
                    int yy = y + ph - ky * dh;
                    if (yy < 0 || yy % sh != 0 || yy / sh >= oh) continue;
                    for (int kx = 0; kx < kw; ++kx) {
                        int xq = xx + pw - kx * dw;
                        if (xq < 0 || xq % sw != 0 || xq / sw >= ow) continue;
                        sum += col[(((((ptrdiff_t)ch * kh + ky) * kw + kx) * n + b) * oh + yy / sh) * ow + xq / sw];
                    }
                }
                dx = sum;
                """)


def im2col(x, cols, win):
    """Fill cols (C, KH, KW, N, OH, OW) from the NCHW cupy array x."""
    n, c, h, w = x.shape
    _kernel("im2col")(x if x.flags.c_contiguous else x.copy(), n, c, h, w, *window_args(win), cols)
    return cols


def col2im(cols, x_shape, win):
    """The input gradient (N, C, H, W) from column gradients (C*KH*KW, N*OH*OW)."""
    import cupy
    n, c, h, w = x_shape
    dx = cupy.empty(x_shape, dtype=cols.dtype)
    _kernel("col2im")(cols if cols.flags.c_contiguous else cols.copy(), n, c, h, w, *window_args(win), dx)
    return dx
