"""datasets.CIFAR10 / CIFAR100 as torchvision's, on small crafted files in the real layout: Python 2
pickles (as the published files are: BINSTRING strings, numpy.core names) and Python 3 ones, read
without running pickle code; torchvision's MD5 checks (patched to the crafted files' MD5s, which is
how these tests stand in for the real ones), its errors, and download= through minigrad's downloader
with the archive's MD5. No network."""
import hashlib
import io
import os
import pickle
import struct
import tarfile

import numpy as np
import pytest
from PIL import Image

from minigrad.data import cifar, datasets
from minigrad.weights import WeightsError


def py2_str(text):
    data = text.encode("latin-1")
    return (b"U" + bytes([len(data)]) if len(data) < 256 else b"T" + struct.pack("<I", len(data))) + data


def py2_int(n):
    return b"J" + struct.pack("<i", n)


def py2_array(array):
    """numpy 1.x's pickle of a C-order array, as Python 2 wrote it (the bytes as a BINSTRING)."""
    shape = b"(" + b"".join(py2_int(n) for n in array.shape) + b"t"
    dtype = b"cnumpy\ndtype\n(" + py2_str(array.dtype.str[1:]) + b"K\x00K\x01tR(K\x03" + py2_str("|") + \
        b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"
    return (b"cnumpy.core.multiarray\n_reconstruct\n(cnumpy\nndarray\n(K\x00tU\x01btR(K\x01" + shape + dtype
            + b"\x89" + py2_str(array.tobytes().decode("latin-1")) + b"tb")


def py2_pickle(value):
    """A Python 2 protocol-2 pickle of dicts, lists, str, int and uint8 arrays."""
    if isinstance(value, dict):
        return b"}(" + b"".join(py2_pickle(k) + py2_pickle(v) for k, v in value.items()) + b"u"
    if isinstance(value, list):
        return b"](" + b"".join(py2_pickle(v) for v in value) + b"e"
    if isinstance(value, str):
        return py2_str(value)
    if isinstance(value, int):
        return py2_int(value)
    return py2_array(value)


def md5(path):
    return hashlib.md5(open(path, "rb").read()).hexdigest()


def write_batch(path, n, seed, label_key="labels", classes=10, python2=True):
    rng = np.random.default_rng(seed)
    entry = {"batch_label": f"batch {seed}", label_key: [int(x) for x in rng.integers(0, classes, n)],
             "data": rng.integers(0, 256, (n, 3072), dtype=np.uint8), "filenames": [f"img_{i}.png" for i in range(n)]}
    with open(path, "wb") as f:
        f.write(b"\x80\x02" + py2_pickle(entry) + b"." if python2 else pickle.dumps(entry, protocol=2))
    return entry


def craft(root, cls, python2=True, monkeypatch=None):
    """The class's files, a few images each, and the class's MD5 lists pointed at them."""
    folder = root / cls.base_folder
    folder.mkdir(parents=True, exist_ok=True)
    hundred = cls is datasets.CIFAR100
    entries = {}
    for k, (name, _) in enumerate(cls.train_list + cls.test_list):
        entries[name] = write_batch(folder / name, 3 + k, k, "fine_labels" if hundred else "labels",
                                    100 if hundred else 10, python2)
    names = [f"class {i}" for i in range(100 if hundred else 10)]
    meta = {cls.meta["key"]: names, "num_cases_per_batch": 3}
    (folder / cls.meta["filename"]).write_bytes(b"\x80\x02" + py2_pickle(meta) + b"." if python2
                                                else pickle.dumps(meta, protocol=2))
    if monkeypatch is not None:
        monkeypatch.setattr(cls, "train_list", [[n, md5(folder / n)] for n, _ in cls.train_list])
        monkeypatch.setattr(cls, "test_list", [[n, md5(folder / n)] for n, _ in cls.test_list])
        monkeypatch.setattr(cls, "meta", dict(cls.meta, md5=md5(folder / cls.meta["filename"])))
    return entries, names


@pytest.mark.parametrize("python2", [True, False], ids=["python2_pickles", "python3_pickles"])
@pytest.mark.parametrize("cls", [datasets.CIFAR10, datasets.CIFAR100])
def test_reads_the_python_version_as_torchvision(tmp_path, monkeypatch, cls, python2):
    entries, names = craft(tmp_path, cls, python2, monkeypatch)
    key = "fine_labels" if cls is datasets.CIFAR100 else "labels"
    train, test = cls(tmp_path), cls(tmp_path, train=False, transform=np.asarray, target_transform=str)
    expected = np.vstack([entries[n]["data"] for n, _ in cls.train_list]).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    np.testing.assert_array_equal(train.data, expected)
    assert train.targets == sum((entries[n][key] for n, _ in cls.train_list), [])
    assert train.classes == names and train.class_to_idx["class 1"] == 1 and len(train) == len(expected)
    img, target = train[1]
    assert isinstance(img, Image.Image) and img.mode == "RGB" and img.size == (32, 32) and type(target) is int
    np.testing.assert_array_equal(np.asarray(img), expected[1])
    img, target = test[0]
    np.testing.assert_array_equal(img, entries[cls.test_list[0][0]]["data"][0].reshape(3, 32, 32).transpose(1, 2, 0))
    assert target == str(entries[cls.test_list[0][0]][key][0])
    assert repr(test).endswith("Split: Test")


@pytest.mark.parametrize("python2", [True, False], ids=["python2_pickles", "python3_pickles"])
@pytest.mark.parametrize("cls", [datasets.CIFAR10, datasets.CIFAR100])
def test_the_same_as_torchvisions_cifar(tmp_path, monkeypatch, cls, python2):
    tv = pytest.importorskip("torchvision.datasets", reason="compares with torchvision's CIFAR")
    craft(tmp_path, cls, python2, monkeypatch)
    train = cls(tmp_path)
    theirs_cls = getattr(tv, cls.__name__)
    for attr in ("train_list", "test_list", "meta"):
        monkeypatch.setattr(theirs_cls, attr, getattr(cls, attr))
    theirs = theirs_cls(tmp_path)
    np.testing.assert_array_equal(theirs.data, train.data)
    assert theirs.targets == train.targets and theirs.classes == train.classes
    assert repr(theirs).splitlines()[1:] == repr(train).splitlines()[1:]


def test_missing_or_corrupt_files_raise_torchvisions_errors(tmp_path, monkeypatch):
    with pytest.raises(RuntimeError, match="Dataset not found or corrupted. You can use download=True"):
        datasets.CIFAR10(tmp_path)
    craft(tmp_path, datasets.CIFAR10)  # the real MD5s: crafted files do not match them
    with pytest.raises(RuntimeError, match="Dataset not found or corrupted"):
        datasets.CIFAR10(tmp_path)
    craft(tmp_path, datasets.CIFAR10, monkeypatch=monkeypatch)
    (tmp_path / "cifar-10-batches-py" / "batches.meta").write_bytes(b"changed")
    with pytest.raises(RuntimeError, match="Dataset metadata file not found or corrupted"):
        datasets.CIFAR10(tmp_path)


class RunsACommand:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_tampered_batch_runs_nothing(tmp_path, monkeypatch):
    craft(tmp_path, datasets.CIFAR10)
    marker = tmp_path / "pwned"
    batch = tmp_path / "cifar-10-batches-py" / "data_batch_1"
    batch.write_bytes(pickle.dumps({"data": RunsACommand(marker), "labels": []}, protocol=2))
    craft_md5 = [[n, md5(tmp_path / "cifar-10-batches-py" / n)] for n, _ in datasets.CIFAR10.train_list]
    monkeypatch.setattr(datasets.CIFAR10, "train_list", craft_md5)
    monkeypatch.setattr(datasets.CIFAR10, "test_list",
                        [["test_batch", md5(tmp_path / "cifar-10-batches-py" / "test_batch")]])
    with pytest.raises(WeightsError, match=r"data_batch_1: refusing to load: the pickle asks for (posix|os)\.system"):
        datasets.CIFAR10(tmp_path)
    assert not marker.exists()
    batch.write_bytes(pickle.dumps({"data": np.array([1, "x"], dtype=object), "labels": []}, protocol=2))
    with pytest.raises(WeightsError, match="only numeric arrays"):
        cifar.read_pickle(batch)


def archive_of(source_root, members, extra=None):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name in members:
            tar.add(source_root / name, arcname=name)
        if extra is not None:
            info = tarfile.TarInfo(extra)
            info.size = 3
            tar.addfile(info, io.BytesIO(b"bad"))
    return buffer.getvalue()


def test_download_fetches_checks_the_md5_and_unpacks(tmp_path, monkeypatch):
    source, root = tmp_path / "source", tmp_path / "root"
    craft(source, datasets.CIFAR10, monkeypatch=monkeypatch)
    data = archive_of(source, ["cifar-10-batches-py"])
    asked = []

    def download_url(url, name=None, cache=None, **_):
        asked.append((url, name, cache))
        os.makedirs(cache, exist_ok=True)
        (tmp_path / "root" / name).write_bytes(data)
        return os.path.join(cache, name)
    monkeypatch.setattr(cifar, "download_url", download_url)
    with pytest.raises(cifar.DownloadError, match="does not have the MD5 c58f30108f718f92721af3b95e74349a"):
        datasets.CIFAR10(root, download=True)
    monkeypatch.setattr(datasets.CIFAR10, "tgz_md5", hashlib.md5(data).hexdigest())
    assert len(datasets.CIFAR10(root, download=True)) == 3 + 4 + 5 + 6 + 7
    assert asked[-1] == ("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz", "cifar-10-python.tar.gz",
                         str(root))
    datasets.CIFAR10(root, download=True)  # already there and whole: nothing fetched
    assert len(asked) == 2
    data = archive_of(source, ["cifar-10-batches-py"], extra="../outside.txt")
    monkeypatch.setattr(datasets.CIFAR10, "tgz_md5", hashlib.md5(data).hexdigest())
    (root / "cifar-10-batches-py" / "test_batch").unlink()
    with pytest.raises(tarfile.FilterError):
        datasets.CIFAR10(root, download=True)
    assert not (tmp_path / "outside.txt").exists()
