"""The dropout family against torch 2.13 (F.dropout, dropout1d/2d/3d, alpha_dropout,
feature_alpha_dropout and their modules): the checks, warnings, dtypes and shapes as torch's, the
identity outside training, whole channels dropped together, SELU statistics kept by alpha dropout,
and the gradient being the same mask."""
import warnings

import numpy as np
import pytest

import minigrad
from minigrad import nn  # noqa: F401  (the modules are reached through eval)
import minigrad.nn.functional as F
from helpers import host, torch

TF = torch.nn.functional if torch is not None else None
needs_torch = pytest.mark.skipif(torch is None, reason="needs torch==2.13.0 as the oracle")


def _outcome(f, T, expression):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = eval(expression, dict(f=f, T=T, np=np))
            out = ("ok", str(result.dtype).split(".")[-1], tuple(result.shape))
        except Exception as error:  # noqa: BLE001 - the exception is what is compared
            out = (type(error).__name__, str(error)[:60])
    return out + tuple(str(w.message)[:60] for w in caught)


EXPRESSIONS = [
    "f.dropout(T([1, 2]), 0.5)", "f.dropout(T([1, 2]), 0.5, training=False)", "f.dropout(T(2.), 0.5)",
    "f.dropout(T(np.zeros((0, 3), np.float32)), 0.5)", "f.dropout(T([1., 2]), 1.5)", "f.dropout(T([1., 2]), -0.1)",
    "f.dropout1d(T(np.zeros((2, 3, 4, 5), np.float32)))", "f.dropout1d(T(np.zeros(3, np.float32)))",
    "f.dropout1d(T(np.zeros((3, 4), np.float32)))", "f.dropout2d(T(np.zeros((3, 4), np.float32)))",
    "f.dropout2d(T(np.zeros((3, 4, 5, 6, 7), np.float32)))", "f.dropout2d(T(np.zeros((3, 4, 5), np.float32)))",
    "f.dropout2d(T(np.zeros(3, np.float32)))", "f.dropout3d(T(np.zeros((3, 4, 5), np.float32)))",
    "f.dropout3d(T(np.zeros((3, 4, 5, 6), np.float32)))", "f.alpha_dropout(T(np.zeros((3, 4), np.float32)), 0.5)",
    "f.alpha_dropout(T(np.zeros((3, 4), np.float32)), 0.5, True)", "f.alpha_dropout(T([1, 2]), 0.5, True)",
    "f.alpha_dropout(T([1., 2]), 1.5, True)", "f.feature_alpha_dropout(T(np.zeros(3, np.float32)), 0.5, True)",
    "f.feature_alpha_dropout(T(np.zeros((2, 3, 4, 5, 6, 7), np.float32)), 0.5, True)",
    "f.dropout(T([float('nan'), 1.]), 1.0)", "f.alpha_dropout(T(np.ones((3, 4), np.float32)), 1., True)",
]


@needs_torch
@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_checks_warnings_dtypes_and_shapes_match_torch(expression):
    assert _outcome(F, minigrad.tensor, expression) == _outcome(TF, torch.tensor, expression)


def test_outside_training_each_returns_its_input_itself():
    x = minigrad.randn(2, 3, 4)
    for fn in (F.dropout, F.dropout1d, F.alpha_dropout, F.feature_alpha_dropout):
        assert fn(x, 0.5, training=False) is x
    images = minigrad.randn(2, 3, 4, 4)
    assert F.dropout2d(images, 0.5, training=False) is images
    assert F.dropout3d(minigrad.randn(2, 3, 4, 5), 0.5, training=False).shape == (2, 3, 4, 5)
    assert F.alpha_dropout(x) is x  # PyTorch's default: training=False
    empty = minigrad.zeros(0, 3)
    assert F.dropout(empty, 0.5) is empty


@pytest.mark.parametrize("fn, shape", [(F.dropout1d, (40, 30, 7)), (F.dropout1d, (300, 7)),
                                       (F.dropout3d, (10, 30, 2, 2, 2)), (F.dropout3d, (300, 2, 2, 2))])
def test_channel_dropout_drops_whole_channels_and_the_gradient_is_the_mask(fn, shape, device):
    x = minigrad.ones(*shape, requires_grad=True, device=device)
    y = fn(x, 0.3)
    channels = y.numpy().reshape(-1, int(np.prod(shape[2:] if len(shape) in (3, 5) else shape[1:])))
    assert (channels == channels[:, :1]).all()
    assert abs((channels[:, 0] == 0).mean() - 0.3) < 0.06
    np.testing.assert_allclose(np.unique(channels), [0.0, 1 / 0.7], rtol=1e-6)
    y.sum().backward()
    np.testing.assert_array_equal(host(x.grad.array), y.numpy())


def test_alpha_dropout_keeps_selu_statistics_and_torchs_two_values(device):
    x = minigrad.tensor(np.random.default_rng(0).standard_normal(200_000).astype(np.float32), device=device)
    y = F.alpha_dropout(x, 0.2, training=True).numpy()
    assert abs(y.mean()) < 0.01 and abs(y.var() - 1) < 0.01
    zeros = F.alpha_dropout(minigrad.zeros(1000, device=device), 0.5, True).numpy()
    np.testing.assert_allclose(np.unique(np.round(zeros, 5)), [-0.77919, 0.77919])  # torch's two values
    channels = F.feature_alpha_dropout(minigrad.ones(50, 4, 3, device=device), 0.5, True).numpy()
    assert (channels == channels[:, :, :1]).all()
    np.testing.assert_allclose(np.unique(np.round(channels, 4)), [-0.7792, 1.6656])
    w = minigrad.ones(4, 5, requires_grad=True, device=device)
    F.alpha_dropout(w, 0.3, True).sum().backward()
    np.testing.assert_allclose(np.unique(np.round(host(w.grad.array), 5)), [0.0, 0.86095])  # kept: a


def test_dropout_is_seeded_and_float32_stays_float32(device):
    x = minigrad.randn(50, 4, 3, device=device)
    for fn in (F.dropout, F.dropout1d, F.alpha_dropout, F.feature_alpha_dropout):
        minigrad.manual_seed(1)
        a = fn(x, 0.5, True).numpy()
        minigrad.manual_seed(1)
        b = fn(x, 0.5, True)
        np.testing.assert_array_equal(a, b.numpy())
        assert b.dtype == minigrad.float32


def test_inplace_forms_write_into_the_input(device):
    x = minigrad.ones(20, 4, 3, device=device)
    assert F.dropout1d(x, 0.5, inplace=True) is x and set(np.unique(x.numpy())) <= {0.0, 2.0}
    y = minigrad.ones(20, 4, device=device)
    assert F.alpha_dropout(y, 0.5, True, inplace=True) is y and len(np.unique(np.round(y.numpy(), 5))) == 2


@needs_torch
@pytest.mark.parametrize("spec", ["Dropout1d()", "Dropout3d(0.2, True)", "AlphaDropout(0.1)", "FeatureAlphaDropout()"])
def test_modules_print_as_torch_and_are_the_identity_in_eval(spec):
    ours, theirs = eval("nn." + spec), eval("torch.nn." + spec)
    assert repr(ours) == repr(theirs)
    x = minigrad.randn(2, 3, 4) if spec.startswith("Dropout1d") else minigrad.randn(2, 3, 4, 5, 6)
    assert ours.eval()(x) is x
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        eval("nn." + spec.split("(")[0] + "(1.5)")
