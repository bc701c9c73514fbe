"""minigrad: a small deep-learning framework that makes fast.ai's lesson 1 explicit.

Read it in the order of the lecture: `array_module` (numpy or cupy), `autograd`
(the graph and backpropagation), `ops/` (each op with its backward), `tensor`
(the Tensor that calls them), `gradcheck`, `nn/` (layers), then optimisation,
data and the training loop. The imports run one way: autograd <- ops <- tensor <- nn.
"""
from . import accelerator, backends, cuda, return_types  # noqa: F401
from .autograd import Function, enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .array_module import cuda_available
from .random_source import Generator, manual_seed
from .ops.fast.workspace import get_num_threads, set_num_threads
from .dtypes import (bool, double, float, float16, float32, float64, half, int, int8, int16, int32,  # noqa: A004
                     int64, long, short, uint8)
from .factories import (arange, cat, concat, concatenate, empty, empty_like, eye, full, full_like, linspace, ones,
                        ones_like, rand, rand_like, randint, randn, randn_like, randperm, stack, where, zeros,
                        zeros_like)
from .factories import einsum, normal, tril_indices, triu_indices  # noqa: F401
from .tensor_functions import *  # noqa: F401,F403  (minigrad.sum(x, 1), minigrad.max(x, 1), ...)
from .joins import (atleast_1d, atleast_2d, atleast_3d, broadcast_tensors, cartesian_prod, column_stack,  # noqa: F401
                    dstack, hstack, meshgrid, row_stack, vstack)
from .searching import bucketize, searchsorted  # noqa: F401
from .derived_factories import as_tensor, logspace, randint_like  # noqa: F401
from .promotion import can_cast, contiguous_format, preserve_format, promote_types, result_type  # noqa: F401
from .gradcheck import gradcheck
from .legacy import (BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor, HalfTensor, IntTensor,  # noqa: F401
                     LongTensor, ShortTensor)
from .size import Size
from .tensor import Tensor, device, from_numpy, tensor

__version__ = "0.1.0"


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(t):
    return t.is_floating_point()


def numel(t):
    return t.numel()


def flatten(input, start_dim=0, end_dim=-1):
    return input.flatten(start_dim, end_dim)


__all__ = ["Tensor", "tensor", "from_numpy", "Function", "no_grad", "enable_grad", "set_grad_enabled",
           "is_grad_enabled", "manual_seed", "cuda_available", "gradcheck", "cat", "stack", "where",
           "set_num_threads", "get_num_threads", "device", "zeros", "ones", "full", "empty", "arange",
           "linspace", "eye", "rand", "randn", "randint", "randperm", "zeros_like", "ones_like", "full_like",
           "empty_like", "rand_like", "randn_like", "float32", "float64", "float16", "int64", "int32", "int16",
           "int8", "uint8", "is_tensor", "Size"]  # not `bool`, `int`, `float`: a star-import must not shadow builtins

from .weights import load, load_weights, save, save_weights  # noqa: E402

__all__ += ["load_weights", "save_weights", "save", "load"]

from . import nn, optim  # noqa: E402,F401  (as `import torch` gives torch.nn and torch.optim)
from . import utils  # noqa: E402,F401  (torch.utils.data's names: minigrad.utils.data.DataLoader; after nn, which
#                      minigrad.distributed's DistributedSampler builds on)
from . import multiprocessing, onnx, serialization  # noqa: E402,F401  (torch.multiprocessing, .onnx, .serialization)
from .nn import modules as _nn_modules  # noqa: E402,F401  (torch.nn.modules.<file>.<Layer>; made from all of nn)
