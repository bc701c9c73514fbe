"""The Learner: frozen layers get no gradient and keep their statistics, differential
learning rates, lr_find, precompute's cache, TTA, checkpoints and resume, divergence."""
import os

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
from minigrad.data import ImageClassifierData, make_shapes_dataset, transforms_side_on
from minigrad.ops.fast.conv import Convolution2dFast as ConvOp  # the default (fast) conv op
from minigrad.train import ConvLearner, Learner, TrainingDiverged
from models import fastai_head, resnet18
from models.head import FEATURE_LAYERS


@pytest.fixture(scope="module")
def shapes(tmp_path_factory):
    return make_shapes_dataset(str(tmp_path_factory.mktemp("data")), n_train=16, n_valid=8, size=32)


def tiny_body():
    """Eight children like a resnet body, in miniature."""
    return nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 8, 3, 1, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
                         nn.Conv2d(8, 16, 3, 1, 1, bias=False))


def make_learner(shapes, tmp_path, size=32, bs=8, **kwargs):
    minigrad.manual_seed(0)
    data = ImageClassifierData.from_paths(shapes, size=size, bs=bs, aug_tfms=transforms_side_on, max_zoom=1.1)
    body, head = tiny_body(), fastai_head(16, data.c)
    return Learner(body, head, data, [body[:4], body[4:], head], out_dir=str(tmp_path / "run"),
                   feature_layers=FEATURE_LAYERS, verbose=kwargs.pop("verbose", False), **kwargs)


def weights(model):
    return {k: np.array(v.array, copy=True) for k, v in model.state_dict().items()}


def test_a_frozen_body_gets_no_gradient_computed_and_keeps_its_statistics(shapes, tmp_path, monkeypatch):
    learn = make_learner(shapes, tmp_path)
    before = weights(learn.model)
    conv_backwards = []
    original = ConvOp.backward
    monkeypatch.setattr(ConvOp, "backward", lambda self, g: conv_backwards.append(1) or original(self, g))
    learn.fit(0.01, 1)
    after = weights(learn.model)
    body_keys = [k for k in before if k.startswith("0.")]
    assert all(np.array_equal(before[k], after[k]) for k in body_keys)  # weights AND running statistics
    assert conv_backwards == []  # the frozen convolutions' backward never ran
    assert all(p.grad is None for p in learn.body.parameters())
    assert any(not np.array_equal(before[k], after[k]) for k in before if k.startswith("1."))  # the head learned


def test_freeze_to_and_unfreeze(shapes, tmp_path):
    learn = make_learner(shapes, tmp_path)
    trainable = lambda: [any(p.requires_grad for p in g.parameters()) for g in learn.layer_groups]  # noqa: E731
    assert trainable() == [False, False, True]
    learn.freeze_to(1)
    assert trainable() == [False, True, True]
    learn.unfreeze()
    assert trainable() == [True, True, True]
    learn.set_train_mode()
    assert all(m.training for m in learn.model.modules())
    learn.freeze()
    learn.set_train_mode()
    assert not learn.body[1].training and learn.head[2].training  # frozen batch norm in eval mode


def test_differential_learning_rates_one_per_group(shapes, tmp_path):
    learn = make_learner(shapes, tmp_path)
    learn.unfreeze()
    learn.fit([1e-4, 1e-3, 1e-2], 1, cycle_len=1)
    rates = np.array(learn.lr_history)
    np.testing.assert_allclose(rates[:, 1] / rates[:, 0], 10)
    np.testing.assert_allclose(rates[:, 2] / rates[:, 1], 10)
    assert rates[:, 2].max() == pytest.approx(1e-2 / 2 * (1 + np.cos(np.pi * 1 / len(rates))))
    with pytest.raises(ValueError, match=r"got 2 learning rates for 3 layer groups"):
        learn.fit([1e-3, 1e-2], 1)


def test_lr_find_stops_on_divergence_and_restores_the_weights_exactly(shapes, tmp_path):
    learn = make_learner(shapes, tmp_path, bs=2)  # enough mini-batches to pass fastai's first 11
    learn.unfreeze()
    before = weights(learn.model)
    result = learn.lr_find(start_lr=1e-3, end_lr=1e8)
    assert len(result.lrs) < len(learn.train_batches())
    assert "passed 4x" in result.reason or "became" in result.reason
    after = weights(learn.model)
    assert all(np.array_equal(before[k], after[k]) for k in before)  # weights, running stats, counters
    lrs = np.array(result.lrs)
    np.testing.assert_allclose(lrs[1:] / lrs[:-1], lrs[1] / lrs[0])  # exponential growth
    assert result.suggestion > 0
    if result.plot_path:
        assert os.path.exists(result.plot_path)


def test_lr_find_follows_fastais_lr_finder_schedule_and_stopping_rule(shapes, tmp_path):
    """fastai 0.7's LR_Finder: lr_i = start * (end / start) ** (i / n) over an epoch of n mini-batches,
    and the best loss counts only from the 12th mini-batch, so a jump in the first ten (a fresh model's
    noise) does not stop the test; only a loss 4x the best after that, or NaN, does."""
    learn = make_learner(shapes, tmp_path, bs=1)
    n = len(learn.train_batches())
    assert n > 16
    script = iter([1.0] * 3 + [5.0] * 12 + [30.0] * n)  # 5 > 4 x 1 at the 4th step; 30 > 4 x 5 at the 16th
    learn.train_step = lambda x, y, optimizer, check=True: next(script)
    result = learn.lr_find(start_lr=1e-5, end_lr=10, beta=0)
    assert len(result.lrs) == 16 and "passed 4x" in result.reason  # the old rule stopped at the 4th
    np.testing.assert_allclose(result.lrs[:3], [1e-5 * 1e6 ** (i / n) for i in range(3)], rtol=1e-12)


def test_lr_find_warns_that_a_short_curve_says_little_and_its_plot_shows_the_last_rate(shapes, tmp_path, capsys,
                                                                                      monkeypatch):
    pytest.importorskip("matplotlib")
    from matplotlib.axes import Axes
    learn = make_learner(shapes, tmp_path, verbose=True)  # a handful of mini-batches
    learn.lr_find()
    assert "says little" in capsys.readouterr().out
    learn = make_learner(shapes, tmp_path, bs=1)  # enough points for fastai's plot to leave 15 out
    learn.train_step = lambda x, y, optimizer, check=True: 1.0
    learn.lr_find()
    assert len(learn.sched.lrs) > 20
    drawn = []
    plot = Axes.plot
    monkeypatch.setattr(Axes, "plot", lambda self, x, y, *a, **k: drawn.append(list(x)) or plot(self, x, y, *a, **k))
    learn.sched.plot()
    assert max(max(x) for x in drawn) == learn.sched.lrs[-1]  # the rate where it stopped is on the picture


def test_precompute_caches_activations_and_notices_changes(shapes, tmp_path, monkeypatch):
    monkeypatch.setenv("MINIGRAD_CACHE", str(tmp_path / "cache"))
    import minigrad.train.precompute as pre
    computed = []
    original = pre.compute_activations
    monkeypatch.setattr(pre, "compute_activations", lambda *a: computed.append(1) or original(*a))
    learn = make_learner(shapes, tmp_path)
    learn.precompute = True
    learn.fit(0.01, 1)
    assert len(computed) == 2  # train and valid, once each
    again = make_learner(shapes, tmp_path)  # same weights (same seed), same data, same transforms
    again.precompute = True
    again.fit(0.01, 1)
    assert len(computed) == 2  # reused from disk
    changed = make_learner(shapes, tmp_path)
    changed.body[0].weight.array += 0.01  # new body weights: the old cache is stale
    changed.precompute = True
    changed.fit(0.01, 1)
    assert len(computed) == 4
    resized = make_learner(shapes, tmp_path, size=24)  # new transforms
    resized.precompute = True
    resized.fit(0.01, 1)
    assert len(computed) == 6
    learn.unfreeze()
    assert not learn.precompute
    with pytest.raises(ValueError, match="needs the body frozen"):
        learn.precompute = True


def test_tta_returns_fastais_stack_of_log_predictions(shapes, tmp_path):
    learn = make_learner(shapes, tmp_path)
    log_preds, y = learn.TTA(n_aug=2)
    assert log_preds.shape == (3, 16, 2)  # (n_aug + 1, n, classes), as fastai 0.7
    np.testing.assert_allclose(np.exp(log_preds).sum(-1), 1, rtol=1e-5)
    np.testing.assert_allclose(log_preds[0], learn.predict(), rtol=1e-5, atol=1e-6)  # the plain images first
    assert not np.allclose(log_preds[1], log_preds[0])  # then augmented passes,
    assert not np.allclose(log_preds[1], log_preds[2])  # each with its own augmentations
    probs = np.mean(np.exp(log_preds), 0)  # the notebook's line
    assert probs.shape == (16, 2) and np.array_equal(y, [label for _, label in learn.data.val_ds.samples])


def test_predict_gives_log_probabilities_and_predict_array_agrees(shapes, tmp_path):
    learn = make_learner(shapes, tmp_path)
    log_preds = learn.predict()
    assert log_preds.shape == (16, 2) and (log_preds <= 0).all()
    np.testing.assert_allclose(np.exp(log_preds).sum(1), 1, rtol=1e-5)
    x = np.stack([learn.data.val_ds[i][0] for i in range(3)])
    np.testing.assert_allclose(learn.predict_array(x), log_preds[:3], rtol=1e-4, atol=1e-5)


def test_an_interrupted_fit_resumes_with_identical_state(shapes, tmp_path, monkeypatch):
    whole = make_learner(shapes, tmp_path / "a")
    whole.unfreeze()
    whole.fit(0.01, 2, cycle_len=1, checkpoint="stage")  # 2 epochs
    expected = weights(whole.model)

    broken = make_learner(shapes, tmp_path / "b")
    broken.unfreeze()
    original = Learner._record
    calls = []

    def stop_after_first_epoch(self, *args):
        original(self, *args)
        calls.append(1)
        if len(calls) == 2:  # Ctrl-C in the 2nd epoch's bookkeeping, before its checkpoint
            raise KeyboardInterrupt
    monkeypatch.setattr(Learner, "_record", stop_after_first_epoch)
    with pytest.raises(KeyboardInterrupt):
        broken.fit(0.01, 2, cycle_len=1, checkpoint="stage")
    monkeypatch.undo()

    resumed = make_learner(shapes, tmp_path / "b")  # a new process, as after a crash
    resumed.unfreeze()
    minigrad.manual_seed(123)  # whatever the random state now: the checkpoint restores it
    resumed.fit(0.01, 2, cycle_len=1, checkpoint="stage", resume=True)
    got = weights(resumed.model)
    assert all(np.array_equal(expected[k], got[k]) for k in expected)
    assert resumed.history["val_loss"] == whole.history["val_loss"]
    with pytest.raises(ValueError, match="resume with the same arguments"):
        resumed.fit(0.02, 2, cycle_len=1, checkpoint="stage", resume=True)


def test_save_and_load(shapes, tmp_path):
    learn = make_learner(shapes, tmp_path)
    path = learn.save("stage1")
    saved = weights(learn.model)
    learn.head[-1].weight.array += 1
    learn.load("stage1")
    assert os.path.exists(path) and all(np.array_equal(saved[k], v) for k, v in weights(learn.model).items())


@pytest.mark.filterwarnings("ignore:overflow", "ignore:invalid value")
def test_a_diverging_loss_stops_training_with_advice(shapes, tmp_path):
    learn = make_learner(shapes, tmp_path)
    learn.unfreeze()
    with pytest.raises(TrainingDiverged, match="learning rate is probably too high"):
        learn.fit(1e12, 1)


def test_conv_learner_pretrained_builds_fastais_layout(shapes, tmp_path):
    data = ImageClassifierData.from_paths(shapes, size=32, bs=8)
    learn = ConvLearner.pretrained(resnet18, data, out_dir=str(tmp_path), verbose=False)
    assert len(learn.layer_groups) == 3
    assert learn.layer_groups[1][0] is learn.body[6]  # layer3 starts the second group
    assert learn.head[4].weight.shape == (512, 1024) and learn.head[-1].weight.shape == (2, 512)
    assert learn.predict().shape == (16, 2)


def test_plots_are_written(shapes, tmp_path):
    pytest.importorskip("matplotlib", reason="plots need matplotlib")
    learn = make_learner(shapes, tmp_path)
    learn.fit(0.01, 2, cycle_len=1)
    log_preds, targets = learn.predict_with_targs()
    for path in (learn.plot_lr(), learn.plot_losses(), learn.plot_confusion_matrix(log_preds, targets),
                 learn.plot_most_confident_wrong(log_preds, targets)):
        assert path is None or (os.path.exists(path) and open(path, "rb").read(4) == b"\x89PNG")
