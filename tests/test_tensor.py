"""The Tensor and the autograd engine: dtypes, devices, gradient accumulation,
no_grad, topological order, graph freeing, deep graphs and the error messages."""
import gc
import weakref

import numpy as np
import pytest

import minigrad
from minigrad import Tensor, no_grad, tensor
from minigrad.array_module import cuda_available
from minigrad.gradcheck import GradcheckError, gradcheck, random_tensor
from helpers import host


# ---- dtypes ------------------------------------------------------------------------------

def test_float_data_becomes_float32_unless_asked(device):
    assert tensor(np.zeros(3, dtype=np.float64), device=device).dtype == np.float32
    assert tensor([1.5, 2.5], device=device).dtype == np.float32
    assert Tensor(np.zeros(3)).dtype == np.float32
    assert tensor(np.zeros(3), dtype=np.float64, device=device).dtype == np.float64


def test_integer_data_stays_integer_and_needs_no_gradient(device):
    t = tensor([1, 2, 3], device=device)
    assert np.issubdtype(t.dtype, np.integer)
    with pytest.raises(RuntimeError, match="floating point dtype can require gradients"):
        tensor([1, 2, 3], requires_grad=True)


def test_integer_inputs_to_differentiable_ops_become_float32(device):
    assert (tensor([1, 2], device=device) * 0.5).dtype == np.float32
    assert tensor([1, 2], device=device).exp().dtype == np.float32


def test_float32_stays_float32_through_forward_and_backward(device):
    x = tensor(np.random.randn(4, 3), requires_grad=True, device=device)
    w = tensor(np.random.randn(3, 2), requires_grad=True, device=device)
    y = ((x @ w).relu() * 2 + 1.5 - x.sum(1, keepdim=True) / 3) ** 2
    loss = y.log_softmax(1).mean()
    assert y.dtype == np.float32 and loss.dtype == np.float32
    loss.backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32


def test_float64_is_kept_when_asked(device):
    x = tensor([1.0, 2.0], requires_grad=True, dtype=np.float64, device=device)
    (x * 3.0).sum().backward()
    assert x.grad.dtype == np.float64


# ---- the basics ----------------------------------------------------------------------------

def test_attributes_and_host_copies(device):
    t = tensor(np.arange(6.0).reshape(2, 3), device=device)
    assert t.shape == (2, 3) and t.ndim == 2 and t.device == device and not t.requires_grad
    assert isinstance(t.numpy(), np.ndarray)
    assert t.sum().item() == 15.0
    assert t.detach().requires_grad is False
    assert (t > 2).numpy().tolist() == [[False, False, False], [True, True, True]]
    assert t.argmax(1).numpy().tolist() == [2, 2]


def test_gradients_accumulate_until_zeroed(device):
    x = tensor([1.0, 2.0], requires_grad=True, device=device)
    for _ in range(2):
        (x * x).sum().backward()
    np.testing.assert_allclose(x.numpy() * 4, host(x.grad))
    x.grad = None
    (x * x).sum().backward()
    assert x.grad.shape == x.shape


def test_a_node_used_twice_gets_both_contributions_before_it_propagates():
    x = tensor(2.0, requires_grad=True)
    y = x * 3          # y feeds z twice, by two paths of different length
    z = y * y + (y.exp()).log()
    z.backward()
    assert x.grad == pytest.approx(2 * 6 * 3 + 3)


class _SameArrayTwice(minigrad.autograd.Function):
    """out = a + b, whose backward hands ONE new array to both inputs."""

    def forward(self, a, b):
        return a + b

    def backward(self, grad):
        shared = grad * 1.0
        return shared, shared


def test_gradients_summed_in_place_never_change_an_array_another_input_holds(device):
    """The engine adds a second gradient for a tensor into the first in place (no temporary)
    only where the first is its own: not an array a backward also gave to another input."""
    a = tensor([1.0, 2.0], requires_grad=True, device=device)
    b = tensor([3.0, 4.0], requires_grad=True, device=device)
    u, v = a * 1, b * 1  # intermediate tensors, so their gradients are summed inside the engine
    w = _SameArrayTwice.apply(u, v)
    (w.sum() + (u * 5).sum() + (v * 7).sum()).backward()
    np.testing.assert_allclose(host(a.grad), [6.0, 6.0])
    np.testing.assert_allclose(host(b.grad), [8.0, 8.0])


def test_a_residual_input_sums_both_gradients(device):
    x = tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, device=device)
    h = x * 2
    y = h * h + h  # h feeds two ops: its two gradients meet in the engine
    y.backward(tensor(np.ones((2, 3)), device=device))
    np.testing.assert_allclose(host(x.grad), 2 * (2 * 2 * np.arange(6.0).reshape(2, 3) + 1))


def test_leaf_gradients_are_separate_arrays():
    a, b = tensor([1.0], requires_grad=True), tensor([2.0], requires_grad=True)
    (a + b).sum().backward()
    assert a.grad is not b.grad
    assert a.grad.array.base is None and b.grad.array.base is None


def test_no_grad_records_nothing():
    x = tensor([1.0], requires_grad=True)
    with no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert minigrad.is_grad_enabled()


def test_deep_chain_does_not_hit_the_recursion_limit():
    x = tensor([1.0], requires_grad=True, dtype=np.float64)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.sum().backward()
    assert x.grad[0] == pytest.approx(1.0001 ** 10_000)


def test_a_finished_backward_frees_every_saved_array_and_the_graph_goes_with_its_output():
    """As PyTorch: backward frees the arrays the graph saved at once; the nodes themselves (edges,
    shapes) live as long as the output that holds them, and go with it."""
    x = tensor(np.random.randn(100, 100), requires_grad=True)
    w = tensor(np.random.randn(100, 100), requires_grad=True)
    loss = (x @ w).relu().tanh().sigmoid().log_softmax(1).mean()
    functions = _graph(loss.grad_fn)
    assert len(functions) == 6
    refs = [weakref.ref(f) for f in functions]
    saved = [weakref.ref(a) for f in functions for a in f.saved if a is not None and a is not x.array and a is not w.array]
    assert saved
    del functions
    loss.backward()
    gc.collect()
    assert all(r() is None for r in saved), "an array saved for backward outlived it"
    assert all(f.saved == () for f in _graph(loss.grad_fn))
    del loss
    gc.collect()
    assert [r() for r in refs if r() is not None] == [], "a Function outlived its output"


def test_intermediate_results_are_freed_during_forward_unless_saved():
    """An op's output that no backward needs is not kept alive by the graph."""
    x = tensor(np.random.randn(50, 50), requires_grad=True)
    h = x * 2.0  # Mul keeps only the constant 2.0 for x's gradient, not h
    h_data = weakref.ref(h.array)
    y = (h + 1.0).sum()
    del h
    gc.collect()
    assert h_data() is None
    y.backward()
    np.testing.assert_allclose(x.grad, 2.0)


def _graph(root):
    seen, stack = [], [root]
    while stack:
        f = stack.pop()
        if any(f is s for s in seen):
            continue
        seen.append(f)
        stack.extend(p for p, _ in f.next_functions if isinstance(p, minigrad.Function))
    return seen


# ---- errors a learner can act on -----------------------------------------------------------

def test_backward_on_non_scalar_without_gradient_says_so():
    y = tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"only for scalar outputs.*shape \(2,\)"):
        y.backward()


def test_backward_twice_through_a_freed_graph_says_so():
    x = tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="second time.*freed"):
        loss.backward()


def test_backward_twice_through_ops_that_saved_nothing_adds_again_as_torch():
    """PyTorch refuses a second backward only through a node that saved something (x * 2 keeps the 2)."""
    x = tensor([1.0, 2.0], requires_grad=True)
    for make in (lambda: (x + 1).sum(), lambda: (-x).reshape(2, 1).t().mean()):
        x.grad = None
        loss = make()
        loss.backward()
        first = x.grad.tolist()
        loss.backward()
        assert x.grad.tolist() == [2 * g for g in first]
    for make in (lambda: (x * 2).sum(), lambda: (x / 2).sum(), lambda: x.exp().sum()):
        loss = make()
        loss.backward()
        with pytest.raises(RuntimeError, match="second time"):
            loss.backward()


def test_backward_without_any_gradient_input_says_so():
    with pytest.raises(RuntimeError, match="does not require grad"):
        (tensor([1.0]) * 2).sum().backward()


def test_matmul_shape_mismatch_names_the_op_and_both_shapes():
    with pytest.raises(ValueError, match=r"matmul: cannot multiply shapes \(3, 4\) and \(5, 2\)"):
        tensor(np.ones((3, 4))) @ tensor(np.ones((5, 2)))


def test_broadcast_mismatch_names_the_op_and_both_shapes():
    with pytest.raises(ValueError, match=r"add: shapes \(3, 4\) and \(3,\) cannot be broadcast"):
        tensor(np.ones((3, 4))) + tensor(np.ones(3))
    with pytest.raises(ValueError, match=r"mul: shapes \(2, 3\) and \(4,\)"):
        tensor(np.ones((2, 3))) * tensor(np.ones(4))


def test_reshape_mismatch_is_explained():
    with pytest.raises(ValueError, match=r"reshape: cannot reshape a tensor of shape \(2, 3\)"):
        tensor(np.ones((2, 3))).reshape(4, 2)


@pytest.mark.skipif(cuda_available(), reason="checks the message shown where no GPU is usable")
def test_to_cuda_without_gpu_says_what_to_install():
    with pytest.raises(RuntimeError, match="cupy"):
        tensor([1.0]).to("cuda")


def test_unknown_device_is_named():
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        tensor([1.0]).to("tpu")


@pytest.mark.skipif(not cuda_available(), reason="needs cupy and an NVIDIA GPU")
def test_inputs_on_two_devices_name_the_op_and_both_devices():
    with pytest.raises(RuntimeError, match=r"mul: inputs are on different devices \(cpu and cuda\)"):
        tensor([1.0]) * tensor([1.0], device="cuda")


@pytest.mark.skipif(not cuda_available(), reason="needs cupy and an NVIDIA GPU")
def test_to_moves_data_and_gradient_between_devices():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = x.to("cuda")
    assert y.device == "cuda" and type(y.array).__module__.startswith("cupy")
    (y * y).sum().backward()
    assert isinstance(x.grad, minigrad.Tensor) and isinstance(x.grad.array, np.ndarray)
    np.testing.assert_allclose(x.grad, [2.0, 4.0])


# ---- the gradient checker itself must be able to fail --------------------------------------

class WrongSquare(minigrad.Function):
    """x^2 with a deliberately wrong backward (2x + 1)."""
    def forward(self, x):
        self.save_for_backward(x)
        return x * x

    def backward(self, grad):
        return grad * (2 * self.saved[0] + 1)


def test_gradcheck_catches_a_wrong_backward_and_says_where():
    x = random_tensor(3, 4)
    with pytest.raises(GradcheckError, match=r"input 0 \(shape \(3, 4\)\) is wrong at 12 of 12 elements"):
        gradcheck(WrongSquare.apply, [x])
    with pytest.raises(GradcheckError, match="directional derivative"):
        gradcheck(WrongSquare.apply, [x], directions=3)


def test_gradcheck_directional_mode_passes_a_right_backward():
    x = random_tensor(50, 40)
    assert gradcheck(lambda x: (x * x).tanh(), [x], directions=5)


def test_gradcheck_refuses_float32():
    with pytest.raises(ValueError, match="float64"):
        gradcheck(lambda x: x * 2, [tensor([1.0], requires_grad=True)])


def test_an_unused_graph_is_freed_by_reference_counting_alone():
    """A forward pass whose backward never runs (a logged loss, an aborted step) must not
    keep its activations alive through reference cycles until the garbage collector runs."""
    gc.disable()
    try:
        x = tensor(np.random.randn(50, 50), requires_grad=True)
        h = (x * 2.0).exp()  # exp saves its output
        out = weakref.ref(h.array)
        loss = h.sum()
        del h, loss
        assert out() is None
    finally:
        gc.enable()


def test_inf_and_nan_come_out_silently_as_in_torch():
    """log(0), x / 0, exp overflow, sqrt(-1): IEEE values and no RuntimeWarning from numpy, forward or backward."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = minigrad.tensor([1.0, 0.0, -1.0, 1000.0], requires_grad=True)
        y = (a / 0).sum() + a.log().sum() + a.exp().sum() + a.sqrt().sum()
        y.backward()
        b = minigrad.tensor([0.0, 2.0], requires_grad=True)
        z = b ** -1
        z.sum().backward()
    assert np.isnan(y.item())
    np.testing.assert_array_equal(a.grad.numpy(), [np.inf, np.inf, np.nan, np.inf])
    np.testing.assert_array_equal(z.detach().numpy(), [np.inf, 0.5])
    np.testing.assert_array_equal(b.grad.numpy(), [-np.inf, -0.25])
