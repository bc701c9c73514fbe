"""The functional interface (`import minigrad.nn.functional as F`), with PyTorch's names and
arguments, one file per family: conv, linear, pooling, normalization, padding, vision
(interpolate, pixel_shuffle), activation and activation_piecewise (hardtanh, relu6...), dropout,
loss (classification), loss_margin, loss_distribution, distance, sparse (embedding, one_hot),
attention and attention_multihead, rnn (the recurrent cells' equations). Each function calls one
op of `minigrad/ops/`, where its forward and backward are written out; a few are compositions of
other ops, which is how the lecture defines them (cross_entropy = nll_loss(log_softmax))."""
from .activation import (celu, celu_, elu, elu_, gelu, glu, leaky_relu, leaky_relu_, log_softmax, logsigmoid, mish,
                         relu, relu_, selu, selu_, sigmoid, silu, softmax, softmin, softplus, softsign, tanh,
                         tanhshrink)
from .activation_piecewise import (hardshrink, hardsigmoid, hardswish, hardtanh, hardtanh_, prelu, relu6, rrelu,
                                   rrelu_, softshrink, threshold, threshold_)
from .conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d
from .attention import scaled_dot_product_attention
from .attention_multihead import multi_head_attention_forward
from .dropout import alpha_dropout, dropout, dropout1d, dropout2d, dropout3d, feature_alpha_dropout
from .linear import bilinear, linear
from .fold import fold, unfold
from .pooling_lp import lp_pool1d, lp_pool2d
from .distance import cosine_similarity, pairwise_distance, pdist
from .loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, huber_loss, l1_loss,
                   mse_loss, nll_loss, smooth_l1_loss)
from .loss_distribution import gaussian_nll_loss, kl_div, poisson_nll_loss
from .loss_margin import (cosine_embedding_loss, hinge_embedding_loss, margin_ranking_loss, multi_margin_loss,
                          multilabel_soft_margin_loss, soft_margin_loss, triplet_margin_loss,
                          triplet_margin_with_distance_loss)
from .normalization import (batch_norm, group_norm, instance_norm, layer_norm, local_response_norm, normalize,
                            rms_norm)
from .padding import pad
from .pooling import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_max_pool1d, adaptive_max_pool2d, avg_pool1d,
                      avg_pool2d, max_pool1d, max_pool2d, max_unpool1d, max_unpool2d)
from .vision import interpolate, pixel_shuffle, pixel_unshuffle, upsample, upsample_bilinear, upsample_nearest
from .sparse import embedding, one_hot

__all__ = ["conv2d", "linear", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d",
           "batch_norm", "layer_norm", "normalize", "relu", "relu_", "leaky_relu", "leaky_relu_", "silu", "gelu",
           "sigmoid", "tanh", "softmax", "log_softmax", "dropout", "dropout2d", "nll_loss", "cross_entropy",
           "mse_loss", "l1_loss", "smooth_l1_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
           "one_hot", "embedding",
           # layers beyond the lesson's (helper B)
           "conv1d", "conv_transpose1d", "conv_transpose2d", "max_pool1d", "avg_pool1d", "adaptive_avg_pool1d",
           "adaptive_max_pool1d", "max_unpool1d", "max_unpool2d", "group_norm", "instance_norm", "pad", "interpolate",
           "upsample", "upsample_nearest", "upsample_bilinear", "pixel_shuffle", "pixel_unshuffle",
           # activations beyond the lesson's (helper D)
           "elu", "elu_", "selu", "celu", "softplus", "logsigmoid", "mish", "softsign", "tanhshrink", "glu", "softmin",
           "hardtanh", "hardtanh_", "relu6", "hardsigmoid", "hardswish", "threshold", "threshold_", "hardshrink",
           "softshrink", "prelu", "rrelu", "rrelu_",
           # losses and distances beyond the lesson's (helper D)
           "huber_loss", "kl_div", "poisson_nll_loss", "gaussian_nll_loss", "cosine_similarity", "pairwise_distance",
           "margin_ranking_loss", "hinge_embedding_loss", "soft_margin_loss", "cosine_embedding_loss",
           "triplet_margin_loss", "triplet_margin_with_distance_loss", "multi_margin_loss",
           "multilabel_soft_margin_loss",
           # attention and the dropout family (helper D)
           "scaled_dot_product_attention", "multi_head_attention_forward", "dropout1d", "dropout3d", "alpha_dropout",
           "feature_alpha_dropout",
           # im2col/col2im, and more activations, norms and pools (issue 22)
           "unfold", "fold", "celu_", "selu_", "pdist", "rms_norm", "local_response_norm", "lp_pool1d", "lp_pool2d",
           "bilinear"]
