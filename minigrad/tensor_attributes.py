"""What PyTorch asks of a Tensor beyond the idea (a first reading may skip this file): the is_*
questions (`is_cuda`, `is_sparse`...), sizes in bytes, `.data` (another Tensor over the same array,
outside the graph), shared memory for other processes, deepcopy, and numpy's `np.array(t)`."""
from . import array_module, shared_arrays


class AttributeMethods:
    is_cuda = property(lambda self: array_module.device_of(self.array) == "cuda")
    is_cpu = property(lambda self: array_module.device_of(self.array) != "cuda")
    is_xpu = is_mps = is_meta = is_xla = is_ipu = is_maia = is_mtia = is_vulkan = property(lambda self: False)
    is_sparse = is_sparse_csr = is_quantized = is_nested = is_mkldnn = property(lambda self: False)  # as torch's
    itemsize = property(lambda self: self.array.dtype.itemsize)
    is_floating_point = lambda self: self.array.dtype.kind == "f"

    def ndimension(self):
        return self.array.ndim

    def share_memory_(self):
        """The numbers moved into memory other processes share (shared_arrays.py), in place, as torch's;
        a no-op if already shared, and on the GPU (torch would use CUDA IPC)."""
        if array_module.device_of(self.array) != "cuda" and not shared_arrays.is_shared(self.array):
            self.array = shared_arrays.share(self.array)
        return self

    is_shared = lambda self: shared_arrays.is_shared(self.array)  # noqa: E731

    def nelement(self):
        return self.array.size

    def element_size(self):
        return self.array.dtype.itemsize

    @property
    def data(self):
        """PyTorch's `.data`: a Tensor over the same array, outside the graph; autograd does not
        see its in-place changes (its version counter is its own). The array itself is `.array`."""
        return self._result_class._wrap(self.array)

    @data.setter
    def data(self, value):  # t.data = other: t now holds other's array, as PyTorch
        if not hasattr(value, "_result_class"):
            raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__} "
                            "(the numpy/cupy array itself is t.array)")
        self.array = value.array

    def __deepcopy__(self, memo):
        """As PyTorch: a leaf copies into a new leaf (values, requires_grad, .grad); a tensor in the graph refuses."""
        if self._node is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                               "protocol at the moment.")
        if id(self) not in memo:
            out = type(self)._wrap(self.array.copy())
            out.requires_grad = self.requires_grad
            memo[id(self)] = out
            out._grad = None if self._grad is None else self._grad.__deepcopy__(memo)
        return memo[id(self)]

    def __array__(self, dtype=None, copy=None):  # np.array(t) copies (numpy asks with copy=True), np.asarray shares
        array = self._host() if dtype is None else self._host().astype(dtype)
        return array.copy() if copy and dtype is None else array

