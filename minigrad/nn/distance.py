"""Distance modules (`nn.CosineSimilarity`, `nn.PairwiseDistance`), as PyTorch's (nn/modules/distance.py
there): each holds its options and calls the function of nn/functional/distance.py."""
from . import functional as F
from .module import Module


class PairwiseDistance(Module):
    """|x1 - x2 + eps|_p along the last dimension; the p-norm's degree is kept as `norm`, as PyTorch."""

    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1, x2):
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class CosineSimilarity(Module):
    """The cosine of the angle between x1 and x2 along dim."""

    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1, x2):
        return F.cosine_similarity(x1, x2, self.dim, self.eps)
