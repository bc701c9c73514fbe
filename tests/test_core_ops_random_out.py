"""Issue 22's random draws (multinomial, bernoulli, bernoulli_, normal: their distributions by
frequency, their errors as torch's, seeded by manual_seed), where with numbers on either side
(torch's dtypes), and `out=` on the module-level functions (written into, resized, refused in
the graph, dtype rules as torch's)."""
import warnings

import numpy as np
import pytest

import minigrad
from core_ops_checks import needs_torch, same_error, same_result


# ---- multinomial, bernoulli, normal ------------------------------------------------------------------

def test_multinomial_with_replacement_draws_by_weight(device):
    p = minigrad.tensor([0.1, 0.2, 0.0, 0.7], device=device)
    draws = minigrad.multinomial(p, 20000, replacement=True)
    assert draws.dtype == minigrad.int64 and draws.shape == (20000,)
    freq = np.bincount(minigrad.tensor(draws.tolist()).numpy(), minlength=4) / 20000
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.0, 0.7], atol=0.015)


def test_multinomial_without_replacement_never_repeats_and_follows_the_weights(device):
    p = minigrad.tensor([[0.1, 0.2, 0.7]], device=device).expand(20000, 3).contiguous()
    draws = np.array(p.multinomial(2).tolist())
    assert (draws[:, 0] != draws[:, 1]).all()
    np.testing.assert_allclose(np.bincount(draws[:, 0], minlength=3) / 20000, [0.1, 0.2, 0.7], atol=0.015)
    # the second draw after category 2 (weight 0.7): 0 with probability 0.1 / 0.3
    assert abs((draws[draws[:, 0] == 2, 1] == 0).mean() - 1 / 3) < 0.02


def test_multinomial_rows_zero_weights_and_seeding():
    out = minigrad.multinomial(minigrad.tensor([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]), 1)
    assert out.tolist() == [[1], [0]]
    assert minigrad.multinomial(minigrad.tensor([0.0, 1.0, 0.0]), 3, True).tolist() == [1, 1, 1]
    assert sorted(minigrad.multinomial(minigrad.tensor([0.0, 1.0, 0.0]), 3).tolist()) == [0, 1, 2]
    minigrad.manual_seed(5)
    first = minigrad.multinomial(minigrad.ones(10), 5).tolist()
    minigrad.manual_seed(5)
    assert minigrad.multinomial(minigrad.ones(10), 5).tolist() == first
    generator = np.random.default_rng(3)
    assert minigrad.multinomial(minigrad.ones(10), 4, generator=generator).shape == (4,)


@needs_torch
@pytest.mark.parametrize("bad", [
    lambda L: L.multinomial(L.tensor([-1.0, 2.0]), 1), lambda L: L.multinomial(L.tensor([float("inf"), 2.0]), 1),
    lambda L: L.multinomial(L.tensor([float("nan"), 2.0]), 1), lambda L: L.multinomial(L.tensor([0.0, 0.0]), 1),
    lambda L: L.multinomial(L.tensor([1, 2]), 1), lambda L: L.multinomial(L.tensor([1.0, 2.0]), 0),
    lambda L: L.multinomial(L.tensor([1.0, 2.0]), 3), lambda L: L.multinomial(L.tensor(1.0), 1),
    lambda L: L.multinomial(L.ones(2, 2, 2), 1), lambda L: L.multinomial(L.ones(0), 1),
    lambda L: L.bernoulli(L.tensor([0.0, 2.0])), lambda L: L.bernoulli(L.tensor([0, 1])),
    lambda L: L.tensor([0.0, 1.0]).bernoulli_(1.5), lambda L: L.normal(0.0, -1.0, size=(2,)),
    lambda L: L.normal(L.zeros(2), -L.ones(2)), lambda L: L.normal(L.tensor([1, 2]), 1.0),
])
def test_random_refusals_match_torch(bad):
    same_error(bad)


def test_bernoulli_draws_by_probability_and_keeps_the_dtype(device):
    p = minigrad.full((20000,), 0.3, device=device)
    draws = minigrad.bernoulli(p)
    assert draws.dtype == minigrad.float32 and abs(draws.mean().item() - 0.3) < 0.015
    assert minigrad.tensor([0.0, 1.0], dtype=minigrad.float64).bernoulli().tolist() == [0.0, 1.0]
    assert minigrad.zeros(3).bernoulli(p=1.0).tolist() == [1.0, 1.0, 1.0]
    ints = minigrad.zeros(20000, dtype=minigrad.int64, device=device).bernoulli_(0.25)
    assert ints.dtype == minigrad.int64 and abs(ints.float().mean().item() - 0.25) < 0.015
    assert minigrad.zeros(3).bernoulli_(minigrad.tensor([1.0, 0.0, 1.0])).tolist() == [1.0, 0.0, 1.0]


def test_draws_have_zero_gradient_as_torch():
    p = minigrad.full((3,), 0.5, requires_grad=True)
    minigrad.bernoulli(p).sum().backward()
    mean, std = minigrad.zeros(3, requires_grad=True), minigrad.ones(3, requires_grad=True)
    minigrad.normal(mean, std).sum().backward()
    assert p.grad.tolist() == mean.grad.tolist() == std.grad.tolist() == [0.0, 0.0, 0.0]


def test_normal_forms_shapes_and_spread():
    x = minigrad.normal(minigrad.zeros(20000), 2.0)
    assert x.dtype == minigrad.float32 and abs(x.std().item() - 2.0) < 0.05 and abs(x.mean().item()) < 0.05
    assert minigrad.normal(0.0, minigrad.ones(3)).shape == (3,)
    assert minigrad.normal(minigrad.zeros(2, 1), minigrad.ones(3)).shape == (2, 3)
    assert minigrad.normal(0.0, 1.0, (2, 3)).shape == (2, 3)
    assert minigrad.normal(minigrad.zeros(3, dtype=minigrad.float64), 1.0).dtype == minigrad.float64


# ---- where with numbers --------------------------------------------------------------------------------

@needs_torch
@pytest.mark.parametrize("fn", [
    lambda L: L.where(L.tensor([True, False]), 1, 0), lambda L: L.where(L.tensor([True, False]), 1.0, 0),
    lambda L: L.where(L.tensor([True, False]), True, False), lambda L: L.where(L.tensor([True, False]), 1, 2.5),
    lambda L: L.where(L.tensor(True), 1, 0), lambda L: L.where(L.tensor([[True], [False]]), 1, L.zeros(3)),
    lambda L: L.where(L.tensor([True, False]), L.tensor([1, 2], dtype=L.int32), 5),
    lambda L: L.where(L.tensor([True, False]), L.tensor([1, 2], dtype=L.int32), 5.0),
    lambda L: L.where(L.tensor([True, False]), L.ones(2, dtype=L.float16), 0.5),
    lambda L: L.where(L.tensor([True, False]), 1, L.ones(2, dtype=L.float64)),
    lambda L: L.where(L.tensor([True, False]), L.tensor(1.0, dtype=L.float64), L.ones(2)),
    lambda L: L.ones(2).where(L.tensor([True, False]), 0),
    lambda L: L.tensor([1, 2]).where(L.tensor([True, False]), 0.5),
])
def test_where_with_numbers_takes_torchs_dtype(fn):
    same_result(fn)


@needs_torch
def test_where_refuses_a_non_bool_condition_and_is_differentiable_beside_a_number():
    same_error(lambda L: L.where(L.tensor([1, 0]), 1, 0))
    x = minigrad.tensor([1.0, -2.0], requires_grad=True)
    minigrad.where(x > 0, x, 0.5).sum().backward()
    assert x.grad.tolist() == [1.0, 0.0]


# ---- out= ----------------------------------------------------------------------------------------------

@needs_torch
@pytest.mark.parametrize("fn", [
    lambda L: L.add(L.ones(2), L.ones(2), out=L.zeros(2)),
    lambda L: L.add(L.tensor([1, 2]), L.tensor([1, 2]), out=L.zeros(2)),        # int result into a float out
    lambda L: L.add(L.ones(2), L.ones(2), out=L.zeros(2, dtype=L.float64)),
    lambda L: L.add(L.ones(2), L.ones(2), out=L.zeros(0)),                       # an empty out is resized
    lambda L: L.exp(L.ones(2), out=L.zeros(2)), lambda L: L.erf(L.ones(2), out=L.zeros(2)),
    lambda L: L.div(L.tensor([1, 2]), 2, out=L.zeros(2)), lambda L: L.div(7, L.tensor([2, -2]), rounding_mode="floor"),
    lambda L: L.sum(L.ones(2, 3), 1, out=L.zeros(2)), lambda L: L.cumprod(L.ones(2, 3), 1, out=L.zeros(2, 3)),
    lambda L: L.max(L.ones(2, 3), 1, out=(L.zeros(2), L.zeros(2, dtype=L.int64))),
    lambda L: L.cat([L.ones(2), L.zeros(1)], out=L.zeros(3)), lambda L: L.stack([L.ones(2)], out=L.zeros(1, 2)),
    lambda L: L.where(L.tensor([True, False]), L.ones(2), L.zeros(2), out=L.zeros(2)),
    lambda L: L.remainder(-3, L.tensor([2, 5])), lambda L: L.floor_divide(5, L.tensor([2, -2])),
])
def test_out_matches_torch(fn):
    same_result(fn)


def test_out_writes_into_the_tensor_given_and_returns_it():
    a, out = minigrad.ones(2), minigrad.zeros(4)
    view = out[::2]
    assert minigrad.add(a, a, out=view) is view
    assert out.tolist() == [2.0, 0.0, 2.0, 0.0]
    assert minigrad.add(a, a, out=a) is a and a.tolist() == [2.0, 2.0]


def test_out_of_another_shape_is_resized_with_torchs_warning():
    out = minigrad.zeros(3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        minigrad.mul(minigrad.ones(2), 3, out=out)
    assert out.tolist() == [3.0, 3.0] and "was resized" in str(caught[0].message)


@needs_torch
@pytest.mark.parametrize("bad", [
    lambda L: L.add(L.ones(2), L.ones(2), out=L.zeros(2, dtype=L.int64)),
    lambda L: L.add(L.ones(2, requires_grad=True), L.ones(2), out=L.zeros(2)),
    lambda L: L.add(L.ones(2), L.ones(2), out=L.zeros(2, requires_grad=True)),
    lambda L: L.div(L.tensor([1, 2]), 2, out=L.zeros(2, dtype=L.int64)),
    lambda L: L.reshape(L.ones(2), (2,), out=L.zeros(2)),
    lambda L: L.relu(L.ones(2), out=L.zeros(2)),
])
def test_out_refusals_match_torch(bad):
    same_error(bad)


def test_out_is_allowed_under_no_grad():
    x, out = minigrad.ones(2, requires_grad=True), minigrad.zeros(2)
    with minigrad.no_grad():
        minigrad.mul(x, 2, out=out)
    assert out.tolist() == [2.0, 2.0] and not out.requires_grad


@needs_torch
def test_where_takes_a_uint8_condition_with_torchs_warning_and_a_0d_condition_alone():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        same_result(lambda L: L.where(L.tensor([1, 0], dtype=L.uint8), L.ones(2), L.zeros(2)))
    assert any("uint8 condition" in str(w.message) for w in caught)
    same_result(lambda L: L.where(L.tensor(2.0)))
    same_result(lambda L: L.where(L.tensor(0.0)))
    same_result(lambda L: L.where(L.tensor([[1, 0], [0, 1]])))
