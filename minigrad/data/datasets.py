"""torchvision.datasets' names: `MNIST`, `FakeData`, `ImageFolder`, `CIFAR10`, `CIFAR100` (cifar.py).

    from minigrad.data import datasets, transforms
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    train = datasets.MNIST('../data', train=True, download=True, transform=transform)

MNIST reads torchvision's layout, `root/MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte`
(each plain or `.gz`), and gives (PIL 'L' image 28x28, int label) as torchvision's.
"""
import gzip
import os

import numpy as np
from PIL import Image

from ..download import DownloadError, download_url
from .cifar import CIFAR10, CIFAR100  # noqa: F401  (torchvision.datasets.CIFAR10, CIFAR100)
from .folder import ImageFolder  # noqa: F401  (torchvision.datasets.ImageFolder)
from .vision import VisionDataset

_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path):
    """An array from an IDX file (MNIST's format: a big-endian header of magic 0x0000TTNN,
    NN dimensions of 4 bytes each, then the values of type TT). `.gz` files are decompressed."""
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as err:
        raise ValueError(f"cannot read {path}: {err}; delete it (and download again)") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ValueError(f"{path} is not an IDX file (it must start with 0x0000, a type byte, and the number "
                         "of dimensions); delete it and download again")
    nd = raw[3]
    dims = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(nd))
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    start, count = 4 + 4 * nd, int(np.prod(dims))
    if len(raw) != start + count * dtype.itemsize:
        raise ValueError(f"{path}: header says shape {dims} ({count * dtype.itemsize} bytes of data), file has "
                         f"{len(raw) - start}; it is truncated or corrupt: delete it and download again")
    return np.frombuffer(raw, dtype, count, start).astype(dtype.newbyteorder("="), copy=False).reshape(dims)


class MNIST(VisionDataset):
    """torchvision's MNIST: 60,000 training or 10,000 test handwritten digits.

    Item i is `(transform(img), target_transform(label))`, img a PIL 'L' image of 28x28, label an int.
    `data` (uint8 Tensor (N, 28, 28)), `targets` (int64 Tensor (N,)), `classes`, `class_to_idx`
    as torchvision's. `download=True` fetches the four files from `mirrors` into root/MNIST/raw
    unless they are there; a download that fails everywhere raises minigrad.download.DownloadError
    (a RuntimeError) saying where to put the files by hand."""

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    files = {True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
             False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        self.root = os.path.expanduser(os.fspath(root))
        self.train, self.transform, self.target_transform = train, transform, target_transform
        if download:
            self.download()
        names = self.files[bool(train)]
        images, labels = (self._find(name) for name in names)
        if images is None or labels is None:
            raise RuntimeError(f"Dataset not found in {self.raw_folder} (looked for {', '.join(names)}, plain or "
                               ".gz). You can use download=True to download it")
        self._images, self._labels = read_idx(images), read_idx(labels).astype(np.int64)
        if self._images.ndim != 3 or self._labels.ndim != 1 or len(self._images) != len(self._labels):
            raise ValueError(f"{images} and {labels} do not match: images of shape {self._images.shape} "
                             f"(expected (N, 28, 28)), labels of shape {self._labels.shape} (expected (N,))")

    @property
    def raw_folder(self):
        return os.path.join(self.root, type(self).__name__, "raw")

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    @property
    def data(self):
        from ..tensor import Tensor
        return Tensor(self._images, dtype=self._images.dtype)

    @property
    def targets(self):
        from ..tensor import Tensor
        return Tensor(self._labels, dtype=self._labels.dtype)

    def _find(self, name):
        for candidate in (name, name + ".gz"):
            path = os.path.join(self.raw_folder, candidate)
            if os.path.isfile(path):
                return path
        return None

    def download(self):
        """Fetch the missing raw files, trying each mirror in turn."""
        os.makedirs(self.raw_folder, exist_ok=True)
        for name in self.files[True] + self.files[False]:
            if self._find(name):
                continue
            errors = []
            for mirror in self.mirrors:
                try:
                    download_url(mirror + name + ".gz", name + ".gz", cache=self.raw_folder)
                    break
                except DownloadError as err:
                    errors.append(str(err))
            else:
                raise DownloadError(f"MNIST: could not download {name}.gz from any mirror:\n  " + "\n  ".join(errors)
                                    + f"\nPut {name} (plain or .gz) in {self.raw_folder} yourself, or try again "
                                    "when online")

    def __len__(self):
        return len(self._labels)

    def _sample(self, index):
        return self._images[index], int(self._labels[index])


class FakeData:
    """torchvision's FakeData: `size` random images (PIL, mode 'RGB' for 3 channels, 'L' for 1)
    of `image_size` (C, H, W) with random int labels below num_classes. Item i is the same every
    time (seeded by i + random_offset); the pixel values are numpy's draws, not torch's."""

    def __init__(self, size=1000, image_size=(3, 224, 224), num_classes=10, transform=None, target_transform=None,
                 random_offset=0):
        if tuple(image_size)[0] not in (1, 3):
            raise ValueError(f"FakeData: image_size {image_size} must have 1 or 3 channels first, e.g. (3, 224, 224)")
        self.size, self.image_size, self.num_classes = size, tuple(image_size), num_classes
        self.transform, self.target_transform, self.random_offset = transform, target_transform, random_offset

    def __len__(self):
        return self.size

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"{type(self).__name__} index out of range")
        rng = np.random.default_rng(index + self.random_offset)
        x = rng.standard_normal(self.image_size)
        target = int(rng.integers(0, self.num_classes))
        # torchvision's ToPILImage: float * 255 cast to bytes, so values wrap around
        pixels = (np.floor(x * 255).astype(np.int64) % 256).astype(np.uint8).transpose(1, 2, 0)
        img = Image.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target
