"""minigrad.device: the name of where a tensor's numbers live, 'cpu' or 'cuda'."""
from . import array_module


class device(str):
    """A device name, 'cpu' or 'cuda', that compares equal to the plain string
    (torch.device('cuda') == 'cuda' is False in torch; here both spellings work)."""

    def __new__(cls, type, index=None):
        name = str(type).split(":")[0]
        if name not in array_module.DEVICES:
            raise ValueError(f"unknown device {type!r}: use 'cpu' or 'cuda'")
        return super().__new__(cls, name)

    @property
    def type(self):
        return str(self)

    def __repr__(self):
        return f"device(type='{self}')"


CPU, CUDA = device("cpu"), device("cuda")
