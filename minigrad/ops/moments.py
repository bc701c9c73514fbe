"""The mean and variance of each row, for layer and group norm (ops/layer_norm.py).

Mathematically just mean = sum(x) / N and var = sum((x - mean)^2) / N: `row_moments` computes that
with numpy. But where the values are huge (|x| above ~1e18 in float32: squares overflow), *how* the
sums are formed decides whether the variance is inf or NaN, and PyTorch's CPU kernels form them with
a vectorised Welford algorithm (aten/src/ATen/native/cpu/moments_utils.h, RowwiseMoments): each SIMD
lane (8 float32 or 4 float64 with AVX2) runs Welford's update over chunks of 16 vectors,

    delta = x - m1;   m1 += delta / k;   m2 += delta * (x - m1)        (with fused multiply-adds)

chunks and lanes are merged with Chan's formula (m2 = m2_a + m2_b + delta^2 * n_a n_b / n), the
leftover elements run scalar Welford, and every lane is merged into that at the end, even an
empty one: delta^2 * 0, which is NaN once delta^2 overflows. `pytorch_row_moments` is that
algorithm, step for step; it runs only for the rare rows holding such values (or inf / NaN), on
the CPU, so that the NaNs and infs of layer_norm and group_norm fall where PyTorch's do.
"""
import numpy as np

from ..array_module import get_array_module

CHUNK = 16  # vectors per Welford chunk, as PyTorch
HUGE = {np.dtype(np.float32): 1e18, np.dtype(np.float64): 1e150}  # below: no intermediate can overflow


def row_moments(x):
    """(mean, biased variance) of each row of a 2-D floating-point array, in its dtype."""
    xp = get_array_module(x)
    mean = x.mean(axis=1)
    centered = x - mean[:, None]
    var = (centered * centered).mean(axis=1)
    if xp is np and x.size:
        extreme = ~(np.abs(x).max(axis=1) < HUGE.get(x.dtype, np.inf))  # NaN counts as extreme too
        if extreme.any():
            with np.errstate(all="ignore"):
                mean[extreme], var[extreme] = pytorch_row_moments(x[extreme])
    return mean, var


def fma(a, b, c):
    """a * b + c rounded once (the SIMD fmadd): in a wider type, which neither overflows nor rounds
    the product of two float32 (float64 in x87's 80 bits: only the last bit may differ)."""
    wide = np.longdouble if a.dtype == np.float64 else np.float64
    return (a.astype(wide) * np.asarray(b, dtype=wide) + c.astype(wide)).astype(a.dtype)


def merge(n_b, m1_b, m2_b, n_a, m1_a, m2_a):
    """Chan's merge of moments b into a (AddMomentsVec): the counts are numbers, the moments arrays."""
    t = m1_a.dtype.type
    n = n_a + n_b
    c = t(n_b) / t(n) if n else t(0)
    delta = m1_b - m1_a
    c_delta = c * delta
    return n, m1_a + c_delta, fma(delta * t(n_a), c_delta, m2_a + m2_b)


def pytorch_row_moments(x):
    """(mean, biased variance) of each row of x (M, N) by PyTorch's CPU RowwiseMoments (module docstring)."""
    t = x.dtype.type
    lanes = 32 // x.dtype.itemsize  # one AVX2 register: 8 float32, 4 float64
    rows, size = x.shape
    vectors = size // lanes
    chunks = -(-vectors // CHUNK)
    depth = int(np.ceil(np.log2(chunks))) if chunks > 1 else 0
    zero = np.zeros((rows, lanes), dtype=x.dtype)
    stack = [(0, zero, zero)] * max(depth, 1)  # partial results of the pairwise (cascade) merge
    for i in range(chunks):
        count = min(CHUNK, vectors - i * CHUNK)
        m1 = m2 = zero
        for j in range(count):  # Welford over the chunk's vectors, every lane at once
            v = x[:, (i * CHUNK + j) * lanes:(i * CHUNK + j + 1) * lanes]
            delta = v - m1
            m1 = fma(delta, t(1) / t(j + 1), m1)
            m2 = fma(delta, v - m1, m2)
        stack[0] = merge(count, m1, m2, *stack[0])
        level, mask = 1, i + 1
        while level < depth and mask & 1 == 0:  # a finished pair moves one level up
            stack[level], stack[level - 1] = merge(*stack[level - 1], *stack[level]), (0, zero, zero)
            level, mask = level + 1, mask >> 1
    for level in range(1, depth):
        stack[0] = merge(*stack[level], *stack[0])
    _, lane_m1, lane_m2 = stack[0]
    n, m1, m2 = 0, np.zeros(rows, x.dtype), np.zeros(rows, x.dtype)
    for k in range(vectors * lanes, size):  # the leftover elements: scalar Welford
        delta = x[:, k] - m1
        n += 1
        m1 = m1 + delta / t(n)
        m2 = m2 + delta * (x[:, k] - m1)
    for lane in range(lanes):  # each lane merged in, in scalar arithmetic (AddMoments)
        total = n + vectors
        c = t(vectors) / t(total) if total else t(0)
        delta = lane_m1[:, lane] - m1
        m1 = m1 + c * delta
        m2 = m2 + lane_m2[:, lane] + delta * delta * c * t(n)
        n = total
    return m1, m2 / t(size)
