"""minigrad.backends: only so that PyTorch scripts asking `backends.mps.is_available()` get an answer."""
from . import mps  # noqa: F401
