"""Accuracy, log loss, the confusion matrix, fastai's smoothed loss, over-fitting marks."""
import numpy as np
import pytest

from minigrad.train.metrics import SmoothedLoss, accuracy, accuracy_np, confusion_matrix, log_loss, overfitting_epochs

PROBS = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
TARGETS = np.array([0, 1, 1, 1])


def test_accuracy_and_log_loss():
    assert accuracy(PROBS, TARGETS) == 0.75
    assert log_loss(PROBS, TARGETS) == pytest.approx(-np.mean(np.log([0.9, 0.8, 0.4, 0.7])))


def test_accuracy_np_is_fastais_on_probabilities_and_log_probabilities():
    assert accuracy_np(PROBS, TARGETS) == 0.75 == accuracy_np(np.log(PROBS), TARGETS)


def test_confusion_matrix_takes_labels_as_scikit_learn_rows_actual_columns_predicted():
    assert confusion_matrix(TARGETS, PROBS.argmax(1)).tolist() == [[1, 0], [1, 2]]
    with pytest.raises(ValueError, match="LABELS"):
        confusion_matrix(TARGETS, PROBS)


def test_smoothed_loss_is_a_debiased_moving_average():
    s = SmoothedLoss(beta=0.98)
    assert s.update(2.0) == pytest.approx(2.0)  # debiasing: the first value is not pulled towards 0
    assert s.update(1.0) == pytest.approx((0.98 * 0.02 * 2 + 0.02 * 1) / (1 - 0.98 ** 2))


def test_overfitting_is_training_loss_falling_while_validation_loss_rises_within_one_fit():
    train = [1.0, 0.9, 0.8, 0.7, 0.75, 0.6, 0.5, 0.4]
    val = [0.9, 0.7, 0.6, 0.65, 0.7, 0.8, 0.9, 1.0]
    calls = [0, 0, 0, 0, 0, 1, 1, 1]
    # 3: flagged; 4: training loss rose too (not over-fitting); 5: first epoch of a new fit call
    # (a step change or unfreezing); 6, 7: flagged
    assert overfitting_epochs(train, val, calls) == [3, 6, 7]
    assert overfitting_epochs([0.5, 0.6], [0.4, 0.5], [0, 0]) == []  # both rose: not over-fitting


def test_a_rise_of_validation_loss_within_the_noise_is_not_over_fitting():
    assert overfitting_epochs([0.30, 0.29], [0.28360, 0.28377], [0, 0]) == []  # +0.06%: noise
    assert overfitting_epochs([0.30, 0.29], [0.28360, 0.2900], [0, 0]) == [1]  # +2.3%: a real rise


def test_lr_suggestion_from_a_falling_curve_and_from_a_flat_one():
    from minigrad.train.lr_find import suggest_lr
    lrs = [10 ** (k / 2) for k in range(-10, 3)]  # 1e-5 .. 10
    falling = [1.0, 0.98, 0.95, 0.9, 0.8, 0.6, 0.45, 0.35, 0.3, 0.4, 0.9, 2.0, 5.0]
    assert suggest_lr(lrs, falling)[0] == pytest.approx(lrs[8] / 10)
    flat = [1.0, 1.1, 1.2, 1.4, 1.4, 1.41, 1.38, 1.4, 1.45, 1.8, 2.7, 3.8, 6.0]
    rate, why = suggest_lr(lrs, flat)
    assert rate == pytest.approx(lrs[10] / 100) and "rose above 1.3x its median" in why and "blew" not in why


def test_the_confusion_matrix_colour_scale_starts_at_zero_and_text_stays_readable(monkeypatch, tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt
    from minigrad.train.plots import plot_confusion_matrix
    seen = {}
    imshow, text = plt.imshow, plt.text
    monkeypatch.setattr(plt, "imshow", lambda cm, **kw: seen.update(kw) or imshow(cm, **kw))
    colours = []
    monkeypatch.setattr(plt, "text", lambda *a, **kw: colours.append(kw["color"]) or text(*a, **kw))
    plot_confusion_matrix(np.array([[92, 8], [10, 90]]), ["cats", "dogs"], path=str(tmp_path / "cm.png"))
    assert seen.get("vmin") == 0  # 8 of 100 is a light cell, not an empty-looking one
    assert colours == ["white", "black", "black", "white"]  # dark cells white text, light cells black
