"""Where PyTorch puts the elements of a result in memory: its strides. A reader may skip this file:
it changes no value, only what `is_contiguous()` and `stride()` report and which `view`s work.

PyTorch's elementwise ops (TensorIterator) give their result the memory order of their inputs:
the dimensions are sorted by the inputs' strides, the first input's deciding and a tie going to
the next (a broadcast dimension, stride 0, has no say; equal strides put the smaller dimension
first), so the sum of two transposed matrices is transposed too. All inputs contiguous, or of
one shape and the same dense strides, give that layout directly. numpy's ufuncs make nearly the
same choice; `elementwise_strides` is PyTorch's own, for the places where the two differ.
`view_strides` is PyTorch's rule for a view of another shape (computeStride): the strides the
view has, or None where it needs a copy.
"""
from ..array_module import get_array_module


def element_strides(array):
    """An array's strides in elements, as PyTorch counts them."""
    return tuple(s // array.itemsize for s in array.strides)


def contiguous_strides(shape):
    """Row-major strides, a dimension of size 0 counting as 1 (PyTorch's, for a new tensor)."""
    strides, step = [], 1
    for n in reversed(shape):
        strides.insert(0, step)
        step *= max(n, 1)
    return tuple(strides)


def is_contiguous(shape, strides):
    """PyTorch's is_contiguous(): row-major, dimensions of size 1 ignored; an empty tensor always."""
    if 0 in shape:
        return True
    step = 1
    for n, s in zip(reversed(shape), reversed(strides)):
        if n != 1:
            if s != step:
                return False
            step *= n
    return True


def elementwise_strides(shape, operands):
    """The strides of an elementwise result of `shape` whose inputs are `operands`, (shape,
    strides) pairs broadcast to it, as TensorIterator lays it out."""
    ndim = len(shape)
    same_shape = all(tuple(s) == tuple(shape) for s, _ in operands)
    if same_shape and all(is_contiguous(s, st) for s, st in operands) or ndim <= 1:
        return contiguous_strides(shape)
    if same_shape and len({tuple(st) for _, st in operands}) == 1 and _dense(shape, operands[0][1]):
        return tuple(operands[0][1])
    strides = [tuple(0 if n == 1 and shape[d + ndim - len(s)] != 1 else st
                     for d, (n, st) in enumerate(zip(s, st))) for s, st in operands]
    strides = [(0,) * (ndim - len(st)) + st for st in strides]  # missing leading dims broadcast

    def should_swap(d0, d1):  # 1: d1 goes before d0 (faster); -1: keep; 0: no input decides
        for st in strides:
            s0, s1 = st[d0], st[d1]
            if s0 == 0 or s1 == 0:
                continue
            if s0 != s1:
                return -1 if s0 < s1 else 1
            if shape[d0] > shape[d1]:
                return 1
        return 0

    perm = list(range(ndim - 1, -1, -1))  # fastest first: the last dimension, initially
    for i in range(1, ndim):  # insertion sort that stops where an input decides against a swap
        d1 = i
        for d0 in range(i - 1, -1, -1):
            order = should_swap(perm[d0], perm[d1])
            if order > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif order < 0:
                break
    out, step = [0] * ndim, 1
    for d in perm:
        out[d] = step
        step *= shape[d]
    return tuple(out)


def elementwise_result(out, *inputs):
    """out (an elementwise op's result, as numpy laid it out) in PyTorch's memory order for these
    inputs (arrays or numbers): a copy only where the two orders differ, which needs an input that
    is not row-major; row-major inputs (every training step's) cost one flag check each."""
    for a in inputs:  # the common case first, in a few hundred nanoseconds: row-major in, row-major out
        if not getattr(a, "flags", _ROW_MAJOR).c_contiguous:
            break
    else:
        return out
    if out.ndim < 2:
        return out
    arrays = [a for a in inputs if getattr(a, "ndim", 0) > 0]
    strides = elementwise_strides(out.shape, [(a.shape, element_strides(a)) for a in arrays])
    return out if _same_order(out.shape, element_strides(out), strides) else with_strides(out, strides)


class _ROW_MAJOR:  # what a Python number counts as
    c_contiguous = True


def row_major(array):
    """array, or a row-major copy of it (what PyTorch's non-elementwise kernels give: softmax, scans)."""
    return array if array.flags.c_contiguous else array.copy()


def _same_order(shape, a, b):
    return 0 in shape or all(x == y for n, x, y in zip(shape, a, b) if n != 1)


def with_strides(array, strides):
    """A copy of array whose memory order is that of `strides` (a permutation of row-major ones)."""
    order = sorted(range(array.ndim), key=lambda d: -strides[d])  # slowest first
    out = get_array_module(array).empty([array.shape[d] for d in order], dtype=array.dtype)
    out = out.transpose([order.index(d) for d in range(array.ndim)])
    out[...] = array
    return out


def _dense(shape, strides):
    """Non-overlapping and dense: some order of the dimensions makes the strides row-major."""
    step = 1
    for s, n in sorted((s, n) for n, s in zip(shape, strides) if n != 1):
        if s != step:
            return False
        step *= n
    return True


def view_strides(shape, strides, new_shape):
    """The strides of a view of (shape, strides) as new_shape, or None where PyTorch's view needs a
    copy: each run of dimensions that lies in memory as one block can be split or merged."""
    if not shape:
        return contiguous_strides(new_shape)
    if 0 in shape:
        return contiguous_strides(new_shape) if tuple(shape) != tuple(new_shape) else tuple(strides)
    new = [0] * len(new_shape)
    view_d, base, numel, view_numel = len(new_shape) - 1, strides[-1], 1, 1
    for d in range(len(shape) - 1, -1, -1):
        numel *= shape[d]
        if d == 0 or shape[d - 1] != 1 and strides[d - 1] != numel * base:  # the end of a block
            while view_d >= 0 and (view_numel < numel or new_shape[view_d] == 1):
                new[view_d] = view_numel * base
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != numel:
                return None
            if d > 0:
                base, numel, view_numel = strides[d - 1], 1, 1
    return tuple(new) if view_d == -1 else None
