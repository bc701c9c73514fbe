"""Models with torchvision's architecture and state_dict names, fastai's head, and
ConvLearner.pretrained for transfer learning."""
from .conv_learner import ConvLearner
from .head import AdaptiveConcatPool2d, fastai_head
from .resnet import BasicBlock, Bottleneck, ResNet, resnet18, resnet34, resnet50

__all__ = ["ResNet", "BasicBlock", "Bottleneck", "resnet18", "resnet34", "resnet50", "fastai_head",
           "AdaptiveConcatPool2d", "ConvLearner"]
