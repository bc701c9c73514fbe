"""Tensor's pieces along one dimension, each a view of the tensor (basic indexing): narrow,
split, chunk and unbind, with PyTorch's rules for their arguments (a negative start counts from
the end, sizes must add up to the dimension, an empty dimension still gives one empty piece)."""
from .ops.shapes import GetItem


class PieceMethods:
    def narrow(self, dim, start, length):
        """length elements along dim from start (negative: counted from the end); a view."""
        if self.array.ndim == 0:
            raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
        d = self._dim(dim)
        n, start, length = self.shape[d], int(start), int(length)
        if not -n <= start <= n:
            raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got {start})")
        start = start + n if start < 0 else start
        if length < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
        if start + length > n:
            raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
        return self._piece(d, slice(start, start + length), "SliceBackward0")

    def _piece(self, d, part, backward_name):
        """self[..., part] with `part` indexing dim d: a view, its node named as PyTorch's op's."""
        return GetItem.apply(self, index=(slice(None),) * d + (part,), backward_name=backward_name)

    def split(self, split_size, dim=0):
        """Pieces of `split_size` along dim (the last may be smaller), or of the given sizes."""
        if self.array.ndim == 0:
            raise RuntimeError("split expects at least a 1-dimensional tensor")
        d = self._dim(dim)
        n = self.shape[d]
        if isinstance(split_size, (list, tuple)):
            sizes = [int(s) for s in split_size]
            if any(s < 0 for s in sizes) or sum(sizes) != n:
                raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size "
                                   f"at dimension {d}) and have only non-negative entries, but got split_sizes={sizes}")
        else:
            if split_size < 0 or split_size == 0 and n:
                raise RuntimeError(f"split expects split_size be non-negative, and 0 only if the dimension's size is "
                                   f"0, but got split_size={split_size} for dimension size {n}")
            sizes = [min(split_size, n - i) for i in range(0, n, split_size or 1)] or [0]  # empty: one empty piece
        starts = [sum(sizes[:i]) for i in range(len(sizes))]
        name = "SplitWithSizesBackward0" if isinstance(split_size, (list, tuple)) else "SplitBackward0"
        return tuple(self._piece(d, slice(s, s + k), name) for s, k in zip(starts, sizes))

    def chunk(self, chunks, dim=0):
        """`chunks` pieces as equal as split makes them (fewer when the dim is short)."""
        if self.array.ndim == 0:
            raise RuntimeError("chunk expects at least a 1-dimensional tensor")
        if chunks <= 0:
            raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
        n = self.shape[self._dim(dim)]
        return self.split(-(-n // chunks), dim) if n else self.split([0] * chunks, dim)

    def unbind(self, dim=0):
        d = self._dim(dim)
        return tuple(self._piece(d, i, "UnbindBackward0") for i in range(self.shape[d]))
