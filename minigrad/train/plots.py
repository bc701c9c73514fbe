"""The pictures a learner would rather see than read: the lr_find curve, the
learning-rate schedule, training and validation losses, the confusion matrix, and
images with titles.

In a Jupyter notebook (the inline backend) each figure is shown under its cell; in a
script it is written as a PNG and its path printed. Every function returns the path
it wrote (None when it wrote none). matplotlib is an optional dependency
(`pip install -e '.[train]'`); without it a note is printed once and nothing drawn.
"""
import itertools
import os
import textwrap

import numpy as np

from .. import distributed

_warned = False


def in_notebook():
    """True under Jupyter's inline backend, where a figure shows itself under the cell."""
    try:
        import matplotlib
    except ImportError:
        return False
    return "inline" in matplotlib.get_backend().lower()


def _pyplot():
    global _warned
    try:
        import matplotlib
        if not in_notebook():
            matplotlib.use("Agg")  # a script: files, no window
        import matplotlib.pyplot as plt
        return plt
    except ImportError:
        if not _warned:
            print("note: matplotlib is not installed, so no plots are drawn (pip install matplotlib)")
            _warned = True
        return None


def finish(fig, path, plt):
    """Show the figure (notebook) and/or write it to `path` (PNG), then let it go."""
    if fig.get_layout_engine() is None:
        fig.tight_layout()
    if path and not distributed.is_main_process():
        path = None  # data-parallel: rank 0 alone writes the pictures
    if path:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        fig.savefig(path, dpi=100)
    if in_notebook():
        plt.show()
    elif path:
        print(f"plot: {path}", flush=True)
    plt.close(fig)
    return path


def plot_lr_find(lrs, losses, path=None, suggestion=None, which="", chosen=None, shown=None):
    """Smoothed training loss against the learning rate, on a log scale; the suggested rate
    (and the rate actually chosen, where the caller says) marked. `shown=(first, end)`: the points
    fastai's plot draws; the ones it leaves out (the first ten, the last five) are drawn in grey,
    so that the rate where the run stopped, which lr_find's message names, is on the picture."""
    plt = _pyplot()
    if plt is None:
        return None
    fig, ax = plt.subplots(figsize=(6, 4))
    first, end = shown or (0, len(lrs))
    if (first, end) != (0, len(lrs)):
        ax.plot(lrs, losses, color="lightgrey", label="left out by fastai's plot")
    ax.plot(lrs[first:end], losses[first:end])
    ax.set_xscale("log")
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("smoothed training loss")
    ax.set_title(f"lr_find{f' ({which})' if which else ''}: loss as the rate grows")
    if suggestion:
        ax.axvline(suggestion, color="red", linestyle="--", label=f"suggested {suggestion:.2g}")
    if chosen:
        ax.axvline(chosen, color="green", linestyle="-", label=f"chosen {chosen:.2g}")
    if suggestion or chosen or (first, end) != (0, len(lrs)):
        ax.legend()
    return finish(fig, path, plt)


def plot_lr_schedule(group_lrs, path=None, batches_per_epoch=None, title="learning-rate schedule",
                     group_names=None, ends=()):
    """The learning rate of every iteration, one line per layer group (named in the legend);
    `ends` are the iterations where one fit call ended, marked by dotted lines."""
    plt = _pyplot()
    if plt is None or not len(group_lrs):
        return None
    lrs = np.asarray(group_lrs, dtype=np.float64).reshape(len(group_lrs), -1)
    scale = batches_per_epoch or 1
    x = np.arange(len(lrs)) / scale
    fig, ax = plt.subplots(figsize=(7, 4))
    names = group_names or [f"layer group {g}" for g in range(lrs.shape[1])]
    for g in range(lrs.shape[1]):
        ax.plot(x, lrs[:, g], label=names[g] if g < len(names) else f"layer group {g}")
    for end in ends:
        ax.axvline(end / scale, color="grey", linestyle=":")
    ax.set_xlabel("epoch" if batches_per_epoch else "iteration")
    ax.set_ylabel("learning rate")
    ax.set_yscale("log")
    ax.set_title(title + (" (dotted: where a fit call ended)" if len(ends) else ""))
    ax.legend()
    return finish(fig, path, plt)


def plot_loss(iterations, losses, path=None):
    """The training loss of each iteration (fastai's sched.plot_loss)."""
    plt = _pyplot()
    if plt is None:
        return None
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(iterations, losses)
    ax.set_xlabel("iteration")
    ax.set_ylabel("training loss")
    ax.set_title("training loss of the last call")
    return finish(fig, path, plt)


def plot_losses(history, path=None):
    """Training and validation loss per epoch; dotted lines where a fit call ended,
    red bands on the epochs flagged as over-fitting."""
    plt = _pyplot()
    if plt is None or not history["epoch"]:
        return None
    fig, ax = plt.subplots(figsize=(7, 4))
    epochs = np.arange(1, len(history["train_loss"]) + 1)
    ax.plot(epochs, history["train_loss"], marker="o", label="training loss")
    ax.plot(epochs, history["val_loss"], marker="o", label="validation loss")
    calls = history.get("fit_call", [])
    for e in range(1, len(calls)):
        if calls[e] != calls[e - 1]:
            ax.axvline(e + 0.5, color="grey", linestyle=":")
    for e in history.get("overfitting", []):
        ax.axvspan(e + 0.5, e + 1.5, color="red", alpha=0.15)
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy loss")
    ax.set_title("losses (dotted: a new fit call; red: over-fitting)")
    ax.legend()
    return finish(fig, path, plt)


def plot_confusion_matrix(cm, classes, normalize=False, title="Confusion matrix", cmap=None, figsize=None,
                          path=None):
    """fastai 0.7's plot_confusion_matrix(cm, classes, normalize=False, title=..., cmap=Blues):
    prints the matrix and draws it, rows the true label, columns the predicted one."""
    plt = _pyplot()
    cm = np.asarray(cm)
    if normalize:
        cm = cm.astype(np.float64) / cm.sum(axis=1, keepdims=True)
    print(cm)
    if plt is None:
        return None
    fig = plt.figure(figsize=figsize or (4 + len(classes) * 0.3, 4 + len(classes) * 0.3))
    # the scale starts at 0, so that a count of 8 looks like 8, not like nothing; the text is white on
    # the cells darker than the scale's middle, black on the lighter ones
    plt.imshow(cm, interpolation="nearest", cmap=cmap or plt.cm.Blues, vmin=0, vmax=max(cm.max(), 1e-12))
    plt.title(title)
    plt.colorbar()
    ticks = np.arange(len(classes))
    plt.xticks(ticks, classes, rotation=45)
    plt.yticks(ticks, classes)
    threshold = cm.max() / 2.0
    for i, j in itertools.product(range(cm.shape[0]), range(cm.shape[1])):
        text = f"{cm[i, j]:.2f}" if normalize else str(cm[i, j])
        plt.text(j, i, text, horizontalalignment="center", color="white" if cm[i, j] > threshold else "black")
    plt.ylabel("True label")
    plt.xlabel("Predicted label")
    return finish(fig, path, plt)


def plot_images(images, titles, path=None, title="", columns=4):
    """A grid of (H, W, 3) images in [0, 1], each with its title above it (wrapped, with room
    left between rows so no title runs into the image above)."""
    plt = _pyplot()
    if plt is None:
        return None
    return finish(images_figure(plt, images, titles, title, columns), path, plt)


def images_figure(plt, images, titles, title="", columns=4):
    rows = max(1, -(-len(images) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(3 * columns, 3.6 * rows), squeeze=False, layout="constrained")
    for ax in axes.ravel():
        ax.axis("off")
    for ax, img, name in zip(axes.ravel(), images, titles):
        ax.imshow(img)
        ax.set_title("\n".join(textwrap.wrap(str(name), 28)), fontsize=9)
    if title:
        fig.suptitle(title)
    return fig
