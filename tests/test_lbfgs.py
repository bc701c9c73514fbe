"""optim.LBFGS against torch.optim.LBFGS step by step: the same closure from the same start gives the
same losses, at every evaluation, and the same parameters after every step, to ~1e-10 in float64;
with and without the strong Wolfe line search, a short history that overflows, and the stopping
rules (tolerance_grad at an optimum, max_eval)."""
import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F

torch = pytest.importorskip("torch", reason="LBFGS is compared with torch.optim.LBFGS")


def rosenbrock_setup(lib, start):
    xy = lib.tensor(start, dtype=lib.float64, requires_grad=True)

    def loss_fn():
        return (1 - xy[0]) ** 2 + 100 * (xy[1] - xy[0] ** 2) ** 2
    return [xy], loss_fn


def mlp_setup(lib, start):
    """A tiny tanh network fitting a sine, time_sequence_prediction's kind of problem (float64)."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 3)), np.sin(rng.normal(size=(32, 1)))
    w1, b1, w2, b2 = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in start]
    X, Y = lib.tensor(x, dtype=lib.float64), lib.tensor(y, dtype=lib.float64)

    def loss_fn():
        return ((lib.tanh(X @ w1 + b1) @ w2 + b2 - Y) ** 2).mean()
    return [w1, b1, w2, b2], loss_fn


def run(lib, setup, start, steps, **options):
    params, loss_fn = setup(lib, start)
    opt = lib.optim.LBFGS(params, **options)
    evaluations, returned, after = [], [], []

    def closure():
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        evaluations.append(loss.item())
        return loss
    for _ in range(steps):
        returned.append(opt.step(closure).item())
        after.append([p.detach().numpy().copy() for p in params])
    return evaluations, returned, after, opt


def logistic_setup(lib, start):
    """L2-regularised logistic regression: smooth and convex, so round-off does not grow along the way."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(64, 5))
    y = (x @ rng.normal(size=5) + rng.normal(size=64) > 0).astype(np.float64)
    w, b = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in start]
    X, Y = lib.tensor(x, dtype=lib.float64), lib.tensor(y, dtype=lib.float64)

    def loss_fn():
        z = X @ w + b
        return (lib.log(1 + lib.exp(-z)) + (1 - Y) * z).mean() + 0.01 * (w * w).sum()
    return [w, b], loss_fn


def mlp_start():
    rng = np.random.default_rng(1)
    return [rng.normal(size=(3, 8)) * 0.5, np.zeros(8), rng.normal(size=(8, 1)) * 0.5, np.zeros(1)]


# torch's dot products, sums and add_(alpha=) round differently from numpy's in the last bit (FMA,
# summation order), so the problems are ones where such round-off does not grow: a convex one for
# long runs, the Rosenbrock valley and a tanh network for fewer evaluations. (Rosenbrock with fixed
# steps of lr=1 jumps about chaotically: there 1e-16 grows to 1e-5 within 60 evaluations, as it would
# between two builds of torch.)
CASES = [
    (logistic_setup, [np.zeros(5), np.zeros(1)], dict(lr=1), 4),
    (logistic_setup, [np.ones(5), np.zeros(1)], dict(lr=0.5, history_size=3, max_iter=10), 4),
    (logistic_setup, [np.zeros(5), np.zeros(1)], dict(lr=1, history_size=2, line_search_fn="strong_wolfe"), 4),
    (rosenbrock_setup, [-1.2, 1.0], dict(lr=1, line_search_fn="strong_wolfe"), 1),
    (rosenbrock_setup, [0.5, -0.5], dict(lr=0.5, history_size=3, max_iter=7, line_search_fn="strong_wolfe"), 4),
    (mlp_setup, None, dict(lr=0.8), 2),  # time_sequence_prediction's optimizer
    (mlp_setup, None, dict(lr=1, history_size=4, line_search_fn="strong_wolfe", tolerance_change=1e-12), 1),
    (mlp_setup, None, dict(lr=0.3, max_iter=5, max_eval=6), 4),
]


@pytest.mark.parametrize("setup, start, options, steps", CASES)
def test_lbfgs_matches_torch_step_by_step(setup, start, options, steps):
    start = mlp_start() if start is None else start
    ours = run(minigrad, setup, start, steps, **options)
    theirs = run(torch, setup, start, steps, **options)
    assert len(ours[0]) == len(theirs[0])  # the same number of closure evaluations
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-10, atol=1e-12)
    for a, b in zip(ours[2], theirs[2]):
        for pa, pb in zip(a, b):
            np.testing.assert_allclose(pa, pb, rtol=1e-10, atol=1e-12)
    s_ours, s_theirs = ours[3].state[ours[3]._params[0]], theirs[3].state[theirs[3]._params[0]]
    assert s_ours["func_evals"] == s_theirs["func_evals"] and s_ours["n_iter"] == s_theirs["n_iter"]


def test_at_an_optimum_lbfgs_stops_after_one_evaluation():
    for lib in (minigrad, torch):
        evaluations, returned, after, opt = run(lib, rosenbrock_setup, [1.0, 1.0], 2)
        assert evaluations == [0.0, 0.0] and returned == [0.0, 0.0]
        np.testing.assert_array_equal(after[-1][0], [1.0, 1.0])


def test_a_module_trains_in_float32_and_the_errors_are_torchs():
    minigrad.manual_seed(0)
    model = nn.Linear(3, 1)
    x, y = minigrad.randn(16, 3), minigrad.randn(16, 1)
    opt = minigrad.optim.LBFGS(model.parameters(), lr=0.8)

    def closure():
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        return loss
    first = opt.step(closure)
    assert isinstance(first, minigrad.Tensor) and float(opt.step(closure)) < float(first)
    assert model.weight.dtype == minigrad.float32
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        minigrad.optim.LBFGS(model.parameters(), lr=-1)
    with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
        minigrad.optim.LBFGS([{"params": [model.weight]}, {"params": [model.bias]}])
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        minigrad.optim.LBFGS(model.parameters(), line_search_fn="armijo").step(closure)
