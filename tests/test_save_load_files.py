"""minigrad.save / minigrad.load as torch.save / torch.load beyond state dicts: open files and
io.BytesIO, numpy arrays and scalars (torch's weights_only refusal and its safe globals), whole
Modules (torch.save(model, f) and loading it back once its classes are allowed), the
minigrad.serialization module, and weights_only=False, which rebuilds more but still runs nothing
from the file. Each behaviour is compared with torch 2.13 where torch can show it."""
import io
import os
import pickle
import tempfile
import zipfile

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
from minigrad import serialization
from minigrad.weights import WeightsError

torch = pytest.importorskip("torch", reason="these tests compare with torch: pip install torch==2.13.0")

NUMPY_GLOBALS = [np._core.multiarray._reconstruct, np.ndarray, np.dtype, type(np.dtype("float64")),
                 type(np.dtype("float32")), np._core.multiarray.scalar]


@pytest.fixture(autouse=True)
def no_safe_globals_left():
    yield
    serialization.clear_safe_globals()
    torch.serialization.clear_safe_globals()


def torch_error(fn):
    with pytest.raises(pickle.UnpicklingError) as err:
        fn()
    return str(err.value)


# ---- open files -----------------------------------------------------------------------------------

def test_save_to_and_load_from_open_files_and_bytesio(tmp_path):
    obj = {"w": minigrad.arange(6.0).reshape(2, 3), "step": 3}
    with open(tmp_path / "a.pt", "wb") as f:  # word_language_model: with open(args.save, 'wb') as f: torch.save(..)
        minigrad.save(obj, f)
        assert not f.closed
    minigrad.save(obj, open(tmp_path / "b.pt", "wb"))  # time_sequence_prediction's one-liner (closed by refcount)
    buffer = io.BytesIO()
    minigrad.save(obj, buffer)
    buffer.seek(0)
    with open(tmp_path / "a.pt", "rb") as f:
        sources = [minigrad.load(f), minigrad.load(tmp_path / "b.pt"), minigrad.load(buffer)]
    for back in sources:
        np.testing.assert_array_equal(back["w"].numpy(), np.arange(6.0).reshape(2, 3))
        assert back["step"] == 3
    buffer.seek(0)
    theirs = torch.load(buffer)  # torch reads what minigrad wrote into a BytesIO, and back
    assert theirs["w"].shape == (2, 3) and theirs["step"] == 3
    mine = io.BytesIO()
    torch.save({"t": torch.ones(2, dtype=torch.int64)}, mine)
    mine.seek(0)
    assert minigrad.load(mine)["t"].dtype == minigrad.int64


def test_load_reads_from_where_the_file_stands_and_refuses_text_mode(tmp_path):
    buffer = io.BytesIO(b"header")
    buffer.seek(0, os.SEEK_END)
    minigrad.save([1, 2], buffer)
    buffer.seek(len(b"header"))
    assert minigrad.load(buffer) == [1, 2]
    minigrad.save([1], tmp_path / "t.pt")
    with open(tmp_path / "t.pt", "r") as f, pytest.raises(TypeError, match="text mode"):
        minigrad.load(f)
    with pytest.raises(WeightsError, match="empty"):
        minigrad.load(io.BytesIO())


def test_a_path_is_still_written_atomically(tmp_path, monkeypatch):
    from minigrad.weights import torchzip
    minigrad.save({"w": 1}, tmp_path / "c.pt")

    def crash(f, obj, is_array):
        f.write(b"PK partial")
        raise KeyboardInterrupt
    monkeypatch.setattr(torchzip, "write", crash)
    with pytest.raises(KeyboardInterrupt):
        minigrad.save({"w": 2}, tmp_path / "c.pt")
    monkeypatch.undo()
    assert minigrad.load(tmp_path / "c.pt") == {"w": 1} and os.listdir(tmp_path) == ["c.pt"]


# ---- numpy arrays and scalars ----------------------------------------------------------------------

def test_numpy_array_is_refused_by_default_with_torchs_message(tmp_path):
    data = np.sin(np.arange(12.0)).reshape(3, 4)
    minigrad.save(data, tmp_path / "m.pt")
    torch.save(data, tmp_path / "t.pt")
    theirs = torch_error(lambda: torch.load(tmp_path / "t.pt"))
    for path in ("m.pt", "t.pt"):
        with pytest.raises(pickle.UnpicklingError) as err:  # also a WeightsError
            minigrad.load(tmp_path / path)
        assert isinstance(err.value, WeightsError) and str(err.value).startswith(str(tmp_path / path))
        assert "Unsupported global: GLOBAL numpy._core.multiarray._reconstruct was not an allowed global" in theirs
        assert "Unsupported global: GLOBAL numpy._core.multiarray._reconstruct was not an allowed global" in str(
            err.value)
        assert "minigrad.serialization.add_safe_globals([numpy._core.multiarray._reconstruct])" in str(err.value)


def test_numpy_array_needs_the_same_safe_globals_as_in_torch(tmp_path):
    torch.save(np.zeros(2), tmp_path / "t.pt")
    for allowed in ([np._core.multiarray._reconstruct], [np._core.multiarray._reconstruct, np.ndarray],
                    [np._core.multiarray._reconstruct, np.ndarray, np.dtype]):
        with torch.serialization.safe_globals(allowed):
            theirs = torch_error(lambda: torch.load(tmp_path / "t.pt")).split("WeightsUnpickler error: ")[1]
        with serialization.safe_globals(allowed), pytest.raises(pickle.UnpicklingError) as err:
            minigrad.load(tmp_path / "t.pt")
        assert theirs.split(".")[0].split("(")[0].strip() in str(err.value), (theirs, str(err.value))


def test_time_sequence_prediction_flow(tmp_path):
    """generate_sine_wave.py: torch.save(data, open('traindata.pt', 'wb')); train.py:
    data = torch.load('traindata.pt', weights_only=False); torch.from_numpy(data[3:, :-1])."""
    data = np.sin(np.arange(40.0).reshape(4, 10) / 3).astype("float64")
    for lib in (torch, minigrad):
        lib.save(data, open(tmp_path / "traindata.pt", "wb"))
        back = lib.load(tmp_path / "traindata.pt", weights_only=False)
        assert type(back) is np.ndarray and back.dtype == np.float64 and back.flags.writeable
        np.testing.assert_array_equal(back, data)
        assert lib.from_numpy(back[3:, :-1]).shape == (1, 9)


@pytest.mark.parametrize("value", [np.arange(6, dtype=np.int32).reshape(2, 3).T, np.array([True, False]),
                                   np.float32(2.5), np.int64(-3), np.bool_(True), np.array(5, np.uint8),
                                   np.asfortranarray(np.arange(6.0).reshape(2, 3)), np.arange(3, dtype=">i4")])
def test_numpy_values_round_trip_both_ways_with_torch(tmp_path, value):
    allowed = NUMPY_GLOBALS + [type(np.asarray(value).dtype)]
    minigrad.save({"v": value}, tmp_path / "m.pt")
    torch.save({"v": value}, tmp_path / "t.pt")
    with torch.serialization.safe_globals(allowed):
        expected = torch.load(tmp_path / "t.pt")["v"]  # numpy's own unpickling: a big-endian array comes back native
        theirs = torch.load(tmp_path / "m.pt")["v"]
    with serialization.safe_globals(allowed):
        ours = [minigrad.load(tmp_path / name)["v"] for name in ("m.pt", "t.pt")]
    for got in [theirs] + ours:
        assert type(got) is type(expected) and got.dtype.str == expected.dtype.str
        np.testing.assert_array_equal(got, value)
        if isinstance(value, np.ndarray):
            assert got.shape == value.shape and got.flags.f_contiguous == value.flags.f_contiguous


def test_an_empty_numpy_array_as_torch_writes_it_needs_bytes_allowed(tmp_path):
    """torch (pickle) writes b'' as builtins.bytes(), which torch's own weights_only load refuses; minigrad
    refuses the same file alike, and writes b'' as _codecs.encode('', 'latin1'), which both read."""
    value, allowed = np.zeros((0, 3), np.float16), NUMPY_GLOBALS + [type(np.dtype(np.float16))]
    torch.save(value, tmp_path / "t.pt")
    minigrad.save(value, tmp_path / "m.pt")
    with torch.serialization.safe_globals(allowed):
        assert "GLOBAL bytes was not an allowed global" in torch_error(lambda: torch.load(tmp_path / "t.pt"))
        assert torch.load(tmp_path / "m.pt").shape == (0, 3)
    with serialization.safe_globals(allowed):
        with pytest.raises(WeightsError, match="GLOBAL bytes was not an allowed global"):
            minigrad.load(tmp_path / "t.pt")
        assert minigrad.load(tmp_path / "m.pt").shape == (0, 3)


def test_an_object_array_is_refused_even_with_weights_only_false(tmp_path):
    torch.save(np.array([1, "a"], dtype=object), tmp_path / "o.pt")
    with pytest.raises(WeightsError, match="only numeric arrays"):
        minigrad.load(tmp_path / "o.pt", weights_only=False)


def test_a_numpy_array_declaring_more_than_it_holds_is_refused(tmp_path):
    pkl = pickle.dumps(np.zeros(4), protocol=2).replace(b"K\x04\x85", b"J\x00\x00\x00\x10\x85")  # shape (2**28,)
    with zipfile.ZipFile(tmp_path / "big.pt", "w") as z:
        z.writestr("archive/data.pkl", pkl)
    with pytest.raises(WeightsError, match="is given 32 bytes"):
        minigrad.load(tmp_path / "big.pt", weights_only=False)


# ---- whole Modules --------------------------------------------------------------------------------

class Net(nn.Module):
    def __init__(self, tied=False):
        super().__init__()
        self.encoder, self.drop = nn.Embedding(10, 4), nn.Dropout(0.0)
        self.decoder = nn.Linear(4, 10)
        if tied:
            self.decoder.weight = self.encoder.weight
        self.ntoken, self.name = 10, "net"
        self.register_buffer("steps", minigrad.zeros(1))

    def forward(self, x):
        return self.decoder(self.drop(self.encoder(x)))


NET_CLASSES = [Net, nn.modules.sparse.Embedding, nn.modules.dropout.Dropout, nn.modules.linear.Linear]


def test_whole_module_round_trip_once_its_classes_are_allowed(tmp_path):
    net = Net(tied=True)
    with open(tmp_path / "model.pt", "wb") as f:
        minigrad.save(net, f)
    with open(tmp_path / "model.pt", "rb") as f, pytest.raises(pickle.UnpicklingError, match="GLOBAL .*Net was not"):
        minigrad.load(f)
    with serialization.safe_globals(NET_CLASSES[:1]), pytest.raises(WeightsError, match="Embedding was not"):
        minigrad.load(tmp_path / "model.pt")
    with open(tmp_path / "model.pt", "rb") as f, serialization.safe_globals(NET_CLASSES):
        back = minigrad.load(f)
    assert serialization.get_safe_globals() == []
    assert type(back) is Net and back.ntoken == 10 and back.name == "net" and back.training
    assert isinstance(back.decoder.weight, nn.Parameter) and back.decoder.weight is back.encoder.weight  # still tied
    assert back.decoder.weight is back.decoder._parameters["weight"]
    assert list(back.state_dict()) == list(net.state_dict())
    x = minigrad.tensor([[1, 2, 3]])
    np.testing.assert_array_equal(back(x).numpy(), net(x).numpy())
    back(x).sum().backward()  # the loaded model trains
    assert back.encoder.weight.grad is not None


def test_whole_module_as_torch_saves_it(tmp_path):
    """torch's own pickle of a module: the class by name, NEWOBJ, the state dict with _parameters."""
    minigrad.save(nn.Linear(2, 3), tmp_path / "m.pt")
    with zipfile.ZipFile(tmp_path / "m.pt") as z:
        pkl = z.read("archive/data.pkl")
    assert b"cminigrad.nn.layers\nLinear\n" in pkl and b"\x81" in pkl and b"_rebuild_parameter" in pkl
    theirs = io.BytesIO()
    torch.save(torch.nn.Linear(2, 3), theirs)
    theirs.seek(0)
    with pytest.raises(WeightsError, match="GLOBAL torch.nn.modules.linear.Linear was not an allowed global"):
        minigrad.load(theirs)


def test_weights_only_false_rebuilds_modules_but_calls_nothing(tmp_path):
    minigrad.save({"model": Net(), "arr": np.ones(2)}, tmp_path / "m.pt")
    back = minigrad.load(tmp_path / "m.pt", weights_only=False)
    assert type(back["model"]) is Net and back["arr"].sum() == 2


class RunsACommand:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_weights_only_false_still_refuses_calls_and_other_classes(tmp_path):
    marker = tmp_path / "pwned"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    closer = tempfile._TemporaryFileCloser.__new__(tempfile._TemporaryFileCloser)  # deletes .name when collected
    closer.__dict__.update(file=None, name=str(victim), delete=True, close_called=False)
    hostile = [({"x": RunsACommand(marker)}, "posix.system was not an allowed global"),
               ({"x": closer}, "tempfile._TemporaryFileCloser was not an allowed global")]
    closer.close_called = True
    for obj, message in hostile:
        with zipfile.ZipFile(tmp_path / "evil.pt", "w") as z:
            z.writestr("archive/data.pkl", pickle.dumps(obj, protocol=2))
        for weights_only in (True, False):
            with pytest.raises(WeightsError, match="refusing to load"):
                minigrad.load(tmp_path / "evil.pt", weights_only=weights_only)
        with pytest.raises(WeightsError, match=message):
            minigrad.load(tmp_path / "evil.pt", weights_only=False)
    assert not marker.exists() and victim.read_text() == "keep me"


def make_point(x, y):
    return {"x": x, "y": y}


class Point:
    def __reduce__(self):
        return (make_point, (1, 2))


def test_a_trusted_function_may_be_named_and_called(tmp_path):
    minigrad.save({"f": np.add, "act": minigrad.nn.functional.relu, "p": Point()}, tmp_path / "f.pt")
    torch.save({"f": np.add, "act": minigrad.nn.functional.relu, "p": Point()}, tmp_path / "t.pt")
    for name in ("f.pt", "t.pt"):
        with pytest.raises(WeightsError, match="numpy.add was not an allowed global"):
            minigrad.load(tmp_path / name)
        with serialization.safe_globals([np.add, minigrad.nn.functional.relu]):
            with pytest.raises(WeightsError, match="make_point was not an allowed global"):
                minigrad.load(tmp_path / name)
        with serialization.safe_globals([np.add, minigrad.nn.functional.relu, make_point]):
            back = minigrad.load(tmp_path / name)
        assert back == {"f": np.add, "act": minigrad.nn.functional.relu, "p": {"x": 1, "y": 2}}
        with torch.serialization.safe_globals([np.add, minigrad.nn.functional.relu, make_point]):
            assert torch.load(tmp_path / name) == back


# ---- minigrad.serialization as torch.serialization -------------------------------------------------

def test_serialization_api_as_torchs():
    for lib in (torch.serialization, serialization):
        lib.add_safe_globals([Net])
        with lib.safe_globals([np.ndarray]):
            assert set(lib.get_safe_globals()) == {Net, np.ndarray}
        assert lib.get_safe_globals() == [Net]
        with lib.safe_globals([Net]):
            pass
        assert lib.get_safe_globals() == []  # leaving the block removes it, even if added before: torch's rule
        lib.add_safe_globals([Net])
        lib.clear_safe_globals()
        assert lib.get_safe_globals() == []
    assert minigrad.serialization is serialization and serialization.load is minigrad.load


def test_a_renamed_safe_global_and_torchs_errors_for_a_bad_pair(tmp_path):
    minigrad.save(Net(), tmp_path / "n.pt")
    with serialization.safe_globals([(Net, f"{__name__}.Net")] + NET_CLASSES[1:]):
        assert type(minigrad.load(tmp_path / "n.pt")) is Net
    torch.save(np.zeros(1), tmp_path / "t.pt")
    for bad, error in (((Net, "a", "b"), ValueError), ((Net, 3), TypeError)):
        with torch.serialization.safe_globals([bad]), pytest.raises(error) as theirs:
            torch.load(tmp_path / "t.pt")
        with serialization.safe_globals([bad]), pytest.raises(error) as ours:
            minigrad.load(tmp_path / "t.pt")
        assert str(ours.value) == str(theirs.value)
