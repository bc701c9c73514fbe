"""Models with torchvision's architecture, state_dict names and weights enums, and fastai's head.
models/ knows minigrad.nn only; the training code (ConvLearner) lives in minigrad.train."""
from .head import AdaptiveConcatPool2d, fastai_head
from .resnet import BasicBlock, Bottleneck, ResNet, resnet18, resnet34, resnet50
from .weights import ResNet18_Weights, ResNet34_Weights, ResNet50_Weights, Weights, WeightsEnum

__all__ = ["ResNet", "BasicBlock", "Bottleneck", "resnet18", "resnet34", "resnet50", "fastai_head",
           "AdaptiveConcatPool2d", "ResNet18_Weights", "ResNet34_Weights", "ResNet50_Weights", "Weights", "WeightsEnum"]
