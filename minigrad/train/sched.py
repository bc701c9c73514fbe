"""learn.sched: what the last fit or lr_find call recorded, as fastai 0.7 keeps it.

fastai 0.7 replaces `learn.sched` at every fit and lr_find call with a recorder
of each mini-batch's learning rate and training loss (`LossRecorder`; lr_find's
`LR_Finder`), and draws it with:
    learn.sched.plot_lr()    the learning rate of every iteration of that call
    learn.sched.plot_loss()  the training loss of every iteration
    learn.sched.plot()       lr_find's curve: loss against the rate on a log scale
`lrs` and `losses` hold the head's (last group's) rate and the loss, one per
iteration, as fastai's; `group_lrs` every group's. plot_lr() after lr_find shows
the exponential growth the range test used.
"""
import os

from . import plots


class Sched:
    def __init__(self, kind, name="", folder=None):
        self.kind, self.name, self.folder = kind, name, folder  # kind: "fit" or "lr_find"
        self.iterations, self.lrs, self.group_lrs, self.losses = [], [], [], []
        self.suggestion = None  # lr_find's suggested rate, marked on plot()

    def on_batch(self, rates, loss):
        self.iterations.append(len(self.iterations))
        self.group_lrs.append(list(rates))
        self.lrs.append(rates[-1])
        self.losses.append(loss)

    def _path(self, what, path):
        """Where a script writes the figure: `path`, or in <folder> <kind>[_<name>].png for plot() (e.g.
        lr_find_head.png) and sched_<kind>[_<name>]_<what>.png for the others; None in a notebook,
        which shows it."""
        if path or plots.in_notebook() or not self.folder:
            return path
        name = f"{self.kind}_{self.name}" if self.name else self.kind
        return os.path.join(self.folder, f"{name}.png" if what == "find" else f"sched_{name}_{what}.png")

    def plot_lr(self, path=None):
        """The learning rate of each iteration of the last call (each layer group a line)."""
        title = ("lr_find: the rate grows exponentially, one step per mini-batch" if self.kind == "lr_find"
                 else "learning rate of the last fit call")
        return plots.plot_lr_schedule(self.group_lrs, self._path("lr", path), title=title)

    def plot_loss(self, n_skip=10, n_skip_end=5, path=None):
        """The training loss of each iteration, without the first n_skip and last n_skip_end (fastai's)."""
        end = len(self.losses) - n_skip_end
        n_skip = n_skip if end - n_skip >= 2 else 0  # a short run: show everything rather than nothing
        end = end if end - n_skip >= 2 else len(self.losses)
        return plots.plot_loss(self.iterations[n_skip:end], self.losses[n_skip:end], self._path("loss", path))

    def plot(self, n_skip=10, n_skip_end=5, path=None, chosen=None):
        """lr_find's curve: the smoothed loss against the learning rate (log scale), without
        the first n_skip and last n_skip_end points as fastai's LR_Finder.plot."""
        if self.kind != "lr_find":
            raise ValueError("learn.sched.plot() draws lr_find's curve: run learn.lr_find() first "
                             "(after fit, learn.sched.plot_lr() and plot_loss() show that fit)")
        end = len(self.lrs) - (n_skip_end + 1)
        if end - n_skip < 2:
            n_skip, end = 0, len(self.lrs)
        return plots.plot_lr_find(self.lrs, self.losses, self._path("find", path), suggestion=self.suggestion,
                                  which=self.name, chosen=chosen, shown=(n_skip, end))
