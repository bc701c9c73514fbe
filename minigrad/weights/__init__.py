"""Reading and writing weight files: PyTorch checkpoints without PyTorch.

`load_weights(path)` returns {name: numpy array} from
  - a PyTorch zip checkpoint (`torch.save` since 1.6) or a legacy one (before 1.6, like the
    lecture's resnet34-333f7ec4.pth): pth.py, with the allow-list unpickler of unpickle.py,
  - a .safetensors file: safetensors.py,
  - minigrad's own .npz: npz.py.
`save_weights(state, path)` writes .npz atomically (writer.py). `minigrad.save(obj, f)` /
`minigrad.load(f)` are PyTorch's spellings for whole checkpoints (a path or an open file), in
PyTorch's own zip format (checkpoint.py, torchzip.py, pickler.py); a whole Module or a numpy array
loads back once its classes are allowed (safe_globals.py, objects.py, rebuild.py), as in PyTorch.
No pickle code from a file ever runs, and every size a file declares is checked against what it
holds (base.py) before anything is allocated. `read_pickle` (plain.py) reads a plain pickle of
containers and numpy arrays (CIFAR's batches) the same way.
Run `python -m minigrad.weights convert IN OUT` to convert, `... download resnet34` to fetch
torchvision's ImageNet weights (see minigrad/download.py).
"""
from .base import WeightsError
from .checkpoint import load, save
from .plain import read_pickle
from .reader import load_weights, read_tree
from .writer import atomic_write, save_weights

__all__ = ["WeightsError", "load_weights", "save_weights", "save", "load", "convert", "download_pretrained",
           "PRETRAINED", "read_tree", "read_pickle", "atomic_write"]

# torchvision's ImageNet weights; the hex part of each name is the start of the file's SHA-256
PRETRAINED = {
    "resnet18": "https://download.pytorch.org/models/resnet18-f37072fd.pth",
    "resnet34": "https://download.pytorch.org/models/resnet34-b627a593.pth",
    "resnet50": "https://download.pytorch.org/models/resnet50-0676ba61.pth",
}


def download_pretrained(arch, cache=None, url=None):
    """Fetch (or find in the cache) torchvision's ImageNet weights for `arch`; returns the path."""
    from ..download import download_url, hash_prefix_from_name
    if arch not in PRETRAINED:
        raise ValueError(f"no pretrained weights known for {arch!r}; choose from {sorted(PRETRAINED)}")
    name = PRETRAINED[arch].rsplit("/", 1)[1]
    return download_url(url or PRETRAINED[arch], name, cache=cache, sha256_prefix=hash_prefix_from_name(name))


def convert(source, target):
    """Convert any readable weight file to minigrad's .npz."""
    state = load_weights(source)
    save_weights(state, target)
    return state


def main(argv=None):
    """`python -m minigrad.weights convert IN OUT` | `download ARCH` (see __main__.py)."""
    from .__main__ import main as cli
    return cli(argv)
