"""minigrad.backends: answers for PyTorch scripts and the lecture notebook that ask
`backends.mps.is_available()` or `backends.cudnn.enabled` (minigrad uses neither)."""
from . import cudnn, mps  # noqa: F401
