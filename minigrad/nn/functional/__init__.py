"""The functional interface (`import minigrad.nn.functional as F`), with PyTorch's names and
arguments, one file per family: conv, linear, pooling, normalization, activation, dropout, loss,
sparse. Each function calls one op of `minigrad/ops/`, where its forward and backward are written
out; a few are compositions of other ops, which is how the lecture defines them
(cross_entropy = nll_loss(log_softmax))."""
from .activation import gelu, leaky_relu, leaky_relu_, log_softmax, relu, relu_, sigmoid, silu, softmax, tanh
from .conv import conv2d, conv_padding  # noqa: F401  (conv_padding: the layers share it)
from .dropout import dropout, dropout2d
from .linear import linear
from .loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, l1_loss, mse_loss,
                   nll_loss, smooth_l1_loss)
from .normalization import batch_norm, layer_norm, normalize
from .pooling import adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, max_pool2d
from .sparse import embedding, one_hot

__all__ = ["conv2d", "linear", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d",
           "batch_norm", "layer_norm", "normalize", "relu", "relu_", "leaky_relu", "leaky_relu_", "silu", "gelu",
           "sigmoid", "tanh", "softmax", "log_softmax", "dropout", "dropout2d", "nll_loss", "cross_entropy",
           "mse_loss", "l1_loss", "smooth_l1_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
           "one_hot", "embedding"]
