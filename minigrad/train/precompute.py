"""Precomputed activations: with the body frozen, its output for an image never
changes, so compute it once for every image and train the head on the cache.

One object, PrecomputeCache, owns the cache: its key and both places it keeps
activations (memory for this process, `precompute/<key>.npz` on disk for the
next). The key hashes everything the activations depend on:
  - the body's weights AND batch-norm statistics (its whole state_dict),
  - the data: every image file (path, label, size, modification time),
  - the image size,
  - the transforms, with their numbers (Normalize's mean and std, crop sizes...).
Memory and disk are looked up under the same key, so after unfreeze -> fit ->
freeze, or a new `learn.data`, the key changes and the activations are computed
again: a precomputed activation always equals a fresh forward pass of the
current body (fastai 0.7 kept stale caches; this does better). A file on disk
also stores its own key and a digest of its images and labels: one copied or
renamed over another's name, cut short or damaged is noticed (key, row count,
labels) and computed again, with one line saying why.

The training images go through the VALIDATION transforms: an augmented image
would be a different image every epoch, which a cache cannot hold, so
augmentation has no effect while precompute is on.
"""
import hashlib
import os

import numpy as np

from .. import array_module, random_source
from ..download import cache_dir
from ..autograd import no_grad
from ..tensor import Tensor
from ..weights import WeightsError, load_weights, save_weights


def _as_array(value):
    value = value.array if isinstance(value, Tensor) else value
    return np.ascontiguousarray(array_module.to_device(value, "cpu"))


def describe(obj, depth=0):
    """A text naming a transform and every number inside it, recursively (arrays by value):
    two transforms with different statistics never describe alike, whatever their repr prints."""
    if depth > 6:
        return "..."
    if isinstance(obj, (list, tuple)):
        return "[" + ",".join(describe(o, depth + 1) for o in obj) + "]"
    if hasattr(obj, "dtype") and hasattr(obj, "shape"):
        array = _as_array(obj)
        return f"array{array.shape}{array.dtype}:{hashlib.sha256(array.tobytes()).hexdigest()[:16]}"
    if isinstance(obj, (int, float, str, bool, type(None))):
        return repr(obj)
    fields = getattr(obj, "__dict__", None)
    if fields is None:
        return type(obj).__name__
    inner = ",".join(f"{k}={describe(v, depth + 1)}" for k, v in sorted(fields.items()))
    return f"{type(obj).__name__}({inner})"


def _resolved(samples):
    """(real path, the path relative to the folder all of them share, label) for each sample, after
    resolving links and `.`: `--data ./data`, `data/` and `/home/me/data` name one data set (and a
    folder moved whole is still itself)."""
    real = [os.path.realpath(path) for path, _ in samples]
    root = os.path.commonpath(real) if real else ""
    root = os.path.dirname(root) if len(real) == 1 else root
    return [(path, os.path.relpath(path, root), label) for path, (_, label) in zip(real, samples)]


def data_fingerprint(samples):
    """A hex digest of the image files (path, label, size, modification time), each path relative to
    the folder all of them share (_resolved)."""
    h = hashlib.sha256()
    for path, relative, label in _resolved(samples):
        stat = os.stat(path)
        h.update(os.fsencode(relative) + f"|{label}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return h.hexdigest()[:24]


def samples_digest(samples):
    """The SHA-256 of the (path, label) list in order, as 32 uint8 numbers: a cache file stores it,
    so activations read back are known to be of these images with these labels. (os.fsencode: a
    file name that is not valid UTF-8 still hashes.) Paths count as data_fingerprint counts them
    (_resolved): `--data ./d` is `--data d`."""
    h = hashlib.sha256()
    for _, relative, label in _resolved(samples):
        h.update(os.fsencode(relative) + f"|{int(label)}\n".encode())
    return np.frombuffer(h.digest(), np.uint8)


def cache_key(body, size, transform, samples):
    """A hex digest of everything the body's activations on these images depend on."""
    h = hashlib.sha256()
    for name, value in body.state_dict().items():
        h.update(name.encode())
        h.update(_as_array(value).tobytes())
    h.update(f"size={size};transform={describe(transform)};data={data_fingerprint(samples)}".encode())
    return h.hexdigest()[:24]


def compute_activations(features, loader, device):
    """Run `features` (body + pooling) over every batch: (activations (N, F), labels (N,)).
    Its own random generator: computing (or not) never moves the run's random state, so a
    cold and a warm cache give the same training."""
    outs, labels = [], []
    with no_grad(), random_source.use_rng(np.random.default_rng(0)):
        for x, y in loader:
            outs.append(features(x.to(device)).numpy())
            labels.append(y.numpy())
    return np.concatenate(outs).astype(np.float32), np.concatenate(labels)


class PrecomputeCache:
    """Activations of a frozen body, in memory and on disk, under one key."""

    def __init__(self, folder=None, log=print, keep=4):
        self.folder = folder or os.path.join(cache_dir(), "precompute")
        self.log, self.keep = log, keep
        self.memory = {}  # key -> (x, y); at most `keep` entries

    def activations(self, features, body, loader, size, device):
        """(x, y) for `loader`'s data set seen by the current `body`."""
        dataset = loader.dataset
        key = cache_key(body, size, getattr(dataset, "transform", None), dataset.samples)
        if key in self.memory:
            return self.memory[key]
        path = os.path.join(self.folder, f"{key}.npz")
        digest = samples_digest(dataset.samples)
        labels = (np.array([label for _, label in dataset.samples], np.int64)  # what the loader yields as y
                  if getattr(dataset, "target_transform", None) is None else None)
        cached = self._read(path, key, digest, len(dataset), labels) if os.path.exists(path) else None
        if cached is not None:
            x, y = cached
            self.log(f"precompute: reusing cached activations {path}")
        else:
            self.log(f"precompute: computing activations of {len(dataset)} images once ({path})")
            body.eval()
            x, y = compute_activations(features, loader, device)
            save_weights({"x": x, "y": y, "key": np.frombuffer(key.encode(), np.uint8), "samples": digest}, path)
        if len(self.memory) >= self.keep:
            self.memory.pop(next(iter(self.memory)))
        self.memory[key] = (x, y)
        return x, y

    def _read(self, path, key, digest, n, labels=None):
        """(x, y) from the cache file at `path` if it holds this key's activations of these `n`
        images (its stored key, row count, image/label digest and labels `y` all agree), else None,
        after one line saying why it is computed again."""
        try:
            state = load_weights(path)
        except (WeightsError, OSError) as err:
            self.log(f"precompute: the cache file {path} cannot be read ({err}); computing it again")
            return None
        x, y, stored = state.get("x"), state.get("y"), state.get("key")
        rows = len(x) if x is not None and x.ndim else 0
        stored = bytes(stored.astype(np.uint8)).decode("ascii", "replace") if stored is not None else None
        if (rows != n or y is None or y.shape != (n,) or stored != key
                or not np.array_equal(state.get("samples"), digest)
                or (labels is not None and not np.array_equal(y, labels))):
            why = "another data set or body" if stored else "a run that did not record its data set"
            self.log(f"precompute: the cache file {path} holds {rows} rows of {why}, not the activations of "
                     f"these {n} images and labels; computing it again")
            return None
        return x, y

    def clear(self):
        """Forget the in-memory copies (the disk files stay: their keys protect them)."""
        self.memory.clear()
