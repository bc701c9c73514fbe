"""One program text, two libraries: the namespace of modules a PyTorch program imports, built from
torch or from minigrad, and the two things that make the runs comparable, the same starting weights
and the same tolerance.

Randomness the two libraries draw differently is made equal rather than compared: weights are
initialised by torch and copied into minigrad's model (SameWeights), batches come from numpy, and
noise a program draws inside a step (dropout, a VAE's eps) is fixed by the program's caller.
"""
import types

import numpy as np

import minigrad

# relative tolerance of a compared loss: float64 leaves only the order of summation, float32 a few ulps
# that grow over a few optimizer steps
RTOL = {"float64": 1e-9, "float32": 1e-5}


def library(name):
    """The modules `import torch, torch.nn as nn, torch.nn.functional as F, torch.optim as optim`,
    `from torch.utils import data` and torchvision's `save_image` give a program, from torch or minigrad."""
    if name == "torch":
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        import torch.optim as optim
        import torch.utils.data as data
        from torch.optim import lr_scheduler
        try:
            from torchvision.utils import save_image
        except ImportError:  # torchvision is not the oracle here: the test checks minigrad's image itself
            save_image = None
    else:
        import minigrad as torch
        import minigrad.nn as nn
        import minigrad.nn.functional as F
        import minigrad.optim as optim
        import minigrad.utils.data as data
        from minigrad.data.utils import save_image
        from minigrad.optim import lr_scheduler
    return types.SimpleNamespace(name=name, torch=torch, nn=nn, F=F, optim=optim, data=data,
                                 lr_scheduler=lr_scheduler, save_image=save_image)


class SameWeights:
    """The torch run's starting weights, handed to the minigrad run.

    A program calls `share(model)` once it has built (and initialised) a model. In the torch run
    each model's state_dict is kept as numpy arrays; in the minigrad run the n-th call loads the
    n-th kept state_dict into the n-th model, so both runs start from torch's draws."""

    def __init__(self):
        self.kept = []
        self.loaded = 0

    def record(self, model):
        self.kept.append({k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()})
        return model

    def replay(self, model):
        state = self.kept[self.loaded]
        self.loaded += 1
        model.load_state_dict({k: minigrad.tensor(v, dtype=v.dtype) for k, v in state.items()})
        return model


def run_both(program, dtype="float64", **settings):
    """program.run under torch, then under minigrad from torch's weights: (torch's, minigrad's)."""
    import torch
    torch.manual_seed(0)
    minigrad.manual_seed(0)
    weights = SameWeights()
    theirs = program.run(library("torch"), weights.record, dtype, **settings)
    ours = program.run(library("minigrad"), weights.replay, dtype, **settings)
    assert weights.loaded == len(weights.kept), "the minigrad run built fewer models than torch's"
    return theirs, ours


def assert_same(theirs, ours, dtype, what="losses"):
    """Two lists (or arrays) of numbers equal to the dtype's tolerance, naming the first that differs."""
    theirs, ours = np.asarray(theirs, dtype=np.float64), np.asarray(ours, dtype=np.float64)
    assert theirs.shape == ours.shape, f"{what}: torch gave shape {theirs.shape}, minigrad {ours.shape}"
    # a value near 0 is compared with the array's typical size, the scale of its rounding errors
    scale = np.maximum(np.abs(theirs), np.abs(theirs).mean() if theirs.size else 0)
    bad = np.flatnonzero(np.abs(theirs - ours) > RTOL[dtype] * scale)
    assert bad.size == 0, (f"{what} ({dtype}) differ first at #{bad[0]}: torch {theirs.flat[bad[0]]!r}, "
                           f"minigrad {ours.flat[bad[0]]!r}\ntorch    {theirs.ravel()[:8]}\n"
                           f"minigrad {ours.ravel()[:8]}")
