"""minigrad.save / minigrad.load: PyTorch's spellings and PyTorch's file format. Round trips of nested
checkpoints, atomic writes, both directions with torch, map_location, and hostile files. (Open files,
numpy arrays, whole Modules and safe globals: test_save_load_files.py.)"""
import collections
import os
import pickle
import zipfile

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
from crafted_weights import dict_pickle, glob, s, tensor, tup, write_zip
from minigrad.weights import WeightsError, load_weights, torchzip


def checkpoint():
    """What a training script saves: a state dict, an optimizer's state, numbers and strings."""
    return {
        "model": collections.OrderedDict([
            ("fc.weight", minigrad.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)),
            ("fc.bias", minigrad.tensor(np.array([0.5, -1.5], np.float64), dtype=np.float64)),
            ("bn.num_batches_tracked", minigrad.from_numpy(np.array(7, np.int64))),
            ("mask", minigrad.from_numpy(np.array([[True, False]]))),
            ("half", minigrad.from_numpy(np.linspace(0, 1, 5).astype(np.float16))),
            ("bytes", minigrad.from_numpy(np.arange(4, dtype=np.uint8))),
            ("u16", minigrad.from_numpy(np.array([1, 65535], np.uint16))),
            ("empty", minigrad.from_numpy(np.zeros((0, 3), np.float32))),
        ]),
        "optimizer": {"state": {0: {"momentum_buffer": minigrad.ones(2, 3)}},
                      "param_groups": [{"lr": 0.01, "momentum": 0.9, "nesterov": False, "params": [0, 1]}]},
        "epoch": 3, "best": float("inf"), "name": "résumé ✓", "note": None, "shape": (2, 3), "big": -2 ** 70,
    }


def check_same(saved, loaded):
    """Loaded mirrors saved: Tensors come back as Tensors with the same dtype and values."""
    if isinstance(saved, (minigrad.Tensor, np.ndarray)):
        assert isinstance(loaded, minigrad.Tensor), type(loaded)
        array = saved.array if isinstance(saved, minigrad.Tensor) else saved
        assert loaded.array.dtype == array.dtype and loaded.array.shape == array.shape
        np.testing.assert_array_equal(loaded.numpy(), array)
        assert loaded.requires_grad == (isinstance(saved, minigrad.Tensor) and saved.requires_grad)
    elif isinstance(saved, dict):
        assert type(loaded) is type(saved) and list(loaded) == list(saved)
        for k in saved:
            check_same(saved[k], loaded[k])
    elif isinstance(saved, (list, tuple)):
        assert type(loaded) is type(saved) and len(loaded) == len(saved)
        for a, b in zip(saved, loaded):
            check_same(a, b)
    else:
        assert loaded == saved and type(loaded) is type(saved.item() if hasattr(saved, "item") else saved)


@pytest.mark.parametrize("name", ["ckpt.pt", "model.pth", "weights.bin", "no_extension"])
def test_round_trip_of_a_nested_checkpoint_under_any_name(tmp_path, name):
    obj = checkpoint()
    minigrad.save(obj, tmp_path / name)
    check_same(obj, minigrad.load(tmp_path / name))
    assert os.listdir(tmp_path) == [name]


def test_module_state_dict_round_trip_and_load_weights_reads_it(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    minigrad.save(model.state_dict(), tmp_path / "m.pt")
    other = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    other.load_state_dict(minigrad.load(tmp_path / "m.pt"))
    for (k, a), (_, b) in zip(model.state_dict().items(), other.state_dict().items()):
        np.testing.assert_array_equal(getattr(a, "array", a), getattr(b, "array", b), err_msg=k)
    assert list(load_weights(tmp_path / "m.pt")) == list(model.state_dict())


def test_load_reads_npz_and_safetensors_as_tensors(tmp_path):
    minigrad.save_weights({"w": np.arange(4.0), "n": np.arange(3)}, tmp_path / "w.npz")
    loaded = minigrad.load(tmp_path / "w.npz")
    assert all(isinstance(v, minigrad.Tensor) for v in loaded.values())
    assert loaded["w"].array.dtype == np.float64 and loaded["n"].array.dtype == np.int64
    st = pytest.importorskip("safetensors.numpy", reason="pip install safetensors to write the reference file")
    st.save_file({"w": np.ones((2, 2), np.float16)}, str(tmp_path / "w.safetensors"))
    assert minigrad.load(tmp_path / "w.safetensors")["w"].array.dtype == np.float16


def test_a_tensor_saved_twice_is_stored_once_and_loads_as_one(tmp_path):
    w = minigrad.ones(10_000)
    minigrad.save({"a": w, "b": w}, tmp_path / "tied.pt")
    assert os.path.getsize(tmp_path / "tied.pt") < 1.5 * w.array.nbytes
    loaded = minigrad.load(tmp_path / "tied.pt")
    assert loaded["a"] is loaded["b"]  # as torch.load: a weight tied into two layers stays tied


def test_save_is_atomic_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    minigrad.save({"w": minigrad.arange(3.0)}, path)

    def crash_half_way(f, obj, is_array):  # disk full or Ctrl-C in the middle of writing
        f.write(b"PK partial")
        raise KeyboardInterrupt
    monkeypatch.setattr(torchzip, "write", crash_half_way)
    with pytest.raises(KeyboardInterrupt):
        minigrad.save({"w": minigrad.zeros(3)}, path)
    monkeypatch.undo()
    np.testing.assert_array_equal(minigrad.load(path)["w"].numpy(), np.arange(3.0))
    with pytest.raises(pickle.PicklingError, match="Can't pickle"):  # as torch.save (pickle) refuses a lambda
        minigrad.save({"w": lambda: 0}, path)
    loop = {"a": []}
    loop["a"].append(loop)
    with pytest.raises(ValueError, match="contains itself"):
        minigrad.save(loop, path)
    assert os.listdir(tmp_path) == ["ckpt.pt"]
    np.testing.assert_array_equal(minigrad.load(path)["w"].numpy(), np.arange(3.0))


@pytest.mark.skipif(os.name != "posix", reason="stale temporary files are recognised by process id on POSIX only")
def test_a_write_removes_temporary_files_that_killed_writers_left(tmp_path):
    """kill -9 during a save cannot clean up after itself; the next save of that file does."""
    dead = tmp_path / ".tmp-minigrad-ckpt.pt-999999999-abc_1234.pt"   # no such process (mkstemp: 8 random characters)
    live = tmp_path / f".tmp-minigrad-ckpt.pt-{os.getpid()}-def_1234.pt"  # a writer still at work (this process)
    other = tmp_path / ".tmp-minigrad-other.pt-999999999-ghi_1234.pt"  # another file's: not ours to judge now
    for p in (dead, live, other):
        p.write_bytes(b"PK partial")
    minigrad.save({"w": np.zeros(2)}, tmp_path / "ckpt.pt")
    assert sorted(os.listdir(tmp_path)) == sorted(["ckpt.pt", live.name, other.name])


def test_map_location(tmp_path, device):
    minigrad.save({"w": minigrad.tensor([1.0, 2.0])}, tmp_path / "w.pt")
    assert minigrad.load(tmp_path / "w.pt")["w"].device == "cpu"
    assert minigrad.load(tmp_path / "w.pt", map_location=device)["w"].device == device
    assert minigrad.load(tmp_path / "w.pt", map_location={"cpu": device})["w"].device == device
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        minigrad.load(tmp_path / "w.pt", map_location="tpu")


def test_tensors_come_back_on_the_device_they_were_saved_from(tmp_path, device):
    t = minigrad.tensor([1.0, 2.0], device=device)
    minigrad.save({"w": t, "a": t.array if device == "cuda" else t.detach()}, tmp_path / "d.pt")  # cupy: a tensor
    with zipfile.ZipFile(tmp_path / "d.pt") as z:  # the location torch.save would write
        assert (b"cuda:0" in z.read("archive/data.pkl")) == (device == "cuda")
    back = minigrad.load(tmp_path / "d.pt")
    assert back["w"].device == device and back["a"].device == device
    assert minigrad.load(tmp_path / "d.pt", map_location="cpu")["w"].device == "cpu"
    np.testing.assert_array_equal(back["w"].numpy(), [1.0, 2.0])


def test_a_tensor_saved_from_cuda_needs_map_location_without_a_gpu(tmp_path):
    """As torch.load: a storage saved on 'cuda:0' goes back to the GPU unless map_location says otherwise."""
    pid = tup(s("storage"), glob("torch", "FloatStorage"), s("0"), s("cuda:0"), b"K\x02") + b"Q"
    item = glob("torch._utils", "_rebuild_tensor_v2") + tup(pid, b"K\x00", tup(b"K\x02"), tup(b"K\x01"), b"\x89",
                                                            glob("collections", "OrderedDict") + b")R") + b"R"
    path = write_zip(tmp_path / "gpu.pt", dict_pickle(w=item), {"0": np.float32([3, 4]).tobytes()})
    np.testing.assert_array_equal(minigrad.load(path, map_location="cpu")["w"].numpy(), [3, 4])
    if minigrad.cuda_available():
        assert minigrad.load(path)["w"].device == "cuda"
    else:
        with pytest.raises(RuntimeError, match=r"saved from cuda:0.*map_location='cpu'"):
            minigrad.load(path)


# ---- hostile files ----------------------------------------------------------------------------------

class RunsACommand:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_hostile_pickle_runs_nothing_even_with_weights_only_false(tmp_path):
    marker, path = tmp_path / "pwned", tmp_path / "evil.pt"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", pickle.dumps({"w": RunsACommand(marker)}, protocol=2))
    for weights_only in (True, False):
        with pytest.raises(WeightsError, match="refusing to load"):
            minigrad.load(path, weights_only=weights_only)
    assert not marker.exists()


def test_a_web_of_shared_lists_loads_in_linear_time(tmp_path):
    """L[k] = [L[k-1], L[k-1]] for 59 levels has 2**59 paths: each shared list must be visited once."""
    ops = s("leaf") + b"q\x00"
    for k in range(1, 60):  # POP the previous level, then a new list holding it twice (from the memo)
        ops += b"0]q" + bytes([k]) + b"(h" + bytes([k - 1]) + b"h" + bytes([k - 1]) + b"e"
    path = write_zip(tmp_path / "web.pt", b"\x80\x02}(" + s("x") + ops + b"u.", {})
    web = minigrad.load(path)["x"]
    assert web[0] is web[1] and web[0][0][0][0] is web[1][1][1][1]


def test_a_list_containing_itself_is_refused(tmp_path):
    loop = b"\x80\x02}(" + s("w") + b"]q\x00h\x00a" + s("t") + tensor("0", 1, 0, (1,), (1,)) + b"u."
    path = write_zip(tmp_path / "loop.pt", loop, {"0": bytes(4)})
    with pytest.raises(WeightsError, match="loop.pt: a container in the checkpoint contains itself"):
        minigrad.load(path)


def test_load_of_a_missing_file_or_an_open_file_that_is_no_checkpoint(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.pt"):
        minigrad.load(tmp_path / "nowhere.pt")
    with open(__file__, "rb") as f, pytest.raises(WeightsError, match="test_save_load.py: not a weight file"):
        minigrad.load(f)


# ---- both directions with torch -------------------------------------------------------------------

def test_torch_loads_what_minigrad_saves(tmp_path):
    torch = pytest.importorskip("torch", reason="the interop test needs torch: pip install torch==2.13.0")
    obj = checkpoint()
    minigrad.save(obj, tmp_path / "c.pt")
    for mmap in (False, True):  # mmap needs torch's 64-byte record alignment
        theirs = torch.load(tmp_path / "c.pt", weights_only=True, mmap=mmap)
        assert list(theirs) == list(obj) and list(theirs["model"]) == list(obj["model"])
        weight = theirs["model"]["fc.weight"]
        assert weight.dtype == torch.float32 and weight.requires_grad
        np.testing.assert_array_equal(weight.detach().numpy(), np.arange(6.0).reshape(2, 3))
        assert theirs["model"]["fc.bias"].dtype == torch.float64
        assert theirs["model"]["u16"].dtype == torch.uint16 and theirs["model"]["u16"][1] == 65535
        assert theirs["model"]["bn.num_batches_tracked"].dtype == torch.int64
        assert theirs["model"]["empty"].shape == (0, 3)
        assert theirs["optimizer"]["state"][0]["momentum_buffer"].sum() == 6
        assert theirs["shape"] == (2, 3) and theirs["big"] == -2 ** 70 and theirs["name"] == "résumé ✓"


@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy"])
def test_minigrad_loads_what_torch_saves(tmp_path, legacy):
    torch = pytest.importorskip("torch", reason="the interop test needs torch: pip install torch==2.13.0")
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.randn(5, 3)).sum().backward()
    opt.step()
    obj = {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 2,
           "param": torch.nn.Parameter(torch.ones(2)), "view": torch.arange(12.0).reshape(3, 4)[:, 1:3].t(),
           "size": torch.Size([2, 3]), "device": torch.device("cuda", 0)}
    torch.save(obj, tmp_path / "t.pt", _use_new_zipfile_serialization=not legacy)
    ours = minigrad.load(tmp_path / "t.pt")
    for k, v in obj["model"].items():
        assert isinstance(ours["model"][k], minigrad.Tensor) and not ours["model"][k].requires_grad
        np.testing.assert_array_equal(ours["model"][k].numpy(), v.numpy(), err_msg=k)
    buf = opt.state_dict()["state"][0]["momentum_buffer"].numpy()
    np.testing.assert_array_equal(ours["optimizer"]["state"][0]["momentum_buffer"].numpy(), buf)
    assert ours["optimizer"]["param_groups"][0]["lr"] == 0.1 and ours["epoch"] == 2
    assert ours["param"].requires_grad
    assert ours["size"] == (2, 3) and ours["device"] == "cuda:0"  # torch.Size and torch.device stand-ins
    np.testing.assert_array_equal(ours["view"].numpy(), obj["view"].numpy())
