"""PyTorch's autograd surface, compared with torch: grad_fn names and next_functions pairs,
AccumulateGrad.variable, torch.autograd.grad, the legacy Variable, minigrad.Size and the legacy
tensor types (FloatTensor, LongTensor...), which older programs and tutorials still use."""
import numpy as np
import pytest

import minigrad
import minigrad.autograd as autograd

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed: `pip install torch==2.13.0`")


def _chain(lib):
    x = lib.ones(2, requires_grad=True)
    return x, (x * 2 + 1).sum()


def _structure(fn):
    """The graph below a grad_fn as nested (name, [children]) with None for no gradient."""
    if fn is None:
        return None
    name = fn.name()
    name = name.replace("torch::autograd::", "")  # torch's AccumulateGrad.name(); its repr says AccumulateGrad
    return name, [(_structure(child), index) for child, index in fn.next_functions]


@needs_torch
def test_grad_fn_names_and_next_functions_are_torchs():
    (x, y), (tx, ty) = _chain(minigrad), _chain(torch)
    assert _structure(y.grad_fn) == _structure(ty.grad_fn)
    acc = y.grad_fn.next_functions[0][0].next_functions[0][0].next_functions[0][0]
    assert acc.variable is x
    assert repr(y.grad_fn).startswith("<SumBackward0 object at 0x")
    assert repr(x * 2) == "tensor([2., 2.], grad_fn=<MulBackward0>)"
    for expr in ("x.relu()", "x.log_softmax(0)", "x.exp()", "x.sigmoid()", "x.tanh()", "-x", "x / 2"):
        ours = eval(expr, {"x": minigrad.ones(2, requires_grad=True)}).grad_fn.name()
        theirs = eval(expr, {"x": torch.ones(2, requires_grad=True)}).grad_fn.name()
        assert ours == theirs, expr


@needs_torch
def test_autograd_grad_matches_torch():
    for lib in (minigrad, torch):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        z = x * 2
        y = (z * z).sum()
        gz, gx = lib.autograd.grad(y, [z, x], retain_graph=True)
        (g_only,) = lib.autograd.grad(y, x)
        assert x.grad is None  # returned, not accumulated
        assert gz.tolist() == [4.0, 8.0, 12.0] and gx.tolist() == [8.0, 16.0, 24.0]
        assert g_only.tolist() == gx.tolist()
        (g_vec,) = lib.autograd.grad(x * 3, x, grad_outputs=lib.ones(3))
        assert g_vec.tolist() == [3.0, 3.0, 3.0]
        unused = lib.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
            lib.autograd.grad((x * 2).sum(), [unused])
        assert lib.autograd.grad((x * 2).sum(), [unused, x], allow_unused=True)[0] is None
        with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
            lib.autograd.grad(x * 2, x)
        with pytest.raises(RuntimeError, match="does not require grad"):
            lib.autograd.grad((x * 2).sum(), [lib.ones(2)])


def test_autograd_grad_of_several_outputs_adds_them():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    (g,) = autograd.grad([(x * x).sum(), (3 * x).sum()], [x])
    assert g.tolist() == [5.0, 7.0]


@needs_torch
def test_legacy_variable_is_a_new_leaf_as_in_torch():
    from torch.autograd import Variable as TorchVariable
    for lib, Variable in ((minigrad, autograd.Variable), (torch, TorchVariable)):
        a = lib.ones(2, requires_grad=True)
        b = a * 2
        plain, leaf = Variable(b), Variable(b, requires_grad=True)
        assert (plain.requires_grad, plain.is_leaf, plain.grad_fn) == (False, True, None)
        assert (leaf.requires_grad, leaf.is_leaf) == (True, True)
        assert Variable(a) is not a and isinstance(lib.ones(2), Variable)
        leaf.data.add_(1)  # the same memory
        assert b.tolist() == [3.0, 3.0]
        with pytest.warns(UserWarning, match="volatile was removed"):
            Variable(lib.ones(1), volatile=True)


@needs_torch
def test_size_is_torchs():
    for lib in (minigrad, torch):
        x = lib.zeros(2, 3)
        name = lib.__name__
        assert repr(x.shape) == repr(x.size()) == f"{name}.Size([2, 3])"
        assert isinstance(x.shape, lib.Size) and isinstance(x.shape, tuple) and x.shape == (2, 3)
        assert repr(x.shape[1:]) == f"{name}.Size([3])" and x.shape[0] == 2
        assert repr(x.shape + (1,)) == f"{name}.Size([2, 3, 1])" and repr((1,) + x.shape) == f"{name}.Size([1, 2, 3])"
        assert x.shape.numel() == 6 and lib.Size([]).numel() == 1 and repr(lib.Size([])) == f"{name}.Size([])"
        n, c = x.shape
        assert (n, c) == (2, 3)


@needs_torch
@pytest.mark.parametrize("name", ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "ByteTensor",
                                  "BoolTensor", "HalfTensor", "ShortTensor", "CharTensor"])
def test_legacy_tensor_types(name):
    ours, theirs = getattr(minigrad, name), getattr(torch, name)
    assert str(ours(2, 3).dtype) == str(theirs(2, 3).dtype).split(".")[-1].replace("float16", "float16")
    assert ours(2, 3).shape == theirs(2, 3).shape and ours().shape == theirs().shape == (0,)
    assert ours([1, 0, 2]).tolist() == theirs([1, 0, 2]).tolist()
    made = minigrad.zeros(2).type(ours)
    assert made.type() == f"minigrad.{name}" and theirs([1]).type() == f"torch.{name}"
    assert isinstance(made, ours) and isinstance(theirs([1]), theirs)
    other = minigrad.LongTensor if name != "LongTensor" else minigrad.FloatTensor
    assert not isinstance(made, other)
    assert minigrad.zeros(2).type(f"torch.{name}").type() == f"minigrad.{name}"


def test_legacy_type_refuses_a_tensor_of_another_dtype():
    with pytest.raises(TypeError, match=r"expected a float32 tensor, got int64"):
        minigrad.FloatTensor(minigrad.tensor([1, 2]))
    same = minigrad.ones(2)
    assert minigrad.FloatTensor(same) is same
    np.testing.assert_array_equal(minigrad.FloatTensor(minigrad.Size([2])).shape, (2,))


@needs_torch
def test_deepcopy_of_tensors_and_parameters_as_torch():
    import copy
    for lib in (minigrad, torch):
        x = lib.ones(2, requires_grad=True)
        (x * 2).sum().backward()
        y = copy.deepcopy(x)
        assert y.grad.tolist() == [2.0, 2.0] and y.requires_grad and y.is_leaf and y.grad is not x.grad
        (y * 3).sum().backward()
        assert x.grad.tolist() == [2.0, 2.0] and y.grad.tolist() == [5.0, 5.0]
        with pytest.raises(RuntimeError, match="Only Tensors created explicitly by the user"):
            copy.deepcopy(x * 2)
        p = lib.nn.Parameter(lib.ones(2))
        (p * 2).sum().backward()
        q = copy.deepcopy(p)
        assert q.grad is None and type(q) is type(p) and q.requires_grad
        (q * 4).sum().backward()
        assert p.grad.tolist() == [2.0, 2.0] and q.grad.tolist() == [4.0, 4.0]


@needs_torch
@pytest.mark.parametrize("expr", [
    "L.tensor([L.tensor(1.5)], dtype=L.uint8)", "L.tensor([2**63])", "L.tensor([-2**63 - 1])", "L.tensor(2**64)",
    "L.tensor([1, 2**63 - 1])", "L.tensor([L.tensor(1.5), 2])", "L.tensor([L.tensor([1., 2.]), L.tensor([3., 4.])])",
    "L.tensor([L.tensor([1.]), L.tensor([2.])])", "L.tensor([[L.tensor(1), 2], [3, L.tensor(True)]])",
    "L.tensor([L.tensor(1.5, dtype=L.float64)])", "L.tensor([L.tensor(2)], dtype=L.float32)",
    "L.tensor([2**63], dtype=L.int64)", "L.tensor(2**63, dtype=L.float32)"])
def test_tensor_of_python_numbers_and_tensors_as_torch(expr):
    """torch.tensor reads the tensors inside a list as numbers of their own dtype, and refuses ints beyond int64."""
    results = []
    for lib in (torch, minigrad):
        try:
            out = eval(expr, {"L": lib})
            results.append((out.tolist(), str(out.dtype).split(".")[-1]))
        except (TypeError, ValueError) as e:
            results.append(type(e).__name__)
    assert results[0] == results[1]


@needs_torch
def test_a_small_networks_grad_fns_are_named_as_torch():
    """The 60-minute blitz prints loss.grad_fn and walks next_functions: the names a reader sees are torch's."""
    names = []
    for lib in (minigrad, torch):
        lib.manual_seed(0)
        net = lib.nn.Sequential(lib.nn.Conv2d(1, 2, 3), lib.nn.ReLU(), lib.nn.Flatten(), lib.nn.Linear(8, 2))
        loss = lib.nn.functional.mse_loss(net(lib.randn(1, 1, 4, 4)), lib.zeros(1, 2))
        linear = loss.grad_fn.next_functions[0][0]
        names.append((loss.grad_fn.name(), linear.name(), net[0].weight.requires_grad))
    assert names[0] == names[1] == ("MseLossBackward0", "AddmmBackward0", True)


@needs_torch
def test_generator_has_torchs_seeding_methods_and_works_wherever_generator_is_taken():
    from minigrad.utils.data import DataLoader, RandomSampler, random_split
    for lib in (torch, minigrad):
        g = lib.Generator()
        assert g.initial_seed() == 67280421310721 and g.manual_seed(42) is g and g.initial_seed() == 42
        assert g.seed() == g.initial_seed()
    draws = []
    for _ in range(2):
        g = minigrad.Generator().manual_seed(7)
        split = [list(s) for s in random_split(list(range(10)), [0.5, 0.5], generator=g)]
        loader = [b.tolist() for b in DataLoader(list(range(8)), batch_size=4, shuffle=True, generator=g)]
        draws.append((minigrad.rand(3, generator=g).tolist(), minigrad.randn(2, generator=g).tolist(),
                      minigrad.randint(0, 9, (3,), generator=g).tolist(), minigrad.randperm(5, generator=g).tolist(),
                      minigrad.multinomial(minigrad.ones(4), 2, generator=g).tolist(), split, loader,
                      list(RandomSampler(range(6), generator=g))))
    assert draws[0] == draws[1]  # repeatable from the seed alone
    state = g.get_state()
    first = minigrad.rand(2, generator=g).tolist()
    assert minigrad.rand(2, generator=g.set_state(state)).tolist() == first
