"""Issue 24, data loss: files minigrad writes and cleans, as users and their machines really behave.
Only files this library wrote are ever deleted, a write in progress in another run is left alone,
saved files get the usual permissions, and the built-in data set survives two processes and damage."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from minigrad.data import synthetic
from minigrad.train.checkpoint import remove_stale_temp_files
from minigrad.weights import save_weights
from minigrad.weights.writer import atomic_write

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _dead_pid():
    """The id of a process that has finished (and been reaped)."""
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_cleaning_an_output_folder_never_deletes_the_users_own_tmp_files(tmp_path):
    mine = [tmp_path / ".tmp-session", tmp_path / "notes" / ".tmp-draft.md", tmp_path / ".tmp-a-b",
            tmp_path / f".tmp-photos-{_dead_pid()}-holidays.zip",  # the shape of a temp name, but the user's
            tmp_path / "checkpoints" / ".tmp-photos-2019-holidays.zip"]
    for path in mine:
        path.parent.mkdir(exist_ok=True)
        path.write_text("the user's own")
    remove_stale_temp_files(str(tmp_path))
    assert all(p.read_text() == "the user's own" for p in mine)


def test_a_write_in_progress_of_a_live_process_survives_another_runs_start(tmp_path):
    """Two runs with the same --out: the second's start must not delete the first's temporary file."""
    alive = tmp_path / f".tmp-minigrad-3-head.npz-{os.getpid()}-abcd_123.npz"  # this process: alive
    dead = tmp_path / "checkpoints" / f".tmp-minigrad-3-head.npz-{_dead_pid()}-efgh_456.npz"
    dead.parent.mkdir()
    alive.write_bytes(b"half")
    dead.write_bytes(b"half")
    remove_stale_temp_files(str(tmp_path))
    assert alive.exists() and not dead.exists()


def test_saved_files_get_the_permissions_a_new_file_gets(tmp_path):
    old = os.umask(0o022)
    try:
        save_weights({"w": np.zeros(3, np.float32)}, str(tmp_path / "w.npz"))
        with atomic_write(str(tmp_path / "plain.bin")) as f:
            f.write(b"x")
    finally:
        os.umask(old)
    for name in ("w.npz", "plain.bin"):
        assert (os.stat(tmp_path / name).st_mode & 0o777) == 0o644  # torch.save's, not mkstemp's 0600


def _make(root, **kwargs):
    return synthetic.make_shapes_dataset(str(root), n_train=3, n_valid=2, size=16, **kwargs)


def test_an_emptied_settings_file_is_regenerated_not_a_bare_json_error(tmp_path, capsys):
    root = _make(tmp_path)
    open(os.path.join(root, "settings.json"), "w").close()
    assert _make(tmp_path) == root
    assert json.load(open(os.path.join(root, "settings.json")))["n_train"] == 3
    assert "generating it again" in capsys.readouterr().out


def test_a_deleted_image_of_the_built_in_data_is_noticed(tmp_path, capsys):
    root = _make(tmp_path)
    victim = os.path.join(root, "train", "circles", sorted(os.listdir(os.path.join(root, "train", "circles")))[0])
    os.remove(victim)
    _make(tmp_path)
    assert os.path.exists(victim) and "generating it again" in capsys.readouterr().out


def test_a_failed_generation_leaves_no_partial_folder(tmp_path, monkeypatch):
    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(synthetic.Image.Image, "save", full_disk)
    with pytest.raises(OSError, match="No space left"):
        _make(tmp_path)
    assert [n for n in os.listdir(tmp_path) if n.startswith(".tmp-shapes")] == []


def test_two_processes_generating_the_data_never_remove_what_the_other_reads(tmp_path):
    """The second to finish finds the first's folder finished: it keeps it (a reader of it keeps its
    files) and discards its own copy, instead of removing the folder under the first."""
    root = _make(tmp_path)
    inode = os.stat(root).st_ino
    reader = open(os.path.join(root, "settings.json"))
    # a second process that started generating before the first finished: it finds the folder there
    settings = json.load(open(os.path.join(root, "settings.json")))
    code = (f"import sys; sys.path.insert(0, {ROOT!r}); from minigrad.data import synthetic; "
            f"synthetic.generate({root!r}, {settings!r})")
    subprocess.run([sys.executable, "-c", code], check=True)
    assert os.stat(root).st_ino == inode and json.load(reader)["size"] == 16
    assert [n for n in os.listdir(tmp_path) if n.startswith(".tmp-shapes")] == []


@pytest.mark.parametrize("field, value", [("epochs_done", -3), ("epochs_done", "2"), ("history", [1, 2]),
                                          ("rng", None), ("optim", 5), ("seconds", "x")])
def test_a_checkpoint_with_a_damaged_record_is_refused_in_one_line(tmp_path, field, value):
    from minigrad.train.checkpoint import ResumeRefused, read_meta
    meta = {"run": {}, "call": {}, "start": None, "epochs_done": 1, "history": {}, "lr_history": [],
            "fit_ends": [], "optim": {}, "rng": {}, "seconds": 1.0}
    meta[field] = value
    path = str(tmp_path / "stage.npz")
    save_weights({"model/w": np.zeros(2, np.float32),
                  "meta": np.frombuffer(json.dumps(meta).encode(), np.uint8)}, path)
    with pytest.raises(ResumeRefused, match=f"is damaged: {field}="):
        read_meta(path)


def test_the_same_data_folder_spelled_another_way_is_the_same_data_set(tmp_path, monkeypatch):
    """--resume with --data ./data where the first run had --data data: one data set, one fingerprint."""
    from minigrad.train.precompute import data_fingerprint
    root = _make(tmp_path)
    monkeypatch.chdir(os.path.dirname(root))
    name = os.path.basename(root)
    samples = [(os.path.join(name, "train", "circles", "circle_0000.png"), 0),
               (os.path.join(name, "valid", "crosses", "crosse_0000.png"), 1)]
    spelled = [(os.path.join(".", p), y) for p, y in samples]
    absolute = [(os.path.join(os.getcwd(), p), y) for p, y in samples]
    assert data_fingerprint(samples) == data_fingerprint(spelled) == data_fingerprint(absolute)
    assert data_fingerprint(samples) != data_fingerprint(samples[:1])


@pytest.fixture(scope="module")
def shapes(tmp_path_factory):
    return synthetic.make_shapes_dataset(str(tmp_path_factory.mktemp("data")), n_train=16, n_valid=8, size=32)


def test_a_finished_stage_keeps_no_optimizer_state_and_still_resumes(shapes, tmp_path):
    """A run's outputs keep what resume needs: a finished fit call's checkpoint drops the momentum
    (as large as the trainable weights); resuming it still loads its weights and history."""
    from minigrad.weights import load_weights
    from test_learner import make_learner, weights
    learn = make_learner(shapes, tmp_path)
    learn.unfreeze()
    learn.fit(0.01, 2, checkpoint="stage")
    path = os.path.join(learn.out_dir, "checkpoints", "stage.npz")
    assert not [k for k in load_weights(path) if k.startswith("optim/")]
    again = make_learner(shapes, tmp_path)
    again.unfreeze()
    again.fit(0.01, 2, checkpoint="stage", resume=True)
    assert again.history == learn.history
    after, before = weights(again.model), weights(learn.model)
    assert all(np.array_equal(after[k], before[k]) for k in before)


def test_a_truncated_or_deeply_damaged_checkpoint_is_refused_with_the_fix(shapes, tmp_path):
    from minigrad.train.checkpoint import ResumeRefused
    from test_learner import make_learner
    learn = make_learner(shapes, tmp_path)
    learn.fit(0.01, 1, checkpoint="stage")
    path = os.path.join(learn.out_dir, "checkpoints", "stage.npz")
    whole = open(path, "rb").read()
    open(path, "wb").write(whole[:len(whole) // 2])  # a copy cut short
    with pytest.raises(ResumeRefused, match="delete it to train the stage again"):
        make_learner(shapes, tmp_path).fit(0.01, 1, checkpoint="stage", resume=True)
    state = load_weights_dict(whole)
    meta = json.loads(bytes(state.pop("meta")).decode())
    meta["history"] = {"epoch": [0]}  # the right types, the learner's keys missing
    save_weights({**state, "meta": np.frombuffer(json.dumps(meta).encode(), np.uint8)}, path)
    with pytest.raises(ResumeRefused, match="is damaged: its history has"):
        make_learner(shapes, tmp_path).fit(0.01, 1, checkpoint="stage", resume=True)


def load_weights_dict(data):
    import io
    with np.load(io.BytesIO(data)) as f:
        return {k: f[k] for k in f.files}


def test_a_loader_timeout_without_workers_is_refused_as_torch_does():
    from minigrad.utils.data import DataLoader
    with pytest.raises(AssertionError, match="requires timeout == 0"):
        next(iter(DataLoader(list(range(4)), batch_size=2, timeout=1)))


def test_a_frozen_stage_checkpoint_holds_the_trained_part_and_resumes_identically(shapes, tmp_path):
    """The lesson's first stages train the head of a frozen body: their checkpoints leave the body out
    (85 MB for resnet34), and resuming still gives every weight back exactly."""
    from minigrad.weights import load_weights
    from test_learner import make_learner, weights
    learn = make_learner(shapes, tmp_path)  # frozen body
    learn.fit(0.01, 2, checkpoint="head")
    saved = load_weights(os.path.join(learn.out_dir, "checkpoints", "head.npz"))
    frozen = [n for n, p in learn.model.named_parameters() if not p.requires_grad]
    assert frozen and not [n for n in frozen if f"model/{n}" in saved]
    again = make_learner(shapes, tmp_path)
    again.fit(0.01, 2, checkpoint="head", resume=True)
    after, before = weights(again.model), weights(learn.model)
    assert all(np.array_equal(after[k], before[k]) for k in before) and again.history == learn.history


@pytest.mark.parametrize("damage", ["short", "text"])
def test_a_history_that_is_not_one_number_per_epoch_is_refused(tmp_path, damage):
    from minigrad.train.checkpoint import ResumeRefused, read_meta
    history = {"epoch": [0, 1], "val_loss": [0.5, 0.4], "accuracy": [0.5, 0.6], "overfitting": []}
    history["val_loss" if damage == "short" else "accuracy"] = [0.5] if damage == "short" else [0.5, "x"]
    meta = {"run": {}, "call": {}, "start": None, "epochs_done": 2, "history": history, "lr_history": [],
            "fit_ends": [], "optim": {}, "rng": {}, "seconds": 1.0}
    path = str(tmp_path / "stage.npz")
    save_weights({"model/w": np.zeros(2, np.float32), "meta": np.frombuffer(json.dumps(meta).encode(), np.uint8)},
                 path)
    with pytest.raises(ResumeRefused, match="not one number per epoch"):
        read_meta(path)


def test_a_damaged_image_of_the_built_in_data_is_noticed(tmp_path, capsys):
    root = _make(tmp_path)
    victim = os.path.join(root, "train", "circles", "circle_0001.png")
    open(victim, "wb").write(b"garbage")
    _make(tmp_path)
    assert "circle_0001.png is damaged" in capsys.readouterr().out
    from minigrad.data.folder import load_image
    load_image(victim)  # made again, whole
