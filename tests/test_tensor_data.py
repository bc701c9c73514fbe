"""`.data` is PyTorch's: a Tensor over the same memory, outside the graph (`p.data.add_(...)`,
`m.bias.data.fill_(0)`, `torch.max(out.data, 1)`), and `.array` is the numpy/cupy array itself.
Module-level functions take Tensors, never run a numpy method of the same name on an array."""
import numpy as np
import pytest

import minigrad
import minigrad.nn as nn

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed: `pip install torch==2.13.0`")


def test_data_is_a_tensor_sharing_memory_outside_the_graph(device):
    x = minigrad.tensor([1.0, -2.0, 3.0], requires_grad=True, device=device)
    d = x.data
    assert isinstance(d, minigrad.Tensor) and not isinstance(d, nn.Parameter)
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    d.add_(1)  # a leaf that requires grad refuses add_; its .data does not
    assert x.tolist() == [2.0, -1.0, 4.0] and x.requires_grad
    assert x.array is d.array
    assert type(x.array).__name__ == "ndarray"


def test_changes_through_data_are_not_counted_by_the_version_counter(device):
    """torch: x.data has its own version counter, so backward does not see the change (the reason
    PyTorch discourages .data); detach() shares the counter and backward refuses."""
    w = minigrad.tensor([1.0, 2.0], requires_grad=True, device=device)
    y = w * 1
    out = (y * y).sum()
    y.data.mul_(10)
    out.backward()
    assert w.grad.tolist() == [20.0, 40.0]  # 2 * y, with y's changed values, as torch gives
    y2 = w * 1
    out2 = (y2 * y2).sum()
    y2.detach().mul_(10)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out2.backward()


def test_parameter_data_idioms(device):
    lin = nn.Linear(3, 2).to(device)
    lin.bias.data.fill_(0)
    lin.weight.data.normal_(0, 0.02)
    assert lin.bias.tolist() == [0.0, 0.0]
    assert isinstance(lin.weight, nn.Parameter) and lin.weight.requires_grad
    lin.weight.data = minigrad.ones(2, 3, device=device)  # replaces the array, keeps the Parameter
    assert lin.weight.sum().item() == 6.0 and lin.weight.requires_grad
    with pytest.raises(TypeError, match="has to be a tensor"):
        lin.weight.data = np.ones((2, 3))


def test_max_of_data_gives_values_and_indices(device):
    out = minigrad.tensor([[0.1, 0.7, 0.2], [0.9, 0.05, 0.05]], requires_grad=True, device=device)
    values, idx = minigrad.max(out.data, 1)
    assert idx.tolist() == [1, 0] and idx.dtype == minigrad.int64
    assert not values.requires_grad
    correct = (idx == minigrad.tensor([1, 2], device=device)).sum().item()
    assert correct == 1


@pytest.mark.parametrize("name, args", [("std", ()), ("max", (1,)), ("sum", ()), ("exp", ()), ("mean", ())])
def test_module_functions_refuse_arrays_as_torch_does(name, args):
    array = np.array([[1.0, 2.0], [3.0, 5.0]])
    with pytest.raises(TypeError, match=rf"{name}\(\): argument 'input' \(position 1\) must be Tensor, "
                                        r"not numpy.ndarray"):
        getattr(minigrad, name)(array, *args)


@needs_torch
def test_number_first_arithmetic_as_torch():
    t = [1.0, 2.5]
    for name, kwargs in [("add", {}), ("add", {"alpha": 3}), ("sub", {}), ("sub", {"alpha": 2}), ("mul", {}),
                         ("div", {}), ("pow", {})]:
        ours = getattr(minigrad, name)(2, minigrad.tensor(t), **kwargs)
        theirs = getattr(torch, name)(2, torch.tensor(t), **kwargs)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, err_msg=f"{name} {kwargs}")
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]


@needs_torch
def test_hand_written_training_loop_on_data_matches_torch():
    """pytorch/examples' style: the update written on .data, compared step by step with torch."""
    rng = np.random.default_rng(0)
    w0, x, y = rng.standard_normal((3, 1)), rng.standard_normal((8, 3)), rng.standard_normal((8, 1))
    results = []
    for lib in (minigrad, torch):
        w = lib.tensor(w0, dtype=lib.float64, requires_grad=True)
        xs, ys = lib.tensor(x, dtype=lib.float64), lib.tensor(y, dtype=lib.float64)
        losses = []
        for _ in range(3):
            loss = ((xs @ w - ys) ** 2).mean()
            loss.backward()
            w.data.add_(-0.1 * w.grad.data)
            w.grad.data.zero_()
            losses.append(loss.item())
        results.append((losses, w.detach().numpy().copy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12)
