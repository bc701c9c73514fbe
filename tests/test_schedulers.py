"""The learning-rate schedulers against torch.optim.lr_scheduler: the rates of every parameter
group over many steps (get_last_lr and the optimizer's own group["lr"]), OneCycleLR's momentum
(SGD's momentum, Adam's beta1), state_dict round trips and the closed form of step(epoch)."""
import math
import warnings

import numpy as np
import pytest

from minigrad import optim
from minigrad.nn import Parameter
from minigrad.optim import lr_scheduler
from helpers import torch

pytestmark = pytest.mark.skipif(torch is None, reason="torch is not installed: the rates are compared with torch's")


def pair(opt_name="SGD", **options):
    """The same two-group optimizer in minigrad and in torch."""
    ours = getattr(optim, opt_name)([{"params": [Parameter(np.ones(1, dtype=np.float32))], "lr": 0.1},
                                     {"params": [Parameter(np.ones(1, dtype=np.float32))], "lr": 0.02}], **options)
    theirs = getattr(torch.optim, opt_name)([{"params": [torch.ones(1, requires_grad=True)], "lr": 0.1},
                                             {"params": [torch.ones(1, requires_grad=True)], "lr": 0.02}], **options)
    return ours, theirs


def run(ours, theirs, sched, t_sched, steps, keys=("lr",)):
    for step in range(steps):
        for o in (ours, theirs):
            o.step()  # no gradients: nothing moves, but the order is the one PyTorch asks for
        sched.step()
        t_sched.step()
        np.testing.assert_allclose(sched.get_last_lr(), t_sched.get_last_lr(), rtol=1e-12, atol=1e-15,
                                   err_msg=f"step {step}")
        for key in keys:
            np.testing.assert_allclose([np.ravel(g[key])[0] for g in ours.param_groups],
                                       [np.ravel(g[key])[0] for g in theirs.param_groups], rtol=1e-12, atol=1e-15,
                                       err_msg=f"{key} at step {step}")


def lam(epoch):
    return 0.95 ** epoch + (epoch % 3) * 0.1


SCHEDULES = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("StepLR", dict(step_size=1, gamma=0.7)),  # pytorch/examples' mnist
    ("MultiStepLR", dict(milestones=[2, 5, 5, 9], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("LinearLR", dict()),
    ("LinearLR", dict(start_factor=0.1, end_factor=0.5, total_iters=8)),
    ("LambdaLR", dict(lr_lambda=lam)),
    ("LambdaLR", dict(lr_lambda=[lam, lambda e: 1 / (e + 1)])),
]


@pytest.mark.parametrize("name, kwargs", SCHEDULES)
def test_schedules_match_torch(name, kwargs):
    ours, theirs = pair(momentum=0.9)
    sched = getattr(lr_scheduler, name)(ours, **kwargs)
    t_sched = getattr(torch.optim.lr_scheduler, name)(theirs, **kwargs)
    assert sched.get_last_lr() == pytest.approx(t_sched.get_last_lr())
    assert sched.base_lrs == t_sched.base_lrs
    run(ours, theirs, sched, t_sched, 25)


@pytest.mark.parametrize("name, kwargs", SCHEDULES[:6])
def test_step_with_an_epoch_uses_the_closed_form_as_torch(name, kwargs):
    ours, theirs = pair()
    sched = getattr(lr_scheduler, name)(ours, **kwargs)
    t_sched = getattr(torch.optim.lr_scheduler, name)(theirs, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # both warn that step(epoch) is deprecated
        for epoch in [4, 7, 2, 11]:
            sched.step(epoch)
            t_sched.step(epoch)
            np.testing.assert_allclose(sched.get_last_lr(), t_sched.get_last_lr(), rtol=1e-12)


ONECYCLE = [
    dict(max_lr=0.5, total_steps=40),
    dict(max_lr=[0.5, 0.05], epochs=3, steps_per_epoch=7, pct_start=0.25, anneal_strategy="linear"),
    dict(max_lr=0.3, total_steps=30, three_phase=True, div_factor=10.0, final_div_factor=100.0),
    dict(max_lr=0.3, total_steps=20, cycle_momentum=False),
]


@pytest.mark.parametrize("kwargs", ONECYCLE)
@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
def test_onecycle_matches_torch_with_momentum_or_beta1(kwargs, opt_name):
    options = dict(momentum=0.9) if opt_name == "SGD" else {}
    ours, theirs = pair(opt_name, **options)
    sched = lr_scheduler.OneCycleLR(ours, **kwargs)
    t_sched = torch.optim.lr_scheduler.OneCycleLR(theirs, **kwargs)
    total = kwargs.get("total_steps") or kwargs["epochs"] * kwargs["steps_per_epoch"]
    momentum = "momentum" if opt_name == "SGD" else "betas"
    keys = ("lr", momentum) if kwargs.get("cycle_momentum", True) else ("lr",)
    np.testing.assert_allclose(sched.get_last_lr(), t_sched.get_last_lr(), rtol=1e-12)
    run(ours, theirs, sched, t_sched, total - 1, keys)
    with pytest.raises(ValueError, match=f"Tried to step {total + 1} times"):
        sched.step()
        sched.step()


def test_onecycle_needs_a_length_and_an_optimizer_with_momentum():
    ours, _ = pair()
    with pytest.raises(ValueError, match="total_steps OR"):
        lr_scheduler.OneCycleLR(ours, max_lr=0.1)
    with pytest.raises(ValueError, match="momentum or beta1"):
        lr_scheduler.OneCycleLR(optim.Adadelta([Parameter(np.ones(1, dtype=np.float32))]), 0.1, total_steps=5)


def test_state_dict_round_trips_and_resumes_the_same_rates():
    ours, _ = pair(momentum=0.9)
    sched = lr_scheduler.StepLR(ours, step_size=2, gamma=0.5)
    for _ in range(3):
        ours.step()
        sched.step()
    saved, rates = sched.state_dict(), sched.get_last_lr()
    assert "optimizer" not in saved and saved["last_epoch"] == 3
    again, _ = pair(momentum=0.9)
    for group, lr in zip(again.param_groups, rates):
        group["lr"] = lr
    resumed = lr_scheduler.StepLR(again, step_size=2, gamma=0.5)
    resumed.load_state_dict(saved)
    for _ in range(4):
        sched.step()
        resumed.step()
        assert resumed.get_last_lr() == sched.get_last_lr()


def test_lambda_lr_state_dict_leaves_out_plain_functions_as_torch():
    ours, theirs = pair()
    sched = lr_scheduler.LambdaLR(ours, lam)
    t_sched = torch.optim.lr_scheduler.LambdaLR(theirs, lam)
    assert sched.state_dict()["lr_lambdas"] == t_sched.state_dict()["lr_lambdas"] == [None, None]


def test_stepping_the_scheduler_before_the_optimizer_warns_as_torch():
    ours, _ = pair()
    sched = lr_scheduler.StepLR(ours, 1)
    with pytest.warns(UserWarning, match=r"lr_scheduler.step\(\)` before `optimizer.step\(\)"):
        sched.step()


def test_cosine_warm_restarts_sets_initial_lr_and_resumes_from_state():
    ours, theirs = pair()
    sched = lr_scheduler.CosineAnnealingWarmRestarts(ours, T_0=3, T_mult=2)
    t_sched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(theirs, T_0=3, T_mult=2)
    assert [g["initial_lr"] for g in ours.param_groups] == [0.1, 0.02]
    run(ours, theirs, sched, t_sched, 15)
    assert sched.state_dict()["T_cur"] == t_sched.state_dict()["T_cur"]
    assert math.isclose(sched.state_dict()["T_i"], t_sched.state_dict()["T_i"])


@pytest.mark.parametrize("T_max, eta_min", [(10, 0.0), (4, 0.001)])
def test_cosine_annealing_matches_torch_past_its_end(T_max, eta_min):
    ours, theirs = pair()
    sched = lr_scheduler.CosineAnnealingLR(ours, T_max, eta_min)
    t_sched = torch.optim.lr_scheduler.CosineAnnealingLR(theirs, T_max, eta_min)
    run(ours, theirs, sched, t_sched, 3 * T_max + 2)


def test_schedulers_resumed_with_last_epoch_start_where_torch_does():
    ours, theirs = pair(momentum=0.9)
    for opt in (ours, theirs):
        for group in opt.param_groups:
            group["initial_lr"] = group["lr"]
    for name, kwargs in [("ExponentialLR", dict(gamma=0.5)), ("CosineAnnealingLR", dict(T_max=6))]:
        sched = getattr(lr_scheduler, name)(ours, last_epoch=3, **kwargs)
        t_sched = getattr(torch.optim.lr_scheduler, name)(theirs, last_epoch=3, **kwargs)
        run(ours, theirs, sched, t_sched, 5)


@pytest.mark.parametrize("kwargs", [dict(), dict(mode="max", factor=0.5, patience=1, threshold=0.1, cooldown=2),
                                    dict(patience=0, threshold_mode="abs", threshold=0.05, min_lr=[0.01, 0.0])])
def test_reduce_lr_on_plateau_matches_torch(kwargs):
    ours, theirs = pair()
    sched = lr_scheduler.ReduceLROnPlateau(ours, **kwargs)
    t_sched = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs, **kwargs)
    metrics = np.concatenate([np.linspace(1, 0.5, 5), np.full(15, 0.5), np.linspace(0.5, 0.4, 5), np.full(20, 0.41)])
    for step, m in enumerate(metrics):
        sched.step(m)
        t_sched.step(m)
        np.testing.assert_allclose(sched.get_last_lr(), t_sched.get_last_lr(), rtol=1e-12, err_msg=f"step {step}")
        assert sched.num_bad_epochs == t_sched.num_bad_epochs
