"""F.bilinear (ops/bilinear.py), F.rms_norm, F.local_response_norm, F.pdist, F.lp_pool1d/2d, F.celu_,
F.selu_ and their layers against PyTorch: a float64 gradient check with a random upstream gradient
and a torch comparison of the forward and every input gradient (edge cases: tests/test_opinfo.py)."""
import math

import numpy as np
import pytest
from helpers import check_op

import minigrad
import minigrad.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
RNG = np.random.default_rng(0)


def r(*shape):
    return RNG.normal(size=shape)


CASES = {
    "bilinear": (lambda F, a, b, w, c: F.bilinear(a, b, w, c), [r(2, 3), r(2, 2), r(4, 3, 2), r(4)]),
    "bilinear_batch": (lambda F, a, b, w: F.bilinear(a, b, w), [r(2, 2, 3), r(2, 2, 2), r(4, 3, 2)]),
    "rms_norm": (lambda F, x, w: F.rms_norm(x, (3, 4), w, eps=1e-3), [r(2, 3, 4), r(3, 4)]),
    "rms_norm_default_eps": (lambda F, x: F.rms_norm(x, (4,)), [r(2, 3, 4)]),
    "local_response_norm": (lambda F, x: F.local_response_norm(x, 3, alpha=0.1, beta=0.5, k=2.0), [r(2, 5, 3, 2)]),
    "local_response_norm_3d": (lambda F, x: F.local_response_norm(x, 2), [r(2, 4, 3)]),
    "pdist": (lambda F, x: F.pdist(x), [r(4, 3)]),
    "pdist_p1": (lambda F, x: F.pdist(x, 1.0), [r(4, 3)]),
    "pdist_p3": (lambda F, x: F.pdist(x, 3.0), [r(4, 3)]),
    "lp_pool2d": (lambda F, x: F.lp_pool2d(x, 2, (2, 3), stride=1), [np.abs(r(1, 2, 5, 5)) + 0.1]),
    "lp_pool1d": (lambda F, x: F.lp_pool1d(x, 3, 2, 2, True), [np.abs(r(2, 3, 7)) + 0.1]),
    "lp_pool2d_inf": (lambda F, x: F.lp_pool2d(x, math.inf, 2), [r(1, 2, 4, 4)]),
    "celu_": (lambda F, x: F.celu_(x * 1, 0.5), [r(2, 3)]),
    "selu_": (lambda F, x: F.selu_(x * 1), [r(2, 3)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch_with_gradients(name, device):
    fn, arrays = CASES[name]
    check_op(lambda *t: fn(F, *t), arrays, device, lambda *t: fn(TF, *t))


def test_bilinear_overflow_gives_nan_where_torch_does(device):
    """inf - inf inside the sums: the order of the two contractions decides inf or NaN (and numpy's
    einsum must not take its shortcut over an expanded operand)."""
    x1 = np.array([[-1.78, -2.13, 0.16], [3.17, 0.49, 4.56]], np.float32)
    x2 = np.array([[1.91e30], [-1.8e30]], np.float32)
    w = (RNG.normal(size=(4, 3, 2)) * 3e30).astype(np.float32)
    ours = F.bilinear(minigrad.tensor(x1, device=device), minigrad.tensor(x2, device=device).expand(2, 2),
                      minigrad.tensor(w, device=device))
    theirs = TF.bilinear(torch.tensor(x1), torch.tensor(x2).expand(2, 2), torch.tensor(w))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("make,args,x", [
    ("RMSNorm", (4,), (2, 3, 4)), ("LocalResponseNorm", (2,), (1, 4, 3, 3)), ("LPPool2d", (2, 2), (1, 2, 4, 4)),
    ("LPPool1d", (2, 3), (1, 2, 6)), ("Unfold", (2,), (1, 2, 4, 4)), ("Fold", ((3, 3), 2), (1, 8, 4))])
def test_layers_match_torch(make, args, x, device):
    ours, theirs = getattr(minigrad.nn, make)(*args).to(device), getattr(torch.nn, make)(*args)
    assert repr(ours) == repr(theirs)
    data = np.abs(RNG.normal(size=x)).astype(np.float32) + 0.1
    np.testing.assert_allclose(ours(minigrad.tensor(data, device=device)).detach().numpy(),
                               theirs(torch.tensor(data)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_bilinear_layer_matches_torch(device):
    ours, theirs = minigrad.nn.Bilinear(3, 2, 4), torch.nn.Bilinear(3, 2, 4)
    assert repr(ours) == repr(theirs) and ours.weight.shape == tuple(theirs.weight.shape)
    assert abs(ours.weight.numpy()).max() <= 1 / math.sqrt(3)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.numpy()))
        theirs.bias.copy_(torch.tensor(ours.bias.numpy()))
    a, b = r(5, 3).astype(np.float32), r(5, 2).astype(np.float32)
    ours = ours.to(device)
    out = ours(minigrad.tensor(a, device=device), minigrad.tensor(b, device=device))
    np.testing.assert_allclose(out.detach().numpy(), theirs(torch.tensor(a), torch.tensor(b)).detach().numpy(), rtol=1e-5, atol=1e-6)
