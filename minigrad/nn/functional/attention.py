"""Scaled dot-product attention (`F.scaled_dot_product_attention`), the heart of a transformer:

    attention(Q, K, V) = softmax(Q K^T * scale + mask) V,   scale = 1 / sqrt(E) by default

Each of the L queries scores every one of the S keys by a dot product, the scores become weights
that sum to 1 over the keys (softmax), and the output is that weighted average of the values. It is
PyTorch's reference ("math") implementation, written with differentiable tensor ops so that the
gradient comes from them: Q and K are each scaled by sqrt(scale) before the product (as PyTorch,
for stability); a boolean mask keeps the keys where it is True, a float mask is added to the
scores; is_causal lets query i see keys 0..i only; a row that can see no key at all gives zeros
(PyTorch's "safe" softmax), not NaN; enable_gqa lets groups of query heads share one key/value head.
"""
import math

import numpy as np

from ...autograd import no_grad
from ...factories import ones, zeros
from ...ops.broadcast_errors import check_broadcasts_into
from ...tensor_special import c_name as _cpp  # a dtype as PyTorch's attention errors name it: float, long int
from .dropout import dropout

def _check(query, key, value, attn_mask, is_causal):
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise RuntimeError(f"Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: "
                           f"{query.ndim} key.dim: {key.ndim} and value.dim: {value.ndim} instead.")
    if not query.dtype == key.dtype == value.dtype:
        raise RuntimeError(f"Expected query, key, and value to have the same dtype, but got query.dtype: "
                           f"{_cpp(query.dtype)} key.dtype: {_cpp(key.dtype)} and value.dtype: {_cpp(value.dtype)} "
                           "instead.")
    if not query.is_floating_point():
        raise RuntimeError(f"expected scalar type Float but found {_cpp(query.dtype).capitalize()} (attention takes "
                           "floating-point query, key and value)")
    if attn_mask is not None and attn_mask.dtype.kind != "b" and attn_mask.dtype != query.dtype:
        raise RuntimeError(f"Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                           f"attn_mask.dtype: {_cpp(attn_mask.dtype)} and  query.dtype: {_cpp(query.dtype)} instead.")
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
    if attn_mask is not None:  # it is added to the scores, in place in PyTorch: it may not make them larger
        scores = np.broadcast_shapes(query.shape[:-2], key.shape[:-2]) + (query.shape[-2], key.shape[-2])
        check_broadcasts_into(attn_mask.shape, scores)


def _as_additive(mask, dtype):
    """A boolean mask (True: may attend) as 0 where True and -inf where False; a float mask as it is."""
    if mask.dtype.kind != "b":
        return mask
    return zeros(mask.shape, dtype=dtype, device=mask.device).masked_fill(~mask, float("-inf"))


def _share_heads(query, key, value):
    """Grouped-query attention: each key/value head serves query_heads / kv_heads query heads, as
    repeat_interleave along the head dim (-3): heads k0, k1 become k0, k0, k1, k1."""
    heads, kv_heads = query.shape[-3], key.shape[-3]
    if kv_heads != value.shape[-3] or heads % kv_heads:
        raise RuntimeError("Number of heads in key and value must divide the number of heads in query")
    repeat = heads // kv_heads

    def spread(t):
        shape = t.shape[:-3] + (kv_heads, repeat) + t.shape[-2:]
        return t.unsqueeze(-3).expand(shape).reshape(t.shape[:-3] + (heads,) + t.shape[-2:])
    return spread(key), spread(value)


def safe_softmax(scores):
    """softmax over the last dim, with a row of scores that are all -inf (nothing to attend to) giving
    zeros and no gradient, as PyTorch's _safe_softmax (a plain softmax would give 0/0 = NaN)."""
    with no_grad():
        blind = (scores == float("-inf")).all(dim=-1, keepdim=True)
    return scores.masked_fill(blind, 0.0).softmax(-1).masked_fill(blind, 0.0)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """softmax(query key^T * scale + mask) value, over the last two dims (L queries, S keys), any
    dims before them broadcast. query (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev).
    dropout_p > 0 drops attention weights (always: pass 0.0 in evaluation, as PyTorch)."""
    _check(query, key, value, attn_mask, is_causal)
    root = math.sqrt(abs(1 / math.sqrt(query.shape[-1]) if scale is None else scale))
    if is_causal:  # query i sees keys 0..i (aligned at the top left when L != S, as PyTorch)
        attn_mask = ones((query.shape[-2], key.shape[-2]), dtype=bool, device=query.device).tril()
    if enable_gqa:
        key, value = _share_heads(query, key, value)
    signed_root = -root if scale is not None and scale < 0 else root
    scores = (query * signed_root) @ (key.transpose(-2, -1) * root)
    if attn_mask is not None:
        scores = scores + _as_additive(attn_mask, query.dtype)
    weights = safe_softmax(scores)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, training=True)
    return weights @ value
