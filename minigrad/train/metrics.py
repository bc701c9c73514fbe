"""What training reports: accuracy, the loss, the confusion matrix, fastai's smoothed
training loss, and the sign of over-fitting.

`accuracy_np(preds, targs)` is fastai 0.7's (argmax of each row against the target);
it works on probabilities and on log-probabilities alike, since log keeps the order.
"""
import numpy as np


def accuracy_np(preds, targs):
    """fastai 0.7's accuracy_np: the fraction of rows whose largest entry is the target."""
    return float((np.argmax(np.asarray(preds), 1) == np.asarray(targs)).mean())


accuracy = accuracy_np  # the name the recipes and tests used before fastai's


def nll_np(log_preds, targets):
    """Mean of -log p(right class) from log-probabilities: the cross-entropy, unclipped,
    exactly what F.cross_entropy gives the training loop."""
    log_preds = np.asarray(log_preds)
    return float(-log_preds[np.arange(len(targets)), np.asarray(targets)].mean())


def log_loss(probs, targets):
    """The same cross-entropy from probabilities (an exact 0 gives inf, as F.cross_entropy would)."""
    probs = np.asarray(probs, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return nll_np(np.log(probs), targets)


def confusion_matrix(y_true, y_pred, n_classes=None):
    """scikit-learn's confusion_matrix(y_true, y_pred): cm[i, j] = how many images of class i
    were predicted as class j (rows actual, columns predicted). Labels, not probabilities."""
    y_true, y_pred = np.asarray(y_true).astype(np.int64), np.asarray(y_pred).astype(np.int64)
    if y_pred.ndim != 1:
        raise ValueError("confusion_matrix(y_true, y_pred) takes predicted LABELS (as scikit-learn's); "
                         "from probabilities use np.argmax(probs, axis=1)")
    n = n_classes or int(max(y_true.max(initial=-1), y_pred.max(initial=-1)) + 1)
    matrix = np.zeros((n, n), dtype=np.int64)
    np.add.at(matrix, (y_true, y_pred), 1)
    return matrix


class SmoothedLoss:
    """fastai's running training loss: an exponential moving average (beta 0.98), debiased
    so the first values are not pulled towards the starting zero:
        avg = beta * avg + (1 - beta) * loss;   smoothed = avg / (1 - beta ** n)"""

    def __init__(self, beta=0.98):
        self.beta, self.avg, self.n = beta, 0.0, 0

    def update(self, loss):
        self.n += 1
        self.avg = self.beta * self.avg + (1 - self.beta) * loss
        return self.value

    @property
    def value(self):
        return self.avg / (1 - self.beta ** self.n) if self.n else float("nan")


def overfitting_epochs(train_losses, val_losses, fit_calls, noise=0.01):
    """Epochs (0-based) that show over-fitting: within ONE fit call, training loss still
    falling while validation loss rises from the epoch before. The model gets better at
    the training images and worse at new ones: it fits their noise.

    A rise at the first epoch of a fit call is not counted: the rates, the frozen layers or
    precompute may just have changed (a step change or unfreezing makes validation loss jump
    before training has said anything), so there is no earlier epoch of the same run to compare.
    Nor is a rise within the noise: the validation loss is a mean over a few hundred images, whose
    standard error is about the per-image losses' spread / sqrt(n), a percent or more of the loss;
    a rise of `noise` (1%) or less (0.28360 -> 0.28377) says nothing, so only a larger one counts."""
    return [e for e in range(1, len(val_losses))
            if fit_calls[e] == fit_calls[e - 1]
            and val_losses[e] > val_losses[e - 1] * (1 + noise) and train_losses[e] < train_losses[e - 1]]
