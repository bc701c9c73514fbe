"""torch.nn.modules' place: the paths real programs spell, such as `nn.modules.rnn.LSTM`,
`nn.modules.dropout.Dropout` (word_language_model's safe globals) or
`from torch.nn.modules.loss import _Loss`.

PyTorch keeps one file per family under torch/nn/modules/; minigrad's own files are cut
differently (nn/layers.py, nn/rnn.py, ...). So each of PyTorch's files is a module here made from
the table below, holding the very classes of minigrad.nn (`nn.modules.linear.Linear is
nn.Linear`): `import minigrad.nn.modules.rnn` and `from minigrad.nn.modules.rnn import LSTM` work
as with torch. A class minigrad does not have is simply absent (an AttributeError naming it).
"""
import sys
import types

import minigrad.nn as nn

# PyTorch's file -> the classes it defines (torch 2.13's __all__, plus names programs reach for)
TORCH_FILES = {
    "activation": "Threshold ReLU RReLU Hardtanh ReLU6 Sigmoid Hardsigmoid Tanh SiLU Mish Hardswish ELU CELU SELU GLU "
                  "GELU Hardshrink LeakyReLU LogSigmoid Softplus Softshrink MultiheadAttention PReLU Softsign "
                  "Tanhshrink Softmin Softmax Softmax2d LogSoftmax",
    "adaptive": "AdaptiveLogSoftmaxWithLoss",
    "batchnorm": "BatchNorm1d LazyBatchNorm1d BatchNorm2d LazyBatchNorm2d BatchNorm3d LazyBatchNorm3d SyncBatchNorm",
    "channelshuffle": "ChannelShuffle",
    "container": "Container Sequential ModuleList ModuleDict ParameterList ParameterDict",
    "conv": "Conv1d Conv2d Conv3d ConvTranspose1d ConvTranspose2d ConvTranspose3d",
    "distance": "PairwiseDistance CosineSimilarity",
    "dropout": "Dropout Dropout1d Dropout2d Dropout3d AlphaDropout FeatureAlphaDropout",
    "flatten": "Flatten Unflatten",
    "fold": "Fold Unfold",
    "instancenorm": "InstanceNorm1d InstanceNorm2d InstanceNorm3d",
    "linear": "Bilinear Identity LazyLinear Linear NonDynamicallyQuantizableLinear",
    "loss": "L1Loss NLLLoss PoissonNLLLoss GaussianNLLLoss KLDivLoss MSELoss BCELoss BCEWithLogitsLoss "
            "HingeEmbeddingLoss MultiLabelMarginLoss SmoothL1Loss HuberLoss SoftMarginLoss CrossEntropyLoss "
            "MultiLabelSoftMarginLoss CosineEmbeddingLoss MarginRankingLoss MultiMarginLoss TripletMarginLoss "
            "TripletMarginWithDistanceLoss CTCLoss _Loss _WeightedLoss",
    "module": "Module Parameter",
    "normalization": "LocalResponseNorm CrossMapLRN2d LayerNorm GroupNorm RMSNorm",
    "padding": "CircularPad1d CircularPad2d CircularPad3d ConstantPad1d ConstantPad2d ConstantPad3d ReflectionPad1d "
               "ReflectionPad2d ReflectionPad3d ReplicationPad1d ReplicationPad2d ReplicationPad3d ZeroPad1d ZeroPad2d "
               "ZeroPad3d",
    "pixelshuffle": "PixelShuffle PixelUnshuffle",
    "pooling": "MaxPool1d MaxPool2d MaxPool3d MaxUnpool1d MaxUnpool2d MaxUnpool3d AvgPool1d AvgPool2d AvgPool3d "
               "FractionalMaxPool2d FractionalMaxPool3d LPPool1d LPPool2d LPPool3d AdaptiveMaxPool1d AdaptiveMaxPool2d "
               "AdaptiveMaxPool3d AdaptiveAvgPool1d AdaptiveAvgPool2d AdaptiveAvgPool3d",
    "rnn": "RNNBase RNN LSTM GRU RNNCellBase RNNCell LSTMCell GRUCell",
    "sparse": "Embedding EmbeddingBag",
    "transformer": "Transformer TransformerEncoder TransformerDecoder TransformerEncoderLayer TransformerDecoderLayer",
    "upsampling": "Upsample UpsamplingNearest2d UpsamplingBilinear2d",
}


def _find(name):
    """minigrad.nn's class of that name: exported by minigrad.nn, or defined in one of its files
    (torch's private base classes such as _Loss, and NonDynamicallyQuantizableLinear)."""
    if hasattr(nn, name):
        return getattr(nn, name)
    homes = [m for key, m in sorted(sys.modules.items())
             if key.startswith("minigrad.nn.") and not key.startswith(__name__) and m is not None]
    return next((vars(m)[name] for m in homes if name in vars(m)), None)


def _make(file, names):
    module = types.ModuleType(f"{__name__}.{file}", f"torch.nn.modules.{file}'s place: {file} layers of minigrad.nn.")
    for name in names.split():
        found = _find(name)
        if found is not None:
            setattr(module, name, found)
    sys.modules[module.__name__] = module
    return module


for _file, _names in TORCH_FILES.items():  # each file a module of this package; its classes also here, as torch's
    _module = globals()[_file] = _make(_file, _names)
    globals().update({name: value for name, value in vars(_module).items() if name[0].isupper()})
del _file, _names, _module
