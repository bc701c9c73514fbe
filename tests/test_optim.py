"""SGD (PyTorch's update rule) and the schedules: CosineAnnealingWarmRestarts against torch,
fastai's per-iteration SGDR against its formula."""
import math

import numpy as np
import pytest

import minigrad
from minigrad.nn import Parameter
from minigrad.optim import SGD, sgdr_epochs, sgdr_multiplier, sgdr_schedule
from minigrad.optim.lr_scheduler import CosineAnnealingWarmRestarts
from helpers import torch


def test_gradient_descent_is_p_minus_lr_times_grad():
    p = Parameter(np.array([1.0, -2.0], dtype=np.float32))
    p.grad = np.array([0.5, 0.25], dtype=np.float32)
    SGD([p], lr=0.1).step()
    np.testing.assert_allclose(p.numpy(), [0.95, -2.025], rtol=1e-6)


@pytest.mark.parametrize("options", [
    dict(momentum=0.9), dict(momentum=0.9, weight_decay=1e-2), dict(momentum=0.9, dampening=0.3),
    dict(momentum=0.9, nesterov=True, weight_decay=1e-3), dict()])
def test_sgd_matches_torch_with_param_groups(options, device):
    if torch is None:
        pytest.skip("torch is not installed")
    rng = np.random.default_rng(0)
    init = [rng.standard_normal(3), rng.standard_normal((2, 2))]
    ours = [Parameter(minigrad.tensor(a, dtype=np.float64, device=device)) for a in init]
    theirs = [torch.tensor(a, requires_grad=True) for a in init]
    opt = SGD([{"params": [ours[0]], "lr": 0.01}, {"params": [ours[1]], "lr": 0.1}], lr=0.1, **options)
    t_opt = torch.optim.SGD([{"params": [theirs[0]], "lr": 0.01}, {"params": [theirs[1]], "lr": 0.1}], lr=0.1, **options)
    for step in range(4):
        grads = [rng.standard_normal(a.shape) for a in init]
        opt.zero_grad()
        t_opt.zero_grad()
        for p, t, g in zip(ours, theirs, grads):
            p.grad = minigrad.tensor(g, dtype=np.float64, device=device).array
            t.grad = torch.tensor(g)
        opt.step()
        t_opt.step()
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.numpy(), t.detach().numpy(), rtol=1e-12)


def test_parameters_without_gradient_are_left_alone():
    frozen = Parameter(np.ones(2, dtype=np.float32))
    live = Parameter(np.ones(2, dtype=np.float32))
    live.grad = np.ones(2, dtype=np.float32)
    SGD([frozen, live], lr=0.5, momentum=0.9).step()
    assert frozen.numpy().tolist() == [1, 1] and live.numpy().tolist() == [0.5, 0.5]


def test_sgd_state_round_trips():
    p = Parameter(np.ones(2, dtype=np.float32))
    opt = SGD([p], lr=0.1, momentum=0.9)
    p.grad = np.ones(2, dtype=np.float32)
    opt.step()
    copy = SGD([p], lr=0.1, momentum=0.9)
    copy.load_state_dict(opt.state_dict())
    np.testing.assert_array_equal(copy.state[p]["momentum_buffer"], opt.state[p]["momentum_buffer"])
    assert copy.state[p]["momentum_buffer"] is not opt.state[p]["momentum_buffer"]


@pytest.mark.parametrize("T_0, T_mult, eta_min", [(3, 1, 0.0), (2, 2, 0.001), (1, 3, 0.0)])
def test_cosine_annealing_warm_restarts_matches_torch(T_0, T_mult, eta_min):
    if torch is None:
        pytest.skip("torch is not installed")
    p = Parameter(np.ones(1, dtype=np.float32))
    opt = SGD([{"params": [p], "lr": 0.1}, {"params": [Parameter(np.ones(1, dtype=np.float32))], "lr": 0.01}], lr=0.1)
    sched = CosineAnnealingWarmRestarts(opt, T_0, T_mult, eta_min)
    t_opt = torch.optim.SGD([{"params": [torch.ones(1, requires_grad=True)], "lr": 0.1},
                             {"params": [torch.ones(1, requires_grad=True)], "lr": 0.01}], lr=0.1)
    t_sched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(t_opt, T_0, T_mult, eta_min)
    for _ in range(12):  # whole epochs
        sched.step()
        t_sched.step()
        np.testing.assert_allclose(sched.get_last_lr(), t_sched.get_last_lr(), rtol=1e-12)
    for epoch in np.linspace(0, 9.5, 39):  # fractional epochs: a new rate every mini-batch
        sched.step(float(epoch))
        t_sched.step(float(epoch))
        np.testing.assert_allclose(sched.get_last_lr(), t_sched.get_last_lr(), rtol=1e-12)


def test_sgdr_epochs_add_up_the_cycles():
    assert sgdr_epochs(3, cycle_len=1, cycle_mult=2) == 7
    assert sgdr_epochs(2, cycle_len=2) == 4
    assert sgdr_epochs(5) == 5


def test_sgdr_schedule_follows_the_formula():
    nb = 40  # mini-batches per epoch
    rates = sgdr_schedule([0.001, 0.01], nb, n_cycle=3, cycle_len=1, cycle_mult=2)
    head = [r[1] for r in rates]
    assert len(rates) == 7 * nb
    assert head[:2] == [0.01 / 100] * 2  # warm-up: the first 1/20 of the first cycle at lr/100
    assert head[2] == pytest.approx(0.01 / 2 * (1 + math.cos(math.pi * 2 / nb)))
    assert head[nb] == pytest.approx(0.01)  # restart: cycle 2 (2 epochs) begins at the top
    assert head[nb + nb] == pytest.approx(0.005)  # half-way through cycle 2
    assert head[3 * nb] == pytest.approx(0.01)  # cycle 3 (4 epochs)
    assert head[3 * nb - 1] < 1e-4  # the end of a cycle is near 0
    assert all(r[1] / r[0] == pytest.approx(10) for r in rates)  # the groups' ratio never changes


def test_without_cycle_len_the_rate_is_constant():
    assert {sgdr_multiplier(i, 10, 3) for i in range(30)} == {1.0}


def test_state_holds_tensors_as_torchs():
    """opt.state[p]'s buffers are Tensors (PyTorch's), the very memory the update rule writes."""
    torch = pytest.importorskip("torch", reason="compared with PyTorch's optimizer state")
    values = {}
    for lib in (torch, minigrad):
        p = lib.nn.Parameter(lib.tensor([1.0, -2.0, 3.0]))
        opt = lib.optim.SGD([p], lr=0.1, momentum=0.9)
        for _ in range(2):
            opt.zero_grad()
            (p * p).sum().backward()
            opt.step()
        buf = opt.state[p]["momentum_buffer"]
        assert isinstance(buf, lib.Tensor)
        values[lib] = (np.array(buf), np.array(p.detach()))  # copies: the next step changes both
        if lib is minigrad:
            before = buf.numpy().copy()
            opt.step()  # the update writes into the Tensor the user holds
            assert not np.array_equal(buf.numpy(), before)
    for a, b in zip(values[torch], values[minigrad]):
        np.testing.assert_allclose(a, b, rtol=1e-6)
