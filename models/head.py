"""fastai 0.7's classification head for transfer learning.

The pretrained body turns an image into C feature maps (512 for resnet18/34, 2048 for
resnet50). The head pools each map two ways (its maximum and its average:
AdaptiveConcatPool2d, 2C numbers),
then for each hidden width in xtra_fc (default [512]): BatchNorm1d -> Dropout(p)
-> Linear -> ReLU, and last BatchNorm1d -> Dropout(p) -> Linear(.., n_classes).
ps, the dropout probabilities, default to 0.25 for the hidden layers and 0.5 for the
last (fastai's); a single number applies to every layer, as in fastai's ps=0.5.
Its first two layers (pool, flatten) have no parameters, so with the body frozen
their output is what precompute caches.
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


def fastai_head(n_features, n_classes, ps=None, xtra_fc=None):
    """The head on a body with n_features channels (512 for resnet18/34, 2048 for resnet50)."""
    xtra_fc = [512] if xtra_fc is None else list(xtra_fc)
    if ps is None:
        ps = [0.25] * len(xtra_fc) + [0.5]
    if not isinstance(ps, (list, tuple)):
        ps = [ps] * (len(xtra_fc) + 1)
    if len(ps) != len(xtra_fc) + 1:
        raise ValueError(f"ps: {len(ps)} dropout probabilities for {len(xtra_fc) + 1} linear layers "
                         f"(xtra_fc={xtra_fc} and the output layer): give one number, or one per layer")
    layers = [AdaptiveConcatPool2d(), nn.Flatten()]
    width = 2 * n_features
    for hidden, p in zip(xtra_fc, ps):
        layers += [nn.BatchNorm1d(width), nn.Dropout(p), nn.Linear(width, hidden), nn.ReLU()]
        width = hidden
    layers += [nn.BatchNorm1d(width), nn.Dropout(ps[-1]), nn.Linear(width, n_classes)]
    return nn.Sequential(*layers)


FEATURE_LAYERS = 2  # pool + flatten: the head's parameter-free start, cached by precompute
