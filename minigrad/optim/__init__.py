"""Optimisation: the Optimizer base class, SGD (gradient descent with momentum), Adam, AdamW,
Adadelta, RMSprop, LBFGS (with its strong Wolfe line search), and learning-rate schedules (lr_scheduler; fastai's SGDR in sgdr.py)."""
from . import lr_scheduler
from .adadelta import Adadelta, RMSprop
from .adam import Adam, AdamW
from .lbfgs import LBFGS
from .optimizer import Optimizer
from .sgd import SGD
from .sgdr import sgdr_epochs, sgdr_multiplier, sgdr_schedule

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "Adadelta", "RMSprop", "LBFGS", "lr_scheduler", "sgdr_epochs",
           "sgdr_multiplier", "sgdr_schedule"]
