"""Tensor's conversions: dtype and device moves (`to`, `float()`, `cuda()`...), the way out to
numpy and Python (`numpy()`, `item()`, `tolist()`), and Python's number protocol on
one-element tensors (`bool(t)`, `float(t)`, `int(t)`, `f"{t:.3f}"`, `len`, iteration)."""
from . import array_module, dtypes
from .device import device
from .ops.shapes import AsType, ToDevice


class ConvertMethods:
    # ---- dtype and device --------------------------------------------------------------
    def to(self, *args, **kwargs):
        """to(device), to(dtype), to(device, dtype), to(other): a converted copy (self when nothing changes);
        gradients flow back to the original."""
        dev, dtype = kwargs.pop("device", None), kwargs.pop("dtype", None)
        kwargs.pop("non_blocking", None)
        copy = kwargs.pop("copy", False)
        if kwargs:
            raise TypeError(f"to(): unexpected arguments {sorted(kwargs)}")
        flags = [a for a in args if isinstance(a, bool)]  # to(dtype, non_blocking, copy) positionally
        copy = copy or len(flags) == 2 and flags[1]
        for a in args:
            if hasattr(a, "_result_class"):  # a Tensor
                dev, dtype = a.device, a.dtype
            elif isinstance(a, str):
                dev = a
            elif not isinstance(a, bool):
                dtype = a
        out = self
        if dev is not None and str(device(dev)) != array_module.device_of(self.array):
            out = ToDevice.apply(out, device=array_module.check_device(str(device(dev))))
        if dtype is not None and dtypes.as_dtype(dtype) != self.dtype:
            out = AsType.apply(out, dtype=dtypes.as_dtype(dtype))
        return out.clone() if copy and out is self else out  # copy=True: a new tensor even when nothing changes

    def type(self, dtype=None, non_blocking=False):
        """type(): the legacy type name, 'minigrad.FloatTensor' ('minigrad.cuda.FloatTensor' on the GPU),
        as PyTorch; type(dtype), type(minigrad.LongTensor) or type('torch.LongTensor'): converted."""
        if dtype is None:
            where = "minigrad.cuda." if self.device == "cuda" else "minigrad."
            return where + dtypes.LEGACY_TYPES.get(self.dtype, dtypes.name(self.dtype))
        if isinstance(dtype, str):
            dtype = dtypes.from_legacy_name(dtype)
        return self.to(getattr(dtype, "legacy_dtype", dtype))  # a legacy type (minigrad.LongTensor) names its dtype

    cpu = lambda self: self.to("cpu")
    cuda = lambda self, device=None: self.to("cuda")
    float = lambda self: self.to(dtypes.float32)
    double = lambda self: self.to(dtypes.float64)
    half = lambda self: self.to(dtypes.float16)
    long = lambda self: self.to(dtypes.int64)
    int = lambda self: self.to(dtypes.int32)
    bool = lambda self: self.to(dtypes.bool)
    byte = lambda self: self.to(dtypes.uint8)
    astype = lambda self, dtype: self.to(dtype)

    def numpy(self):
        """The data as a numpy array on the host (shares memory on the CPU, a copy from the GPU).
        Unlike PyTorch, also allowed on a tensor that requires grad."""
        return array_module.to_device(self.array, "cpu")

    def _host(self):
        return array_module.to_device(self.array, "cpu")

    def item(self):
        if self.array.size != 1:
            raise RuntimeError(f"a Tensor with {self.array.size} elements cannot be converted to Scalar")
        return self.array.reshape(()).item()

    def tolist(self):
        return self._host().tolist()

    # ---- Python's number protocol ----------------------------------------------------------
    def __bool__(self):
        if self.array.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with {'no values' if self.array.size == 0 else 'more than one value'}"
                               " is ambiguous")
        return bool(self.item())

    def _scalar(self):
        """The one element, for float(), int() and complex() (ValueError otherwise, as PyTorch's)."""
        if self.array.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self.item()

    __float__ = lambda self: float(self._scalar())
    __int__ = lambda self: int(self._scalar())
    __complex__ = lambda self: complex(self._scalar())

    def __index__(self):
        if self.array.dtype.kind not in "iub" or self.array.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __format__(self, spec):
        """A 0-d tensor formats as its number ('{:.2f}'); any other only with no format spec, as PyTorch."""
        if self.array.ndim == 0:
            return format(self.item(), spec)
        if spec:
            raise TypeError("unsupported format string passed to Tensor.__format__")
        return str(self)

    def __len__(self):
        if self.array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.array.shape[0]

    def __iter__(self):
        if self.array.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.array.shape[0]))

