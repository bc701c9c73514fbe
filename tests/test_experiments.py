"""The experiment scripts (recipes/experiments/) run in their smallest setting (--smoke): each
prints its table and writes its figure, and the numbers in them obey what they must."""
import contextlib
import importlib
import io
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "recipes", "experiments"))

SCRIPTS = ["batch_size", "schedules", "epoch_order", "freezing", "tta"]


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    """Run a script once with --smoke into a temporary folder; returns (its result, what it printed,
    the figure's path). Each script runs once for all the tests of this file."""
    out = tmp_path_factory.mktemp("experiments")
    done = {}

    def run(name):
        if name not in done:
            previous = os.environ.get("MINIGRAD_CACHE")
            os.environ["MINIGRAD_CACHE"] = str(out / "cache")  # precompute's cache stays in the temporary folder
            try:
                printed = io.StringIO()
                with contextlib.redirect_stdout(printed):
                    result = importlib.import_module(name).main(["--smoke", "--out", str(out)])
            finally:
                if previous is None:
                    del os.environ["MINIGRAD_CACHE"]
                else:
                    os.environ["MINIGRAD_CACHE"] = previous
            done[name] = result, printed.getvalue(), out / f"{name}.png"
        return done[name]
    return run


def table_rows(printed):
    """The body rows of the markdown tables a script printed."""
    return [line for line in printed.splitlines() if line.startswith("| ") and not line.startswith("| ---")]


@pytest.mark.parametrize("name", SCRIPTS)
def test_each_experiment_prints_a_table_and_writes_one_figure(smoke, name):
    _, printed, figure = smoke(name)
    assert len(table_rows(printed)) >= 3, printed
    assert f"figure: {figure}" in printed
    with open(figure, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert 10_000 < os.path.getsize(figure) < 200_000


def test_batch_size_noise_shrinks_with_the_batch_and_vanishes_for_the_full_batch(smoke):
    result, printed, _ = smoke("batch_size")
    for name, runs in result["noise"].items():
        measured, variance = runs[0]
        assert measured[-1] == 0.0  # the full batch IS the full-batch gradient
        assert measured[0] > measured[1] > 0  # 1 image is noisier than 8
        assert measured[0] == pytest.approx(variance, rel=0.6)  # batch 1: about the per-image variance
    assert "scaled (lr*bs/32)" in printed and "not scaled" in printed


def test_schedules_compare_the_same_budget_and_draw_the_line_between_restarts(smoke):
    result, printed, _ = smoke("schedules")
    lengths = {len(r[0][0]) for r in result["runs"].values()}
    assert len(lengths) == 1  # every schedule measured as often: the same epochs
    for lines in result["lines"].values():
        assert np.all(np.isfinite(lines[0])) and len(lines[0]) == 13
    assert "barrier" in printed


def test_tta_with_no_copies_is_the_plain_prediction(smoke):
    accuracy, loss = smoke("tta")[0]
    assert accuracy.shape == loss.shape == (1, 3)  # 1 seed; n_aug 0, 1, 2
    assert np.all((0 <= accuracy) & (accuracy <= 1)) and np.all(loss > 0)


def test_the_learner_adapters_read_both_return_types():
    import common
    probs = np.array([[0.9, 0.1], [0.2, 0.8]])
    assert np.allclose(common._as_probabilities(probs), probs)
    assert np.allclose(common._as_probabilities(np.log(probs)), probs)

    class Current:  # predict -> (probabilities, targets); TTA -> (averaged probabilities, targets)
        def predict(self):
            return probs, np.array([0, 1])

        def TTA(self, n_aug):
            return probs, np.array([0, 1])

    class Fastai07(Current):  # predict_with_targs -> (log-probabilities, targets); TTA -> (stacked ones, targets)
        def predict(self):
            return np.log(probs)

        def predict_with_targs(self):
            return np.log(probs), np.array([0, 1])

        def TTA(self, n_aug):
            return np.log(np.stack([probs, probs[:, ::-1]])), np.array([0, 1])

    for learner in (Current(), Fastai07()):
        p, y = common.probabilities(learner)
        assert np.allclose(p, probs) and list(y) == [0, 1]
    assert np.allclose(common.tta_probabilities(Fastai07(), 1)[0], 0.5)  # the mean of probs and its mirror
    assert np.allclose(common.tta_probabilities(Current(), 1)[0], probs)
