"""Layers and the Module system (`minigrad.nn`), with PyTorch's names."""
from . import functional, init, utils
from .activation import GELU, LeakyReLU, LogSoftmax, SiLU, Softmax
from .containers import Identity, ModuleDict, ModuleList, ParameterList, Sequential
from .dropout import Dropout, Dropout2d
from .layers import (AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d,
                     Flatten, LayerNorm, Linear, MaxPool2d, ReLU, Sigmoid, Tanh)
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss, SmoothL1Loss)
from .module import Module, Parameter
from .sparse import Embedding

__all__ = ["Module", "Parameter", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "Identity",
           "Linear", "Conv2d", "BatchNorm1d", "BatchNorm2d", "ReLU", "LeakyReLU", "SiLU", "GELU", "Sigmoid", "Tanh",
           "Softmax", "LogSoftmax", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "Dropout", "Dropout2d",
           "Flatten", "Embedding", "LayerNorm", "CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "SmoothL1Loss", "BCELoss",
           "BCEWithLogitsLoss", "functional", "init", "utils"]
