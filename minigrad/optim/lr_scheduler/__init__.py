"""Learning-rate schedules, as PyTorch's `torch.optim.lr_scheduler`.

A scheduler only writes numbers into the optimizer's `param_groups[i]["lr"]`; call
`scheduler.step()` once per epoch (or per batch for OneCycleLR), after `optimizer.step()`.
Each group's starting rate is kept as group["initial_lr"] (`base_lrs`), and every rule keeps
the ratios between groups, so differential learning rates survive a schedule.

    StepLR:        lr = base * gamma ** (epoch // step_size)
    MultiStepLR:   lr = base * gamma ** (number of milestones passed)
    LinearLR:      lr = base * (start_factor -> end_factor linearly over total_iters epochs)
    ExponentialLR: lr = base * gamma ** epoch
    LambdaLR:      lr = base * lr_lambda(epoch)
    CosineAnnealingLR: lr = eta_min + (base - eta_min) * (1 + cos(pi * epoch / T_max)) / 2
    CosineAnnealingWarmRestarts (SGDR): half a cosine from base down to eta_min, over cycles
        of T_0 * T_mult**i epochs, then a restart at the top:
        lr = eta_min + (base - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2
        `step(epoch)` takes a fractional epoch, so the rate can change every mini-batch.
    OneCycleLR: see onecycle.py; ReduceLROnPlateau (driven by a validation metric): plateau.py.
fastai's per-iteration SGDR, used by Learner.fit, is in sgdr.py.
"""
from .onecycle import OneCycleLR
from .plateau import ReduceLROnPlateau
from .schedulers import (LRScheduler, StepLR, MultiStepLR, LinearLR, ExponentialLR, LambdaLR, CosineAnnealingLR, CosineAnnealingWarmRestarts)

__all__ = ['LRScheduler', 'StepLR', 'MultiStepLR', 'LinearLR', 'ExponentialLR', 'LambdaLR', 'CosineAnnealingLR', 'CosineAnnealingWarmRestarts', 'OneCycleLR', 'ReduceLROnPlateau']
