"""Ways to make tensors, with PyTorch's names and arguments: zeros, ones, full,
arange, linspace, eye, the random rand/randn/randint (from minigrad's seeded
source, so `manual_seed` makes them repeatable), the *_like forms, and the
joins cat, stack and where."""
import numpy as np

from . import backend, dtypes, random_source
from .ops.elementwise import Where
from .ops.shapes import Concat
from .tensor import Tensor, from_numpy, tensor  # noqa: F401  (tensor/from_numpy re-exported)


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    return tuple(int(n) for n in size)


def _make(array, dtype, device, requires_grad):
    """A new leaf from a host array: converted to `dtype`, moved to `device`."""
    if dtype is not None:
        array = array.astype(dtypes.as_dtype(dtype), copy=False)
    if device is not None:
        array = backend.to_device(array, backend.check_device(str(device).split(":")[0]))
    out = Tensor._wrap(array)
    return out.requires_grad_(True) if requires_grad else out


def zeros(*size, dtype=None, device=None, requires_grad=False):
    return _make(np.zeros(_size(size), dtypes.float32), dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _make(np.ones(_size(size), dtypes.float32), dtype, device, requires_grad)


empty = zeros  # minigrad's "uninitialised" memory is zeros: nothing random to trip over


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    if dtype is None:  # the dtype of the fill value, as PyTorch
        dtype = dtypes.scalar_dtype(fill_value)
    return _make(np.full(_size((size,)), fill_value), dtype, device, requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    is_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    default = dtypes.int64 if is_int else dtypes.float32
    return _make(np.arange(start, end, step), dtype or default, device, requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    return _make(np.linspace(start, end, steps), dtype or dtypes.float32, device, requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    return _make(np.eye(n, m), dtype or dtypes.float32, device, requires_grad)


def rand(*size, dtype=None, device=None, requires_grad=False):
    """Uniform samples in [0, 1)."""
    return _make(random_source.rng().random(_size(size)), dtype or dtypes.float32, device, requires_grad)


def randn(*size, dtype=None, device=None, requires_grad=False):
    """Standard normal samples."""
    return _make(random_source.rng().standard_normal(_size(size)), dtype or dtypes.float32, device, requires_grad)


def randint(low, high=None, size=None, dtype=None, device=None, requires_grad=False):
    """Integers in [low, high): randint(high, size) or randint(low, high, size)."""
    if size is None:
        low, high, size = 0, low, high
    return _make(random_source.rng().integers(low, high, _size((size,))), dtype or dtypes.int64, device, requires_grad)


def randperm(n, dtype=None, device=None):
    return _make(random_source.rng().permutation(n), dtype or dtypes.int64, device, False)


def _like(x, make, dtype, device, requires_grad, *args):
    return make(*args, x.shape, dtype=dtype or x.dtype, device=device or x.device, requires_grad=requires_grad) \
        if args else make(x.shape, dtype=dtype or x.dtype, device=device or x.device, requires_grad=requires_grad)


def zeros_like(x, dtype=None, device=None, requires_grad=False):
    return _like(x, zeros, dtype, device, requires_grad)


def ones_like(x, dtype=None, device=None, requires_grad=False):
    return _like(x, ones, dtype, device, requires_grad)


empty_like = zeros_like


def full_like(x, fill_value, dtype=None, device=None, requires_grad=False):
    return full(x.shape, fill_value, dtype=dtype or x.dtype, device=device or x.device, requires_grad=requires_grad)


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


def cat(tensors, dim=0):
    """Join tensors along an existing dimension `dim` (torch.cat); differentiable."""
    tensors = _common(tensors, "cat")
    return Concat.apply(*tensors, dim=dim)


concat = concatenate = cat


def stack(tensors, dim=0):
    """Join tensors along a new dimension `dim` (torch.stack); differentiable."""
    tensors = _common(tensors, "stack")
    shapes = {tuple(t.shape) for t in tensors}
    if len(shapes) > 1:
        raise RuntimeError(f"stack expects each tensor to be equal size, got {sorted(shapes)}")
    return Concat.apply(*(t.unsqueeze(dim) for t in tensors), dim=dim)


def where(condition, input=None, other=None):
    """input where condition, else other (numbers allowed); differentiable in input and other.
    where(condition) alone gives the indices of the True elements, as a tuple of tensors."""
    if input is None:
        return tuple(Tensor._wrap(i.astype(np.int64)) for i in backend.get_array_module(condition.array).nonzero(
            condition.array))
    if not isinstance(input, Tensor):
        if not isinstance(other, Tensor):
            raise TypeError("where(condition, input, other): at least one of input and other must be a Tensor")
        b, a = other._promote(input)
    else:
        a, b = input._promote(other)
    return Where.apply(getattr(condition, "array", condition), a, b)

