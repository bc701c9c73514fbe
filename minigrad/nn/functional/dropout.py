"""Dropout (`F.dropout`, `F.dropout2d`): zero inputs at random while training, scaling the rest
by 1 / (1 - p) so the expected value is unchanged (ops/dropout.py)."""
import warnings

from ...backend import get_array_module
from ...ops.dropout import Dropout
from ...tensor import Tensor


def dropout(input, p=0.5, training=True, inplace=False):
    """Inverted dropout; the identity when not training or p == 0."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: p must be a probability in [0, 1], got {p}")
    if not training or p == 0:
        return input
    if inplace:
        return input._inplace(lambda t: Dropout.apply(t, p=p))
    return Dropout.apply(input, p=p)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Channel dropout: each whole channel (N, C, H, W -> one (n, c) map) is zeroed with probability p,
    the others scaled by 1 / (1 - p); the identity when not training. Neighbouring pixels are
    correlated, so dropping single pixels would hardly regularise a conv layer."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout2d: p must be a probability in [0, 1], got {p}")
    if input.ndim not in (3, 4):
        raise ValueError(f"dropout2d: expected a 4-D input (N, C, H, W), got shape {tuple(input.shape)}")
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a "
                      "batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, "
                      "please switch to using dropout1d instead.", UserWarning, stacklevel=2)
    if not training or p == 0:
        return input
    xp = get_array_module(input.array)
    ones = Tensor(xp.ones(input.shape[:2] + (1,) * (input.ndim - 2), dtype=input.dtype), dtype=input.dtype)
    mask = dropout(ones, p)  # one 0 or 1/(1-p) per channel, broadcast over its pixels
    return input.mul_(mask) if inplace else input * mask
