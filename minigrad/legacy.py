"""PyTorch's legacy tensor types, still common in older programs and tutorials:
`minigrad.FloatTensor(2, 3)` (a tensor of that size), `minigrad.LongTensor([1, 2])` (of that
data), `isinstance(x, minigrad.FloatTensor)` (a float32 tensor on the CPU), and
`x.type(minigrad.DoubleTensor)`. Each type is one dtype; every tensor is a plain Tensor."""
from . import dtypes
from .factories import zeros
from .tensor import Tensor, tensor


class TensorType(type):
    """The metaclass of the legacy types: isinstance checks the dtype and device, calling makes a tensor."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype == cls.legacy_dtype and obj.device == "cpu"

    def __call__(cls, *args, device=None):
        if not args:
            return zeros(0, dtype=cls.legacy_dtype, device=device)
        if all(isinstance(a, int) and not isinstance(a, bool) for a in args) or \
                len(args) == 1 and isinstance(args[0], tuple) and all(isinstance(a, int) for a in args[0]):
            return zeros(*args, dtype=cls.legacy_dtype, device=device)  # a size: PyTorch leaves it uninitialised
        if len(args) > 1:
            raise TypeError(f"{cls.__name__}(): give sizes (ints) or one sequence of data, got {args!r}")
        data = args[0]
        if isinstance(data, Tensor):  # an existing tensor must already have the type's dtype, as PyTorch
            if data.dtype != cls.legacy_dtype:
                raise TypeError(f"{cls.__name__}(tensor): expected a {dtypes.name(cls.legacy_dtype)} tensor, got "
                                f"{dtypes.name(data.dtype)}: convert it with .type(minigrad.{cls.__name__})")
            return data
        return tensor(data, dtype=cls.legacy_dtype, device=device)

    def __repr__(cls):
        return f"<class 'minigrad.{cls.__name__}'>"


def _legacy(dtype):
    return TensorType(dtypes.LEGACY_TYPES[dtype], (), {"legacy_dtype": dtype, "dtype": dtype})


FloatTensor, DoubleTensor, HalfTensor = _legacy(dtypes.float32), _legacy(dtypes.float64), _legacy(dtypes.float16)
LongTensor, IntTensor, ShortTensor = _legacy(dtypes.int64), _legacy(dtypes.int32), _legacy(dtypes.int16)
CharTensor, ByteTensor, BoolTensor = _legacy(dtypes.int8), _legacy(dtypes.uint8), _legacy(dtypes.bool)
