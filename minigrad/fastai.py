"""`from minigrad.fastai import *`: every name fast.ai's 2018 lesson-1 notebook uses.

It replaces the notebook's fastai star-imports (`from fastai.imports import *`,
`from fastai.transforms import *`, `from fastai.conv_learner import *`, `from
fastai.model import *`, `from fastai.dataset import *`, `from fastai.sgdr import *`,
`from fastai.plots import *`). Each name is defined in its home module and only
re-exported here; this file defines nothing.

    data:      tfms_from_model, transforms_side_on, ImageClassifierData  (minigrad/data/)
    models:    resnet18, resnet34, resnet50                              (models/resnet.py)
    training:  ConvLearner, accuracy_np, plot_confusion_matrix           (minigrad/train/)
    libraries: np, plt, os, PIL, ... as fastai.imports brings them; `torch` is minigrad itself
"""
import glob  # noqa: F401
import json  # noqa: F401
import math  # noqa: F401
import os  # noqa: F401
import random  # noqa: F401
import re  # noqa: F401
import shutil  # noqa: F401
import sys  # noqa: F401
import time  # noqa: F401
from pathlib import Path  # noqa: F401

import numpy as np  # noqa: F401
import PIL  # noqa: F401
import PIL.Image  # noqa: F401

import minigrad as torch  # noqa: F401  fastai.imports brings torch; here it is minigrad (torch.cuda.is_available())

from models import resnet18, resnet34, resnet50  # noqa: F401

from .data import *  # noqa: F401,F403  the data names (tfms_from_model, ImageClassifierData, transforms_side_on...)
from .train import (ConvLearner, Learner, TrainingDiverged, accuracy_np, confusion_matrix,  # noqa: F401
                    plot_confusion_matrix)

try:  # fastai.imports brings pyplot; the notebook's plots need it, the rest of minigrad does not
    import matplotlib.pyplot as plt  # noqa: F401
except ImportError:  # pragma: no cover
    pass
