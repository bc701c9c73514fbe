"""The PyTorch / torchvision side of minigrad.data: pytorch/examples' mnist/main.py data pipeline on
small random MNIST files, DataLoader's torch arguments, TensorDataset, ToTensor / Normalize,
FakeData, and loaders whose order never depends on another loader having run.

torchvision is not installed beside torch here, so the expected values come from the format facts
(IDX files, ToTensor = uint8 / 255 in CHW, Normalize = (x - mean) / std)."""
import gzip
import os

import numpy as np
import pytest
from PIL import Image

import minigrad
import minigrad.utils.data
from minigrad.data import DataLoader, TensorDataset, datasets, default_collate, transforms
from minigrad.download import DownloadError


def write_idx(path, array, gz=False):
    """An IDX file as MNIST ships it: magic 0x0000 08 NN (uint8, NN dims), big-endian sizes, bytes."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    data = header + np.ascontiguousarray(array, np.uint8).tobytes()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with (gzip.open(path + ".gz", "wb") if gz else open(path, "wb")) as f:
        f.write(data)


def fake_mnist(root, n_train=130, n_test=20, seed=0):
    """Random digits; image i carries its own index in its first two pixels, so a batch row can be
    traced back to the sample it came from. Training files gzipped, test files plain."""
    rng = np.random.default_rng(seed)
    out = {}
    for split, n, gz in (("train", n_train, True), ("t10k", n_test, False)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        images[:, 0, 0], images[:, 0, 1] = np.arange(n) // 256, np.arange(n) % 256
        labels = rng.integers(0, 10, n).astype(np.uint8)
        raw = os.path.join(root, "MNIST", "raw")
        write_idx(os.path.join(raw, f"{split}-images-idx3-ubyte"), images, gz)
        write_idx(os.path.join(raw, f"{split}-labels-idx1-ubyte"), labels, gz)
        out[split] = images, labels
    return out


def test_mnist_main_data_pipeline_gives_torchvision_batches(tmp_path):
    truth = fake_mnist(str(tmp_path))
    # the lines of pytorch/examples' mnist/main.py, with `torch.utils.data` spelled minigrad.utils.data
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    dataset1 = datasets.MNIST(str(tmp_path), train=True, download=True, transform=transform)
    dataset2 = datasets.MNIST(str(tmp_path), train=False, transform=transform)
    train_kwargs, test_kwargs = {"batch_size": 64}, {"batch_size": 1000}
    cuda_kwargs = {"num_workers": 1, "pin_memory": True, "shuffle": True}
    train_kwargs.update(cuda_kwargs)
    test_kwargs.update(cuda_kwargs)
    train_loader = minigrad.utils.data.DataLoader(dataset1, **train_kwargs)
    test_loader = minigrad.utils.data.DataLoader(dataset2, **test_kwargs)

    assert len(train_loader) == 3 and len(train_loader.dataset) == 130 and len(test_loader) == 1
    images, labels = truth["train"]
    seen = []
    for batch_idx, (data, target) in enumerate(train_loader):
        assert isinstance(data, minigrad.Tensor) and isinstance(target, minigrad.Tensor)
        assert data.dtype == np.float32 and target.dtype == np.int64
        assert data.shape == ((64 if batch_idx < 2 else 2), 1, 28, 28) and target.shape == (data.shape[0],)
        x = data.numpy()
        raw = np.rint((x[:, 0] * 0.3081 + 0.1307) * 255)  # undo Normalize and ToTensor's / 255
        index = (raw[:, 0, 0] * 256 + raw[:, 0, 1]).astype(int)
        expected = (images[index].astype(np.float32) / 255 - np.float32(0.1307)) / np.float32(0.3081)
        np.testing.assert_allclose(x[:, 0], expected, rtol=1e-6, atol=1e-6)
        np.testing.assert_array_equal(target.numpy(), labels[index])
        seen += index.tolist()
    assert sorted(seen) == list(range(130)) and seen != sorted(seen)  # shuffled, each once
    data, target = next(iter(test_loader))
    assert data.shape == (20, 1, 28, 28) and target.shape == (20,)


def test_mnist_items_data_and_targets_are_torchvisions(tmp_path):
    truth = fake_mnist(str(tmp_path))
    train = datasets.MNIST(tmp_path, train=True)
    img, label = train[5]
    assert isinstance(img, Image.Image) and img.mode == "L" and img.size == (28, 28)
    assert type(label) is int and label == truth["train"][1][5]
    np.testing.assert_array_equal(np.asarray(img), truth["train"][0][5])
    assert train.data.shape == (130, 28, 28) and train.data.dtype == np.uint8
    assert train.targets.dtype == np.int64 and train.targets.shape == (130,)
    assert train.classes[3] == "3 - three" and train.class_to_idx["9 - nine"] == 9
    assert len(datasets.MNIST(tmp_path, train=False)) == 20
    shown = datasets.MNIST(tmp_path, train=False, transform=transforms.ToTensor(), target_transform=lambda t: -t)
    x, t = shown[0]
    assert x.shape == (1, 28, 28) and t == -int(truth["t10k"][1][0])


def test_mnist_missing_corrupt_or_undownloadable_files_say_what_to_do(tmp_path, monkeypatch):
    with pytest.raises(RuntimeError, match="download=True"):
        datasets.MNIST(tmp_path)
    monkeypatch.setattr(datasets.MNIST, "mirrors", ["http://127.0.0.1:9/"])  # nothing listens on port 9
    with pytest.raises(DownloadError, match=r"could not download train-images-idx3-ubyte\.gz from any mirror"):
        datasets.MNIST(tmp_path, download=True)
    fake_mnist(str(tmp_path))
    raw = tmp_path / "MNIST" / "raw" / "t10k-images-idx3-ubyte"
    raw.write_bytes(raw.read_bytes()[:-10])
    with pytest.raises(ValueError, match="truncated or corrupt"):
        datasets.MNIST(tmp_path, train=False)
    raw.write_bytes(b"<html>not found</html>")
    with pytest.raises(ValueError, match="not an IDX file"):
        datasets.MNIST(tmp_path, train=False)


def test_to_tensor_and_normalize_follow_torchvision():
    gray = Image.fromarray(np.arange(12, dtype=np.uint8).reshape(3, 4) * 20)
    x = transforms.ToTensor()(gray)
    assert isinstance(x, minigrad.Tensor) and x.shape == (1, 3, 4) and x.dtype == np.float32
    np.testing.assert_allclose(x.numpy()[0], np.asarray(gray) / 255, rtol=1e-6)
    rgb = Image.fromarray(np.random.default_rng(0).integers(0, 256, (5, 6, 3), dtype=np.uint8))
    y = transforms.ToTensor()(rgb)
    assert y.shape == (3, 5, 6)
    np.testing.assert_allclose(y.numpy(), np.asarray(rgb).transpose(2, 0, 1) / 255, rtol=1e-6)
    z = transforms.Normalize((0.5, 0.25, 0.125), (0.5, 0.5, 2.0))(y)
    assert isinstance(z, minigrad.Tensor)
    expected = (y.numpy() - np.array([0.5, 0.25, 0.125], np.float32)[:, None, None]) / np.array(
        [0.5, 0.5, 2.0], np.float32)[:, None, None]
    np.testing.assert_allclose(z.numpy(), expected, rtol=1e-6)
    assert isinstance(transforms.Normalize((0.1,), (0.2,))(np.zeros((1, 2, 2), np.float32)), np.ndarray)
    same = transforms.Normalize((0.5, 0.25, 0.125), (0.5, 0.5, 2.0), inplace=True)
    y_array = y.numpy().copy()
    assert same(y) is y and same(y_array) is y_array  # inplace=True: the input itself, as torchvision
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(y_array, expected, rtol=1e-6)
    with pytest.raises(ValueError, match=r"3 channel\(s\).*got shape \(1, 3, 4\)"):
        transforms.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))(x)  # ImageNet's on a gray image
    assert "0.1307" in repr(transforms.Normalize((0.1307,), (0.3081,)))  # two normalisations never print alike


def test_resize_and_center_crop_accept_torchvisions_sizes():
    img = Image.new("RGB", (50, 30))
    assert transforms.Resize(20)(img).size == (33, 20)  # shorter side 20, longer floor(50 * 20 / 30)
    assert transforms.Resize((10, 40))(img).size == (40, 10)  # (h, w)
    assert transforms.CenterCrop((10, 20))(img).size == (20, 10)


def test_tensor_dataset_batches_are_slices_with_their_dtypes():
    x = minigrad.tensor(np.arange(20, dtype=np.float32).reshape(10, 2))
    y = minigrad.tensor(np.arange(10, dtype=np.int64))
    ds = minigrad.utils.data.TensorDataset(x, y)
    assert len(ds) == 10
    batches = list(DataLoader(ds, batch_size=4))
    assert len(batches) == 3
    bx, by = batches[0]
    assert bx.dtype == np.float32 and by.dtype == np.int64 and bx.shape == (4, 2) and by.shape == (4,)
    np.testing.assert_array_equal(bx.numpy(), x.numpy()[:4])
    np.testing.assert_array_equal(batches[2][1].numpy(), [8, 9])
    with pytest.raises(AssertionError, match="Size mismatch"):  # torch's exception type
        TensorDataset(x, y[:3])


class Numbers(minigrad.utils.data.Dataset):
    """Item i: (an array of i and one augmentation-like random draw, i % 3)."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.array([i, minigrad.random_source.rng().random()], np.float32), i % 3


def epoch(loader):
    return np.concatenate([x.numpy() for x, _ in loader])


def test_one_extra_loader_does_not_change_another_loaders_batches():
    """A cold precompute cache iterates one more loader than a warm one: the same seed must
    still give the same training batches (issue 12)."""
    def run(extra_loader):
        minigrad.manual_seed(7)
        train = DataLoader(Numbers(40), batch_size=8, shuffle=True)
        if extra_loader:
            epoch(DataLoader(Numbers(30), batch_size=5))
        return epoch(train), epoch(train)

    (a1, a2), (b1, b2) = run(False), run(True)
    np.testing.assert_array_equal(a1, b1)
    np.testing.assert_array_equal(a2, b2)
    assert not np.array_equal(a1, a2)  # still a new order (and new draws) every epoch
    before = minigrad.random_source.rng().bit_generator.state
    epoch(DataLoader(Numbers(10), batch_size=3, shuffle=True))
    assert minigrad.random_source.rng().bit_generator.state == before  # loaders never draw from the global generator


def test_a_loader_rebuilt_every_epoch_still_shuffles_anew_and_restoring_the_state_repeats_it():
    minigrad.manual_seed(1)
    first = epoch(DataLoader(Numbers(20), batch_size=4, shuffle=True))
    second = epoch(DataLoader(Numbers(20), batch_size=4, shuffle=True))
    assert not np.array_equal(first[:, 0], second[:, 0])
    minigrad.manual_seed(1)
    np.testing.assert_array_equal(first, epoch(DataLoader(Numbers(20), batch_size=4, shuffle=True)))
    state = minigrad.random_source.rng().bit_generator.state
    minigrad.random_source.rng().random()  # training draws (dropout) between epochs...
    third = epoch(DataLoader(Numbers(20), batch_size=4, shuffle=True))
    minigrad.manual_seed(99)  # ...a resumed run restores the generator's state from its checkpoint
    minigrad.random_source.rng().bit_generator.state = state
    minigrad.random_source.rng().random()
    np.testing.assert_array_equal(third, epoch(DataLoader(Numbers(20), batch_size=4, shuffle=True)))


def test_dataloader_accepts_torchs_arguments():
    calls = []
    loader = DataLoader(Numbers(10), batch_size=4, shuffle=True, sampler=None, batch_sampler=None, num_workers=2,
                        collate_fn=None, pin_memory=True, drop_last=True, timeout=5,
                        worker_init_fn=calls.append, multiprocessing_context=None, generator=None,
                        prefetch_factor=2, persistent_workers=True, pin_memory_device="")
    assert len(loader) == 2 and loader.dataset.n == 10
    assert [len(x) for x, _ in loader] == [4, 4] and sorted(calls) == [0, 1]
    ordered = DataLoader(Numbers(6), batch_size=4, sampler=[5, 0, 3])
    assert len(ordered) == 1 and epoch(ordered)[:, 0].tolist() == [5, 0, 3]
    by_batch = DataLoader(Numbers(6), batch_sampler=[[1, 2], [4]])
    assert len(by_batch) == 2 and [x.shape[0] for x, _ in by_batch] == [2, 1]
    single = next(iter(DataLoader(Numbers(3), batch_size=None)))
    assert single[0].shape == (2,) and single[1] == 0  # no batch dimension, as torch
    custom = DataLoader(Numbers(4), batch_size=2, collate_fn=lambda items: [i for _, i in items])
    assert list(custom) == [[0, 1], [2, 0]]
    g = [np.random.default_rng(3), np.random.default_rng(3)]
    orders = [epoch(DataLoader(Numbers(12), batch_size=5, shuffle=True, generator=gen))[:, 0] for gen in g]
    np.testing.assert_array_equal(*orders)
    for bad, match in ((dict(shuffle=True, sampler=[0]), "mutually exclusive"),
                       (dict(persistent_workers=True), "num_workers > 0"),
                       (dict(batch_size=0), "positive integer"), (dict(num_workers=-1), "should be non-negative")):
        with pytest.raises(ValueError, match=match):
            DataLoader(Numbers(3), **bad)


def test_default_collate_nests_like_torch():
    batch = default_collate([({"a": 1.5, "s": "x"}, np.ones(2, np.float64), True),
                             ({"a": 2.5, "s": "y"}, np.zeros(2, np.float64), False)])
    assert isinstance(batch, list) and len(batch) == 3
    assert batch[0]["s"] == ["x", "y"] and batch[0]["a"].dtype == np.float32
    assert batch[1].shape == (2, 2) and batch[1].dtype == np.float32  # minigrad computes in float32
    assert batch[2].dtype == np.bool_
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, but got \[2\] at entry 0"):
        default_collate([np.ones(2), np.ones(3)])
    with pytest.raises(TypeError, match="ToTensor"):
        default_collate([Image.new("RGB", (2, 2))])


def test_fake_data_is_torchvisions():
    ds = datasets.FakeData(size=5, image_size=(3, 8, 6), num_classes=4)
    img, label = ds[2]
    assert len(ds) == 5 and isinstance(img, Image.Image) and img.mode == "RGB" and img.size == (6, 8)
    assert type(label) is int and 0 <= label < 4
    np.testing.assert_array_equal(np.asarray(img), np.asarray(ds[2][0]))  # the same item every time
    assert not np.array_equal(np.asarray(img), np.asarray(ds[3][0]))
    gray = datasets.FakeData(size=2, image_size=(1, 4, 4), transform=transforms.ToTensor())
    assert gray[0][0].shape == (1, 4, 4)
    with pytest.raises(IndexError):
        ds[5]
    batch = next(iter(DataLoader(datasets.FakeData(6, (3, 8, 8), transform=transforms.ToTensor()), batch_size=4)))
    assert batch[0].shape == (4, 3, 8, 8) and batch[1].dtype == np.int64


def test_utils_data_is_the_same_as_minigrad_data():
    assert minigrad.utils.data.DataLoader is DataLoader and minigrad.utils.data.TensorDataset is TensorDataset
    assert datasets.ImageFolder is minigrad.data.ImageFolder


def test_mnist_download_tries_the_next_mirror_and_reads_the_gzipped_files(tmp_path, monkeypatch):
    from test_download import Server
    truth = fake_mnist(str(tmp_path / "made"))
    server = Server()
    try:
        for name in os.listdir(tmp_path / "made" / "MNIST" / "raw"):
            data = (tmp_path / "made" / "MNIST" / "raw" / name).read_bytes()
            gz = data if name.endswith(".gz") else gzip.compress(data)
            server.files["/mnist/" + name.replace(".gz", "") + ".gz"] = gz
        monkeypatch.setattr(datasets.MNIST, "mirrors", ["http://127.0.0.1:9/", server.url + "/mnist/"])
        test = datasets.MNIST(str(tmp_path / "fresh"), train=False, download=True)
        assert sorted(os.listdir(tmp_path / "fresh" / "MNIST" / "raw")) == sorted(
            f"{s}-{k}-ubyte.gz" for s in ("train", "t10k") for k in ("images-idx3", "labels-idx1"))
        np.testing.assert_array_equal(test.data.numpy(), truth["t10k"][0])
    finally:
        server.close()


def test_tensor_dataset_and_normalize_keep_the_tensors_device(device):
    x = minigrad.tensor(np.arange(24, dtype=np.float32).reshape(4, 1, 2, 3), device=device)
    y = minigrad.tensor(np.arange(4, dtype=np.int64), device=device)
    bx, by = next(iter(DataLoader(TensorDataset(x, y), batch_size=3)))
    assert minigrad.array_module.device_of(bx.array) == device and minigrad.array_module.device_of(by.array) == device
    np.testing.assert_array_equal(bx.numpy(), x.numpy()[:3])
    z = transforms.Normalize((1.0,), (2.0,))(bx[0])
    assert minigrad.array_module.device_of(z.array) == device
    np.testing.assert_allclose(z.numpy(), (x.numpy()[0] - 1) / 2)
