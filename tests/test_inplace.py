"""In-place ops with PyTorch's rules: they change the tensor itself (views see it), a leaf that
requires grad refuses them, a saved-and-modified tensor makes backward() raise, and a tensor in
the graph gets its history rewritten so its gradient is right."""
import numpy as np
import pytest

import minigrad
from minigrad import no_grad, tensor

try:
    import torch
except ImportError:
    torch = None


def test_aliases_and_views_see_an_in_place_change(device):
    x = tensor([[1.0, 2.0], [3.0, 4.0]], device=device)
    y, v = x, x[0]
    x += 1
    np.testing.assert_allclose(y.numpy(), [[2, 3], [4, 5]])
    np.testing.assert_allclose(v.numpy(), [2, 3])


def test_hand_written_sgd_updates_the_parameter_itself(device):
    w = tensor([1.0, 2.0], requires_grad=True, device=device)
    params = [w]
    (w * w).sum().backward()
    with no_grad():
        for p in params:
            p -= 0.1 * p.grad
    np.testing.assert_allclose(w.numpy(), [0.8, 1.6], rtol=1e-6)
    assert w.is_leaf and w.requires_grad


def test_leaf_that_requires_grad_refuses_in_place_outside_no_grad():
    w = tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        w += 1
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w[0] = 2.0


@pytest.mark.parametrize("modify", [lambda b: b.add_(1), lambda b: b.mul_(2), lambda b: b.__setitem__(0, 5.0)])
def test_modifying_a_saved_tensor_makes_backward_raise(modify):
    a = tensor([1.0, 2.0], requires_grad=True)
    b = a.exp()  # exp saves its output for backward
    modify(b)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        b.sum().backward()


def test_modifying_a_saved_input_through_a_view_makes_backward_raise():
    a = tensor([1.0, 2.0], requires_grad=True)
    x = tensor([[1.0, 2.0], [3.0, 4.0]])
    out = (a * x[0]).sum()  # Mul saves x[0] for a's gradient
    x[0, 0] = 10.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.backward()


def _grads_both(fn):
    a = tensor(np.arange(6.0).reshape(2, 3) - 2, dtype=np.float64, requires_grad=True)
    fn(minigrad, a).sum().backward()
    ta = torch.tensor(np.arange(6.0).reshape(2, 3) - 2, requires_grad=True)
    fn(torch, ta).sum().backward()
    return a.grad.numpy(), ta.grad.numpy()


def _setitem(y, index, value):
    y[index] = value
    return y


CASES = {
    "setitem_constant": lambda m, a: _setitem(a * 2, 0, 0.0) * a,
    "setitem_mask": lambda m, a: _setitem(a * 2, a * 2 < 0, 0.0) ** 2,
    "setitem_tensor": lambda m, a: _setitem(a * 1, (0, 1), a[1, 2] * 3) ** 2,
    "iadd_nonleaf": lambda m, a: (lambda y: y.__iadd__(1) * y)(a * 2),
    "imul_by_graph_tensor": lambda m, a: (lambda y: y.__imul__(a))(a * 2),
    "item_iadd_view": lambda m, a: (lambda y: (y[0].__iadd__(1), y * y)[1])(a * 1),
    "slice_mul_": lambda m, a: (lambda y: (y[:, 1].mul_(2), y * y)[1])(a * 1),
    "x_index_iadd": lambda m, a: (lambda y: (_setitem(y, 0, y[0] + a[1]), y ** 2)[1])(a * 1),
    "clamp_": lambda m, a: (a * 2).clamp_(-1, 1) * a,
    "zero_then_add": lambda m, a: (a * 2).zero_() + a,
    "view_used_after_base_changed": lambda m, a: (lambda y: (lambda v: (y.mul_(a), v * 3)[1])(y[1]))(a * 2),
    "reshaped_view_after_base_changed": lambda m, a: (lambda y: (lambda v: (y.__iadd__(a * a), v * v)[1])(
        y.view(3, 2)))(a * 2),
    "view_of_view": lambda m, a: (lambda y: (y[1:][0].mul_(3), y * a)[1])(a * 2),
    # relu_, add_ and sub_ write straight into the tensor (no copy of the old value)
    "relu_": lambda m, a: (a * 2).relu_() * a,
    "F_relu_inplace_alias": lambda m, a: (lambda y: (m.nn.functional.relu(y, inplace=True), y * a)[1])(a * 2),
    "relu_inplace_module": lambda m, a: m.nn.ReLU(inplace=True)(a - 1) ** 2,
    "relu_on_a_view": lambda m, a: (lambda y: (m.nn.functional.relu(y[0], inplace=True), y * y)[1])(a * 1),
    "residual_iadd_then_relu_": lambda m, a: (lambda y: (y.__iadd__(a * a), y.relu_())[1] * 3)(a * 2),
    "isub_broadcast_row": lambda m, a: (lambda y: y.sub_(a[0]) * y)(a * 2),
    "iadd_number": lambda m, a: (lambda y: y.__iadd__(1.5) * a)(a * 2),
    "add_alpha": lambda m, a: (lambda y: y.add_(a, alpha=2) * y)(a * 2),
    "leaky_relu_inplace": lambda m, a: m.nn.functional.leaky_relu(a * 2, 0.1, inplace=True) * a,
    "silu_inplace": lambda m, a: m.nn.SiLU(inplace=True)(a * 2) * a,
}


@pytest.mark.skipif(torch is None, reason="torch is not installed")
@pytest.mark.parametrize("name", list(CASES))
def test_in_place_in_the_graph_gives_torchs_gradient(name):
    mine, theirs = _grads_both(CASES[name])
    np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-12)


def test_in_place_relu_changes_the_input_and_returns_it_as_torch(device):
    import minigrad.nn.functional as F
    x = tensor([-1.0, 2.0], device=device)
    alias = x
    assert F.relu(x, inplace=True) is x and F.relu_(x) is x and minigrad.relu_(x) is x
    np.testing.assert_allclose(alias.numpy(), [0, 2])
    y = tensor([-1.0, 3.0], device=device)
    assert minigrad.nn.LeakyReLU(0.5, inplace=True)(y) is y
    np.testing.assert_allclose(y.numpy(), [-0.5, 3])
    z = tensor([-1.0, 3.0], device=device)
    assert minigrad.nn.Dropout(0.5, inplace=True).eval()(z) is z  # eval: the identity
    np.testing.assert_allclose(z.numpy(), [-1, 3])


@pytest.mark.skipif(torch is None, reason="torch is not installed")
def test_relu_keeps_nan_and_infinities_as_torch(device):
    import minigrad.nn.functional as F
    values = np.array([[-0.0, np.nan, -np.inf, np.inf, 2.0, -3.0, 0.0]] * 2, np.float32)
    expected = torch.relu(torch.tensor(values)).numpy()
    for reference in (False, True):
        with minigrad.ops.use_reference(reference):
            x = tensor(values, device=device)
            fresh = F.relu(x)
            F.relu(x, inplace=True)
        np.testing.assert_array_equal(fresh.numpy(), expected)  # -0.0 == 0.0: equal values
        np.testing.assert_array_equal(x.numpy(), expected)


def test_in_place_relu_refuses_a_leaf_and_breaks_a_backward_that_kept_the_input():
    import minigrad.nn.functional as F
    w = tensor([-1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        F.relu(w, inplace=True)
    e = w.exp()  # exp keeps its output: relu_ over it breaks exp's backward, as in PyTorch
    e.relu_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        e.sum().backward()
    r = (w * 2).relu_()  # relu_ keeps its output, which the next in-place op changes
    r.mul_(3)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        r.sum().backward()


def test_in_place_dropout_zeroes_the_input_itself():
    import minigrad.nn.functional as F
    x = minigrad.ones(1000)
    out = F.dropout(x, 0.5, training=True, inplace=True)
    assert out is x and set(np.unique(x.numpy())) == {0.0, 2.0}
    m = minigrad.ones(4, 8, 2, 2)
    minigrad.nn.Dropout2d(0.5, inplace=True)(m)
    per_channel = m.numpy().reshape(4, 8, 4)
    assert (per_channel == per_channel[..., :1]).all() and set(np.unique(per_channel)) <= {0.0, 2.0}


def test_in_place_on_a_reshaped_view_in_the_graph_raises_instead_of_a_wrong_gradient():
    a = tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    v = (a * 2).view(2, 2)
    with pytest.raises(RuntimeError, match="view"):
        v.mul_(2)


def test_in_place_forms_give_the_out_of_place_values(device):
    x = minigrad.ones(3, device=device)
    x.add_(1).mul_(3).sub_(1).div_(2).clamp_(max=2)
    np.testing.assert_allclose(x.numpy(), [2, 2, 2])
    x.fill_(4)
    np.testing.assert_allclose(x.numpy(), [4, 4, 4])
    x.copy_(tensor([1.0, 2.0, 3.0], device=device))
    np.testing.assert_allclose(x.numpy(), [1, 2, 3])
    x.zero_()
    np.testing.assert_allclose(x.numpy(), [0, 0, 0])
    x[tensor([0, 2], device=device)] = tensor([5.0, 6.0], device=device)
    x[x == 0] = -1
    np.testing.assert_allclose(x.numpy(), [5, -1, 6])


def test_normal_and_uniform_fill_in_place_from_the_seeded_source():
    minigrad.manual_seed(3)
    a = minigrad.zeros(1000).normal_(2.0, 0.5)
    minigrad.manual_seed(3)
    b = minigrad.zeros(1000).normal_(2.0, 0.5)
    assert a.equal(b) and abs(a.mean().item() - 2) < 0.1 and abs(a.std().item() - 0.5) < 0.05
    u = minigrad.zeros(1000).uniform_(-1, 1)
    assert -1 <= u.min().item() and u.max().item() < 1


def test_integer_tensor_refuses_a_float_in_place_result():
    x = tensor([1, 2])
    with pytest.raises(RuntimeError, match="can't be cast"):
        x += 1.5


@pytest.mark.parametrize("name, fn", [
    ("relu_ in the graph", lambda x: minigrad.nn.functional.relu(x * 2, inplace=True)),
    ("add_ then relu_, the residual block", lambda x: (lambda y: (y.add_(x * x), y.relu_())[1])(x * 3)),
    ("sub_ of a broadcast row", lambda x: (lambda y: y.sub_(x[0]))(x * 2)),
], ids=lambda v: v if isinstance(v, str) else "")
def test_in_place_ops_that_write_straight_into_the_tensor_pass_gradcheck(name, fn, device):
    """relu_, add_ and sub_ skip the copy of the old value: a float64 finite-difference check with a
    random upstream gradient, on every device."""
    from helpers import check_op, randn
    check_op(fn, [randn(3, 4, away_from=0)], device)
