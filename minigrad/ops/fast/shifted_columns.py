"""Shifted columns: a convolution of a large image as a few matrix products over ONE buffer.

im2col (ops/conv.py) copies every input pixel once per kernel offset, 9 times for 3x3.
But kernel row i's columns are kernel row 0's columns moved down i image rows. So the
image is copied once per kernel COLUMN j, shifted sideways by j, into a buffer whose rows
are whole output rows (OW pixels wide, padding as zeros); kernel row i then reads that
same buffer from pixel i * OW on, and the product is one smaller product per kernel row:

    out (O, OH*OW) = sum over i of W[:, :, i, :] (O, C*KW) @ cols[:, i*OW : i*OW + OH*OW]

A stride SH moves each output row SH input rows, so no shifted buffer lines up with a
kernel row as it is. Split the padded rows into their SH phases: phase p holds rows
p, p + SH, p + 2*SH, ... . Kernel row i = r*SH + p reads phase p moved down r of its rows.
So the buffer holds, for each phase p, channel c and kernel column j, the pixels
xpad[c, SH*a + p, SW*b + j] (a < PH rows, b < OW: a stride SW across is read in the copy),
and the product is one per r, over the P_r = min(SH, KH - r*SH) phases that r's kernel rows
read; they are the buffer's first phases, so its first rows:

    out = sum over r of W[:, :, r*SH : r*SH + P_r, :] (O, P_r*C*KW) @ cols[:P_r*C*KW, r*OW : r*OW + OH*OW]

For resnet34's layer2 3x3/2 the copy writes 6 blocks of a quarter image each (2 phases x 3
kernel columns) where im2col writes 9, and there are 2 products, 384 and 192 deep. With
SH = 1 there is one phase and this is the first formula. The same buffer gives dW:
grad (O, OH*OW) @ those columns, transposed, one product per r.
"""
import numpy as np

from ..geometry import valid_range
from .workspace import workspace


def shifted_columns(x, win):
    """One image (C, H, W) -> this thread's scratch (SH*C*KW, PH*OW): row (p, c, j) holds
    xpad[c, SH*a + p, SW*b + j] for a < PH = OH + (KH - 1) // SH, b < OW, zero in the padding."""
    c, h, w = x.shape
    (kh, kw), (sh, sw), (oh, ow) = win.kernel, win.stride, win.out
    (top, _), (left, _) = win.padding
    phases, ph = min(sh, kh), oh + (kh - 1) // sh  # (conv_cpu.shifts sends kernels taller than SH: sh)
    cols = workspace(np, "shifted", (phases, c, kw, ph, ow), x.dtype)
    for p in range(phases):
        r0, r1 = valid_range(ph, h, sh, p - top)  # rows a holding real pixels
        cols[p, :, :, :r0] = 0
        cols[p, :, :, r1:] = 0
        for j in range(kw):
            lo, hi = valid_range(ow, w, sw, j - left)  # columns b holding real pixels
            dst = cols[p, :, j, r0:r1]
            dst[:, :, :lo] = 0
            dst[:, :, hi:] = 0
            if r1 > r0 and hi > lo:
                dst[:, :, lo:hi] = x[:, r0 * sh + p - top:(r1 - 1) * sh + p - top + 1:sh,
                                     lo * sw + j - left:(hi - 1) * sw + j - left + 1:sw]
    return cols.reshape(phases * c * kw, ph * ow)


def kernel_rows(weight, stride):
    """(O, C, KH, KW) -> for each r, the weight matrix (O, P*C*KW) of kernel rows r*stride to
    r*stride + P - 1 (P = stride, fewer for the last r), in the order of shifted_columns' rows."""
    o, c, kh, kw = weight.shape
    return [np.ascontiguousarray(weight[:, :, i:i + stride].transpose(0, 2, 1, 3)).reshape(o, -1)
            for i in range(0, kh, stride)]


def multiply_shifted(rows, cols, out, ow):
    """out (O, OH*OW) = sum over r of rows[r] @ cols[:depth of rows[r], r*OW : r*OW + OH*OW]."""
    n = out.shape[1]
    np.matmul(rows[0], cols[:rows[0].shape[1], :n], out=out)
    if len(rows) > 1:
        part = workspace(np, "shifted_product", out.shape, out.dtype)
        for r in range(1, len(rows)):
            np.matmul(rows[r], cols[:rows[r].shape[1], r * ow:r * ow + n], out=part)
            out += part


def shifted_weight_grad(grad, x, win):
    """One image's dW as (O, KH*C*KW), columns in the order (kernel row, channel, kernel column):
    for each r, grad (O, OH*OW) @ the shifted columns that r's kernel rows read, transposed."""
    cols, g = shifted_columns(x, win), grad.reshape(grad.shape[0], -1)
    n, ow, sh, kh = g.shape[1], win.out[1], win.stride[0], win.kernel[0]
    depth = cols.shape[0] // min(sh, kh)  # C*KW rows per kernel row
    out = np.empty((g.shape[0], kh * depth), dtype=g.dtype)
    for r, i in enumerate(range(0, kh, sh)):
        rows = min(sh, kh - i) * depth
        np.matmul(g, cols[:rows, r * ow:r * ow + n].T, out=out[:, i * depth:i * depth + rows])
    return out
