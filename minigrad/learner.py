"""The Learner: fastai 0.7's training loop, in its vocabulary.

A Learner holds a model made of a pretrained `body` and a new `head`, the data,
and the model's layer groups (for resnet: stem..layer2 / layer3..layer4 / head).

- freeze() trains the head only; freeze_to(n) the groups from n on; unfreeze() all.
  Frozen parameters have requires_grad=False, so no gradient is even computed for
  them, and frozen batch norms run in eval mode (their statistics stay put).
- fit(lrs, n_cycle, cycle_len, cycle_mult) trains with SGD (momentum 0.9) and the
  SGDR schedule (optim/sgdr.py), one rate per layer group: differential learning rates.
- precompute=True trains the head on cached body activations (precompute.py).
- lr_find() runs the learning-rate range test (lr_find.py); TTA() averages the
  predicted probabilities of each validation image and augmented copies of it.
- Each epoch ends with a checkpoint written atomically; fit(..., resume=True)
  continues an interrupted run from its last finished epoch with identical state.
"""
import json
import math
import os
import time

import numpy as np

from . import backend, distributed, metrics, plots
from .data.loader import DataLoader, training_loader
from .data.transforms import denormalize
from .distributed.learner import wrap_learner
from .lr_find import lr_find
from .nn import functional as F
from .nn.layers import _BatchNorm
from .nn.module import Sequential
from .optim import SGD, sgdr_epochs, sgdr_multiplier
from .precompute import ArrayDataset, cached_activations
from .tensor import Tensor, no_grad
from .weights import load_weights, save_weights


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite: the learning rate is too high (or the data is broken)."""


class Learner:
    def __init__(self, body, head, data, layer_groups, device="cpu", out_dir="runs/learner",
                 feature_layers=2, momentum=0.9, weight_decay=0.0, verbose=True):
        distributed.init_process_group()  # under mpiexec: join the ranks, each its own GPU, before .to(device)
        self.body, self.head, self.data = body, head, data
        self.model = Sequential(body, head).to(backend.check_device(device))
        self.layer_groups, self.device, self.out_dir = layer_groups, device, out_dir
        self.feature_layers, self.momentum, self.weight_decay, self.verbose = feature_layers, momentum, weight_decay, verbose
        self._precompute, self._cache = False, {}
        self.opt = None
        self.history = {"epoch": [], "train_loss": [], "val_loss": [], "accuracy": [], "overfitting": []}
        self.lr_history = []  # every iteration's per-group rates, for plot_lr
        self.freeze()
        wrap_learner(self)  # under mpiexec: sharded batches, averaged gradients, rank 0 writes; else nothing

    # ---- messages and files --------------------------------------------------------------
    def log(self, message):
        if self.verbose:
            print(message, flush=True)

    def path(self, name):
        os.makedirs(self.out_dir, exist_ok=True)
        return os.path.join(self.out_dir, name)

    # ---- frozen and unfrozen layers ---------------------------------------------------------
    def freeze_to(self, n):
        """Train layer groups n, n+1, ...; the ones before get no gradient at all."""
        groups = len(self.layer_groups)
        n = n % groups if n < 0 else n
        for i, group in enumerate(self.layer_groups):
            for p in group.parameters():
                p.requires_grad = i >= n
        self.frozen_groups = n
        if self._precompute and n < groups - 1:
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
            if isinstance(m, _BatchNorm) and not any(p.requires_grad for p in m.parameters()):
                m.eval()

    # ---- precomputed activations -------------------------------------------------------------
    @property
    def precompute(self):
        return self._precompute

    @precompute.setter
    def precompute(self, value):
        if value and self.frozen_groups < len(self.layer_groups) - 1:
            raise ValueError("precompute=True needs the body frozen (call freeze() first): "
                             "the cached activations would go stale as the body trains")
        if value and not self._precompute:
            self.log("precompute: on. The body's activations are computed once and the head trains on them; "
                     "data augmentation has NO effect while precompute is on (a cache holds one version of each image)")
        elif not value and self._precompute:
            self.log("precompute: off. Images go through the whole network again, with data augmentation")
        self._precompute = bool(value)

    def features(self, x):
        """Body plus the head's parameter-free pooling: what precompute caches."""
        return self.head[:self.feature_layers](self.body(x))

    def _activations(self, split):
        if split not in self._cache:
            self.body.eval()
            loader = self.data.fix_dl if split == "train" else self.data.val_dl
            self._cache[split] = cached_activations(self.features, self.body, loader, self.data.size, self.device,
                                                    log=self.log)
        return self._cache[split]

    def forward(self, x):
        """Logits for a batch of images, or of cached activations when precompute is on."""
        if self._precompute:
            return self.head[self.feature_layers:](x)
        return self.model(x)

    def train_batches(self):
        if self._precompute:
            x, y = self._activations("train")
            return training_loader(ArrayDataset(x, y), self.data.bs)
        return self.data.trn_dl

    def val_batches(self):
        if self._precompute:
            x, y = self._activations("valid")
            return DataLoader(ArrayDataset(x, y), self.data.bs)
        return self.data.val_dl

    # ---- optimisation -------------------------------------------------------------------------
    def group_lrs(self, lrs):
        """One rate per layer group: a number applies to every group; a list needs one per group."""
        if isinstance(lrs, (int, float, np.floating)):
            return [float(lrs)] * len(self.layer_groups)
        lrs = [float(lr) for lr in lrs]
        if len(lrs) != len(self.layer_groups):
            raise ValueError(f"got {len(lrs)} learning rates for {len(self.layer_groups)} layer groups: give one "
                             f"number, or one rate per group (e.g. [1e-4, 1e-3, 1e-2] for stem..layer2, layer3..4, head)")
        return lrs

    def make_optimizer(self, lrs):
        groups = [{"params": list(g.parameters()), "lr": lr} for g, lr in zip(self.layer_groups, lrs)]
        return SGD(groups, lr=lrs[-1], momentum=self.momentum, weight_decay=self.weight_decay)

    def _on_device(self, x):
        """A batch (Tensor or array) on the learner's device."""
        return x.to(self.device) if isinstance(x, Tensor) else Tensor(x, device=self.device)

    def train_step(self, x, y, optimizer, check=True):
        """One mini-batch of stochastic gradient descent; returns the loss."""
        x = self._on_device(x)
        optimizer.zero_grad()
        loss = F.cross_entropy(self.forward(x), y)
        value = loss.item()
        if check and not math.isfinite(value):
            raise TrainingDiverged(
                f"the training loss became {value}: training stopped. The learning rate is probably too high; "
                "run lr_find() and pick a rate where the loss is still falling (or check the data for broken images)")
        if math.isfinite(value):
            loss.backward()
            optimizer.step()
        return value

    # ---- fit ------------------------------------------------------------------------------------
    def fit(self, lrs, n_cycle, cycle_len=None, cycle_mult=1, checkpoint="fit", resume=False):
        """Train sum(cycle_len * cycle_mult**i) epochs (n_cycle without cycle_len) with SGDR."""
        lrs = self.group_lrs(lrs)
        epochs = sgdr_epochs(n_cycle, cycle_len, cycle_mult)
        batches = self.train_batches()
        per_epoch = len(batches)
        call = {"lrs": lrs, "n_cycle": n_cycle, "cycle_len": cycle_len, "cycle_mult": cycle_mult,
                "precompute": self._precompute, "frozen_groups": self.frozen_groups}
        self.opt = self.make_optimizer(lrs)
        first_epoch = 0
        ckpt = self.path(os.path.join("checkpoints", f"{checkpoint}.npz"))
        if resume and os.path.exists(ckpt):
            first_epoch = self._restore(ckpt, call)
            if first_epoch >= epochs:
                self.log(f"fit: '{checkpoint}' already finished ({epochs} epochs); loaded its result")
                return self.history
            self.log(f"fit: resuming '{checkpoint}' after epoch {first_epoch} of {epochs}")
        schedule = f"SGDR, {n_cycle} cycle(s) of {cycle_len} epoch(s) x {cycle_mult}" if cycle_len else "constant rate"
        self.log(f"fit: {epochs} epoch(s), {per_epoch} mini-batches each, {schedule}, rates "
                 + ", ".join(f"{lr:.2g}" for lr in lrs))
        self.log(f"{'epoch':>5}  {'train_loss':>10}  {'val_loss':>8}  {'accuracy':>8}  {'time':>6}")
        try:
            for epoch in range(first_epoch, epochs):
                start = time.time()
                train_loss = self._train_epoch(batches, epoch, epochs, per_epoch, lrs, n_cycle, cycle_len, cycle_mult)
                val_loss, acc = self.validate()
                self._record(epoch, train_loss, val_loss, acc, time.time() - start)
                self._checkpoint(ckpt, call, epoch + 1)
        except KeyboardInterrupt:
            self.log(f"\ninterrupted: the last finished epoch is saved in {ckpt}; run again with resume=True "
                     "(the recipe: --resume) to continue from there")
            raise
        return self.history

    def _train_epoch(self, batches, epoch, epochs, per_epoch, lrs, n_cycle, cycle_len, cycle_mult):
        self.set_train_mode()
        smoothed = metrics.SmoothedLoss()
        bar = _progress(batches, f"epoch {epoch + 1}/{epochs}", self.verbose)
        for i, (x, y) in enumerate(bar):
            factor = sgdr_multiplier(epoch * per_epoch + i, per_epoch, n_cycle, cycle_len, cycle_mult)
            for group, lr in zip(self.opt.param_groups, lrs):
                group["lr"] = lr * factor  # the schedule only changes this number
            self.lr_history.append([g["lr"] for g in self.opt.param_groups])
            loss = smoothed.update(self.train_step(x, y, self.opt))
            if hasattr(bar, "set_postfix"):
                bar.set_postfix(loss=f"{loss:.4f}")
        return smoothed.value

    def _record(self, epoch, train_loss, val_loss, acc, seconds):
        h = self.history
        h["epoch"].append(len(h["epoch"]))
        h["train_loss"].append(train_loss)
        h["val_loss"].append(val_loss)
        h["accuracy"].append(acc)
        h["overfitting"] = metrics.overfitting_epochs(h["val_loss"])
        rising = h["overfitting"][-1:] == [len(h["epoch"]) - 1]
        mark = "  <- validation loss rose: over-fitting?" if rising else ""
        self.log(f"{epoch + 1:>5}  {train_loss:>10.4f}  {val_loss:>8.4f}  {acc:>8.4f}  {seconds:>5.1f}s{mark}")

    # ---- checkpoints: save, load, resume ----------------------------------------------------------
    def _checkpoint(self, path, call, epochs_done):
        state = {f"model/{k}": v for k, v in self.model.state_dict().items()}
        opt = self.opt.state_dict()
        state.update({f"optim/{k}": v for k, v in opt["buffers"].items()})
        meta = {"call": call, "epochs_done": epochs_done, "history": self.history, "lr_history": self.lr_history,
                "optim_groups": opt["groups"], "rng": backend.rng().bit_generator.state}
        state["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        save_weights(state, path)

    def _restore(self, path, call):
        state = load_weights(path)
        meta = json.loads(bytes(state["meta"]).decode())
        if meta["call"] != json.loads(json.dumps(call)):
            raise ValueError(f"{path} was saved by fit({meta['call']}), not fit({call}): "
                             "resume with the same arguments, or delete the checkpoint to start over")
        self.model.load_state_dict({k[6:]: v for k, v in state.items() if k.startswith("model/")})
        self.opt.load_state_dict({"buffers": {k[6:]: v for k, v in state.items() if k.startswith("optim/")},
                                  "groups": meta["optim_groups"]})
        self.history, self.lr_history = meta["history"], meta["lr_history"]
        backend.rng().bit_generator.state = meta["rng"]
        return meta["epochs_done"]

    def save(self, name):
        """Write the model's weights to <out_dir>/models/<name>.npz, atomically."""
        return save_weights(self.model.state_dict(), self.path(os.path.join("models", f"{name}.npz")))

    def load(self, name):
        self.model.load_state_dict(load_weights(self.path(os.path.join("models", f"{name}.npz"))))
        self._cache.clear()

    # ---- evaluation -----------------------------------------------------------------------------
    def predict(self, loader=None):
        """(probabilities (N, classes), targets) on the validation set, or on `loader`."""
        self.model.eval()
        probs, targets = [], []
        with no_grad():
            for x, y in loader or self.val_batches():
                x = self._on_device(x)
                probs.append(F.softmax(self.forward(x), dim=1).numpy())
                targets.append(y.numpy() if isinstance(y, Tensor) else np.asarray(y))
        return np.concatenate(probs), np.concatenate(targets)

    def validate(self):
        probs, targets = self.predict()
        return metrics.log_loss(probs, targets), metrics.accuracy(probs, targets)

    def TTA(self, n_aug=4):
        """Test-time augmentation: average the predicted PROBABILITIES of each validation image
        and n_aug randomly augmented copies of it. Returns (probabilities, targets)."""
        self.model.eval()
        probs, targets = [], []
        with no_grad():
            for x, y in self.data.tta_dl(n_aug):
                b, views = x.shape[:2]
                flat = x.reshape(b * views, *x.shape[2:]).to(self.device)
                p = F.softmax(self.model(flat), dim=1).numpy().reshape(b, views, -1)
                probs.append(p.mean(axis=1))
                targets.append(y.numpy())
        return np.concatenate(probs), np.concatenate(targets)

    def lr_find(self, start_lr=1e-5, end_lr=10.0, **kwargs):
        return lr_find(self, start_lr, end_lr, **kwargs)

    # ---- pictures -----------------------------------------------------------------------------
    def plot_lr(self, name="lr_schedule.png"):
        if not self.lr_history:
            return None
        return plots.plot_lr_schedule(self.lr_history, self.path(name), batches_per_epoch=len(self.data.trn_dl))

    def plot_losses(self, name="losses.png"):
        return plots.plot_losses(self.history, self.path(name)) if self.history["epoch"] else None

    def plot_confusion_matrix(self, probs, targets, name="confusion_matrix.png"):
        matrix = metrics.confusion_matrix(probs, targets, self.data.c)
        return plots.plot_confusion_matrix(matrix, self.data.classes, self.path(name))

    def plot_most_confident_wrong(self, probs, targets, name="most_confident_wrong.png", k=8):
        """The validation images the model got wrong with the highest confidence."""
        predicted = probs.argmax(axis=1)
        wrong = np.flatnonzero(predicted != targets)
        if not len(wrong):
            self.log("no validation image was misclassified: nothing to show")
            return None
        worst = wrong[np.argsort(-probs[wrong, predicted[wrong]])][:k]
        images = [denormalize(self.data.val_ds[i][0]) for i in worst]
        titles = [f"{self.data.classes[predicted[i]]} ({probs[i, predicted[i]]:.2f}), is "
                  f"{self.data.classes[targets[i]]}" for i in worst]
        return plots.plot_images(images, titles, self.path(name), "most confidently wrong")


def _progress(batches, description, verbose):
    """A tqdm progress bar (batches, loss, ETA) when tqdm is installed and output is wanted."""
    if not verbose:
        return batches
    try:
        from tqdm import tqdm
        # disable=None: a bar on a terminal, nothing in a log file (the epoch lines remain)
        return tqdm(batches, desc=description, leave=False, dynamic_ncols=True, mininterval=1.0, disable=None)
    except ImportError:
        return batches
