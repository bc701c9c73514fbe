"""lr_find, the learning-rate range test (Leslie Smith; fastai 0.7's lr_find and LR_Finder).

Train for at most one epoch of n mini-batches while the learning rate grows exponentially from
start_lr (1e-5) towards end_lr (10), one step per mini-batch, as fastai's:
    lr_i = start_lr * (end_lr / start_lr) ** (i / n)   (i = 0 .. n - 1)
and record the training loss, smoothed (EMA with beta 0.98, debiased). Stop when the loss is NaN,
or passes 4x the best seen: fastai counts the best only from the 12th mini-batch (the first
losses of a fresh model are noise), so before that only a NaN (or inf) stops it. (The smoothing is
metrics.py's SmoothedLoss; the plot is sched.py's.) Then put the weights back
exactly as they were. `learn.sched` then holds the run (fastai's LR_Finder): `learn.sched.plot()`
draws loss against log(lr); read it for the rate where the loss still falls steeply, before its
lowest point. `suggest_lr` picks one automatically (fastai 0.7 prints none): a tenth of the rate
at the lowest loss.
"""
import math

from .metrics import SmoothedLoss
from .sched import Sched


class LRFinderResult:
    def __init__(self, lrs, losses, suggestion, plot_path, reason):
        self.lrs, self.losses, self.suggestion, self.plot_path, self.reason = lrs, losses, suggestion, plot_path, reason

    def __repr__(self):
        return f"LRFinderResult(suggestion={self.suggestion:.3g}, {len(self.lrs)} steps)"


def suggest_lr(lrs, losses):
    """A rate to train with, and why. Where the loss clearly fell, a tenth of the rate at its
    lowest point (still falling steadily there, not yet unstable). Where it never clearly fell
    (a randomly initialised network, or a very short epoch), a hundredth of the rate at which
    it first rose clearly (above 1.3x the median loss before it): words that never contradict the
    reason the run stopped (a finished epoch is no blow-up)."""
    if not losses:
        raise ValueError("suggest_lr: no finite loss to read a rate from (every loss was NaN or inf, or none was "
                         "recorded)")
    best = min(range(len(losses)), key=lambda i: losses[i])
    if losses[best] < 0.9 * losses[0]:
        return lrs[best] / 10, (f"the smoothed loss was lowest ({losses[best]:.3f}) at lr {lrs[best]:.2g}; "
                                f"a tenth of that is where it still falls steadily")
    for i in range(3, len(losses)):
        if losses[i] > 1.3 * sorted(losses[:i])[i // 2]:
            return lrs[i] / 100, (f"the loss never clearly fell, and rose above 1.3x its median at lr {lrs[i]:.2g}; "
                                  f"a hundredth of that stays well clear")
    return lrs[-1] / 100, "the loss neither fell nor rose clearly; a hundredth of the largest rate tried"


def lr_find(learner, start_lr=1e-5, end_lr=10.0, beta=0.98, stop_factor=4.0, plot=False, name=""):
    """Run the range test on `learner`; returns an LRFinderResult and leaves the run in
    learner.sched. The learner's weights and batch-norm statistics are left exactly as they were.
    `name` says which run this is on the plot (e.g. "head", "unfrozen"); plot=True also draws it."""
    snapshot = {k: _copy(v) for k, v in learner.model.state_dict().items()}
    start = learner.group_lrs(start_lr)
    batches = learner.train_batches()
    n = len(batches)
    if n < 10:  # fastai runs them all the same; say that such a curve cannot be read
        learner.log(f"lr_find: the training set is {n} mini-batch(es), so the curve has at most {n} point(s) and "
                    "says little: use a smaller batch size (bs=, --bs) for a curve to read")
    growth = (end_lr / start[-1]) ** (1 / max(n, 1))  # fastai's lr_mult: end_lr / start_lr over n steps
    optimizer = learner.make_optimizer(start)
    smoothed, best = SmoothedLoss(beta), math.inf
    lrs, losses, reason = [], [], f"finished one epoch ({n} mini-batches)"
    sched = learner.sched = Sched("lr_find", name, folder=learner.out_dir)
    learner.set_train_mode()
    try:
        for i, (x, y) in enumerate(batches):
            rates = [lr * growth ** i for lr in start]
            for group, lr in zip(optimizer.param_groups, rates):
                group["lr"] = lr
            loss = learner.train_step(x, y, optimizer, check=False)
            value = smoothed.update(loss) if math.isfinite(loss) else math.nan
            lrs.append(rates[-1])
            losses.append(value)
            sched.on_batch(rates, value)
            if not math.isfinite(value):
                reason = f"the loss became {loss} at lr {rates[-1]:.2g}"
                break
            if value > stop_factor * best:
                reason = f"the smoothed loss passed {stop_factor:g}x its best at lr {rates[-1]:.2g}"
                break
            if i > 10:  # fastai's LR_Finder: the best counts from the 12th mini-batch on
                best = min(best, value)
    finally:
        learner.model.load_state_dict(snapshot)  # weights and running statistics exactly as before
    finite = [(lr, loss) for lr, loss in zip(lrs, losses) if math.isfinite(loss)]
    if lrs and not finite:  # NaN at a tiny rate, before any step could blow up: the input already holds it
        raise ValueError(f"lr_find: the loss was {loss} from the very first mini-batch (lr {lrs[0]:.2g}, "
                               "before any step), so no rate can be suggested: the weights or the images hold "
                               "NaN or inf (check the weight file, e.g. --weights, and the data)")
    suggestion, why = suggest_lr([lr for lr, _ in finite], [loss for _, loss in finite])
    sched.suggestion = suggestion
    keep = [i for i, loss in enumerate(sched.losses) if math.isfinite(loss)]
    sched.lrs, sched.losses = [sched.lrs[i] for i in keep], [sched.losses[i] for i in keep]
    sched.group_lrs, sched.iterations = [sched.group_lrs[i] for i in keep], list(range(len(keep)))
    path = sched.plot(n_skip=0, n_skip_end=0) if plot else None
    learner.log(f"lr_find: stopped because {reason}. Suggested learning rate: {suggestion:.2g} ({why})"
                + (f"; plot: {path}" if path else ""))
    return LRFinderResult(lrs, losses, suggestion, path, reason)


def _copy(value):
    """An independent copy of a state_dict value (an array, or a Tensor sharing memory)."""
    value = value.array if hasattr(value, "requires_grad") else value
    return value.copy()
