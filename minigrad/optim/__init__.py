"""Optimisation: SGD (gradient descent with momentum) and learning-rate schedules (SGDR)."""
from . import lr_scheduler
from .sgd import SGD
from .sgdr import sgdr_epochs, sgdr_multiplier, sgdr_schedule

__all__ = ["SGD", "lr_scheduler", "sgdr_epochs", "sgdr_multiplier", "sgdr_schedule"]
