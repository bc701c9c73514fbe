"""Learning-rate schedules: PyTorch's CosineAnnealingWarmRestarts (SGDR).

SGDR anneals the rate along half a cosine, from each group's initial rate down
to eta_min, then restarts at the top. Cycle i lasts T_0 * T_mult**i epochs:
    lr = eta_min + (lr_0 - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2
`step(epoch)` takes a fractional epoch, so the rate can change every mini-batch.
fastai's per-iteration version, used by Learner.fit, is in sgdr.py.
"""
import math


class CosineAnnealingWarmRestarts:
    def __init__(self, optimizer, T_0, T_mult=1, eta_min=0.0):
        if T_0 <= 0 or not isinstance(T_0, int):
            raise ValueError(f"CosineAnnealingWarmRestarts: T_0 must be a positive integer, got {T_0}")
        if T_mult < 1 or not isinstance(T_mult, int):
            raise ValueError(f"CosineAnnealingWarmRestarts: T_mult must be an integer >= 1, got {T_mult}")
        self.optimizer, self.T_0, self.T_mult, self.eta_min = optimizer, T_0, T_mult, eta_min
        self.base_lrs = [g["lr"] for g in optimizer.param_groups]
        self.T_i, self.T_cur, self.last_epoch = T_0, 0, 0
        self._apply()

    def get_last_lr(self):
        return [g["lr"] for g in self.optimizer.param_groups]

    def step(self, epoch=None):
        """Advance one epoch, or jump to a (fractional) `epoch`."""
        if epoch is None:
            self.last_epoch += 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur -= self.T_i
                self.T_i *= self.T_mult
        else:
            if epoch < 0:
                raise ValueError(f"CosineAnnealingWarmRestarts: epoch must be non-negative, got {epoch}")
            if epoch >= self.T_0:  # which cycle is `epoch` in?
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                    self.T_i = self.T_0
                else:
                    n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult ** n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult ** n
            else:
                self.T_i, self.T_cur = self.T_0, epoch
            self.last_epoch = math.floor(epoch)
        self._apply()

    def _apply(self):
        for group, base in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = self.eta_min + (base - self.eta_min) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
