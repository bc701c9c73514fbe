"""fastai 0.7's classification head for transfer learning.

The pretrained body turns an image into 512 feature maps. The head pools each
map two ways (its maximum and its average: AdaptiveConcatPool2d, 1024 numbers),
then: BatchNorm1d -> Dropout(0.25) -> Linear(1024, 512) -> ReLU -> BatchNorm1d
-> Dropout(0.5) -> Linear(512, n_classes). Its first two layers (pool, flatten)
have no parameters, so with the body frozen their output is what precompute caches.
"""
import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F


class AdaptiveConcatPool2d(nn.Module):
    """Max-pool and average-pool each channel to output_size and stack both (max first, as fastai)."""

    def __init__(self, output_size=1):
        super().__init__()
        self.output_size = output_size

    def forward(self, x):
        return minigrad.cat([F.adaptive_max_pool2d(x, self.output_size), F.adaptive_avg_pool2d(x, self.output_size)], dim=1)


def fastai_head(n_features, n_classes, ps=(0.25, 0.5), hidden=512):
    """The head on a body with n_features channels (512 for resnet18/34, 2048 for resnet50)."""
    return nn.Sequential(
        AdaptiveConcatPool2d(), nn.Flatten(),
        nn.BatchNorm1d(2 * n_features), nn.Dropout(ps[0]), nn.Linear(2 * n_features, hidden), nn.ReLU(),
        nn.BatchNorm1d(hidden), nn.Dropout(ps[1]), nn.Linear(hidden, n_classes))


FEATURE_LAYERS = 2  # pool + flatten: the head's parameter-free start, cached by precompute
