"""Embedding, as PyTorch's (nn/modules/sparse.py there): a lookup table of learned vectors."""
import numpy as np

from . import functional as F
from .module import Module, Parameter
from ..random_source import rng


class Embedding(Module):
    """A table of num_embeddings vectors of embedding_dim numbers, looked up by integer index;
    weights drawn from N(0, 1), the padding_idx row zero and never trained, as PyTorch."""

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, _weight=None):
        super().__init__()
        self.num_embeddings, self.embedding_dim, self.padding_idx = num_embeddings, embedding_dim, padding_idx
        if padding_idx is not None and padding_idx < 0:
            self.padding_idx = padding_idx + num_embeddings
        table = rng().standard_normal((num_embeddings, embedding_dim)).astype(np.float32) if _weight is None \
            else np.asarray(getattr(_weight, "array", _weight), np.float32)
        if self.padding_idx is not None:
            table[self.padding_idx] = 0
        self.weight = Parameter(table)

    def forward(self, input):
        return F.embedding(input, self.weight, self.padding_idx)

    def extra_repr(self):
        return f"{self.num_embeddings}, {self.embedding_dim}" + (
            f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")
