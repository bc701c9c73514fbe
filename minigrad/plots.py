"""The pictures a learner would rather see than read, saved as PNG files:
the lr_find curve, the learning-rate schedule, training and validation losses,
the confusion matrix, and the most confidently wrong images. matplotlib draws
them (an optional dependency: `pip install minigrad[train]`); each function
returns the path it wrote, or None (with a note) where matplotlib is missing."""
import os

import numpy as np

_warned = False


def _pyplot():
    global _warned
    try:
        import matplotlib
        matplotlib.use("Agg")  # files, no window
        import matplotlib.pyplot as plt
        return plt
    except ImportError:
        if not _warned:
            print("note: matplotlib is not installed, so no plots are saved (pip install matplotlib)")
            _warned = True
        return None


def _save(fig, plt, path):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_lr_find(lrs, losses, path, suggestion=None):
    """Smoothed loss against the learning rate, on a log scale."""
    plt = _pyplot()
    if plt is None:
        return None
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(lrs, losses)
    ax.set_xscale("log")
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("smoothed training loss")
    ax.set_title("lr_find: pick a rate where the loss still falls steeply")
    if suggestion:
        ax.axvline(suggestion, color="red", linestyle="--", label=f"suggested {suggestion:.2g}")
        ax.legend()
    return _save(fig, plt, path)


def plot_lr_schedule(lrs, path, batches_per_epoch=None):
    """The learning rate of every iteration (each layer group a line)."""
    plt = _pyplot()
    if plt is None:
        return None
    lrs = np.asarray(lrs)
    fig, ax = plt.subplots(figsize=(7, 4))
    x = np.arange(len(lrs)) / (batches_per_epoch or 1)
    for g in range(lrs.shape[1] if lrs.ndim == 2 else 1):
        ax.plot(x, lrs[:, g] if lrs.ndim == 2 else lrs, label=f"layer group {g}")
    ax.set_xlabel("epoch" if batches_per_epoch else "iteration")
    ax.set_ylabel("learning rate")
    ax.set_yscale("log")
    ax.set_title("learning-rate schedule (SGDR: cosine annealing with restarts)")
    ax.legend()
    return _save(fig, plt, path)


def plot_losses(history, path):
    """Training (smoothed) and validation loss per epoch; over-fitting epochs marked."""
    plt = _pyplot()
    if plt is None:
        return None
    fig, ax = plt.subplots(figsize=(6, 4))
    epochs = np.arange(1, len(history["train_loss"]) + 1)
    ax.plot(epochs, history["train_loss"], marker="o", label="training loss")
    ax.plot(epochs, history["val_loss"], marker="o", label="validation loss")
    for e in history.get("overfitting", []):
        ax.axvline(e + 1, color="red", alpha=0.3)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title("losses (red: validation loss rose: over-fitting)")
    ax.legend()
    return _save(fig, plt, path)


def plot_confusion_matrix(matrix, classes, path):
    plt = _pyplot()
    if plt is None:
        return None
    fig, ax = plt.subplots(figsize=(4 + len(classes) * 0.3, 4 + len(classes) * 0.3))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(classes)), classes, rotation=45)
    ax.set_yticks(range(len(classes)), classes)
    for i in range(len(classes)):
        for j in range(len(classes)):
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center",
                    color="white" if matrix[i, j] > matrix.max() / 2 else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("actual")
    ax.set_title("confusion matrix")
    return _save(fig, plt, path)


def plot_images(images, titles, path, title="", columns=4):
    """A grid of (H, W, 3) images in [0, 1] with a title under each."""
    plt = _pyplot()
    if plt is None:
        return None
    rows = max(1, -(-len(images) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(3 * columns, 3.2 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, img, name in zip(axes.ravel(), images, titles):
        ax.imshow(img)
        ax.set_title(name, fontsize=9)
    fig.suptitle(title)
    return _save(fig, plt, path)
