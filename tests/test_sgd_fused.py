"""SGD's fused CPU step (minigrad/optim/sgd_cpu.py) against the per-parameter rule (SGD.update),
bitwise, and against torch.optim.SGD, for every option, over several steps (the first one starts
the momentum buffer); the state it leaves is PyTorch's layout; what it cannot take falls back."""
import numpy as np
import pytest

import minigrad
from minigrad.optim import SGD, sgd_cpu
from minigrad.optim.optimizer import Optimizer
from helpers import torch

needs_torch = pytest.mark.skipif(torch is None, reason="needs torch==2.13.0 as the oracle")

SHAPES = [(7,), (64, 3, 3, 3), (3, 5), (sgd_cpu.BLOCK + 5,), ()]
OPTIONS = [dict(momentum=0), dict(momentum=0.9), dict(momentum=0.9, dampening=0.3), dict(momentum=0.9, nesterov=True),
           dict(momentum=0.9, weight_decay=1e-2), dict(momentum=0, weight_decay=1e-2),
           dict(momentum=0.9, maximize=True), dict(momentum=0, maximize=True),
           dict(momentum=0.8, dampening=0.5, weight_decay=3e-3, maximize=True),
           dict(momentum=0.9, weight_decay=1e-2, nesterov=True, maximize=True)]


class ReferenceSGD(SGD):
    """SGD with only the per-parameter rule: sgd.py's update() for every parameter."""
    def update_group(self, group, params):
        Optimizer.update_group(self, group, params)


def _params(dtype, shapes=SHAPES, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


def _grads(params, step):
    rng = np.random.default_rng(100 + step)
    return [rng.standard_normal(p.shape).astype(p.dtype) for p in params]


def _run(cls, arrays, steps, **options):
    params = [minigrad.from_numpy(a.copy()).requires_grad_() for a in arrays]
    opt = cls(params, lr=0.1, **options)
    for step in range(steps):
        for p, g in zip(params, _grads(arrays, step)):
            p.grad = minigrad.from_numpy(g)
        opt.step()
    return params, opt


def _same_bits(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_fused_step_is_bitwise_the_per_parameter_rule(dtype, options, monkeypatch):
    arrays = _params(dtype)
    ref, ref_opt = _run(ReferenceSGD, arrays, 3, **options)
    calls = []
    monkeypatch.setattr(SGD, "update", lambda *args: calls.append(args))  # the fused path must take them all
    new, new_opt = _run(SGD, arrays, 3, **options)
    assert not calls
    for a, b in zip(ref, new):
        _same_bits(a.array, b.array)
    ref_state, new_state = ref_opt.state_dict(), new_opt.state_dict()
    assert ref_state["param_groups"] == new_state["param_groups"]
    for i, s in ref_state["state"].items():
        assert s.keys() == new_state["state"].get(i, {}).keys()
        for k in s:
            assert type(new_state["state"][i][k]) is minigrad.Tensor
            _same_bits(s[k].array, new_state["state"][i][k].array)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("options", OPTIONS, ids=str)
@needs_torch
def test_fused_step_matches_torch(dtype, options):
    arrays = _params(dtype)
    new, new_opt = _run(SGD, arrays, 4, **options)
    params = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    opt = torch.optim.SGD(params, lr=0.1, **options)
    for step in range(4):
        for p, g in zip(params, _grads(arrays, step)):
            p.grad = torch.from_numpy(g)
        opt.step()
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for ours, theirs in zip(new, params):
        np.testing.assert_allclose(ours.array, theirs.detach().numpy(), rtol=tol, atol=tol)
        assert ours.array.dtype == theirs.detach().numpy().dtype
    torch_state = opt.state_dict()["state"]  # momentum 0: no state at all, as torch's
    assert new_opt.state_dict()["state"].keys() == torch_state.keys()
    if options["momentum"]:
        for i, p in enumerate(params):
            np.testing.assert_allclose(new_opt.state_dict()["state"][i]["momentum_buffer"].array,
                                       opt.state[p]["momentum_buffer"].numpy(), rtol=tol, atol=tol)


def test_a_large_group_is_split_between_threads_and_stays_bitwise():
    arrays = _params(np.float32, [(1 << 20) + 17, (513, 1029), (5,)], seed=3)
    options = dict(momentum=0.9, weight_decay=5e-4, nesterov=True)
    ref, _ = _run(ReferenceSGD, arrays, 2, **options)
    new, _ = _run(SGD, arrays, 2, **options)
    for a, b in zip(ref, new):
        _same_bits(a.array, b.array)


def test_what_the_fused_path_cannot_take_goes_to_update():
    """A transposed parameter, a transposed gradient and numpy-scalar settings: update() does them."""
    base = _params(np.float32, [(6, 4), (5, 3)])
    for options in [dict(momentum=0.9, weight_decay=1e-2), dict(momentum=np.float64(0.9), lr=np.float32(0.1))]:
        results = []
        for cls in (ReferenceSGD, SGD):
            p = minigrad.tensor(base[0].copy(), requires_grad=True)
            p.array = np.asfortranarray(p.array)  # a non-contiguous (column-major) parameter
            q = minigrad.tensor(base[1].copy(), requires_grad=True)
            opt = cls([p, q], **dict(dict(lr=0.1), **options))
            for step in range(3):
                g0, g1 = _grads(base, step)
                p.grad, q.grad = minigrad.tensor(g0), minigrad.tensor(np.ascontiguousarray(g1.T)).t()
                opt.step()
            results.append((p.array.copy(), q.array.copy(), opt.state[q]["momentum_buffer"].array.copy()))
        for a, b in zip(*results):
            _same_bits(a, b)


def test_frozen_parameters_and_loaded_state_continue_bitwise():
    arrays = _params(np.float32, [(4, 3), (sgd_cpu.BLOCK * 2 + 1,)])
    runs = []
    for cls in (ReferenceSGD, SGD):
        params, opt = _run(cls, arrays, 2, momentum=0.9, dampening=0.1)
        saved = opt.state_dict()
        again = [minigrad.tensor(p.array.copy(), requires_grad=True) for p in params]
        opt2 = cls(again, lr=0.1, momentum=0.9, dampening=0.1)
        opt2.load_state_dict(saved)
        again[1].grad = minigrad.tensor(_grads(arrays, 5)[1])  # the first parameter has no gradient: untouched
        opt2.step()
        runs.append([p.array for p in again] + [opt2.state[p]["momentum_buffer"].array for p in again])
    _same_bits(runs[1][0], _run(SGD, arrays, 2, momentum=0.9, dampening=0.1)[0][0].array)
    for a, b in zip(*runs):
        _same_bits(a, b)


@pytest.mark.parametrize("momentum, nesterov", [(0, False), (0.9, False), (0.9, True)])
def test_empty_parameters(momentum, nesterov):
    arrays = _params(np.float64, [(0,), (0, 3), (4,)])
    ref, _ = _run(ReferenceSGD, arrays, 2, momentum=momentum, nesterov=nesterov)
    new, _ = _run(SGD, arrays, 2, momentum=momentum, nesterov=nesterov)
    for a, b in zip(ref, new):
        _same_bits(a.array, b.array)


@pytest.mark.parametrize("cls", [ReferenceSGD, SGD])
@pytest.mark.parametrize("options", [dict(weight_decay=0.1), dict(maximize=True)], ids=str)
@needs_torch
def test_a_0d_parameter_keeps_its_momentum_as_torch(cls, options):
    """numpy turns -g or g + wd * p of a 0-d array into a scalar: the buffer was stored as one and never
    updated again (its momentum lost from the second step on)."""
    ours = minigrad.tensor(1.5, requires_grad=True)
    theirs = torch.tensor(1.5, dtype=torch.float32, requires_grad=True)
    opt, topt = cls([ours], lr=0.1, momentum=0.9, **options), torch.optim.SGD([theirs], lr=0.1, momentum=0.9, **options)
    for g in [0.5, -0.25, 1.0]:
        ours.grad, theirs.grad = minigrad.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
    assert isinstance(opt.state_dict()["state"][0]["momentum_buffer"], minigrad.Tensor)
    np.testing.assert_allclose(ours.array, theirs.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(opt.state[ours]["momentum_buffer"].array, topt.state[theirs]["momentum_buffer"].numpy(),
                               rtol=1e-6)


def test_sgd_without_momentum_keeps_no_state_entries_on_either_path_as_torch():
    """torch's SGD with momentum 0 has an empty state_dict()['state']; minigrad's per-parameter
    path (taken here: a numpy-scalar learning rate) left an empty {} per parameter."""
    for lr in (0.1, np.float32(0.1)):  # the fused path, then update()
        p, q = minigrad.nn.Parameter(minigrad.randn(3)), minigrad.nn.Parameter(minigrad.randn(2, 2))
        opt = minigrad.optim.SGD([p, q], lr=lr)
        (p.sum() + q.sum()).backward()
        opt.step()
        assert opt.state_dict()["state"] == {}
