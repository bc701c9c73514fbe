"""Every loss with reduction='mean'|'sum'|'none' (and weight / ignore_index / pos_weight / beta),
as functions and as nn modules: float64 gradient checks with a random upstream gradient and
forward + backward parity with torch."""
import warnings

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from helpers import check_op, host, randn, torch

TF = torch.nn.functional if torch is not None else None
REDUCTIONS = ["mean", "sum", "none"]
TARGET = np.array([0, 3, 1, 1, 2])
WEIGHT = np.array([0.5, 2.0, 1.0, 3.0])


def tt(a):
    return torch.tensor(a) if torch is not None else None


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, WEIGHT])
@pytest.mark.parametrize("ignore_index", [-100, 1])
def test_nll_loss_and_cross_entropy(reduction, weight, ignore_index, device):
    kw = dict(weight=weight, ignore_index=ignore_index, reduction=reduction)
    tkw = dict(kw, weight=None if weight is None else tt(weight))
    for ours, theirs in [(F.nll_loss, "nll_loss"), (F.cross_entropy, "cross_entropy")]:
        check_op(lambda x: ours(x, TARGET, **kw), [randn(5, 4)], device,
                 torch_fn=lambda x: getattr(TF, theirs)(x, tt(TARGET), **tkw) if TF else None)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_on_spatial_inputs(reduction, device):
    """(N, C, H, W) log-probabilities with (N, H, W) targets, as segmentation uses."""
    target = np.random.default_rng(0).integers(0, 3, (2, 4, 5))
    target[0, 0, 0] = -100
    check_op(lambda x: F.cross_entropy(x, target, reduction=reduction), [randn(2, 3, 4, 5)], device,
             torch_fn=lambda x: TF.cross_entropy(x, tt(target), reduction=reduction) if TF else None)


def test_nll_loss_every_target_ignored_is_nan_as_torch():
    loss = F.nll_loss(minigrad.tensor(np.zeros((2, 3))), np.array([-100, -100]))
    assert np.isnan(loss.item())


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss"])
def test_difference_losses_with_a_target_gradient(name, reduction, device):
    """Input and target both get torch's gradients (a target may come from another model)."""
    a, b = randn(4, 3), randn(4, 3) * 1.5
    b[0, 0] = a[0, 0] + 0.5  # inside smooth_l1's quadratic zone
    check_op(lambda x, y: getattr(F, name)(x, y, reduction=reduction), [a, b], device,
             torch_fn=lambda x, y: getattr(TF, name)(x, y, reduction=reduction) if TF else None)


@pytest.mark.parametrize("beta", [0.5, 2.0, 0.0])
def test_smooth_l1_beta(beta, device):
    a, b = randn(5, 2), randn(5, 2) * 0.3
    check_op(lambda x: F.smooth_l1_loss(x, minigrad.tensor(b, dtype=np.float64, device=device), beta=beta), [a],
             device, torch_fn=lambda x: TF.smooth_l1_loss(x, tt(b), beta=beta) if TF else None)


def test_mse_with_broadcasting_shapes_warns_as_torch_and_gives_its_value(device):
    x, y = randn(4, 1), randn(4)
    with pytest.warns(UserWarning, match=r"target size \(4,\) that is different to the input size \(4, 1\)"):
        F.mse_loss(minigrad.tensor(x, device=device), minigrad.tensor(y, device=device))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns the same; the values and gradients must agree too
        check_op(lambda a, b: F.mse_loss(a, b), [x, y], device,
                 torch_fn=(lambda a, b: TF.mse_loss(a, b)) if TF else None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # equal shapes: silent
        F.mse_loss(minigrad.tensor(x), minigrad.tensor(x))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_bce_with_logits(reduction, weighted, device):
    target = np.random.default_rng(3).random((4, 3))
    weight, pos_weight = (randn(3) ** 2, np.array([0.5, 1.0, 3.0])) if weighted else (None, None)
    t64 = minigrad.tensor(target, dtype=np.float64, device=device)
    kw = dict(weight=weight, pos_weight=pos_weight, reduction=reduction)
    tkw = dict(reduction=reduction, weight=None if weight is None else tt(weight),
               pos_weight=None if pos_weight is None else tt(pos_weight))
    check_op(lambda x: F.binary_cross_entropy_with_logits(x, t64, **kw), [randn(4, 3) * 5], device,
             torch_fn=lambda x: TF.binary_cross_entropy_with_logits(x, tt(target), **tkw) if TF else None)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_on_probabilities(reduction, device):
    target = np.random.default_rng(4).random((3, 4))
    probs = 1 / (1 + np.exp(-randn(3, 4)))
    check_op(lambda p: F.binary_cross_entropy(p, target, reduction=reduction), [probs], device,
             torch_fn=lambda p: TF.binary_cross_entropy(p, tt(target), reduction=reduction) if TF else None)


def test_bce_clamps_its_logs_at_minus_100_as_torch():
    p = minigrad.tensor(np.array([0.0, 1.0]), requires_grad=True)
    loss = F.binary_cross_entropy(p, np.array([1.0, 0.0]), reduction="none")
    np.testing.assert_allclose(loss.numpy(), [100.0, 100.0])
    loss.sum().backward()
    if torch is not None:
        tp = torch.tensor([0.0, 1.0], requires_grad=True)
        TF.binary_cross_entropy(tp, torch.tensor([1.0, 0.0]), reduction="none").sum().backward()
        grad = p.grad.array if isinstance(p.grad, minigrad.Tensor) else p.grad
        np.testing.assert_allclose(host(grad), tp.grad.numpy(), rtol=1e-6)


def test_legacy_size_average_and_reduce_map_as_torch():
    x = minigrad.tensor(randn(3, 2))
    with pytest.warns(UserWarning, match="size_average and reduce"):
        legacy = F.mse_loss(x, x * 2, size_average=False).item()
    assert legacy == pytest.approx(F.mse_loss(x, x * 2, reduction="sum").item())
    with pytest.warns(UserWarning):
        assert F.nll_loss(x, np.array([0, 1, 1]), reduce=False).shape == (3,)


def test_loss_errors_name_what_is_wrong():
    x = minigrad.tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        F.cross_entropy(x, np.array([0, 1]), reduction="avg")
    with pytest.raises(RuntimeError, match=r"weight must have one entry per class, shape \(3,\)"):
        F.nll_loss(x, np.array([0, 1]), weight=np.ones(2))
    with pytest.raises(IndexError, match=r"class indices in \[0, 2\] \(or ignore_index=-100\), got values from 0 to 5"):
        F.nll_loss(x, np.array([0, 5]))
    with pytest.raises(RuntimeError, match=r"probabilities in \[0, 1\]"):
        F.binary_cross_entropy(minigrad.tensor([2.0]), np.array([1.0]))
    with pytest.raises(ValueError, match="label_smoothing must be between 0.0 and 1.0"):
        F.cross_entropy(x, np.array([0, 1]), label_smoothing=1.5)


# ---- the loss modules: the same functions, arguments kept on the module -------------------------

MODULE_CASES = [
    ("CrossEntropyLoss", dict(weight=WEIGHT, ignore_index=1, reduction="sum"), "int"),
    ("CrossEntropyLoss", dict(label_smoothing=0.1), "int"),
    ("NLLLoss", dict(reduction="none"), "int"),
    ("MSELoss", dict(reduction="sum"), "float"),
    ("L1Loss", dict(), "float"),
    ("SmoothL1Loss", dict(beta=0.5), "float"),
    ("BCEWithLogitsLoss", dict(pos_weight=np.array([1.0, 2.0, 0.5, 1.0])), "prob"),
    ("BCELoss", dict(reduction="none"), "prob"),
]


@pytest.mark.parametrize("name, kwargs, kind", MODULE_CASES)
def test_loss_modules_match_torch(name, kwargs, kind, device):
    if torch is None:
        pytest.skip("torch is not installed")
    target = {"int": TARGET, "float": randn(5, 4) * 0.5, "prob": np.random.default_rng(5).random((5, 4))}[kind]
    x = randn(5, 4)
    if name == "BCELoss":
        x = 1 / (1 + np.exp(-x))
    theirs_kw = {k: (tt(v) if isinstance(v, np.ndarray) else v) for k, v in kwargs.items()}
    theirs = getattr(torch.nn, name)(**theirs_kw)
    ours = getattr(nn, name)(**kwargs)
    expected = theirs(tt(x), tt(target))
    got = ours(minigrad.tensor(x, dtype=np.float64, device=device), minigrad.tensor(target, device=device)
               if kind == "int" else minigrad.tensor(target, dtype=np.float64, device=device))
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-7, atol=1e-9)
    assert repr(ours).startswith(name + "(")


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
def test_weighted_mse_and_l1_divide_the_mean_by_the_total_weight_as_torch(name, reduction, device):
    weight = randn(4, 3) ** 2
    check_op(lambda x, y: getattr(F, name)(x, y, reduction=reduction, weight=weight), [randn(4, 3), randn(4, 3) * 2],
             device,
             torch_fn=lambda x, y: getattr(TF, name)(x, y, reduction=reduction, weight=tt(weight)) if TF else None)
    with pytest.raises(ValueError, match="Weights and input must have the same size"):
        getattr(F, name)(minigrad.tensor(np.ones(3)), minigrad.tensor(np.ones(3)), weight=np.ones(2))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight, ignore_index", [(None, -100), (WEIGHT, 1), (None, 3)])
def test_cross_entropy_with_label_smoothing(reduction, weight, ignore_index, device):
    kw = dict(weight=weight, ignore_index=ignore_index, reduction=reduction, label_smoothing=0.2)
    tkw = dict(kw, weight=None if weight is None else tt(weight))
    check_op(lambda x: F.cross_entropy(x, TARGET, **kw), [randn(5, 4)], device,
             torch_fn=lambda x: TF.cross_entropy(x, tt(TARGET), **tkw) if TF else None)


def test_cross_entropy_with_label_smoothing_on_spatial_inputs(device):
    target = np.random.default_rng(1).integers(0, 3, (2, 4, 5))
    kw = dict(weight=np.array([1.0, 2.0, 0.5]), label_smoothing=0.1)
    check_op(lambda x: F.cross_entropy(x, target, **kw), [randn(2, 3, 4, 5)], device,
             torch_fn=lambda x: TF.cross_entropy(x, tt(target), weight=tt(kw["weight"]), label_smoothing=0.1)
             if TF else None)
