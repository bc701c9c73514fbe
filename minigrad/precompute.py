"""Precomputed activations: with the body frozen, its output for an image never
changes, so compute it once for every image and train the head on the cache.

The cache lives on disk (minigrad's cache folder, `precompute/<key>.npz`) under a
key that hashes everything the activations depend on: the body's weights and
batch-norm statistics, the image size, the transforms, and the image files
(names, sizes, modification times). Change any of them and the key changes, so a
stale cache is never used (fastai 0.7 kept stale caches; this does better).
The training images go through the VALIDATION transforms: an augmented image
would be a different image every epoch, which a cache cannot hold, so
augmentation has no effect while precompute is on.
"""
import hashlib
import os

import numpy as np

from .backend import to_device
from .download import cache_dir
from .tensor import no_grad
from .weights import load_weights, save_weights


def cache_key(body, size, transform, samples):
    """A hex digest of everything the body's activations depend on."""
    h = hashlib.sha256()
    for name, value in body.state_dict().items():
        h.update(name.encode())
        h.update(np.ascontiguousarray(to_device(value.data, "cpu")).tobytes())
    h.update(f"size={size};transform={transform!r}".encode())
    for path, label in samples:
        stat = os.stat(path)
        h.update(f"{path}|{label}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return h.hexdigest()[:24]


def compute_activations(features, loader, device):
    """Run `features` (body + pooling) over every batch: (activations (N, F), labels (N,))."""
    outs, labels = [], []
    with no_grad():
        for x, y in loader:
            outs.append(features(x.to(device)).numpy())
            labels.append(y.numpy())
    return np.concatenate(outs).astype(np.float32), np.concatenate(labels)


def cached_activations(features, body, loader, size, device, folder=None, log=print):
    """The activations for `loader`'s data set, from the disk cache when its key matches."""
    dataset = loader.dataset
    key = cache_key(body, size, getattr(dataset, "transform", None), dataset.samples)
    path = os.path.join(folder or os.path.join(cache_dir(), "precompute"), f"{key}.npz")
    if os.path.exists(path):
        state = load_weights(path)
        log(f"precompute: reusing cached activations {path}")
        return state["x"], state["y"]
    log(f"precompute: computing activations of {len(dataset)} images once ({path})")
    x, y = compute_activations(features, loader, device)
    save_weights({"x": x, "y": y}, path)
    return x, y


class ArrayDataset:
    """(x[i], y[i]) pairs from arrays: the cached activations as a data set."""

    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], int(self.y[i])
