"""ResNets with torchvision's names, and weight files read without torch: PyTorch's zip
and legacy .pth, .safetensors and .npz; hostile and broken files refused with a clear error."""
import os
import pickle
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
import models
from minigrad.weights import WeightsError, load_weights, save_weights

torch = pytest.importorskip("torch", reason="the parity tests need torch: pip install torch==2.13.0")
from helpers import host  # noqa: E402
from torch_reference import torch_resnet  # noqa: E402

ARCHS = ["resnet18", "resnet34", "resnet50"]


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    """One torch-saved (zip) checkpoint per architecture, made once."""
    folder = tmp_path_factory.mktemp("checkpoints")
    out = {}
    for arch in ARCHS:
        path = folder / f"{arch}.pth"
        torch.save(torch_resnet(arch).state_dict(), path)
        out[arch] = path
    return out


@pytest.mark.parametrize("arch", ARCHS)
def test_state_dict_keys_and_shapes_match_torchvision_layout(arch):
    ours = getattr(models, arch)().state_dict()
    theirs = torch_resnet(arch).state_dict()
    assert list(ours) == list(theirs)
    assert all(tuple(ours[k].shape) == tuple(theirs[k].shape) for k in ours)


def test_state_dict_keys_match_torchvision_itself():
    torchvision = pytest.importorskip("torchvision", reason="torchvision is not installed beside this torch")
    assert list(models.resnet34().state_dict()) == list(torchvision.models.resnet34().state_dict())


@pytest.mark.parametrize("arch", ARCHS)
def test_eval_logits_match_torch_from_a_torch_saved_checkpoint(arch, checkpoints, device):
    model = getattr(models, arch)(weights=checkpoints[arch]).eval().to(device)
    x = np.random.default_rng(0).standard_normal((2, 3, 64, 64)).astype(np.float32)
    with minigrad.no_grad():
        ours = model(minigrad.tensor(x, device=device)).numpy()
    with torch.no_grad():
        theirs = torch_resnet(arch).eval()(torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-3, atol=1e-4 * np.abs(theirs).max())


def test_resnet18_training_step_matches_torch(checkpoints, device):
    """Training mode: batch statistics, the loss, every gradient and the updated running stats.
    In float64, since 18 layers of training-mode batch norm amplify float32 round-off."""
    reference = torch_resnet("resnet18").train().double()
    model = models.resnet18()
    for _, t in list(model.named_parameters()) + list(model.named_buffers()):
        if t.dtype == np.float32:
            t.array = t.array.astype(np.float64)
    model.load_state_dict(load_weights(checkpoints["resnet18"]))
    model.train().to(device)
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((4, 3, 48, 48)), np.array([3, 999, 0, 42])
    loss = F.cross_entropy(model(minigrad.tensor(x, dtype=np.float64, device=device)), y)
    loss.backward()
    t_loss = torch.nn.functional.cross_entropy(reference(torch.tensor(x)), torch.tensor(y))
    t_loss.backward()
    assert loss.item() == pytest.approx(t_loss.item(), rel=1e-12)
    t_params = dict(reference.named_parameters())
    for name, p in model.named_parameters():
        want = t_params[name].grad.numpy()
        np.testing.assert_allclose(host(p.grad), want, rtol=1e-8,
                                   atol=1e-10 * np.abs(want).max(), err_msg=name)
    t_state = reference.state_dict()
    for name, b in model.named_buffers():
        np.testing.assert_allclose(b.numpy(), t_state[name].numpy(), rtol=1e-10, err_msg=name)


def test_body_is_fastais_cut_at_the_eighth_child():
    model = models.resnet34()
    body = model.body()
    assert len(body) == 8 and body[7] is model.layer4
    with minigrad.no_grad():
        assert body(minigrad.tensor(np.zeros((1, 3, 64, 64)))).shape == (1, 512, 2, 2)
    assert model.num_features == 512 and models.resnet50().num_features == 2048


def test_other_num_classes_keeps_the_pretrained_body(checkpoints):
    model = models.resnet18(num_classes=2, weights=checkpoints["resnet18"])
    assert model.fc.weight.shape == (2, 512)
    np.testing.assert_array_equal(model.conv1.weight.numpy(), load_weights(checkpoints["resnet18"])["conv1.weight"])


# ---- the formats -----------------------------------------------------------------------------

def _same(a, b):
    assert list(a) == list(b)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
        assert a[k].dtype == b[k].dtype, k


def _torch_state():
    state = torch_resnet("resnet18").state_dict()
    state["extra.half"] = torch.arange(6, dtype=torch.float16).reshape(2, 3)
    state["extra.view"] = torch.arange(20.0).reshape(4, 5)[:, 1:3]  # a strided view of a bigger storage
    return state


def _expected(state):
    return {k: v.numpy() for k, v in state.items()}


def test_zip_pth_without_torch(tmp_path):
    state = _torch_state()
    torch.save(state, tmp_path / "w.pth")
    _same(load_weights(tmp_path / "w.pth"), _expected(state))


def test_legacy_pth_the_2018_format(tmp_path):
    state = _torch_state()
    torch.save(state, tmp_path / "old.pth", _use_new_zipfile_serialization=False)
    with open(tmp_path / "old.pth", "rb") as f:
        assert not f.read(2).startswith(b"PK")
    _same(load_weights(tmp_path / "old.pth"), _expected(state))


def test_bfloat16_is_widened_to_float32(tmp_path):
    t = torch.tensor([1.5, -2.25, 3e10]).to(torch.bfloat16)
    torch.save({"w": t}, tmp_path / "bf16.pth")
    np.testing.assert_array_equal(load_weights(tmp_path / "bf16.pth")["w"], t.float().numpy())


def test_checkpoint_with_a_state_dict_inside(tmp_path):
    state = {"w": torch.ones(2)}
    torch.save({"state_dict": state, "epoch": 3}, tmp_path / "ckpt.pt")
    assert list(load_weights(tmp_path / "ckpt.pt")) == ["w"]


def test_safetensors(tmp_path):
    st = pytest.importorskip("safetensors.numpy", reason="pip install safetensors to write the reference file")
    state = {k: v for k, v in _expected(_torch_state()).items() if k != "extra.view"}
    st.save_file(state, str(tmp_path / "w.safetensors"))
    loaded = load_weights(tmp_path / "w.safetensors")
    _same(dict(sorted(loaded.items())), dict(sorted(state.items())))


def test_npz_after_conversion_gives_the_same_logits(tmp_path, checkpoints):
    subprocess.run([sys.executable, "-m", "minigrad.weights", "convert", str(checkpoints["resnet18"]),
                    str(tmp_path / "r18.npz")], check=True, capture_output=True,
                   cwd=os.path.dirname(os.path.dirname(__file__)))
    _same(load_weights(tmp_path / "r18.npz"), load_weights(checkpoints["resnet18"]))
    x = minigrad.tensor(np.random.default_rng(2).standard_normal((1, 3, 32, 32)))
    with minigrad.no_grad():
        a = models.resnet18(weights=tmp_path / "r18.npz").eval()(x).numpy()
        b = models.resnet18(weights=checkpoints["resnet18"]).eval()(x).numpy()
    np.testing.assert_array_equal(a, b)


def test_save_weights_round_trip_and_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "w.npz"
    save_weights({"a": np.arange(3.0), "b": minigrad.tensor([1.0, 2.0])}, path)
    with pytest.raises(TypeError, match="'bad' holds object data"):
        save_weights({"a": np.arange(3.0), "bad": np.array([object()])}, path)

    def crash_half_way(f, **arrays):  # a crash (disk full, Ctrl-C) in the middle of writing
        f.write(b"PK partial")
        raise KeyboardInterrupt
    monkeypatch.setattr(np, "savez", crash_half_way)
    with pytest.raises(KeyboardInterrupt):
        save_weights({"a": np.zeros(3)}, path)
    monkeypatch.undo()
    loaded = load_weights(path)  # the old file survived whole
    np.testing.assert_array_equal(loaded["a"], np.arange(3.0))
    assert loaded["b"].dtype == np.float32
    assert sorted(os.listdir(tmp_path)) == ["w.npz"]  # and no temporary file was left


# ---- hostile and broken files ---------------------------------------------------------------------

class RunsACommand:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_hostile_zip_pth_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", pickle.dumps({"w": RunsACommand(marker)}, protocol=2))
        z.writestr("archive/version", "3\n")
    with pytest.raises(WeightsError, match=r"evil.pth: refusing to load: the pickle asks for (posix|os)\.system"):
        load_weights(path)
    assert not marker.exists()


def test_hostile_legacy_pth_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil_old.pth"
    with open(path, "wb") as f:
        for obj in (0x1950A86A20F9469CFC6C, 1001, {"little_endian": True}, {"w": RunsACommand(marker)}):
            pickle.dump(obj, f, protocol=2)
    with pytest.raises(WeightsError, match="refusing to load"):
        load_weights(path)
    assert not marker.exists()


def test_whole_model_pickle_is_refused_with_advice(tmp_path):
    torch.save(torch.nn.Linear(2, 2), tmp_path / "model.pth")
    with pytest.raises(WeightsError, match=r"refusing to load.*Save model.state_dict\(\)"):
        load_weights(tmp_path / "model.pth")


@pytest.mark.parametrize("legacy", [False, True])
def test_truncated_pth_names_the_file(tmp_path, legacy):
    path = tmp_path / "cut.pth"
    torch.save(torch_resnet("resnet18").state_dict(), path, _use_new_zipfile_serialization=not legacy)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(WeightsError, match=r"cut.pth: .*(truncated|corrupt|unreadable)"):
        load_weights(path)


def test_garbage_and_missing_files_are_named(tmp_path):
    (tmp_path / "notes.pth").write_text("these are not weights")
    with pytest.raises(WeightsError, match=r"notes.pth: not a weight file"):
        load_weights(tmp_path / "notes.pth")
    with pytest.raises(FileNotFoundError, match="nowhere.pth"):
        load_weights(tmp_path / "nowhere.pth")
    (tmp_path / "bad.safetensors").write_bytes((200).to_bytes(8, "little") + b"{")
    with pytest.raises(WeightsError, match=r"bad.safetensors: header length 200"):
        load_weights(tmp_path / "bad.safetensors")


def test_wrong_keys_are_named_key_by_key(checkpoints):
    state = dict(load_weights(checkpoints["resnet18"]))
    del state["layer1.0.bn1.running_mean"]
    state["layer9.weight"] = np.zeros(1)
    state["fc.weight"] = np.zeros((10, 512))
    with pytest.raises(KeyError) as err:
        models.resnet18(weights=state)
    message = str(err.value)
    assert "missing keys: layer1.0.bn1.running_mean" in message
    assert "unexpected keys: layer9.weight" in message
    assert "fc.weight: checkpoint (10, 512), model (1000, 512)" in message
