"""torchvision's CIFAR10 and CIFAR100: 32x32 colour images in 10 (or 100) classes, 50,000 for
training and 10,000 for testing, read from the "python version" of the data set.

The files (root/cifar-10-batches-py/data_batch_1..5, test_batch, batches.meta; for CIFAR-100
root/cifar-100-python/train, test, meta) are Python pickles: dicts holding a uint8 array `data` of
N x 3072 (the red, green, then blue 32x32 planes of each image), a list of `labels` (`fine_labels`
for CIFAR-100) and, in the meta file, the class names. torchvision reads them with pickle.load,
which would run any code a tampered file asked for; here they are read by minigrad.weights'
allow-list unpickler (read_pickle), which rebuilds only numbers, strings, containers and numeric
numpy arrays and refuses anything else. Each file is first checked against torchvision's MD5, as
torchvision does; download=True fetches the archive (minigrad/download.py, resumable), checks its MD5
and unpacks it (refusing members that would land outside root).
"""
import hashlib
import os
import tarfile

import numpy as np

from ..download import DownloadError, download_url
from ..weights.plain import read_pickle
from .vision import VisionDataset


def check_integrity(path, md5=None):
    """torchvision's check: the file exists and (if md5 is given) has that MD5."""
    if not os.path.isfile(path):
        return False
    if md5 is None:
        return True
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest() == md5


class CIFAR10(VisionDataset):
    """torchvision's CIFAR10(root, train=True, transform=None, target_transform=None, download=False).

    Item i is (transform(img), target_transform(target)): img a PIL RGB image of 32x32, target an int.
    `data` (uint8 array (N, 32, 32, 3)), `targets` (list of ints), `classes`, `class_to_idx`, as torchvision's."""

    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [["data_batch_1", "c99cafc152244af753f735de768cd75f"],
                  ["data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"],
                  ["data_batch_3", "54ebc095f3ab1f0389bbae665268c751"],
                  ["data_batch_4", "634d18415352ddfa80567beed471001a"],
                  ["data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"]]
    test_list = [["test_batch", "40351d587109b95175f43aff81a1287e"]]
    meta = {"filename": "batches.meta", "key": "label_names", "md5": "5ff9c542aee3614f3951f8cda6e48888"}

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        self.root = os.path.expanduser(os.fspath(root))
        self.train, self.transform, self.target_transform = train, transform, target_transform
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError("Dataset not found or corrupted. You can use download=True to download it")
        data, self.targets = [], []
        for name, _md5 in self.train_list if self.train else self.test_list:
            entry = self._read(name)
            if not isinstance(entry.get("data"), np.ndarray) or entry["data"].dtype != np.uint8:
                raise RuntimeError(f"{self._path(name)}: 'data' is not an array of bytes; the file is not CIFAR's")
            data.append(entry["data"])
            self.targets.extend(entry["labels"] if "labels" in entry else entry["fine_labels"])
        self.data = np.vstack(data).reshape(-1, 3, 32, 32).transpose((0, 2, 3, 1))  # to (N, H, W, C)
        if len(self.data) != len(self.targets):
            raise RuntimeError(f"{self.base_folder}: {len(self.data)} images but {len(self.targets)} labels")
        self._load_meta()

    def _path(self, name):
        return os.path.join(self.root, self.base_folder, name)

    def _read(self, name):
        entry = read_pickle(self._path(name), encoding="latin1")
        if not isinstance(entry, dict):
            raise RuntimeError(f"{self._path(name)} holds a {type(entry).__name__}, not CIFAR's dict")
        return entry

    def _load_meta(self):
        if not check_integrity(self._path(self.meta["filename"]), self.meta["md5"]):
            raise RuntimeError("Dataset metadata file not found or corrupted. You can use download=True to download it")
        self.classes = self._read(self.meta["filename"])[self.meta["key"]]
        self.class_to_idx = {name: i for i, name in enumerate(self.classes)}

    def _check_integrity(self):
        return all(check_integrity(self._path(name), md5) for name, md5 in self.train_list + self.test_list)

    def download(self):
        """Fetch and unpack the archive unless the files are there and whole."""
        if self._check_integrity():
            return
        archive = download_url(self.url, self.filename, cache=self.root)
        if not check_integrity(archive, self.tgz_md5):
            raise DownloadError(f"{archive} does not have the MD5 {self.tgz_md5} of {self.url}: it is corrupt or a "
                                "different file. Delete it and download again.")
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(self.root, filter="data")  # no absolute paths, no "..", no links out of root

    def __len__(self):
        return len(self.data)

    def _sample(self, index):
        return self.data[index], self.targets[index]


class CIFAR100(CIFAR10):
    """torchvision's CIFAR100: as CIFAR10, with 100 classes (targets are the fine labels)."""

    base_folder = "cifar-100-python"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list = [["train", "16019d7e3df5f24257cddd939b257f8d"]]
    test_list = [["test", "f0ef6b0ae62326f3e7ffdfab6717acfc"]]
    meta = {"filename": "meta", "key": "fine_label_names", "md5": "7973b15100ade9c7d40fb424638fde48"}
