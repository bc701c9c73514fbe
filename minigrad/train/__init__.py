"""Training, in fastai 0.7's vocabulary: the Learner (fit with SGDR cycles, freezing and
layer groups, checkpoints and resume, precompute, predictions and TTA), ConvLearner,
lr_find, learn.sched, metrics and plots. Nothing below minigrad.train imports it."""
from .checkpoint import ResumeRefused
from .conv_learner import ConvLearner
from .learner import Learner, TrainingDiverged
from .lr_find import lr_find, suggest_lr
from .metrics import SmoothedLoss, accuracy_np, confusion_matrix, log_loss, overfitting_epochs
from .plots import plot_confusion_matrix
from .precompute import PrecomputeCache
from .sched import Sched

__all__ = ["Learner", "ConvLearner", "TrainingDiverged", "ResumeRefused", "lr_find", "suggest_lr", "Sched",
           "SmoothedLoss", "accuracy_np", "confusion_matrix", "log_loss", "overfitting_epochs",
           "plot_confusion_matrix", "PrecomputeCache"]
