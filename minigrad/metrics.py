"""What training reports: accuracy, log loss, the confusion matrix, fastai's smoothed
training loss, and the sign of over-fitting (validation loss going up)."""
import numpy as np


def accuracy(probs, targets):
    """The fraction of predictions whose most probable class is the target."""
    return float((np.asarray(probs).argmax(axis=1) == np.asarray(targets)).mean())


def log_loss(probs, targets, eps=1e-7):
    """Mean of -log(probability given to the right class): the cross-entropy of predictions."""
    probs = np.asarray(probs)
    picked = probs[np.arange(len(targets)), np.asarray(targets)]
    return float(-np.log(np.clip(picked, eps, 1)).mean())


def confusion_matrix(probs, targets, n_classes=None):
    """matrix[i, j] = how many images of class i were predicted as class j."""
    predicted = np.asarray(probs).argmax(axis=1)
    n = n_classes or np.asarray(probs).shape[1]
    matrix = np.zeros((n, n), dtype=np.int64)
    np.add.at(matrix, (np.asarray(targets), predicted), 1)
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


def overfitting_epochs(val_losses):
    """Epochs (0-based) whose validation loss rose above the epoch before: the model starts
    fitting the training images' noise rather than what generalises."""
    return [e for e in range(1, len(val_losses)) if val_losses[e] > val_losses[e - 1]]
