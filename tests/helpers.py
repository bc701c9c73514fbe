"""The one helper every op test uses: a float64 gradient check with a random upstream
gradient, then (when torch is installed) forward and backward compared with PyTorch."""
import numpy as np
import pytest

import minigrad
from minigrad.gradcheck import gradcheck

try:
    import torch
except ImportError:  # the parity half of each check skips
    torch = None


def float64_inputs(arrays, device, requires_grad=True):
    return [minigrad.tensor(a, requires_grad=requires_grad, dtype=np.float64, device=device) for a in arrays]


def check_op(mg_fn, arrays, device, torch_fn=None, directions=None, atol=1e-6, rtol=1e-4):
    """Gradient-check `mg_fn` on float64 copies of `arrays`, then compare with `torch_fn`."""
    inputs = float64_inputs(arrays, device)
    gradcheck(mg_fn, inputs, directions=directions, atol=atol, rtol=rtol)
    if torch_fn is not None:
        compare_with_torch(mg_fn, torch_fn, arrays, device)


def compare_with_torch(mg_fn, torch_fn, arrays, device, atol=1e-9, rtol=1e-7):
    """Forward output and every input gradient equal torch's (float64, same upstream gradient)."""
    if torch is None:
        pytest.skip("torch is not installed: `pip install torch==2.13.0` to compare with PyTorch")
    inputs = float64_inputs(arrays, device)
    out = mg_fn(*inputs)
    upstream = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(upstream)

    t_inputs = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    t_out = torch_fn(*t_inputs)
    t_out.backward(torch.tensor(upstream))

    np.testing.assert_allclose(out.numpy(), t_out.detach().numpy(), atol=atol, rtol=rtol,
                               err_msg="forward differs from torch")
    for k, (x, tx) in enumerate(zip(inputs, t_inputs)):
        np.testing.assert_allclose(host(x.grad.array), tx.grad.numpy(),
                                   atol=atol, rtol=rtol, err_msg=f"gradient of input {k} differs from torch")


def randn(*shape, away_from=None):
    """Normal samples; `away_from=v` keeps them at least 0.1 away from v (kinks of relu, max...)."""
    x = np.random.default_rng(abs(hash(shape)) % 2**32).standard_normal(shape)
    if away_from is not None:
        x = np.where(np.abs(x - away_from) < 0.1, x + 0.2 * np.sign(x - away_from + 1e-12), x)
    return x


def host(array):
    """A numpy copy of a numpy or cupy array (gradients live where their tensor lives)."""
    from minigrad.array_module import to_device
    if isinstance(array, minigrad.Tensor):  # e.g. x.grad
        array = array.array
    return to_device(array, "cpu")
