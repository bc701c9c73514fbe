"""Embedding, as PyTorch's (nn/modules/sparse.py there): a lookup table of learned vectors."""
import numpy as np

from .. import array_module
from . import functional as F
from .factory import empty_parameter
from .module import Module
from ..random_source import rng


class Embedding(Module):
    """A table of num_embeddings vectors of embedding_dim numbers, looked up by integer index;
    weights drawn from N(0, 1), the padding_idx row zero and never trained, as PyTorch."""

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, sparse=False, _weight=None, _freeze=False, device=None, dtype=None):
        super().__init__()
        if sparse:
            raise NotImplementedError("Embedding: sparse=True is not supported by minigrad (no sparse gradients); "
                                      "leave it False")
        if padding_idx is not None and not -num_embeddings <= padding_idx < num_embeddings:
            raise AssertionError("Padding_idx must be within num_embeddings")
        self.num_embeddings, self.embedding_dim, self.padding_idx = num_embeddings, embedding_dim, padding_idx
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if padding_idx is not None and padding_idx < 0:
            self.padding_idx = padding_idx + num_embeddings
        if dtype is None and hasattr(_weight, "_result_class"):  # a given Tensor keeps its dtype, as PyTorch
            dtype = _weight.dtype
        self.weight = empty_parameter((num_embeddings, embedding_dim), device, dtype)
        if _weight is None:
            self.weight.array[...] = array_module.to_device(rng().standard_normal((num_embeddings, embedding_dim)).astype(
                self.weight.dtype), self.weight.device)
            if self.padding_idx is not None:
                self.weight.array[self.padding_idx] = 0
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise AssertionError("Shape of weight does not match num_embeddings and embedding_dim")
            table = _weight.array if hasattr(_weight, "_result_class") else np.asarray(_weight)
            self.weight.array[...] = array_module.to_device(table, self.weight.device)
        self.weight.requires_grad_(not _freeze)

    def forward(self, input):
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type, self.scale_grad_by_freq,
                           self.sparse)

    def extra_repr(self):
        options = [(self.padding_idx is not None, f"padding_idx={self.padding_idx}"),
                   (self.max_norm is not None, f"max_norm={self.max_norm}"),
                   (self.norm_type != 2, f"norm_type={self.norm_type}"),
                   (self.scale_grad_by_freq, f"scale_grad_by_freq={self.scale_grad_by_freq}")]
        return ", ".join([f"{self.num_embeddings}, {self.embedding_dim}"] + [text for shown, text in options if shown])

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None, norm_type=2.0,
                        scale_grad_by_freq=False, sparse=False):
        """An Embedding holding a copy of the 2-D `embeddings`, frozen (no gradient) unless freeze=False."""
        if embeddings.ndim != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse, _weight=embeddings,
                   _freeze=freeze)
