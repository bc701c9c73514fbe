"""The Transformer of "Attention Is All You Need", as PyTorch's nn.Transformer: an encoder (a stack of
TransformerEncoderLayer, then a LayerNorm) reads the source sequence into a memory, and a decoder (a
stack of TransformerDecoderLayer, then a LayerNorm) reads the target sequence while attending to that
memory. A stack holds deep copies of the one layer it is given (PyTorch's `_get_clones`), so every
layer starts from the same weights until nn.Transformer re-initialises them (Xavier-uniform). The
layers themselves, and their equations, are in transformer_layer.py. A causal mask (position i sees
positions <= i) is `Transformer.generate_square_subsequent_mask(n)`.
"""
import copy
import warnings

from ..autograd.grad_mode import is_grad_enabled
from ..factories import arange, full
from . import functional as F
from . import init
from .containers import ModuleList
from .functional.attention_multihead import canonical_mask
from .module import Module
from .normalization import LayerNorm
from .transformer_layer import TransformerDecoderLayer, TransformerEncoderLayer

__all__ = ["Transformer", "TransformerEncoder", "TransformerDecoder", "TransformerEncoderLayer",
           "TransformerDecoderLayer"]


def _generate_square_subsequent_mask(sz, device=None, dtype=None):
    """(sz, sz): -inf above the diagonal (the future, blocked), 0 on and below it."""
    return full((sz, sz), float("-inf"), dtype=dtype, device=device).triu(diagonal=1)


def _get_clones(module, n):
    return ModuleList([copy.deepcopy(module) for _ in range(n)])


def _get_seq_len(src, batch_first):
    """The sequence length: dim 0 of (S, E) or (S, N, E), dim 1 of (N, S, E)."""
    return src.shape[0] if src.ndim == 2 else src.shape[1 if batch_first else 0]


def _detect_is_causal_mask(mask, is_causal=None, size=None):
    """is_causal when given; when None, whether `mask` equals the causal mask of `size` (PyTorch's
    check, so a causal mask passed without the hint is recognised and run as causal)."""
    if is_causal is not None or mask is None:
        return is_causal is True
    causal = _generate_square_subsequent_mask(size if size is not None else mask.shape[-2], mask.device, mask.dtype)
    return tuple(mask.shape) == tuple(causal.shape) and bool((mask == causal).all())


def _why_not_nested(layer):
    """PyTorch's reason, from the layer it is given, why TransformerEncoder will not pack padded
    sequences into a nested tensor ('' when it will)."""
    name = "encoder_layer"
    if not isinstance(layer, TransformerEncoderLayer):
        return f"{name} was not TransformerEncoderLayer"
    if layer.norm_first:
        return f"{name}.norm_first was True"
    if not layer.self_attn.batch_first:
        return f"{name}.self_attn.batch_first was not True(use batch_first for better inference performance)"
    if not layer.self_attn._qkv_same_embed_dim:
        return f"{name}.self_attn._qkv_same_embed_dim was not True"
    if layer.self_attn.in_proj_bias is None:
        return f"{name}.self_attn was passed bias=False"
    if not layer.activation_relu_or_gelu:
        return f"{name}.activation_relu_or_gelu was not True"
    if layer.norm1.eps != layer.norm2.eps:
        return f"{name}.norm1.eps was not equal to {name}.norm2.eps"
    if layer.self_attn.num_heads % 2 == 1:
        return f"{name}.self_attn.num_heads is odd"
    return ""


class TransformerEncoder(Module):
    """num_layers copies of encoder_layer applied in turn, then `norm` if given:
    x = norm(layer_n(... layer_1(src))).

    PyTorch packs padded sequences into a nested tensor when it can (use_nested_tensor, evaluation
    mode, a batched src with a src_key_padding_mask and no mask, nothing needing a gradient): each
    sequence then runs without its padding, and the padded positions come out as 0 (before `norm`).
    minigrad gives the same numbers without nested tensors (`_nested_padding`)."""

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True, mask_check=True):
        super().__init__()
        self.layers = _get_clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor  # what was asked for
        self.use_nested_tensor = enable_nested_tensor  # what will be done
        self.mask_check = mask_check
        why_not = _why_not_nested(encoder_layer)
        if enable_nested_tensor and why_not:
            warnings.warn(f"enable_nested_tensor is True, but self.use_nested_tensor is False because {why_not}",
                          stacklevel=2)
            self.use_nested_tensor = False

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        """mask (S, S) or (N * nhead, S, S), src_key_padding_mask (N, S); is_causal=None recognises a causal mask."""
        src_key_padding_mask = canonical_mask(src_key_padding_mask, "src_key_padding_mask", src.dtype,
                                              other=mask, other_name="mask")
        mask = canonical_mask(mask, "mask", src.dtype)
        batch_first = self.layers[0].self_attn.batch_first
        padded = self._nested_padding(src, mask, src_key_padding_mask)
        if padded is not None:  # as PyTorch's nested tensors: padding is never read, and comes out 0
            src = src.masked_fill(padded.unsqueeze(-1), 0.0)
            src_key_padding_mask = canonical_mask(padded, "src_key_padding_mask", src.dtype)
        is_causal = _detect_is_causal_mask(mask, is_causal, _get_seq_len(src, batch_first))
        output = src
        for mod in self.layers:
            output = mod(output, src_mask=mask, is_causal=is_causal, src_key_padding_mask=src_key_padding_mask)
        if padded is not None:
            output = output.masked_fill(padded.unsqueeze(-1), 0.0)
        if self.norm is not None:
            output = self.norm(output)
        return output

    def _nested_padding(self, src, mask, src_key_padding_mask):
        """Where PyTorch would take its nested-tensor path (see the class), the (N, S) positions it
        leaves out: those past each sequence's length, the number of 0s in its (0 / -inf) key padding
        mask. With mask_check only a mask whose padding is all at the end is packed (it is then the
        same mask); without, each sequence's first `length` tokens are taken, as PyTorch. Else None."""
        layer = self.layers[0]
        if (not self.use_nested_tensor or layer.training or src.ndim != 3 or src_key_padding_mask is None
                or mask is not None or tuple(src_key_padding_mask.shape) != tuple(src.shape[:2])):
            return None
        attn, norms, linears = layer.self_attn, (layer.norm1, layer.norm2), (layer.linear1, layer.linear2)
        tensors = [src, attn.in_proj_weight, attn.in_proj_bias, attn.out_proj.weight, attn.out_proj.bias]
        tensors += [p for m in norms + linears for p in (m.weight, m.bias)]
        if is_grad_enabled() and any(t is not None and t.requires_grad for t in tensors):
            return None
        valid = src_key_padding_mask == 0
        lengths = valid.sum(1, keepdim=True)
        padded = arange(src.shape[1], device=src.device).unsqueeze(0) >= lengths
        if self.mask_check and not bool((valid != padded).all()):
            return None  # not left-aligned: PyTorch runs the masks as given
        return padded


class TransformerDecoder(Module):
    """num_layers copies of decoder_layer applied in turn to tgt, each attending to the same memory,
    then `norm` if given."""

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = _get_clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        seq_len = _get_seq_len(tgt, self.layers[0].self_attn.batch_first)
        tgt_is_causal = _detect_is_causal_mask(tgt_mask, tgt_is_causal, seq_len)
        output = tgt
        for mod in self.layers:
            output = mod(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                         tgt_key_padding_mask=tgt_key_padding_mask, memory_key_padding_mask=memory_key_padding_mask,
                         tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
        if self.norm is not None:
            output = self.norm(output)
        return output


class Transformer(Module):
    """memory = encoder(src); output = decoder(tgt, memory). src is (S, N, E), tgt (T, N, E)
    ((N, S, E) and (N, T, E) with batch_first=True; (S, E) and (T, E) for one sequence pair); the
    output has tgt's shape. Every parameter of more than one dimension is re-drawn Xavier-uniform."""

    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6, dim_feedforward=2048,
                 dropout=0.1, activation=F.relu, custom_encoder=None, custom_decoder=None, layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        factory = dict(device=device, dtype=dtype)
        layer_args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first, norm_first,
                      bias)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            encoder_layer = TransformerEncoderLayer(*layer_args, **factory)
            encoder_norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
            self.encoder = TransformerEncoder(encoder_layer, num_encoder_layers, encoder_norm)
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            decoder_layer = TransformerDecoderLayer(*layer_args, **factory)
            decoder_norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
            self.decoder = TransformerDecoder(decoder_layer, num_decoder_layers, decoder_norm)
        self._reset_parameters()
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None, src_key_padding_mask=None,
                tgt_key_padding_mask=None, memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal=False):
        """Masks as the layers': True or -inf blocks; (src/tgt/memory)_is_causal hint at a causal mask."""
        batch_dim = 0 if self.batch_first else 1
        if src.ndim == 3 and src.shape[batch_dim] != tgt.shape[batch_dim]:
            raise RuntimeError("the batch number of src and tgt must be equal")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError("the feature number of src and tgt must be equal to d_model")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask, memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """The causal mask: a float (sz, sz) of -inf above the diagonal and 0 elsewhere."""
        return _generate_square_subsequent_mask(sz, dtype=dtype, device=device)

    def _reset_parameters(self):
        """Xavier-uniform for every weight matrix (biases and norms keep their values)."""
        for p in self.parameters():
            if p.dim() > 1:
                init.xavier_uniform_(p)
