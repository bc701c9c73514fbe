"""Layer groups, frozen and unfrozen layers, one learning rate per group.

A model for transfer learning is split into layer groups (for a resnet: stem..layer2 /
layer3..layer4 / head). freeze() trains the head only; freeze_to(n) the groups from n on;
unfreeze() all. Frozen parameters have requires_grad=False, so no gradient is even
computed for them, and frozen batch norms run in eval mode (their running statistics stay
put). fit(lrs, ...) takes one rate, or one per group: differential learning rates.
"""
import numpy as np

from ..nn import BatchNorm1d, BatchNorm2d
from ..optim import SGD

BATCH_NORMS = (BatchNorm1d, BatchNorm2d)


class LayerGroups:
    """The freezing half of the Learner (mixed in): needs self.layer_groups and self.model."""

    def freeze_to(self, n):
        """Train layer groups n, n+1, ...; the ones before get no gradient at all."""
        groups = len(self.layer_groups)
        n = n % groups if n < 0 else n
        for i, group in enumerate(self.layer_groups):
            for p in group.parameters():
                p.requires_grad = i >= n
        self.frozen_groups = n
        if getattr(self, "_precompute", False) and n < groups - 1:
            self.log("precompute: turned off, since the body is no longer frozen")
            self._precompute = False

    def freeze(self):
        """Train the head only (the last layer group)."""
        self.freeze_to(len(self.layer_groups) - 1)

    def unfreeze(self):
        self.freeze_to(0)

    def set_train_mode(self):
        """Training mode, except batch norms whose parameters are frozen: they stay in eval mode,
        so a frozen layer really stays as it was (its running statistics do not move)."""
        self.model.train()
        for m in self.model.modules():
            if isinstance(m, BATCH_NORMS) and not any(p.requires_grad for p in m.parameters()):
                m.eval()

    def group_lrs(self, lrs):
        """One rate per layer group: a number applies to every group; a list needs one per group."""
        if isinstance(lrs, (int, float, np.floating, np.integer)) or np.ndim(lrs) == 0:
            return [float(lrs)] * len(self.layer_groups)
        lrs = [float(lr) for lr in lrs]
        if len(lrs) != len(self.layer_groups):
            raise ValueError(f"got {len(lrs)} learning rates for {len(self.layer_groups)} layer groups: give one "
                             f"number, or one rate per group (e.g. [1e-4, 1e-3, 1e-2] for "
                             f"{', '.join(self.group_names)})")
        return lrs

    def make_optimizer(self, lrs):
        groups = [{"params": list(g.parameters()), "lr": lr} for g, lr in zip(self.layer_groups, lrs)]
        return SGD(groups, lr=lrs[-1], momentum=self.momentum, weight_decay=self.weight_decay)
