"""PyTorch's type promotion, asked about directly: promote_types (the dtype two dtypes combine to),
result_type (the dtype an op on two operands gives: tensors with dimensions outrank 0-d tensors,
which outrank Python numbers, unless a lower tier has a higher category: float > integer > bool),
can_cast (whether an op may write its result into a tensor of another dtype: never into a lower
category). The rules themselves are dtypes.result_type's and dtypes.category's.

Also torch.contiguous_format and preserve_format, the memory formats clone and contiguous take."""
from . import dtypes


def promote_types(type1, type2):
    """The smallest dtype both convert to without leaving their category (int64 and float32: float32)."""
    return dtypes.result_type([dtypes.as_dtype(type1), dtypes.as_dtype(type2)], [], ())


def _is_tensor(x):
    return hasattr(x, "_result_class")


def result_type(tensor1, tensor2):
    """The dtype of tensor1 op tensor2 (each a Tensor or a Python number)."""
    tiers = ([], [], [])
    for x in (tensor1, tensor2):
        if _is_tensor(x):
            tiers[0 if x.ndim else 1].append(x.dtype)
        elif isinstance(x, (bool, int, float)):
            tiers[2].append(x)
        else:
            raise TypeError(f"result_type() received an invalid combination of arguments - got "
                            f"({type(tensor1).__name__}, {type(tensor2).__name__})")
    return dtypes.result_type(*tiers)


def can_cast(from_, to):
    """Whether a value of dtype from_ may be written into dtype to: not from float to integer or bool,
    nor from integer to bool."""
    return dtypes.category(dtypes.as_dtype(from_)) <= dtypes.category(dtypes.as_dtype(to))


class memory_format:
    """A memory layout clone and contiguous accept (minigrad's tensors are row-major or views)."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"minigrad.{self.name}"


contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
