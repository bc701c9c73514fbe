"""Layers and the Module system (`minigrad.nn`), with PyTorch's names."""
from . import functional, init
from .layers import (AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d,
                     Dropout, Flatten, Linear, MaxPool2d, ReLU, Sigmoid, Tanh)
from .module import Module, Parameter, Sequential

__all__ = ["Module", "Parameter", "Sequential", "Linear", "Conv2d", "BatchNorm1d", "BatchNorm2d", "ReLU",
           "Sigmoid", "Tanh", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "Dropout",
           "Flatten", "functional", "init"]
