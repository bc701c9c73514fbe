"""A trained classifier as two files a new program can use: the weights (.npz) and,
beside them, a .json naming what they are (arch, class names, image size, the
normalisation statistics, the head's shape). `recipes/classify.py IMAGE --model FILE`
rebuilds the model from these two and classifies a new photo.
"""
import json
import os

import numpy as np

from ..nn import Sequential
from ..weights import load_weights, save_weights


def _normalisation(transform):
    """(mean, std) of the Normalize inside a (composed) transform, or ImageNet's."""
    for t in getattr(transform, "transforms", [transform]):
        if hasattr(t, "mean") and hasattr(t, "std"):
            return np.asarray(t.mean).ravel().tolist(), np.asarray(t.std).ravel().tolist()
    from ..data.transforms import IMAGENET_MEAN, IMAGENET_STD
    return list(IMAGENET_MEAN), list(IMAGENET_STD)


def export(learner, path):
    """Write the model's weights to `path` (.npz) and what they are to the .json beside it."""
    if not learner.parallel.is_main_process:
        return path  # data-parallel: rank 0 alone writes
    mean, std = _normalisation(getattr(learner.data, "val_tfm", None))
    info = {"arch": learner.arch, "classes": list(learner.data.classes), "size": learner.data.size,
            "mean": mean, "std": std, "xtra_fc": getattr(learner, "xtra_fc", [512]),
            "format": "minigrad ConvLearner export 1"}
    save_weights(learner.model.state_dict(), path)
    with open(info_path(path), "w") as f:
        json.dump(info, f, indent=2)
    return path


def info_path(path):
    return os.path.splitext(os.fspath(path))[0] + ".json"


def load_exported(path, device="cpu"):
    """(model in eval mode, info) from an export. Raises ValueError naming what is missing."""
    import models
    from models.head import fastai_head
    meta = info_path(path)
    if not os.path.exists(meta):
        raise ValueError(f"{path} has no {os.path.basename(meta)} beside it: it is not a model the lesson "
                         "exported (for ImageNet weights use --weights)")
    with open(meta) as f:
        info = json.load(f)
    arch = getattr(models, str(info.get("arch")), None)
    if arch is None or "classes" not in info:
        raise ValueError(f"{meta} names no known arch and classes: re-export the model with the recipe")
    resnet = arch()
    model = Sequential(resnet.body(), fastai_head(resnet.num_features, len(info["classes"]),
                                                   xtra_fc=info.get("xtra_fc", [512])))
    model.load_state_dict(load_weights(path))
    return model.to(device).eval(), info
