"""The Optimizer base class and Adam, AdamW, Adadelta, RMSprop, SGD: each checked against
torch.optim step by step (float64, several steps, two parameter groups with their own
settings), plus zero_grad, add_param_group, state_dict in PyTorch's layout and the errors."""
import numpy as np
import pytest

import minigrad
from minigrad import optim
from minigrad.nn import Parameter
from helpers import torch

CASES = [
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True), dict(lr=0.01, momentum=0.5, weight_decay=0.1)),
    ("Adam", dict(lr=1e-2), dict(lr=3e-3, betas=(0.8, 0.99), weight_decay=0.1)),
    ("Adam", dict(lr=1e-2, amsgrad=True), dict(lr=1e-3, eps=1e-3)),
    ("AdamW", dict(lr=1e-2), dict(lr=5e-3, weight_decay=0.3, amsgrad=True)),
    ("Adam", dict(lr=1e-2, weight_decay=0.2, decoupled_weight_decay=True), dict(lr=1e-3, maximize=True)),
    ("Adadelta", dict(lr=1.0), dict(lr=0.5, rho=0.8, weight_decay=0.01)),
    ("RMSprop", dict(lr=1e-2), dict(lr=1e-3, momentum=0.9, centered=True, weight_decay=0.1)),
    ("RMSprop", dict(lr=1e-2, alpha=0.9, maximize=True), dict(lr=1e-2, centered=True)),
]


def make(name, group0, group1, params, lib):
    return getattr(lib, name)([dict(group0, params=[params[0]]), dict(group1, params=[params[1], params[2]])],
                              **group0)


@pytest.mark.parametrize("name, group0, group1", CASES)
def test_optimizer_matches_torch_step_by_step(name, group0, group1, device):
    if torch is None:
        pytest.skip("torch is not installed")
    rng = np.random.default_rng(0)
    init = [rng.standard_normal(3), rng.standard_normal((2, 2)), rng.standard_normal(4)]
    ours = [Parameter(minigrad.tensor(a, dtype=np.float64, device=device)) for a in init]
    theirs = [torch.tensor(a, requires_grad=True) for a in init]
    opt, t_opt = make(name, group0, group1, ours, optim), make(name, group0, group1, theirs, torch.optim)
    for step in range(6):
        opt.zero_grad()
        t_opt.zero_grad()
        for k, (p, t) in enumerate(zip(ours, theirs)):
            if step == 2 and k == 2:
                continue  # a parameter without a gradient this step is left alone, state included
            g = rng.standard_normal(p.shape)
            p.grad = minigrad.tensor(g, dtype=np.float64, device=device).array
            t.grad = torch.tensor(g)
        opt.step()
        t_opt.step()
        for p, t in zip(ours, theirs):
            np.testing.assert_allclose(p.numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-12,
                                       err_msg=f"{name} differs from torch at step {step}")


def test_optimizer_keeps_float32_and_works_with_a_real_backward(device):
    lin = minigrad.nn.Linear(3, 2).to(device)
    opt = optim.Adam(lin.parameters(), lr=0.1)
    x = minigrad.tensor(np.ones((4, 3)), device=device)
    before = lin.weight.numpy().copy()
    minigrad.nn.functional.mse_loss(lin(x), minigrad.tensor(np.zeros((4, 2)), device=device)).backward()
    opt.step()
    assert lin.weight.dtype == np.float32 and opt.state[lin.weight]["exp_avg"].dtype == np.float32
    assert not np.allclose(lin.weight.numpy(), before)


def test_zero_grad_sets_to_none_by_default_or_fills_zeros():
    p = Parameter(np.ones(2, dtype=np.float32))
    opt = optim.SGD([p], lr=0.1)
    p.grad = np.ones(2, dtype=np.float32)
    opt.zero_grad(set_to_none=False)
    grad = p.grad.array if isinstance(p.grad, minigrad.Tensor) else p.grad
    assert grad is not None and not grad.any()
    opt.zero_grad()
    assert p.grad is None


def test_state_dict_has_torchs_layout_and_round_trips():
    ps = [Parameter(np.ones(2, dtype=np.float32)), Parameter(np.ones(3, dtype=np.float32))]
    opt = optim.Adam([{"params": [ps[0]]}, {"params": [ps[1]], "lr": 0.1}], lr=0.01)
    for p in ps:
        p.grad = np.full(p.shape, 0.5, dtype=np.float32)
    opt.step()
    state = opt.state_dict()
    assert sorted(state) == ["param_groups", "state"]
    assert [g["params"] for g in state["param_groups"]] == [[0], [1]]
    assert [g["lr"] for g in state["param_groups"]] == [0.01, 0.1]
    assert sorted(state["state"][1]) == ["exp_avg", "exp_avg_sq", "step"] and state["state"][1]["step"] == 1
    if torch is not None:  # the same keys as torch's
        tp = [torch.ones(2, requires_grad=True), torch.ones(3, requires_grad=True)]
        t_opt = torch.optim.Adam([{"params": [tp[0]]}, {"params": [tp[1]], "lr": 0.1}], lr=0.01)
        for p in tp:
            p.grad = torch.full(p.shape, 0.5)
        t_opt.step()
        t_state = t_opt.state_dict()
        assert sorted(t_state["state"][1]) == sorted(state["state"][1])
        assert set(t_state["param_groups"][0]) >= set(state["param_groups"][0])
    copy = optim.Adam([{"params": [ps[0]]}, {"params": [ps[1]]}], lr=1.0)
    copy.load_state_dict(state)
    assert copy.param_groups[1]["lr"] == 0.1 and copy.param_groups[1]["params"][0] is ps[1]
    np.testing.assert_array_equal(copy.state[ps[1]]["exp_avg"], opt.state[ps[1]]["exp_avg"])
    assert copy.state[ps[1]]["exp_avg"] is not opt.state[ps[1]]["exp_avg"]
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.Adam(ps, lr=1.0).load_state_dict(state)


def test_add_param_group_takes_the_defaults_and_refuses_duplicates():
    a, b = Parameter(np.ones(2, dtype=np.float32)), Parameter(np.ones(2, dtype=np.float32))
    opt = optim.SGD([a], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": b, "lr": 0.01})
    assert opt.param_groups[1]["momentum"] == 0.9 and opt.param_groups[1]["lr"] == 0.01
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})


def test_optimizer_errors_say_what_is_wrong():
    p = Parameter(np.ones(2, dtype=np.float32))
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam([])
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([p], lr=0.1).add_param_group({"params": {Parameter(np.ones(1, dtype=np.float32))}})
    with pytest.raises(ValueError, match="betas"):
        optim.Adam([p], betas=(1.0, 0.9))
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([p * 2], lr=0.1)


def test_closure_is_called_and_its_loss_returned():
    p = Parameter(np.array([3.0], dtype=np.float32))
    opt = optim.SGD([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == pytest.approx(9.0)
    np.testing.assert_allclose(p.numpy(), [2.4], rtol=1e-6)


def test_mnist_examples_training_loop_matches_torch():
    """pytorch/examples' mnist recipe in small: conv-relu-conv-relu-maxpool-flatten-linear-relu-linear-
    log_softmax, nll_loss, Adadelta(lr=1.0) and StepLR(gamma=0.7), from the same weights: the same
    losses and weights as torch after each step (dropout left out: its masks are random)."""
    if torch is None:
        pytest.skip("torch is not installed")
    import minigrad.nn as nn
    import minigrad.nn.functional as F

    def build(lib):
        return lib.Sequential(lib.Conv2d(1, 4, 3, 1), lib.ReLU(), lib.Conv2d(4, 8, 3, 1), lib.ReLU(),
                              lib.MaxPool2d(2), lib.Flatten(), lib.Linear(128, 16), lib.ReLU(), lib.Linear(16, 10),
                              lib.LogSoftmax(dim=1))
    ours, theirs = build(nn), build(torch.nn).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    for p in ours.parameters():
        p.array = p.array.astype(np.float64)
    opt, t_opt = optim.Adadelta(ours.parameters(), lr=1.0), torch.optim.Adadelta(theirs.parameters(), lr=1.0)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)
    t_sched = torch.optim.lr_scheduler.StepLR(t_opt, step_size=1, gamma=0.7)
    rng = np.random.default_rng(0)
    for epoch in range(3):
        for _ in range(2):
            x, y = rng.standard_normal((6, 1, 12, 12)), rng.integers(0, 10, 6)
            opt.zero_grad()
            t_opt.zero_grad()
            loss = F.nll_loss(ours(minigrad.tensor(x, dtype=np.float64)), y)
            t_loss = torch.nn.functional.nll_loss(theirs(torch.tensor(x)), torch.tensor(y))
            loss.backward()
            t_loss.backward()
            opt.step()
            t_opt.step()
            assert loss.item() == pytest.approx(t_loss.item(), rel=1e-9)
        with minigrad.no_grad():
            total = F.nll_loss(ours(minigrad.tensor(x, dtype=np.float64)), y, reduction="sum").item()
        assert total == pytest.approx(torch.nn.functional.nll_loss(theirs(torch.tensor(x)), torch.tensor(y),
                                                                   reduction="sum").item(), rel=1e-9)
        sched.step()
        t_sched.step()
    for (name, p), t in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.numpy(), t.detach().numpy(), rtol=1e-8, atol=1e-10, err_msg=name)
    assert opt.param_groups[0]["lr"] == pytest.approx(t_opt.param_groups[0]["lr"])
