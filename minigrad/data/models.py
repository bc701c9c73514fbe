"""torchvision.models' place: a program's `torchvision.models.resnet18(weights=None)` runs as
`minigrad.data.models.resnet18(weights=None)` (`import torchvision` is `import minigrad.data as
torchvision` here; `torchvision.models` itself is the repository's top-level `models` package).

The models and their weights enums live in models/ (resnet.py, weights.py); this module gives them
torchvision's address and nothing else, so `models.__dict__` lists the builders as torchvision's does.
"""
from models import (BasicBlock, Bottleneck, ResNet, ResNet18_Weights, ResNet34_Weights, ResNet50_Weights,  # noqa: F401
                    Weights, WeightsEnum, resnet18, resnet34, resnet50)

__all__ = ["ResNet", "BasicBlock", "Bottleneck", "resnet18", "resnet34", "resnet50", "ResNet18_Weights",
           "ResNet34_Weights", "ResNet50_Weights", "Weights", "WeightsEnum"]
