"""torch.serialization's place: save, load, and the safe globals that decide what a load may rebuild.

`minigrad.load` (weights_only=True, the default) rebuilds tensors, containers, numbers and strings
and nothing else; a checkpoint that holds a whole Module, a class of yours or a numpy array loads
once you say you trust the classes it names, as in PyTorch:

    with minigrad.serialization.safe_globals([RNNModel, nn.modules.dropout.Dropout, nn.modules.linear.Linear]):
        model = minigrad.load(f)

The implementation is in minigrad/weights/ (safe_globals.py, objects.py, checkpoint.py).
"""
from .weights.checkpoint import load, save
from .weights.safe_globals import add_safe_globals, clear_safe_globals, get_safe_globals, safe_globals

DEFAULT_PROTOCOL = 2  # the pickle protocol torch.save (and minigrad.save) writes

__all__ = ["save", "load", "add_safe_globals", "clear_safe_globals", "get_safe_globals", "safe_globals",
           "DEFAULT_PROTOCOL"]
