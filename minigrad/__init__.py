"""minigrad: a small deep-learning framework that makes fast.ai's lesson 1 explicit.

Read it in the order of the lecture: `backend` (numpy or cupy), `tensor`
(autograd), `ops/` (each op with its backward), `gradcheck`, `nn/` (layers),
then optimisation, data and the training loop.
"""
from . import ops  # noqa: F401  (installs Tensor's operators and methods)
from .backend import cuda_available, get_num_threads, manual_seed, set_num_threads
from .gradcheck import gradcheck
from .ops import cat
from .tensor import Function, Tensor, is_grad_enabled, no_grad, tensor

__version__ = "0.1.0"

__all__ = ["Tensor", "tensor", "Function", "no_grad", "is_grad_enabled", "manual_seed",
           "cuda_available", "gradcheck", "cat", "set_num_threads", "get_num_threads"]

from .weights import load, load_weights, save, save_weights  # noqa: E402

__all__ += ["load_weights", "save_weights", "save", "load"]
