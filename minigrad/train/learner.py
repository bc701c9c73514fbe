"""The Learner: fastai 0.7's training loop, in its vocabulary.

A Learner holds a model made of a pretrained `body` and a new `head`, the data, and
the model's layer groups (layer_groups.py: freeze, unfreeze, one rate per group).
fit(lrs, n_cycle, cycle_len, cycle_mult) trains with SGD (momentum 0.9) and the SGDR
schedule (optim/sgdr.py); every epoch ends with a validation pass, and with
fit(..., checkpoint=NAME) a checkpoint of the finished epoch (checkpoint.py) that resume=True
continues from; `learn.sched` records each iteration's rate and loss (sched.py).
precompute=True trains the head on the frozen body's cached activations (precompute.py);
predict/TTA/predict_array (predictions.py) give log-probabilities as fastai's.
Data parallelism is one object, `self.parallel` (parallel.py), whose seams the code below calls
(the batches this process takes, averaging the gradients, who writes): one process by default,
minigrad.distributed's DataParallel under `mpiexec -n N` (wrap_learner sets it, at the end of __init__).
"""
import math
import os
import time

import numpy as np

from .. import array_module, distributed
from ..data.loader import DataLoader, training_loader
from ..data.base import TensorDataset
from ..distributed.learner import wrap_learner
from ..nn import functional as F
from ..nn.containers import Sequential
from ..optim import sgdr_epochs, sgdr_multiplier
from ..tensor import Tensor
from ..weights import load_weights, save_weights
from . import checkpoint as ckpts
from . import metrics, plots
from .layer_groups import LayerGroups
from .lr_find import lr_find
from .parallel import SingleProcess
from .precompute import PrecomputeCache
from .predictions import Predictions
from .sched import Sched


class TrainingDiverged(FloatingPointError):
    """The loss or the weights became NaN or infinite: the learning rate is too high (or the data is broken)."""


class Learner(LayerGroups, Predictions):
    def __init__(self, body, head, data, layer_groups, device="cpu", out_dir=None, feature_layers=2,
                 momentum=0.9, weight_decay=0.0, verbose=True, arch=None, seed=None, group_names=None,
                 models_name="models", precompute_folder=None):
        distributed.init_process_group()  # under mpiexec: join the ranks, each its own GPU, before .to(device)
        self.body, self.head, self.data = body, head, data
        self.model = Sequential(body, head).to(array_module.check_device(device))
        self.layer_groups, self.device = layer_groups, device
        self.group_names = group_names or [f"layer group {i}" for i in range(len(layer_groups))]
        # fastai: temporary files in PATH/tmp, saved models in PATH/models
        self.out_dir = out_dir or os.path.join(data.path, "tmp")
        self.models_path = models_name if os.path.isabs(models_name) else os.path.join(data.path, models_name)
        self.feature_layers, self.momentum, self.weight_decay, self.verbose = feature_layers, momentum, weight_decay, verbose
        self.arch, self.seed = arch, seed
        self._precompute = False
        self.cache = PrecomputeCache(precompute_folder, log=self.log)
        self.opt, self.sched = None, None
        self.history = {"epoch": [], "train_loss": [], "val_loss": [], "accuracy": [], "fit_call": [],
                        "overfitting": []}
        self.lr_history, self.fit_ends = [], []  # every iteration's per-group rates; where each fit ended
        self.created, self._carried = time.time(), 0.0
        self.parallel = SingleProcess()  # the seams where one process and many differ (parallel.py)
        ckpts.remove_stale_temp_files(self.out_dir) if os.path.isdir(self.out_dir) else None
        self.freeze()
        wrap_learner(self)  # under mpiexec: self.parallel = DataParallel(...), the model wrapped in DDP

    # ---- messages, files, time ---------------------------------------------------------------------
    def log(self, message):
        if self.verbose and self.parallel.is_main_process:
            print(message, flush=True)

    def path(self, name):
        os.makedirs(self.out_dir, exist_ok=True)
        return os.path.join(self.out_dir, name)

    @property
    def seconds(self):
        """Wall time of this run: this process's, plus that of the earlier processes of the same run
        up to the last checkpoint resumed from (what a killed process did after it is lost)."""
        return self._carried + time.time() - self.created

    def carry_seconds(self, seconds):
        """A resumed checkpoint says the earlier processes had run `seconds` when they wrote it."""
        self._carried = max(self._carried, seconds)

    def run_record(self):
        return ckpts.run_record(self)

    # ---- precomputed activations ------------------------------------------------------------------
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

    def activations(self, loader):
        """The current body's (cached) activations for `loader`'s images."""
        with self.parallel.main_process_first():  # data-parallel: rank 0 computes and caches, the others read
            return self.cache.activations(self.features, self.body, loader, getattr(self.data, "size", None),
                                          self.device)

    def forward(self, x):
        """Logits for a batch of images, or of cached activations when precompute is on."""
        if self._precompute:
            return self.head[self.feature_layers:](x)
        return self.model(x)

    def train_batches(self):
        """The mini-batches of an epoch that this process trains on (all of them, on one process)."""
        if self._precompute:
            loader = training_loader(TensorDataset(*self.activations(self.data.fix_dl)), self.data.bs)
        else:
            loader = self.data.trn_dl
        return self.parallel.training_shard(loader)

    def val_batches(self):
        if self._precompute:
            return DataLoader(TensorDataset(*self.activations(self.data.val_dl)), self.data.bs)
        return self.data.val_dl

    # ---- one step ---------------------------------------------------------------------------------
    def _on_device(self, x):
        """A batch (Tensor or array) on the learner's device."""
        return x.to(self.device) if isinstance(x, Tensor) else Tensor(x, device=self.device)

    def train_step(self, x, y, optimizer, check=True):
        """One mini-batch of stochastic gradient descent; returns the loss (data-parallel: its mean over
        the processes, so that all of them stop together)."""
        optimizer.zero_grad()
        loss = F.cross_entropy(self.forward(self._on_device(x)), y)
        value = loss.item()
        if check and not math.isfinite(value):
            raise TrainingDiverged(
                f"the training loss became {value}: training stopped. The learning rate is probably too high; "
                "run lr_find() and pick a rate where the loss is still falling (or check the data for broken images)")
        if math.isfinite(value):
            loss.backward()
        # data-parallel: the gradients averaged over the processes (one that skipped backward still takes part)
        self.parallel.sync_gradients(backward_ran=math.isfinite(value))
        if math.isfinite(value):
            optimizer.step()
        return self.parallel.reduce_loss(value)

    # ---- fit ----------------------------------------------------------------------------------------
    def fit(self, lrs, n_cycle, cycle_len=None, cycle_mult=1, cycle_save_name=None, checkpoint=None,
            resume=False):
        """Train sum(cycle_len * cycle_mult**i) epochs (n_cycle without cycle_len) with SGDR;
        with cycle_save_name, save the weights at the end of each cycle as '{name}_cyc_{i}' (fastai).
        With checkpoint=NAME (minigrad's addition; the recipe names each stage), every finished epoch is
        saved in out_dir/checkpoints/NAME.npz, and resume=True continues from there.
        Returns fastai 0.7's `[validation loss, accuracy]` of the last epoch (learn.history has them all)."""
        lrs = self.group_lrs(lrs)
        epochs = sgdr_epochs(n_cycle, cycle_len, cycle_mult)
        batches = self.train_batches()
        call = {"lrs": lrs, "n_cycle": n_cycle, "cycle_len": cycle_len, "cycle_mult": cycle_mult,
                "precompute": self._precompute, "frozen_groups": self.frozen_groups}
        self.opt, self.sched = self.make_optimizer(lrs), Sched("fit", folder=self.out_dir)
        ckpt = self.path(os.path.join("checkpoints", f"{checkpoint}.npz")) if checkpoint else None
        start = ckpts.weights_fingerprint(self.model) if ckpt else None
        first_epoch = self._resume(ckpt, call, start, epochs) if resume and ckpt and os.path.exists(ckpt) else 0
        if first_epoch < epochs:
            self._announce(epochs, len(batches), lrs, n_cycle, cycle_len, cycle_mult)
        call_id = len(self.fit_ends)
        try:
            for epoch in range(first_epoch, epochs):
                began = time.time()
                train_loss = self._train_epoch(batches, epoch, epochs, lrs, n_cycle, cycle_len, cycle_mult)
                val_loss, acc = self.validate()
                self._record(epoch, train_loss, val_loss, acc, time.time() - began, call_id)
                self._check_finite(val_loss)
                if ckpt:
                    ckpts.write(self, ckpt, call, start, epoch + 1, finished=epoch + 1 == epochs)
                cycles_done = _ends_cycle(epoch + 1, n_cycle, cycle_len, cycle_mult)
                if cycle_save_name and cycles_done:
                    self.save(f"{cycle_save_name}_cyc_{cycles_done - 1}")
        except KeyboardInterrupt:
            self.log(f"\ninterrupted: {_saved_where(ckpt)}")
            raise
        self.fit_ends.append(len(self.lr_history))
        h = self.history
        return [h["val_loss"][-1], h["accuracy"][-1]] if h["val_loss"] else []

    def _resume(self, ckpt, call, start, epochs):
        """The epochs a checkpoint of this very run and call has finished (0 if its starting weights differ)."""
        state, meta = ckpts.read_meta(ckpt)
        stale = ckpts.check(ckpt, meta, self.run_record(), call, start)  # another run or call: ResumeRefused
        if stale:
            self.log(f"fit: not resuming from {ckpt}: {stale}; training this stage again")
            return 0
        done = ckpts.restore(self, state, meta, ckpt)
        self.log(f"fit: '{ckpt}' already finished ({epochs} epochs); loaded its result" if done >= epochs
                 else f"fit: resuming '{ckpt}' after epoch {done} of {epochs}")
        return done

    def _announce(self, epochs, per_epoch, lrs, n_cycle, cycle_len, cycle_mult):
        schedule = f"SGDR, {n_cycle} cycle(s) of {cycle_len} epoch(s) x {cycle_mult}" if cycle_len else "constant rate"
        self.log(f"fit: {epochs} epoch(s), {per_epoch} mini-batches each, {schedule}, rates "
                 + ", ".join(f"{lr:.2g}" for lr in lrs))
        self.log(f"{'epoch':>5}  {'train_loss':>10}  {'val_loss':>8}  {'accuracy':>8}  {'time':>6}")

    def _train_epoch(self, batches, epoch, epochs, lrs, n_cycle, cycle_len, cycle_mult):
        self.set_train_mode()
        smoothed, per_epoch = metrics.SmoothedLoss(), len(batches)
        bar = _progress(batches, f"epoch {epoch + 1}/{epochs}", self.verbose and self.parallel.is_main_process)
        for i, (x, y) in enumerate(bar):
            factor = sgdr_multiplier(epoch * per_epoch + i, per_epoch, n_cycle, cycle_len, cycle_mult)
            for group, lr in zip(self.opt.param_groups, lrs):
                group["lr"] = lr * factor  # the schedule only changes this number
            rates = [g["lr"] for g in self.opt.param_groups]
            self.lr_history.append(rates)
            loss = smoothed.update(self.train_step(x, y, self.opt))
            self.sched.on_batch(rates, loss)
            if hasattr(bar, "set_postfix"):
                bar.set_postfix(loss=f"{loss:.4f}")
        return smoothed.value

    def _check_finite(self, val_loss):
        bad = [n for n, p in self.model.named_parameters() if not np.isfinite(p.numpy()).all()]
        if bad or not math.isfinite(val_loss):
            what = f"the weights of {bad[0]} became non-finite" if bad else f"the validation loss became {val_loss}"
            raise TrainingDiverged(f"{what}: training stopped (this epoch is not checkpointed). The learning rate "
                                   "is probably too high; run lr_find() and pick a rate where the loss still falls")

    def _record(self, epoch, train_loss, val_loss, acc, seconds, call_id):
        h = self.history
        h["epoch"].append(len(h["epoch"]))
        h["train_loss"].append(train_loss)
        h["val_loss"].append(val_loss)
        h["accuracy"].append(acc)
        h["fit_call"].append(call_id)
        h["overfitting"] = metrics.overfitting_epochs(h["train_loss"], h["val_loss"], h["fit_call"])
        flagged = h["overfitting"][-1:] == [len(h["epoch"]) - 1]
        mark = "  <- over-fitting: training loss fell, validation loss rose" if flagged else ""
        self.log(f"{epoch + 1:>5}  {train_loss:>10.4f}  {val_loss:>8.4f}  {acc:>8.4f}  {seconds:>5.1f}s{mark}")

    def lr_find(self, start_lr=1e-5, end_lr=10.0, **kwargs):
        """fastai's lr_find: the range test; then learn.sched.plot() draws its curve."""
        return lr_find(self, start_lr, end_lr, **kwargs)

    # ---- save and load (fastai: PATH/models/NAME; .npz where fastai wrote .h5) ----------------------
    def get_model_path(self, name):
        return os.path.join(self.models_path, f"{name}.npz")

    def save(self, name):
        """Write the model's weights to data.path/models/<name>.npz, atomically (data-parallel: rank 0 does)."""
        path = self.get_model_path(name)
        if not self.parallel.is_main_process:
            return path
        save_weights(self.model.state_dict(), path)
        self.log(f"saved {path} ({os.path.getsize(path) / 1e6:.0f} MB)")  # it may be in the data folder, as fastai's
        return path

    def load(self, name):
        self.model.load_state_dict(load_weights(self.get_model_path(name)))
        self.cache.clear()

    # ---- whole-run pictures (the recipe's PNGs) -------------------------------------------------------
    def plot_lr(self, name="lr_schedule.png"):
        return plots.plot_lr_schedule(self.lr_history, self.path(name), batches_per_epoch=len(self.data.trn_dl),
                                      title="learning-rate schedule of every fit call", group_names=self.group_names,
                                      ends=self.fit_ends[:-1])

    def plot_losses(self, name="losses.png"):
        return plots.plot_losses(self.history, self.path(name))


def _saved_where(ckpt):
    if ckpt and os.path.exists(ckpt):
        return (f"the last finished epoch is saved in {ckpt}; run again with resume=True (the recipe: --resume) "
                "to continue from there")
    if ckpt:
        return "no epoch of this fit call had finished, so there is no checkpoint of it yet"
    return "this fit call keeps no checkpoint (fit(..., checkpoint='NAME') would)"


def _ends_cycle(epochs_done, n_cycle, cycle_len, cycle_mult):
    """The number of cycles finished when `epochs_done` epochs end one (else 0; none without cycle_len)."""
    if not cycle_len:
        return 0
    total = 0
    for i in range(n_cycle):
        total += cycle_len * cycle_mult ** i
        if total == epochs_done:
            return i + 1
    return 0


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
