"""What the experiment scripts share: arguments, seeds, data as arrays, a small convnet,
a plain training loop, the Learner adapters, tables and figures.

Every experiment repeats each setting over several seeds (one run is an anecdote) and
reports the mean and the standard deviation over seeds. Three sizes:
  --smoke   1 seed, a tiny data set, 1 epoch: checks that the script runs (seconds)
  --quick   3 seeds, the built-in data (300 training, 200 validation images) at 32px: a real
            answer in a few minutes on 2 cores
  (none)    5 seeds, 600 training images, more epochs
Scripts 1-3 use only the low-level API (nn, optim, DataLoader, the SGDR functions);
scripts 4-5 use the Learner through the three adapters at the end of this file.
"""
import argparse
import os
import sys
import tempfile
import time
import warnings

# These models are small: waking a second BLAS thread for a product of a few thousand numbers costs
# more than the product (measured on a busy 2-core machine: 100 batch-1 steps took 0.4 s of CPU on one
# thread, 7.8 s on two). Set OPENBLAS_NUM_THREADS yourself to override; it must be set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

import matplotlib  # noqa: E402

matplotlib.use("Agg")  # files only, no window
import matplotlib.pyplot as plt  # noqa: E402,F401  (the scripts draw with it)

import minigrad  # noqa: E402
import minigrad.nn as nn  # noqa: E402
import minigrad.nn.functional as F  # noqa: E402
import minigrad.optim  # noqa: E402
from minigrad.data import DataLoader, ImageFolder, TensorDataset, make_shapes_dataset, transforms_for  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SIZES = {  # data and repetitions per mode; each script adds its own epochs and settings
    "smoke": dict(seeds=1, n_train=12, n_valid=6, size=16),
    "quick": dict(seeds=3, n_train=150, n_valid=100, size=32),
    "full": dict(seeds=5, n_train=300, n_valid=100, size=32),
}


# ---- arguments and seeds -----------------------------------------------------------------------
def parse_args(description, argv=None, **per_mode):
    """Common flags. `per_mode` gives each script's own settings, e.g. epochs={"smoke": 1, "quick": 6, "full": 12}."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--data", default=None, help="a dogscats-layout folder (default: minigrad's generated "
                   "circles-vs-crosses images)")
    p.add_argument("--quick", action="store_true", help="3 seeds, small: a few minutes on a 2-core CPU")
    p.add_argument("--smoke", action="store_true", help="1 seed, tiny: only checks that the script runs")
    p.add_argument("--seeds", type=int, default=None, help="how many seeds to repeat each setting over")
    p.add_argument("--size", type=int, default=None, help="image side in pixels")
    p.add_argument("--out", default=os.path.join(HERE, "figures"), help="folder for the figure")
    p.add_argument("--work", default=None, help="folder for data, weights and learner files (default: a "
                   "folder in the system's temporary folder; --smoke: beside the figure)")
    args = p.parse_args(argv)
    args.mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    sizes = SIZES[args.mode]
    args.seeds = args.seeds or sizes["seeds"]
    args.size = args.size or sizes["size"]
    args.n_train, args.n_valid = sizes["n_train"], sizes["n_valid"]
    for name, values in per_mode.items():
        setattr(args, name, values[args.mode])
    args.work = args.work or (os.path.join(args.out, "work") if args.smoke else
                              os.path.join(tempfile.gettempdir(), "minigrad-experiments"))
    os.makedirs(args.out, exist_ok=True)
    os.makedirs(args.work, exist_ok=True)
    return args


def seed_everything(seed):
    """One seed for weight initialisation, shuffling, augmentation and dropout (minigrad's
    single random source), and numpy's global generator for anything the script draws itself."""
    minigrad.manual_seed(seed)
    np.random.seed(seed)


# ---- data ----------------------------------------------------------------------------------------
def data_path(args):
    """--data, or the built-in generated images (written once; the smoke set beside the figure)."""
    if args.data:
        return args.data
    if args.mode == "smoke":
        return make_shapes_dataset(os.path.join(args.work, "data"), n_train=args.n_train, n_valid=args.n_valid,
                                   size=args.size)
    return make_shapes_dataset(n_train=args.n_train, n_valid=args.n_valid)


def array_dataset(x, y):
    """(x[i], y[i]) from two arrays: images already decoded, so an epoch costs only the model
    (torch's TensorDataset, sharing the arrays' memory)."""
    return TensorDataset(minigrad.from_numpy(np.ascontiguousarray(x, dtype=np.float32)),
                         minigrad.from_numpy(np.asarray(y, dtype=np.int64)))


def load_arrays(args):
    """(x_train, y_train, x_valid, y_valid): every image resized, center-cropped and normalised
    once (the validation transforms: no augmentation in scripts 1-3)."""
    _, val_tfm = transforms_for(args.size)
    arrays = []
    for split in ("train", "valid"):
        folder = ImageFolder(os.path.join(data_path(args), split), val_tfm)
        x, y = next(iter(DataLoader(folder, batch_size=len(folder))))
        arrays += [x.numpy(), y.numpy()]
    return tuple(arrays)


# ---- the model and the plain training loop ------------------------------------------------------
def small_convnet(n_classes=2, width=16):
    """Three 3x3 conv layers and a global max pool: "is there a stroke or a disc anywhere?".
    No batch norm, on purpose: a mini-batch gradient is then exactly the mean of the per-image
    gradients, whatever the batch size (batch norm would mix the images of a batch), and
    weights can be averaged along a line without running statistics to fix."""
    w = width
    return nn.Sequential(nn.Conv2d(3, w, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(w, 2 * w, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(2 * w, 4 * w, 3, padding=1), nn.ReLU(),
                         nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(4 * w, n_classes))


def seeded_convnet(seed, lr, momentum):
    """small_convnet with the seed's initial weights, and SGD with momentum over its parameters."""
    seed_everything(seed)
    model = small_convnet()
    return model, minigrad.optim.SGD(model.parameters(), lr=lr, momentum=momentum)


def train_epoch(model, optimizer, loader, lr_at=None):
    """One epoch of mini-batch SGD. `lr_at(i)` (i: the iteration within the epoch) sets the rate
    of every parameter group before each step, the way a schedule does. Returns the mean training
    loss, or nan as soon as the loss is not finite (diverged: the rate is too high)."""
    model.train()
    losses = []
    for i, (x, y) in enumerate(loader):
        if lr_at is not None:
            for group in optimizer.param_groups:
                group["lr"] = lr_at(i)
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        value = loss.item()
        if not np.isfinite(value):
            return float("nan")
        loss.backward()
        optimizer.step()
        losses.append(value)
    return float(np.mean(losses))


def fit_and_watch(model, optimizer, loader, epochs, x_valid, y_valid, evals_per_epoch=4, lr_at=None,
                  on_epoch_end=None):
    """Train `epochs` epochs, measuring the validation loss and accuracy `evals_per_epoch` times
    an epoch. `lr_at(t, batches_per_epoch)` (t: the global iteration) sets every group's rate
    before each step; `on_epoch_end(model)` is called after each epoch. Returns (losses, accuracies)."""
    nb = len(loader)
    every = max(1, nb // evals_per_epoch)
    base = [group["lr"] for group in optimizer.param_groups]
    losses, accuracies, t = [], [], 0
    for _ in range(epochs):
        model.train()
        for i, (x, y) in enumerate(loader):
            if lr_at is not None:
                for group, lr in zip(optimizer.param_groups, base):
                    group["lr"] = lr * lr_at(t, nb)  # a schedule only changes this number
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()
            t += 1
            if (i + 1) % every == 0 and (i + 1) // every <= evals_per_epoch:
                loss, acc = evaluate(model, x_valid, y_valid)
                losses.append(loss)
                accuracies.append(acc)
                model.train()
        if on_epoch_end is not None:
            on_epoch_end(model)
    return losses, accuracies


def evaluate(model, x, y, batch_size=256):
    """(mean cross-entropy, accuracy) of `model` on arrays x, y, in eval mode without gradients."""
    model.eval()
    log_probs = []
    with minigrad.no_grad():
        for i in range(0, len(x), batch_size):
            log_probs.append(F.log_softmax(model(minigrad.tensor(x[i:i + batch_size])), dim=1).numpy())
    log_probs = np.concatenate(log_probs)
    loss = -float(np.mean(log_probs[np.arange(len(y)), y]))
    return loss, float(np.mean(log_probs.argmax(1) == y))


def get_weights(model):
    """A copy of every parameter array, by name."""
    return {k: v.array.copy() for k, v in model.state_dict().items()}  # state_dict shares memory: copy


# ---- numbers, tables, figures --------------------------------------------------------------------
def mean_sd(values):
    """'mean ± sd' over seeds (nan runs, which diverged, are left out and counted)."""
    values = np.asarray(values, dtype=float)
    ok = values[np.isfinite(values)]
    if not len(ok):
        return "diverged"
    text = f"{ok.mean():.3f} ± {ok.std(ddof=1) if len(ok) > 1 else 0.0:.3f}"
    return text + (f" ({len(values) - len(ok)} diverged)" if len(ok) < len(values) else "")


def print_table(title, headers, rows):
    """A markdown table (it pastes into the README as it is)."""
    print(f"\n{title}\n")
    print("| " + " | ".join(headers) + " |")
    print("|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|")
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")
    print(flush=True)


def errorbars(ax, x, runs, label, **style):
    """Mean over seeds (rows of `runs`) with bars of one standard deviation; diverged runs (nan) left out."""
    runs = np.asarray(runs, dtype=float).reshape(-1, len(x))
    with warnings.catch_warnings():  # a column where every seed diverged is all nan: no warning for that
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(runs, axis=0)
        sd = np.nanstd(runs, axis=0, ddof=1) if len(runs) > 1 else np.zeros(len(x))
    ax.errorbar(x, mean, yerr=np.nan_to_num(sd), label=label, capsize=3, **style)


def save_figure(fig, args, name):
    path = os.path.join(args.out, name)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    print(f"figure: {path}")
    return path


class Timer:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start


# ---- scripts 4-5: data for the Learner, and the Learner adapters ------------------------------------
def make_data(args, augment=True, bs=32):
    """ImageClassifierData for the experiment's folder; augment=False: no random transform at all.
    num_workers=0: on 2 cores, threads that decode 32px images would only take turns with training."""
    from minigrad.data import ImageClassifierData, transforms_side_on
    aug = dict(aug_tfms=transforms_side_on, max_zoom=1.1) if augment else dict(aug_tfms=[], max_zoom=1.0)
    return ImageClassifierData.from_paths(data_path(args), size=args.size, bs=bs, num_workers=0, **aug)


# The only three places the scripts touch the Learner. The Learner is moving (minigrad/train/),
# and its predictions are taking fastai 0.7's types: predict() -> log-probabilities (n, classes),
# TTA() -> (log_preds stacked (n_aug + 1, n, classes), y). These adapters accept both.
def make_learner(arch, data, weights, precompute, out_dir):
    """ConvLearner.pretrained on `arch` (its body from `weights`, or random when None), quiet."""
    if os.path.isdir(os.path.join(os.path.dirname(minigrad.__file__), "train")):  # the package's own, not
        from minigrad.train import ConvLearner  # another checkout's that an editable install could find
    else:
        from models import ConvLearner
    return ConvLearner.pretrained(arch, data, weights=weights, precompute=precompute, out_dir=out_dir,
                                  verbose=False)


def _as_probabilities(preds):
    """Probabilities from probabilities or log-probabilities (which are <= 0 and do not sum to 1)."""
    preds = np.asarray(preds, dtype=np.float64)
    return np.exp(preds) if (preds < 0).any() else preds


def probabilities(learner):
    """(probabilities (n, classes), targets) of the validation images."""
    if hasattr(learner, "predict_with_targs"):  # fastai 0.7's: (log-probabilities, targets)
        preds, targets = learner.predict_with_targs()
    else:  # the first Learner: predict() -> (probabilities, targets)
        preds, targets = learner.predict()
    return _as_probabilities(preds), np.asarray(targets)


def tta_probabilities(learner, n_aug):
    """(probabilities averaged over the plain view and n_aug augmented copies, targets)."""
    preds, targets = learner.TTA(n_aug=n_aug)
    preds = np.asarray(preds)
    if preds.ndim == 3:  # fastai 0.7's stack (n_aug + 1, n, classes) of log-probabilities
        return np.exp(preds).mean(axis=0), np.asarray(targets)
    return _as_probabilities(preds), np.asarray(targets)


def loss_and_accuracy(probs, targets):
    """(log loss, accuracy) from predicted probabilities."""
    p = np.clip(probs[np.arange(len(targets)), targets], 1e-7, 1)
    return float(-np.mean(np.log(p))), float(np.mean(probs.argmax(1) == targets))
