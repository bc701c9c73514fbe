"""Checkpoints: what a fit call saves after every epoch, and how --resume trusts one.

A checkpoint is one .npz (written to a temporary file, then renamed: a kill never
leaves half a file, and the temporary files of killed writes are removed when a Learner
starts: only atomic_write's names, only when their process is gone) holding the model's weights and running statistics, the optimizer's
momentum, the random state, the history, and a record of WHAT made it:
  run:   arch, image size, batch size, data fingerprint (every file's name, size, mtime),
         seed, the transforms with their numbers
  call:  the fit arguments (rates, cycles, precompute, frozen groups)
  start: a fingerprint of the weights the fit call started from
Resuming checks all three. Another run (seed, data, size, arch, transforms) or other fit
arguments: refused with one line saying which (ResumeRefused). Other starting weights
(an earlier stage was retrained, e.g. after its checkpoint was deleted): the stale
checkpoint is not loaded and the stage trains again.
"""
import hashlib
import json
import os

import numpy as np

from .. import array_module, random_source
from ..tensor import Tensor
from ..weights import WeightsError, load_weights, save_weights
from ..weights.writer import remove_dead_writers_files
from .precompute import data_fingerprint, describe


class ResumeRefused(ValueError):
    """--resume found a checkpoint made by another run or another fit call."""


def _array(value):
    value = value.array if isinstance(value, Tensor) else value
    return array_module.to_device(value, "cpu") if hasattr(value, "dtype") else value


def weights_fingerprint(model):
    h = hashlib.sha256()
    for name, value in model.state_dict().items():
        h.update(name.encode())
        h.update(np.ascontiguousarray(_array(value)).tobytes())
    return h.hexdigest()[:24]


def run_record(learner):
    """What identifies the run a learner belongs to (JSON-able)."""
    data = learner.data
    samples = list(data.trn_ds.samples) + list(data.val_ds.samples)
    tfms = describe([getattr(data, "train_tfm", None), getattr(data, "val_tfm", None)])
    return {"arch": learner.arch, "size": getattr(data, "size", None), "data": data_fingerprint(samples),
            "seed": learner.seed, "transforms": hashlib.sha256(tfms.encode()).hexdigest()[:24],
            "bs": getattr(data, "bs", None)}


def remove_stale_temp_files(folder):
    """Delete the temporary files killed writes left in a run's folder and its checkpoints/ (weights/
    writer.py's exact names, and only where their writing process is gone: another run writing into the
    same folder keeps its own; the user's own files, there or in any other subfolder, are never read)."""
    return remove_dead_writers_files(folder, os.path.join(folder, "checkpoints"))


def _flatten(obj, prefix, arrays):
    """Nested dicts/lists with arrays -> JSON-able structure; arrays go into `arrays` by key."""
    if isinstance(obj, dict):
        return {str(k): _flatten(v, f"{prefix}/{k}", arrays) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_flatten(v, f"{prefix}/{i}", arrays) for i, v in enumerate(obj)]
    value = _array(obj)
    if hasattr(value, "dtype") and getattr(value, "ndim", 0) > 0:
        arrays[prefix] = value
        return {"__array__": prefix}
    return value.item() if hasattr(value, "item") else value


def _unflatten(obj, arrays):
    if isinstance(obj, dict):
        if set(obj) == {"__array__"}:
            return arrays[obj["__array__"]]
        return {(int(k) if k.isdigit() else k): _unflatten(v, arrays) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_unflatten(v, arrays) for v in obj]
    return obj


def write(learner, path, call, start, epochs_done, finished=False):
    """Save the fit call's state after an epoch: what resume needs, no more. The frozen parameters are
    left out: a fit call never changes them, and resuming checks that the weights it starts from are
    the ones this call started from (`start`), so they are already in place (a frozen resnet34 body is
    85 MB of a head's few). A `finished` call's checkpoint keeps no optimizer state either (momentum,
    as large as the trainable weights): the next call makes a new optimizer."""
    if not learner.parallel.is_main_process:
        return  # data-parallel: rank 0 alone writes; the others read its checkpoints on --resume
    frozen = {name for name, p in learner.model.named_parameters() if not p.requires_grad}
    arrays = {f"model/{k}": _array(v) for k, v in learner.model.state_dict().items() if k not in frozen}
    optim = {} if finished else _flatten(learner.opt.state_dict(), "optim", arrays)
    meta = {"run": learner.run_record(), "call": call, "start": start, "epochs_done": epochs_done,
            "history": learner.history, "lr_history": learner.lr_history, "fit_ends": learner.fit_ends,
            "optim": optim, "rng": random_source.rng().bit_generator.state, "seconds": learner.seconds}
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    save_weights(arrays, path)


def read_meta(path):
    """The checkpoint's arrays and its record, checked: a damaged or hand-edited record is refused with
    one line naming the field (ResumeRefused), never a TypeError from deep inside the resume."""
    try:
        state = load_weights(path)
    except WeightsError as e:  # truncated by a full disk or a copy cut short
        raise ResumeRefused(f"--resume refused: {e}; delete it to train the stage again") from None
    if "meta" not in state:
        raise ResumeRefused(f"--resume refused: {path} is not a minigrad checkpoint (it has no record of the run "
                            "that made it); delete it to train the stage again")
    try:
        meta = json.loads(bytes(np.asarray(_array(state["meta"]))).decode())
    except (ValueError, TypeError) as e:
        raise ResumeRefused(f"--resume refused: {path}'s record is unreadable ({e}); delete it to train the stage "
                            "again") from None
    _check_record(path, meta)
    return state, meta


# what each field of a checkpoint's record must be, and what it means
_RECORD = {"run": (dict, "the run that made it"), "call": (dict, "the fit arguments"),
           "epochs_done": (int, "a whole number of finished epochs, 0 or more"),
           "history": (dict, "the losses so far"), "lr_history": (list, "the rates so far"),
           "optim": (dict, "the optimizer's state"), "rng": (dict, "the random generator's state"),
           "fit_ends": (list, "where each fit ended"), "seconds": ((int, float), "the time so far")}


def _check_record(path, meta):
    if not isinstance(meta, dict):
        raise ResumeRefused(f"--resume refused: {path}'s record is not a checkpoint record; delete it to train the "
                            "stage again")
    history = meta.get("history")
    if isinstance(history, dict):
        numbers = all(isinstance(v, list) and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v)
                      for v in history.values())
        lengths = {len(v) for k, v in history.items() if k != "overfitting" and isinstance(v, list)}
        if not numbers or len(lengths) > 1:
            raise ResumeRefused(f"--resume refused: {path} is damaged: its history is not one number per epoch for "
                                "each measure; delete it to train the stage again")
    for field, (kind, meaning) in _RECORD.items():
        value = meta.get(field, [] if field == "fit_ends" else 0.0 if field == "seconds" else None)
        wrong = not isinstance(value, kind) or isinstance(value, bool) or (field == "epochs_done" and value < 0)
        if wrong or (field == "start" and value is not None and not isinstance(value, str)):
            raise ResumeRefused(f"--resume refused: {path} is damaged: {field}={value!r:.60} is not {meaning}; "
                                "delete it to train the stage again")


def check(path, meta, run, call, start):
    """None when the checkpoint may be loaded; otherwise why not. Raises ResumeRefused for
    a checkpoint of another run or another fit call; returns a reason for other starting weights."""
    saved = meta.get("run", {})
    for field in ("arch", "size", "data", "seed", "transforms", "bs"):
        if saved.get(field, run.get(field) if field == "bs" else None) != run.get(field):  # (bs: not in older ones)
            raise ResumeRefused(f"--resume refused: {path} was made by a run with {field}={saved.get(field)!r}, "
                                f"this run has {field}={run.get(field)!r}; use another --out, or delete the "
                                f"checkpoint to start over")
    if meta["call"] != json.loads(json.dumps(call)):
        raise ResumeRefused(f"--resume refused: {path} was saved by fit({meta['call']}), not fit({call}); "
                            "resume with the same arguments, or delete the checkpoint to start over")
    if meta.get("start") != start:
        return "it continued from other weights than this run's (an earlier stage was trained again)"
    return None


def restore(learner, state, meta, path="the checkpoint"):
    """Put the learner back exactly as it was when the checkpoint was written."""
    if set(meta["history"]) != set(learner.history):
        raise ResumeRefused(f"--resume refused: {path} is damaged: its history has {sorted(meta['history'])}, not "
                            f"{sorted(learner.history)}; delete it to train the stage again")
    saved = {k[6:]: v for k, v in state.items() if k.startswith("model/")}
    frozen = {name for name, p in learner.model.named_parameters() if not p.requires_grad}
    missing = set(learner.model.state_dict()) - set(saved) - frozen
    if missing:
        raise ResumeRefused(f"--resume refused: {path} lacks {len(missing)} of the model's weights (e.g. "
                            f"{sorted(missing)[0]}); delete it to train the stage again")
    learner.model.load_state_dict(saved, strict=False)  # the frozen weights stay: `start` matched them
    arrays = {k: v for k, v in state.items() if k.startswith("optim/")}
    if meta["optim"]:  # a finished call's checkpoint has none: its optimizer is not used again
        learner.opt.load_state_dict(_unflatten(meta["optim"], arrays))
    learner.history, learner.lr_history = meta["history"], meta["lr_history"]
    learner.fit_ends = meta.get("fit_ends", [])
    learner.carry_seconds(meta.get("seconds", 0.0))
    random_source.rng().bit_generator.state = meta["rng"]
    return meta["epochs_done"]
