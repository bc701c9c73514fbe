"""Ways to make tensors, with PyTorch's names and arguments: zeros, ones, full,
arange, linspace, eye, the random rand/randn/randint (from minigrad's seeded
source, so `manual_seed` makes them repeatable), the *_like forms, the
joins cat, stack and where, and the tensors made from others: einsum, tril_indices and
triu_indices, normal's draws (more joins are in joins.py, searchsorted in searching.py)."""
import math
import warnings

import numpy as np

from . import array_module, dtypes, random_source
from .ops import layout
from .ops.einsum import Einsum, parse
from .ops.elementwise import Where
from .ops.sampling import Sample
from .ops.shapes import Concat
from .tensor import Tensor, from_numpy, tensor  # noqa: F401  (tensor/from_numpy re-exported)
from .tensor_functions import write_out
from .tensor_math import bool_mask
from .tensor_random import check_integer_range, drawing_from
from .tensor_special import scalar_name


def _size(size, refusal=None):
    """A size given as numbers or one tuple, as a tuple; a negative dimension is refused, as PyTorch."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    size = tuple(int(n) for n in size)
    negative = [n for n in size if n < 0]
    if negative:
        raise RuntimeError(refusal or f"Trying to create tensor with negative dimension {negative[0]}: {list(size)}")
    return size


def _make(array, dtype, device, requires_grad):
    """A new leaf from a host array: converted to `dtype`, moved to `device`."""
    if dtype is not None:
        array = array.astype(dtypes.as_dtype(dtype), copy=False)
    if device is not None:
        array = array_module.to_device(array, array_module.check_device(str(device).split(":")[0]))
    out = Tensor._wrap(array)
    return out.requires_grad_(True) if requires_grad else out


def zeros(*size, dtype=None, device=None, requires_grad=False):
    size = _size(size, "zeros: Dimension size must be non-negative.")
    return _make(np.zeros(size, dtypes.float32), dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _make(np.ones(_size(size), dtypes.float32), dtype, device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    """minigrad's "uninitialised" memory is zeros: nothing random to trip over."""
    return _make(np.zeros(_size(size), dtypes.float32), dtype, device, requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    if dtype is None:  # the dtype of the fill value, as PyTorch
        dtype = dtypes.scalar_dtype(fill_value)
    fill_value = dtypes.fill_value(fill_value, dtypes.as_dtype(dtype))  # refused if it does not fit
    return _make(np.full(_size((size,)), fill_value), dtype, device, requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """start, start + step, ... up to end (not included), as torch.arange: int64 when all three are
    integers, else float32; a step whose sign runs away from end is refused, not an empty result."""
    if end is None:
        start, end = 0, start
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    if not all(math.isfinite(v) for v in (start, end)):
        raise RuntimeError(f"unsupported range: {start} -> {end}")
    is_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    dtype = dtypes.as_dtype(dtype) or (dtypes.int64 if is_int else dtypes.float32)
    truncated = dtype == dtypes.int64 and not is_int
    if truncated:  # torch computes an int64 range in int64: each number truncated first
        start, end, step, is_int = int(start), int(end), int(step), True
    if step == 0:
        raise (ValueError if truncated else RuntimeError)("step must be nonzero")
    if step > 0 and end < start or step < 0 and end > start:
        raise RuntimeError(f"upper bound and lower bound inconsistent with step sign: arange({start}, {end}, "
                           f"{step}) (a negative step counts down from start to a smaller end)")
    if dtype == dtypes.bool:
        raise NotImplementedError("\"arange_cpu\" not implemented for 'Bool'")
    if dtype.kind in "iu" and not is_int:  # other integers, as torch: the length from the numbers, the
        count = math.ceil((end - start) / step)  # values from start and step truncated to the dtype first
        return _make(int(start) + np.arange(count) * int(step), dtype, device, requires_grad)
    return _make(np.arange(start, end, step), dtype, device, requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    """steps numbers from start to end, evenly spaced, as PyTorch computes them: in the dtype itself
    (start + i * step for the first half, end - (steps - 1 - i) * step for the second), and for an
    integer dtype from start and end truncated to it, with a float step, each value truncated."""
    dtype = dtypes.as_dtype(dtype) or dtypes.float32
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    if dtype == dtypes.bool:
        raise NotImplementedError("\"linspace_cpu\" not implemented for 'Bool'")
    start, end = (dtypes.fill_value(v, dtype) for v in (start, end))
    if dtype.kind in "iu":
        start, end = np.float64(start), np.float64(end)
    step = (end - start) / max(steps - 1, 1)
    i = np.arange(steps).astype(start.dtype)
    values = np.where(i < steps // 2, start + step * i, end - step * (steps - 1 - i)) if steps > 1 else \
        np.full(steps, start)
    return _make(values, dtype, device, requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    return _make(np.eye(n, m), dtype or dtypes.float32, device, requires_grad)


def _float_draw(kernel, dtype):
    """The dtype of a draw of real numbers: float32 by default; PyTorch has no integer or bool kernel."""
    dtype = dtypes.as_dtype(dtype) or dtypes.float32
    if dtype.kind != "f":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{scalar_name(dtype)}'")
    return dtype


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform samples in [0, 1), from minigrad's seeded source or `generator` (a minigrad.Generator)."""
    dtype = _float_draw("check_uniform_bounds", dtype)
    return _make((generator or random_source.rng()).random(_size(size)), dtype, device, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal samples."""
    dtype = _float_draw("normal_kernel_cpu", dtype)
    return _make((generator or random_source.rng()).standard_normal(_size(size)), dtype, device, requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Integers in [low, high): randint(high, size), randint(high, size=...) or randint(low, high, size)."""
    if size is None and isinstance(high, (tuple, list)):  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:  # randint(high, size=...)
        low, high = 0, low
    if not isinstance(size, (tuple, list)):
        given = high if size is None else size  # randint(3, 10): PyTorch read 10 as the size
        raise TypeError(f"randint(): argument 'size' (position 2) must be tuple of ints, not {type(given).__name__}")
    check_integer_range(low, high, dtypes.as_dtype(dtype) or dtypes.int64)
    draws = (generator or random_source.rng()).integers(low, high, _size((size,)))
    return _make(draws, dtype or dtypes.int64, device, requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    return _make((generator or random_source.rng()).permutation(n), dtype or dtypes.int64, device, requires_grad)


def _like(x, make, dtype, device, requires_grad, *args):
    out = make(*args, x.shape, dtype=dtype or x.dtype, device=device or x.device, requires_grad=requires_grad) \
        if args else make(x.shape, dtype=dtype or x.dtype, device=device or x.device, requires_grad=requires_grad)
    return _laid_out_like(out, x)


def _laid_out_like(out, x):
    """out in x's memory order (a transposed x gives a transposed result), PyTorch's preserve_format."""
    if x.array.flags.c_contiguous or x.ndim < 2:
        return out
    out.array = layout.with_strides(out.array, layout.elementwise_strides(x.shape, [(x.shape, layout.element_strides(
        x.array))]))
    return out


def zeros_like(x, dtype=None, device=None, requires_grad=False):
    return _like(x, zeros, dtype, device, requires_grad)


def ones_like(x, dtype=None, device=None, requires_grad=False):
    return _like(x, ones, dtype, device, requires_grad)


empty_like = zeros_like


def full_like(x, fill_value, dtype=None, device=None, requires_grad=False):
    return _laid_out_like(full(x.shape, fill_value, dtype=dtype or x.dtype, device=device or x.device,
                               requires_grad=requires_grad), x)


def rand_like(x, dtype=None, device=None, requires_grad=False):
    return _like(x, rand, dtype, device, requires_grad)


def randn_like(x, dtype=None, device=None, requires_grad=False):
    return _like(x, randn, dtype, device, requires_grad)


# ---- joins -----------------------------------------------------------------------------------

def _common(tensors, name):
    """The tensors converted to their common dtype."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{name}() expects a non-empty list of Tensors")
    dtype = dtypes.result_type([t.dtype for t in tensors], [], ())
    return [t._cast(dtype) for t in tensors]


def cat(tensors, dim=0, *, out=None):
    """Join tensors along an existing dimension `dim` (torch.cat); differentiable."""
    tensors = _common(tensors, "cat")
    result = Concat.apply(*tensors, dim=dim)
    return result if out is None else write_out("cat", result, out)


concat = concatenate = cat


def stack(tensors, dim=0, *, out=None):
    """Join tensors along a new dimension `dim` (torch.stack); differentiable."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    tensors = _common(tensors, "stack")
    shapes = {tuple(t.shape) for t in tensors}
    if len(shapes) > 1:
        raise RuntimeError(f"stack expects each tensor to be equal size, got {sorted(shapes)}")
    result = Concat.apply(*(t.unsqueeze(dim) for t in tensors), dim=dim, backward_name="StackBackward0")
    return result if out is None else write_out("stack", result, out)


def where(condition, input=None, other=None, *, out=None):
    """input where condition, else other (numbers allowed); out= writes the result into a tensor."""
    result = _where(condition, input, other)
    return result if out is None else write_out("where", result, out)


def _where(condition, input=None, other=None):
    """input where condition, else other (numbers allowed); differentiable in input and other.
    where(condition) alone gives the indices of the True elements, as a tuple of tensors."""
    if input is None:
        array = condition.array.reshape(condition.shape or (1,))  # a 0-d condition counts as one element
        return tuple(Tensor._wrap(i.astype(np.int64)) for i in array_module.get_array_module(array).nonzero(array))
    if isinstance(condition, Tensor) and condition.dtype == dtypes.uint8:  # PyTorch still takes one, warning
        warnings.warn("where received a uint8 condition tensor. This behavior is deprecated and will be removed in "
                      "a future version of PyTorch. Use a boolean condition instead.", UserWarning, stacklevel=3)
        condition = condition != 0
    mask = bool_mask(condition, "where expected condition to be a boolean tensor")
    if not isinstance(input, Tensor):
        if not isinstance(other, Tensor):  # two numbers: where(mask, 1, 0) is int64, as PyTorch promotes them
            dtype = dtypes.result_type([], [], [input, other])
            for number in (input, other):
                dtypes.check_fits(number, dtype)
            return Tensor._wrap(array_module.get_array_module(mask).where(mask, dtype.type(input), dtype.type(other)))
        other._check_fits(input)
        b, a = other._promote(input)
    else:
        input._check_fits(other)
        a, b = input._promote(other)
    return Where.apply(mask, a, b)


def einsum(equation, *operands):
    """A product of tensors written with index labels (torch.einsum): 'ij,jk->ik' is a matrix
    product, 'ii' a trace, 'bij,bjk->bik' a batched product; see minigrad/ops/einsum.py."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    first = operands[0].array.dtype
    for t in operands:
        if t.array.dtype != first:
            raise RuntimeError(f"expected scalar type {scalar_name(first)} but found {scalar_name(t.array.dtype)}")
    if first.kind == "b":
        raise NotImplementedError("\"bmm\" not implemented for 'Bool'")
    labels, output, sizes = parse(equation, [t.shape for t in operands])
    return Einsum.apply(*operands, labels=labels, output=output, sizes=sizes)


def _triangle_indices(name, row, col, offset, dtype, device, lower):
    for what, n in (("row", row), ("col", col)):
        if n < 0:
            raise RuntimeError(f"{what} must be non-negative, got{n}")
    dtype = dtypes.as_dtype(dtype or dtypes.int64)
    if dtype.kind not in "iu":
        raise NotImplementedError(f"\"{name}\" not implemented for '{scalar_name(dtype)}'")
    keep = np.tri(row, col, offset, dtype=bool) if lower else ~np.tri(row, col, offset - 1, dtype=bool)
    return _make(np.stack(np.nonzero(keep)).reshape(2, -1), dtype, device, False)


def tril_indices(row, col, offset=0, *, dtype=None, device=None):
    """The (row, column) indices of the lower triangle of a row x col matrix (with diagonal
    `offset`), as a 2 x N int64 tensor in row-major order."""
    return _triangle_indices("tril_indices", row, col, offset, dtype, device, lower=True)


def triu_indices(row, col, offset=0, *, dtype=None, device=None):
    """The (row, column) indices of the upper triangle, as tril_indices."""
    return _triangle_indices("triu_indices", row, col, offset, dtype, device, lower=False)


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Samples of N(mean, std^2): mean and std tensors (broadcast together) or numbers, with `size`
    for two numbers. The draw's gradient with respect to mean and std is 0, as PyTorch's."""
    params = [p for p in (mean, std) if isinstance(p, Tensor)]
    if not params:
        if size is None:
            raise TypeError("normal(): with a number for mean and std, give the size: normal(0., 1., size=(2, 3))")
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        with drawing_from(generator):
            draw = random_source.rng().normal(mean, std, _size((size,)))
        return _make(draw, dtype or dtypes.float32, device, requires_grad)
    for p in params:
        if p.array.dtype.kind != "f":
            raise NotImplementedError(f"\"normal_kernel_cpu\" not implemented for '{scalar_name(p.array.dtype)}'")
    if isinstance(std, Tensor) and bool((std.array < 0).any()) or not isinstance(std, Tensor) and std < 0:
        raise RuntimeError("normal expects all elements of std >= 0.0" if isinstance(std, Tensor) else
                           f"normal expects std >= 0.0, but found std {std}")
    xp = array_module.get_array_module(params[0].array)
    m, s = (p.array if isinstance(p, Tensor) else p for p in (mean, std))
    shape = np.broadcast_shapes(*(p.shape for p in params))
    with drawing_from(generator):
        noise = random_source.rng().standard_normal(shape)
    draw = (m + s * xp.asarray(noise)).astype(params[0].array.dtype, copy=False)
    return Sample.apply(*params, sample=draw)

