"""minigrad.Size: a tensor's shape, PyTorch's `torch.Size`: a tuple of ints that prints as
`minigrad.Size([2, 3])`, stays a Size when sliced or extended, and counts its elements."""


class Size(tuple):
    """The shape of a tensor (`x.shape`, `x.size()`): a tuple, so `n, c, h, w = x.shape` works."""

    def __new__(cls, sizes=()):
        return super().__new__(cls, (int(n) for n in sizes))

    def __getitem__(self, index):
        item = super().__getitem__(index)
        return Size(item) if isinstance(index, slice) else item

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))

    def numel(self):
        """The number of elements a tensor of this shape holds (1 for the 0-d shape)."""
        count = 1
        for n in self:
            count *= n
        return count

    def __repr__(self):
        return f"minigrad.Size({list(self)})"
