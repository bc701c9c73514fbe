"""Numerical gradient checking: is each hand-written backward right?

For a function f and a RANDOM upstream gradient u (a plain sum would hide
errors that cancel), the scalar L(x) = sum(u * f(x)) has the gradient that
backward(u) computes. Central differences estimate the same thing:

    dL/dx_j  ~  (L(x + eps e_j) - L(x - eps e_j)) / (2 eps)

Checking every element costs two forward passes per element; for a large
input, `directions=k` instead checks k random directions d, comparing the
analytic directional derivative <grad, d> with (L(x + eps d) - L(x - eps d)) / 2eps,
as Chainer does. Use float64 inputs: float32 round-off swamps the differences.
"""
import numpy as np

from .array_module import get_array_module
from .random_source import rng
from .autograd import no_grad
from .tensor import Tensor


class GradcheckError(AssertionError):
    """The analytic and numerical gradients disagree."""


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-4, directions=None, seed=0):
    """Check the backward of `fn(*inputs) -> Tensor` against finite differences.

    inputs: Tensors; those with requires_grad=True are checked (use float64).
    directions: None checks every element; an int k checks k random directions.
    Raises GradcheckError saying where the gradients differ; returns True otherwise.
    """
    checked = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input has requires_grad=True, so there is nothing to check")
    for x in checked:
        if x.dtype != np.float64:
            raise ValueError(f"gradcheck: inputs must be float64 for a meaningful check, got {x.dtype}")
    random = np.random.default_rng(seed)

    out = fn(*inputs)
    xp = get_array_module(out.array)
    upstream = xp.asarray(random.standard_normal(out.shape))
    for x in checked:
        x.grad = None
    out.backward(upstream)
    analytic = [x.grad.array if x.grad is not None else xp.zeros_like(x.array) for x in checked]

    def loss():
        with no_grad():
            return float((fn(*inputs).array * upstream).sum())

    if directions is None:
        _check_elementwise(checked, analytic, loss, eps, atol, rtol)
    else:
        _check_directions(checked, analytic, loss, eps, atol, rtol, directions, random)
    return True


def _check_elementwise(checked, analytic, loss, eps, atol, rtol):
    for k, (x, grad) in enumerate(zip(checked, analytic)):
        numeric = np.zeros(x.shape)
        flat = x.array.reshape(-1)  # a view: nudging it nudges x
        for j in range(flat.size):
            original = float(flat[j])
            flat[j] = original + eps
            plus = loss()
            flat[j] = original - eps
            minus = loss()
            flat[j] = original
            numeric.flat[j] = (plus - minus) / (2 * eps)
        grad = _host(grad)
        bad = ~np.isclose(grad, numeric, atol=atol, rtol=rtol)
        if bad.any():
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            raise GradcheckError(
                f"gradient of input {k} (shape {tuple(x.shape)}) is wrong at {int(bad.sum())} of {bad.size} "
                f"elements; first at index {where}: backward gives {grad[where]:.6g}, finite differences "
                f"give {numeric[where]:.6g} (max abs difference {np.abs(grad - numeric).max():.3g})")


def _check_directions(checked, analytic, loss, eps, atol, rtol, directions, random):
    for n in range(directions):
        ds = [random.standard_normal(x.shape) for x in checked]
        predicted = sum(float((_host(g) * d).sum()) for g, d in zip(analytic, ds))
        originals = [x.array.copy() for x in checked]
        xp = get_array_module(checked[0].array)
        for x, d in zip(checked, ds):
            x.array += eps * xp.asarray(d)
        plus = loss()
        for x, d, o in zip(checked, ds, originals):
            x.array[...] = o - eps * xp.asarray(d)
        minus = loss()
        for x, o in zip(checked, originals):
            x.array[...] = o
        numeric = (plus - minus) / (2 * eps)
        if not np.isclose(predicted, numeric, atol=atol, rtol=rtol):
            raise GradcheckError(
                f"directional derivative {n} of {directions} is wrong: backward gives {predicted:.8g}, "
                f"finite differences give {numeric:.8g} (difference {abs(predicted - numeric):.3g})")


def _host(array):
    return array.get() if hasattr(array, "get") else np.asarray(array)


def random_tensor(*shape, device="cpu", requires_grad=True, low=None, high=None):
    """A float64 test tensor drawn from minigrad's seeded source (normal, or uniform in [low, high))."""
    values = rng().standard_normal(shape) if low is None else rng().uniform(low, high, shape)
    return Tensor(values, requires_grad=requires_grad, dtype=np.float64, device=device)
