"""lgamma, digamma, erfinv, sinc, logit (ops/gamma.py, ops/special.py) and F.unfold / F.fold
(ops/fold.py) against PyTorch: values at poles, NaN/inf, 0-d, empty, int inputs, float32, and a
float64 gradient check with a random upstream gradient plus a torch comparison of every gradient."""
import numpy as np
import pytest
from helpers import check_op, host

import minigrad
import minigrad.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

POINTS = [0.0, -0.0, -1.0, -2.5, 1.0, 2.0, 0.5, 1e-300, -1e-300, 171.0, 1e300, np.inf, -np.inf, np.nan, -3.0,
          3.5, -1e20, 1e-8, -170.5, 2.0001, 1.0001, 1.56, 9.99, 10.0, 10.01, 5e-324, 2e305, 0.75, 2.25]
UNIT = [0.0, -0.0, 1.0, -1.0, 0.5, -0.999999, 1.5, np.nan, np.inf, 1e-10, 0.9999999, 0.3, -0.7, 0.05]
RNG = np.random.default_rng(0)
RANDOM = list(RNG.normal(size=60) * 4) + list(np.exp(RNG.normal(size=30) * 8))
# (name, inputs, float64 relative tolerance): lgamma's relative error grows only next to its negative roots;
# erfinv near +-1 turns one ulp of erf (ours vs the C library's) into sqrt(pi)/2 e^{x^2} ulps
CASES = [("lgamma", POINTS + RANDOM, 1e-11), ("digamma", POINTS + RANDOM, 1e-14),
         ("sinc", POINTS + RANDOM, 1e-15), ("erfinv", UNIT + list(RNG.uniform(-1, 1, 50)), 1e-10),
         ("logit", UNIT + list(RNG.uniform(0, 1, 20)), 1e-15)]


def _close(ours, theirs, rtol, atol=0.0):
    ours, theirs = host(ours.array), theirs.numpy()
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
    np.testing.assert_array_equal(ours[np.isinf(theirs)], theirs[np.isinf(theirs)])
    np.testing.assert_allclose(ours[np.isfinite(theirs)], theirs[np.isfinite(theirs)], rtol=rtol, atol=atol)


@pytest.mark.parametrize("name,values,rtol", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_values_match_torch(name, values, rtol, dtype, device):
    with np.errstate(over="ignore"):  # 1e300 and 2e305 become inf in float32
        x = np.array(values, dtype=dtype)
    ours = getattr(minigrad.tensor(x, dtype=getattr(minigrad, dtype), device=device), name)()
    theirs = getattr(torch.tensor(x), name)()
    # float32: PyTorch computes in float32; ours round the float64 value (or compute in float32 too)
    _close(ours, theirs, rtol if dtype == "float64" else 2e-5, atol=0 if dtype == "float64" else 1e-6)


@pytest.mark.parametrize("name", ["lgamma", "digamma", "sinc", "erfinv", "logit"])
def test_int_bool_0d_empty_and_transposed(name, device):
    for x in (np.array([1, 2, 0, -3]), np.array([True, False]), np.array(0.25), np.zeros((0, 3)),
              np.array([[0.1, 0.2, 0.3], [0.4, 0.6, 0.9]]).T):
        ours = getattr(minigrad.tensor(x, dtype=minigrad.tensor(x).dtype if x.dtype.kind != "f" else minigrad.float64,
                                       device=device), name)()
        theirs = getattr(torch.tensor(x), name)()
        _close(ours, theirs, 1e-6, atol=1e-7)


def test_logit_eps_and_inplace_forms(device):
    x = np.array([0.0, 0.05, 0.5, 0.95, 1.0, 2.0, -1.0, np.nan])
    for eps in (0.1, 0.0, -1.0, 0.5, float("nan")):
        _close(minigrad.tensor(x, dtype=minigrad.float64, device=device).logit(eps), torch.tensor(x).logit(eps), 1e-15)
    for name in ("lgamma_", "digamma_", "sinc_", "erfinv_", "logit_"):
        ours, theirs = minigrad.tensor([0.25, 0.5], device=device), torch.tensor([0.25, 0.5])
        assert getattr(ours, name)() is ours
        getattr(theirs, name)()
        _close(ours, theirs, 1e-6)
        with pytest.raises(RuntimeError):  # a float result into an integer tensor, as PyTorch refuses
            getattr(minigrad.tensor([1, 2], device=device), name)()


SMOOTH = {"lgamma": RNG.uniform(0.2, 6, (2, 3)) * np.array([1, -1, 1]) + np.array([0, 0.3, 0]),
          "digamma": RNG.uniform(0.2, 6, (2, 3)) * np.array([1, -1, 1]) + np.array([0, 0.3, 0]),
          "sinc": RNG.normal(size=(2, 3)) * 2, "erfinv": RNG.uniform(-0.95, 0.95, (2, 3)),
          "logit": RNG.uniform(0.05, 0.95, (2, 3))}


@pytest.mark.parametrize("name", sorted(SMOOTH))
def test_gradients(name, device):
    check_op(lambda x: getattr(x, name)(), [SMOOTH[name]], device, lambda x: getattr(x, name)())


def test_logit_eps_gradient(device):
    x = np.array([[0.05, 0.3, 0.5], [0.7, 0.95, 0.2]])
    check_op(lambda t: t.logit(0.1), [x], device, lambda t: t.logit(0.1))


@pytest.mark.parametrize("name,x", [("lgamma", [0.0, -0.0, -1.0, 1.0, np.inf, np.nan]),
                                    ("digamma", [0.0, -0.0, -1.0, -2.5, np.inf, -np.inf]),
                                    ("sinc", [0.0, -0.0, 1.0, np.inf]), ("erfinv", [0.0, 1.0, -1.0, 2.0]),
                                    ("logit", [0.0, -0.0, 1.0, 2.0, np.nan])])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_gradients_at_poles_and_edges(name, x, dtype, device):
    g = np.linspace(-1, 1.5, len(x)).astype(dtype)
    ours = minigrad.tensor(np.array(x, dtype=dtype), dtype=getattr(minigrad, dtype), requires_grad=True, device=device)
    theirs = torch.tensor(np.array(x, dtype=dtype), requires_grad=True)
    getattr(ours, name)().backward(minigrad.tensor(g, dtype=getattr(minigrad, dtype), device=device))
    getattr(theirs, name)().backward(torch.tensor(g))
    _close(ours.grad, theirs.grad, 1e-12 if dtype == "float64" else 1e-5)


UNFOLDS = [((2, 3, 5, 6), dict(kernel_size=(2, 3), dilation=(1, 2), padding=1, stride=(2, 1))),
           ((3, 4, 4), dict(kernel_size=2)), ((1, 2, 3, 3), dict(kernel_size=3, padding=1))]


@pytest.mark.parametrize("shape,kw", UNFOLDS)
def test_unfold_matches_torch(shape, kw, device):
    x = np.random.default_rng(0).normal(size=shape)
    check_op(lambda t: F.unfold(t, **kw), [x], device, lambda t: TF.unfold(t, **kw))


FOLDS = [((2, 18, 12), dict(output_size=(5, 6), kernel_size=(2, 3), dilation=(1, 2), padding=1, stride=(2, 1))),
         ((8, 9), dict(output_size=4, kernel_size=2)), ((1, 4, 4), dict(output_size=(3, 3), kernel_size=2))]


@pytest.mark.parametrize("shape,kw", FOLDS)
def test_fold_matches_torch(shape, kw, device):
    x = np.random.default_rng(0).normal(size=shape)
    check_op(lambda t: F.fold(t, **kw), [x], device, lambda t: TF.fold(t, **kw))


def test_unfold_is_the_convolution_im2col(device):
    """conv2d(x, w) = w.view(O, -1) @ unfold(x), the lecture's im2col + GEMM, made visible."""
    x, w = minigrad.randn(2, 3, 5, 5, device=device), minigrad.randn(4, 3, 3, 3, device=device)
    cols = F.unfold(x, 3)
    out = (w.view(4, -1) @ cols).view(2, 4, 3, 3)
    np.testing.assert_allclose(out.numpy(), F.conv2d(x, w).numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("call", [
    lambda L, F: F.unfold(L.ones(2, 3, 5, 5), 6), lambda L, F: F.unfold(L.ones(2, 3, 5, 5), 2, stride=0),
    lambda L, F: F.unfold(L.ones(2, 3, 5, 5), 2, padding=-1), lambda L, F: F.unfold(L.ones(2, 0, 5, 5), 2),
    lambda L, F: F.unfold(L.ones(2, 3, 4, 5, 5), 2), lambda L, F: F.unfold(L.ones(2, 3, 5, 5), (2, 2, 2)),
    lambda L, F: F.unfold(L.ones(1, 1, 3, 3, dtype=L.int64), 2), lambda L, F: F.unfold(L.ones(3, 5), 2),
    lambda L, F: F.fold(L.ones(2, 12, 4), (3, 3), 3), lambda L, F: F.fold(L.ones(2, 12, 5), (3, 3), 2),
    lambda L, F: F.fold(L.ones(1, 4, 0), (1, 1), 2), lambda L, F: F.fold(L.ones(2, 2, 12, 4), (3, 3), 2),
    lambda L, F: F.fold(L.ones(1, 4, 4, dtype=L.int64), (3, 3), 2), lambda L, F: F.unfold(L.ones(1, 1, 3, 3), 2.0)])
def test_bad_arguments_raise_like_torch(call):
    with pytest.raises(Exception) as theirs:
        call(torch, TF)
    with pytest.raises(type(theirs.value)) as ours:
        call(minigrad, F)
    assert str(ours.value)[:30] == str(theirs.value)[:30]
