"""ResNet-18/34/50, layer for layer and name for name as torchvision builds them,
so that torchvision's ImageNet weights load with strict=True.

A residual block adds its input back to its output: out = relu(F(x) + x), the sum
and the ReLU written over F(x)'s array (`+=`, ReLU(inplace=True)) as torchvision
does: no new arrays, and the gradients are the same (Tensor.add_ and relu_). When
the block changes the resolution or the width, a 1x1 convolution (`downsample`)
reshapes x to match. resnet18/34 use BasicBlock (two 3x3 convs); resnet50 uses
Bottleneck (1x1 down, 3x3, 1x1 up, four times wider). For transfer learning the
body is everything before the pooling and `fc`: fastai cuts at the 8th child.
"""
import os
import warnings

import numpy as np

import minigrad.nn as nn
from minigrad.nn import init
from minigrad.nn.module import StateDictError
from minigrad.weights import load_weights

from .weights import ResNet18_Weights, ResNet34_Weights, ResNet50_Weights, resolve


def conv3x3(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)


def conv1x1(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, 1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, cin, width, stride=1, downsample=None):
        super().__init__()
        self.conv1, self.bn1 = conv3x3(cin, width, stride), nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.conv2, self.bn2 = conv3x3(width, width), nn.BatchNorm2d(width)
        self.downsample = downsample

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += identity
        return self.relu(out)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin, width, stride=1, downsample=None):
        super().__init__()
        self.conv1, self.bn1 = conv1x1(cin, width), nn.BatchNorm2d(width)
        self.conv2, self.bn2 = conv3x3(width, width, stride), nn.BatchNorm2d(width)
        self.conv3, self.bn3 = conv1x1(width, width * 4), nn.BatchNorm2d(width * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        out += identity
        return self.relu(out)


class ResNet(nn.Module):
    def __init__(self, block, layers, num_classes=1000):
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2)
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512 * block.expansion, num_classes)
        for m in self.modules():  # torchvision's initialisation
            if isinstance(m, nn.Conv2d):
                init.kaiming_normal_(m.weight, mode="fan_out")

    def _make_layer(self, block, width, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != width * block.expansion:
            downsample = nn.Sequential(conv1x1(self.inplanes, width * block.expansion, stride),
                                       nn.BatchNorm2d(width * block.expansion))
        layers = [block(self.inplanes, width, stride, downsample)]
        self.inplanes = width * block.expansion
        layers += [block(self.inplanes, width) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(self.avgpool(x).flatten(1))

    def body(self):
        """The convolutional body, fastai's cut at child 8: conv1 ... layer4 (shares the modules)."""
        return nn.Sequential(*list(self.children())[:8])

    @property
    def num_features(self):
        """Channels that come out of the body (512, or 2048 for resnet50)."""
        return self.fc.in_features


def _build(block, layers, num_classes, weights):
    """ResNet with weights from a file (.pth, .safetensors, .npz) or a state dict (minigrad's extension)."""
    model = ResNet(block, layers, num_classes)
    if weights is None:
        return model
    source = "the state dict" if isinstance(weights, dict) else os.fspath(weights)
    state = load_weights(weights) if not isinstance(weights, dict) else weights
    own = model.state_dict()
    fc = state.get("fc.weight")
    new_head = num_classes != 1000 and (fc is None or tuple(fc.shape) != tuple(own["fc.weight"].shape))
    if new_head:  # ImageNet's classifier does not fit num_classes: a new (random) fc, the body's weights only
        state = {k: v for k, v in state.items() if not k.startswith("fc.")}
        state.update({k: v for k, v in own.items() if k.startswith("fc.")})
    missing, unexpected = [k for k in own if k not in state], [k for k in state if k not in own]
    try:  # strict, as torchvision's load: a body of another depth must not half-load
        model.load_state_dict(state)
    except StateDictError as err:
        if not (missing or unexpected):
            raise
        head, _, keys = str(err).partition(": ")  # the summary first: a one-line report may cut the key list
        raise StateDictError(f"{head}: {source} does not fit {model_name(block, layers)} ({len(missing)} missing, "
                             f"{len(unexpected)} unexpected keys): it is probably for another architecture (its keys "
                             f"look like {_file_arch(state)}); pass the matching arch, or weights made for this one "
                             f"| {keys}") from None
    bad = [k for k, v in ((k, np.asarray(_host(v))) for k, v in state.items())
           if v.dtype.kind == "f" and not np.isfinite(v).all()]
    if bad:
        raise ValueError(f"{source}: {len(bad)} arrays hold NaN or inf{_first(bad)}: the file is damaged or was "
                         "saved from a run that diverged; use another weight file")
    return model


def _first(keys, n=3):
    return f" ({', '.join(keys[:n])}{', ...' if len(keys) > n else ''})" if keys else ""


def _host(value):
    value = getattr(value, "array", value)
    return value.get() if hasattr(value, "get") else value


def model_name(block, layers):
    for name, (b, ls) in ARCHS.items():
        if b is block and ls == list(layers):
            return name
    return f"ResNet({block.__name__}, {list(layers)})"


def _file_arch(state):
    """The ResNet a state dict was saved from, read off its keys: blocks per stage, and Bottleneck if a
    block has conv3."""
    counts = [len({k.split(".")[1] for k in state if k.startswith(f"layer{i}.")}) for i in range(1, 5)]
    block = Bottleneck if any(k.endswith(".conv3.weight") for k in state) else BasicBlock
    return model_name(block, counts) if any(counts) else "not a ResNet"


def _resnet(block, layers, enum_class, weights, progress, pretrained, kwargs):
    """torchvision's builder: `weights` is None, a member of enum_class or its name ("DEFAULT"); the legacy
    `pretrained=True` (or weights=True) means IMAGENET1K_V1, with torchvision's warnings. minigrad also
    takes a weight file or a state dict as `weights`."""
    if pretrained is not None or isinstance(weights, bool):
        if pretrained is not None:
            warnings.warn("The parameter 'pretrained' is deprecated since 0.13 and may be removed in the future, "
                          "please use 'weights' instead.")
        on = pretrained if pretrained is not None else weights
        weights = enum_class.IMAGENET1K_V1 if on else None
        message = ("Arguments other than a weight enum or `None` for 'weights' are deprecated since 0.13 and may be "
                   f"removed in the future. The current behavior is equivalent to passing `weights={weights}`.")
        warnings.warn(message + (f" You can also use `weights={enum_class.__name__}.DEFAULT` to get the most "
                                 "up-to-date weights." if on else ""))
    for name in kwargs:
        if name != "num_classes":  # torchvision's other ResNet options are not minigrad's
            raise TypeError(f"ResNet.__init__() got an unexpected keyword argument '{name}'")
    member, source = resolve(enum_class, weights)
    if member is None:
        return _build(block, layers, kwargs.get("num_classes", 1000), source)
    expected = len(member.meta["categories"])
    if kwargs.setdefault("num_classes", expected) != expected:
        raise ValueError(f"The parameter 'num_classes' expected value {expected} but got {kwargs['num_classes']} "
                         "instead.")
    model = ResNet(block, layers, **kwargs)
    model.load_state_dict(member.get_state_dict(progress=progress, check_hash=True))
    return model


ARCHS = {"resnet18": (BasicBlock, [2, 2, 2, 2]), "resnet34": (BasicBlock, [3, 4, 6, 3]),
         "resnet50": (Bottleneck, [3, 4, 6, 3]), "resnet101": (Bottleneck, [3, 4, 23, 3]),
         "resnet152": (Bottleneck, [3, 8, 36, 3])}  # torchvision's depths (101 and 152: named, not built here)


def resnet18(*, weights=None, progress=True, pretrained=None, **kwargs):
    """ResNet-18, as torchvision.models.resnet18: `weights` None (random), ResNet18_Weights.DEFAULT /
    .IMAGENET1K_V1 or its name (downloaded once, SHA-256 checked), or a weight file or state dict;
    kwargs: num_classes."""
    return _resnet(*ARCHS["resnet18"], ResNet18_Weights, weights, progress, pretrained, kwargs)


def resnet34(*, weights=None, progress=True, pretrained=None, **kwargs):
    """ResNet-34, the lecture's model; `weights` as for resnet18 (ResNet34_Weights)."""
    return _resnet(*ARCHS["resnet34"], ResNet34_Weights, weights, progress, pretrained, kwargs)


def resnet50(*, weights=None, progress=True, pretrained=None, **kwargs):
    """ResNet-50 (bottleneck blocks); `weights` as for resnet18 (ResNet50_Weights: DEFAULT is IMAGENET1K_V2)."""
    return _resnet(*ARCHS["resnet50"], ResNet50_Weights, weights, progress, pretrained, kwargs)
