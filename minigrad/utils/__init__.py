"""PyTorch's `torch.utils` place names: `minigrad.utils.data` is `torch.utils.data`."""
from . import data  # noqa: F401
