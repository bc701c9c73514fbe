"""Training never gives a silently wrong result (issue 12): the precompute cache always
matches the current body and data, the same seed gives the same metrics whatever the
cache holds, --resume only continues its own run, divergence stops training, a killed
write leaves nothing behind, and time adds up across a resume."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import minigrad
from minigrad.data import ImageClassifierData, Normalize, make_shapes_dataset
from minigrad import no_grad
from minigrad.train import ResumeRefused, TrainingDiverged
from minigrad.train.precompute import cache_key
from test_learner import make_learner, tiny_body, weights  # noqa: F401


@pytest.fixture(scope="module")
def shapes(tmp_path_factory):
    return make_shapes_dataset(str(tmp_path_factory.mktemp("data")), n_train=16, n_valid=8, size=32)


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MINIGRAD_CACHE", str(tmp_path / "cache"))


def fresh_features(learn, loader):
    learn.model.eval()
    with no_grad():
        return np.concatenate([learn.features(x).numpy() for x, _ in loader])


def test_a_precomputed_activation_equals_a_fresh_forward_after_unfreeze_fit_freeze(shapes, tmp_path):
    learn = make_learner(shapes, tmp_path)
    learn.precompute = True
    learn.fit(0.01, 1)
    learn.unfreeze()
    learn.fit(0.05, 1)  # the body changes
    learn.freeze()
    learn.precompute = True
    cached, _ = learn.activations(learn.data.val_dl)
    np.testing.assert_allclose(cached, fresh_features(learn, learn.data.val_dl), rtol=1e-5, atol=1e-6)


def test_replacing_learn_data_recomputes_the_cache(shapes, tmp_path):
    learn = make_learner(shapes, tmp_path)
    learn.precompute = True
    learn.fit(0.01, 1)
    learn.data = ImageClassifierData.from_paths(shapes, size=24, bs=8)
    cached, _ = learn.activations(learn.data.val_dl)
    np.testing.assert_allclose(cached, fresh_features(learn, learn.data.val_dl), rtol=1e-5, atol=1e-6)


def test_the_cache_key_sees_the_normalisation_statistics():
    body = tiny_body()
    a = cache_key(body, 32, Normalize((0.5, 0.5, 0.5), (0.2, 0.2, 0.2)), [])
    b = cache_key(body, 32, Normalize((0.4, 0.5, 0.5), (0.2, 0.2, 0.2)), [])
    assert a != b


def test_the_same_seed_gives_the_same_metrics_with_a_cold_and_a_warm_cache(shapes, tmp_path):
    runs = []
    for _ in range(2):  # the first run computes the cache, the second reads it from disk
        learn = make_learner(shapes, tmp_path)
        learn.precompute = True
        learn.fit(0.01, 2)
        learn.precompute = False
        learn.fit(0.01, 1)
        runs.append(learn.history)
    assert runs[0]["val_loss"] == runs[1]["val_loss"] and runs[0]["train_loss"] == runs[1]["train_loss"]


@pytest.mark.parametrize("change", ["seed", "size", "data", "bs"])
def test_resume_refuses_a_checkpoint_of_another_run(shapes, tmp_path, change):
    first = make_learner(shapes, tmp_path, seed=0)
    first.fit(0.01, 1, checkpoint="stage")
    other = {"seed": lambda: make_learner(shapes, tmp_path, seed=1),
             "size": lambda: make_learner(shapes, tmp_path, size=24, seed=0),
             "bs": lambda: make_learner(shapes, tmp_path, bs=4, seed=0),  # --resume with another --bs
             "data": lambda: make_learner(make_shapes_dataset(str(tmp_path / "other"), n_train=16, n_valid=8,
                                                              size=32, seed=5), tmp_path, seed=0)}[change]()
    other.out_dir = first.out_dir
    with pytest.raises(ResumeRefused, match=f"--resume refused: .* {change}="):
        other.fit(0.01, 1, checkpoint="stage", resume=True)


def test_a_deleted_middle_checkpoint_never_loads_a_stale_later_one(shapes, tmp_path):
    run = make_learner(shapes, tmp_path / "run")
    run.fit(0.01, 1, checkpoint="a")
    run.fit(0.01, 1, checkpoint="b")
    os.remove(os.path.join(run.out_dir, "checkpoints", "a.npz"))
    again = make_learner(shapes, tmp_path / "run")
    again.fit(0.03, 1, checkpoint="a", resume=True)  # stage a trains again, to other weights
    again.fit(0.01, 1, checkpoint="b", resume=True)  # b's checkpoint started from the old a: not loaded
    fresh = make_learner(shapes, tmp_path / "fresh")
    fresh.fit(0.03, 1, checkpoint="a")
    fresh.fit(0.01, 1, checkpoint="b")
    expected, got = weights(fresh.model), weights(again.model)
    assert all(np.array_equal(expected[k], got[k]) for k in expected)


@pytest.mark.filterwarnings("ignore:overflow", "ignore:invalid value")
def test_non_finite_weights_or_validation_loss_stop_training(shapes, tmp_path):
    learn = make_learner(shapes, tmp_path, bs=64)  # one mini-batch an epoch
    learn.data.bs = 64
    learn.unfreeze()
    with pytest.raises(TrainingDiverged, match="validation loss became nan|weights of .* became non-finite"):
        learn.fit(1e6, 3, checkpoint="big")
    path = os.path.join(learn.out_dir, "checkpoints", "big.npz")
    if os.path.exists(path):  # whatever was checkpointed is finite
        state = minigrad.load_weights(path)
        assert all(np.isfinite(v).all() for k, v in state.items() if k.startswith("model/"))


def test_stale_temporary_files_are_removed_when_a_learner_starts(shapes, tmp_path):
    learn = make_learner(shapes, tmp_path)
    learn.fit(0.01, 1, checkpoint="x")
    killed = subprocess.Popen([sys.executable, "-c", "pass"])  # a writer that is gone (killed -9, say)
    killed.wait()
    stale = os.path.join(learn.out_dir, "checkpoints", f".tmp-minigrad-x.npz-{killed.pid}-abcd1234.npz")  # atomic_write's name
    open(stale, "wb").write(b"half a file")
    make_learner(shapes, tmp_path)
    assert not os.path.exists(stale)


def test_seconds_add_up_across_a_resume(shapes, tmp_path):
    learn = make_learner(shapes, tmp_path)
    learn.fit(0.01, 1, checkpoint="s")
    state = minigrad.load_weights(os.path.join(learn.out_dir, "checkpoints", "s.npz"))
    first = json.loads(bytes(state["meta"]).decode())["seconds"]
    again = make_learner(shapes, tmp_path)
    again.fit(0.01, 1, checkpoint="s", resume=True)  # finished: loaded, not trained
    assert first > 0 and again._carried == first and again.seconds > first  # earlier time + this process's


def test_ctrl_c_before_any_checkpoint_says_there_is_none(shapes, tmp_path, monkeypatch, capsys):
    learn = make_learner(shapes, tmp_path, verbose=True)

    def interrupt(*args):
        raise KeyboardInterrupt
    monkeypatch.setattr(type(learn), "_record", interrupt)
    with pytest.raises(KeyboardInterrupt):
        learn.fit(0.01, 1, checkpoint="never")
    printed = capsys.readouterr().out
    assert "no checkpoint of it yet" in printed and "never.npz" not in printed


def test_checkpoint_records_the_run(shapes, tmp_path):
    learn = make_learner(shapes, tmp_path, seed=7, arch="tiny")
    learn.fit(0.01, 1, checkpoint="r")
    state = minigrad.load_weights(os.path.join(learn.out_dir, "checkpoints", "r.npz"))
    meta = json.loads(bytes(state["meta"]).decode())
    assert meta["run"]["seed"] == 7 and meta["run"]["arch"] == "tiny" and meta["run"]["size"] == 32
    assert meta["run"]["data"] and meta["run"]["transforms"] and meta["call"]["lrs"] == [0.01] * 3
