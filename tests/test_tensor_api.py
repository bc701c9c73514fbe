"""The everyday tensor surface against PyTorch: dtypes and promotion, the number protocol,
.grad as a Tensor, max(dim)'s named tuple, factories, and a gradient check + torch
comparison for every differentiable op added with it."""
import threading

import numpy as np
import pytest

import minigrad
from minigrad import tensor
from helpers import check_op, randn

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed: `pip install torch` to compare")


# ---- dtypes ---------------------------------------------------------------------------------

PROMOTION = {
    "int+int": lambda m: m.tensor([1, 2]) + m.tensor([3, 4]),
    "int32+int32": lambda m: m.tensor([1, 2], dtype=m.int32) + m.tensor([3, 4], dtype=m.int32),
    "int32+0d_int64": lambda m: m.tensor([1, 2], dtype=m.int32) + m.tensor(3),
    "int+2.5": lambda m: m.tensor([1, 2]) + 2.5,
    "int8+300": lambda m: m.tensor([1, 2], dtype=m.int8) * 3,
    "bool+bool": lambda m: m.tensor([True]) + m.tensor([False]),
    "bool+1": lambda m: m.tensor([True, False]) + 1,
    "sum_bool": lambda m: m.tensor([True, True, False]).sum(),
    "sum_int32": lambda m: m.tensor([1, 2], dtype=m.int32).sum(),
    "int/int": lambda m: m.tensor([1, 2]) / m.tensor([2, 2]),
    "exp_int": lambda m: m.tensor([1, 2]).exp(),
    "sigmoid_int": lambda m: m.tensor([1, 2]).sigmoid(),
    "compare": lambda m: m.tensor([1, 2]) > 1.5,
    "argmax": lambda m: m.tensor([[1.0, 3.0], [4.0, 2.0]]).argmax(1),
    "float32+0d_float64": lambda m: m.ones(2) + m.tensor(1.5, dtype=m.float64),
    "int+0d_float64": lambda m: m.tensor([1, 2]) + m.tensor(1.5, dtype=m.float64),
    "f16+int": lambda m: m.ones(2, dtype=m.float16) + m.tensor([1, 2]),
    "legacy_ctor": lambda m: m.Tensor([1, 2, 3]),
    "big_int_keeps_precision": lambda m: m.tensor([16777217]) + 0,
    "index_with_int_tensor": lambda m: m.arange(5)[m.tensor(1) + 1],
}


@needs_torch
@pytest.mark.parametrize("name", list(PROMOTION))
def test_dtype_promotion_matches_torch(name):
    mine, theirs = PROMOTION[name](minigrad), PROMOTION[name](torch)
    assert str(mine.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-6)


def test_mean_of_an_integer_tensor_raises_as_torch():
    with pytest.raises(RuntimeError, match="mean\\(\\): could not infer output dtype"):
        tensor([1, 2]).mean()


def test_tensor_copies_and_from_numpy_shares():
    a = np.array([1.0, 2.0], dtype=np.float32)
    t, s = tensor(a), minigrad.from_numpy(a)
    a[0] = 9
    assert t[0].item() == 1.0 and s[0].item() == 9.0
    assert minigrad.from_numpy(np.zeros(2)).dtype == minigrad.float64  # keeps the dtype
    assert tensor(np.zeros(2)).dtype == minigrad.float32  # API.md: float data becomes float32


def test_a_full_reduction_gives_a_0d_array_not_a_numpy_scalar():
    s = tensor([1.0, 2.0]).sum()
    assert isinstance(s.array, np.ndarray) and s.array.shape == ()


def test_dtype_constants_convert(device):
    x = tensor([1.5, -2.5], device=device)
    assert x.to(minigrad.float64).dtype == minigrad.float64 == np.float64
    assert x.long().dtype == minigrad.int64 and x.long().tolist() == [1, -2]
    assert x.int().dtype == minigrad.int32 and x.bool().dtype == minigrad.bool
    assert x.double().dtype == minigrad.double and x.half().dtype == minigrad.half
    assert x.to("cpu", minigrad.float64).dtype == minigrad.float64
    assert x.to(tensor([1])).dtype == minigrad.int64
    assert x.device == device and x.device == minigrad.device(device)


# ---- the number protocol ----------------------------------------------------------------------

def test_truth_follows_the_value_and_refuses_many_elements():
    assert not bool(tensor([0.0])) and bool(tensor(2.0))
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"):
        bool(tensor([1.0, 2.0]))
    best = tensor(0.5)
    assert (tensor(0.3) < best) and not (tensor(0.7) < best)


def test_float_int_index_format_len_iter():
    assert float(tensor([2.5])) == 2.5 and int(tensor(3.7)) == 3
    assert [10, 20, 30][tensor(1)] == 20 and list(range(tensor(3))) == [0, 1, 2]
    assert f"{tensor(0.123456):.4f}" == "0.1235"
    assert len(tensor([[1, 2], [3, 4], [5, 6]])) == 3
    with pytest.raises(TypeError):
        len(tensor(1.0))
    rows = list(tensor([[1, 2], [3, 4]]))
    assert isinstance(rows[0], minigrad.Tensor) and rows[1].tolist() == [3, 4]
    with pytest.raises(TypeError):
        [1, 2][tensor(1.0)]


@needs_torch
@pytest.mark.parametrize("make", [lambda m: m.tensor([1.0, 2.0]), lambda m: m.tensor(3), lambda m: m.tensor([0.5, 1.25]),
                                  lambda m: m.tensor([[1, 2], [3, 4]]), lambda m: m.tensor([True, False]),
                                  lambda m: m.tensor(2.5), lambda m: m.tensor([True, True]),
                                  lambda m: m.tensor([[True], [True]]), lambda m: m.ones(2000, dtype=m.bool),
                                  lambda m: m.zeros(0, 3), lambda m: m.zeros(2, 0, dtype=m.float64),
                                  lambda m: m.zeros(0), lambda m: m.zeros(0, 3, dtype=m.bool)])
def test_repr_looks_like_torchs(make):
    assert repr(make(minigrad)) == repr(make(torch)).replace("torch.", "minigrad.")


# ---- gradients ------------------------------------------------------------------------------

def test_grad_is_a_tensor_without_graph_and_can_be_zeroed_and_assigned(device):
    w = tensor([1.0, 2.0], requires_grad=True, device=device)
    (w * w).sum().backward()
    assert isinstance(w.grad, minigrad.Tensor) and not w.grad.requires_grad
    assert w.grad.shape == w.shape and w.grad.dtype == w.dtype and w.grad.device == w.device
    assert w.grad.norm().item() == pytest.approx(np.sqrt(20))
    w.grad.zero_()
    assert w.grad.tolist() == [0, 0]
    w.grad = None
    w.grad = np.ones(2, dtype=np.float32) if device == "cpu" else minigrad.ones(2, device=device)
    assert isinstance(w.grad, minigrad.Tensor)
    with pytest.raises(RuntimeError, match="shape"):
        w.grad = minigrad.ones(3)


def test_backward_through_an_add_never_hands_out_the_callers_gradient():
    x = tensor([1.0, 2.0], requires_grad=True)
    G = np.array([1.0, 1.0], dtype=np.float32)
    (x + 1).backward(G)
    G[0] = 100
    assert x.grad.tolist() == [1, 1] and x.grad.array is not G
    gt = minigrad.ones(2)
    y = tensor([1.0, 2.0], requires_grad=True)
    (y * 1 + 0).backward(gt)
    assert y.grad is not gt and y.grad.array is not gt.array


def test_gradients_accumulate_in_place_after_the_first():
    w = tensor([1.0, 2.0], requires_grad=True)
    (w * 3).sum().backward()
    first = w.grad
    (w * 3).sum().backward()
    assert w.grad is first and first.tolist() == [6, 6]


def test_retain_graph_allows_a_second_backward_and_create_graph_says_unsupported():
    a = tensor([1.0, 2.0], requires_grad=True)
    y = (a * a).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert a.grad.tolist() == [4, 8]
    with pytest.raises(RuntimeError, match="higher-order gradients are not supported"):
        (a * a).sum().backward(create_graph=True)


def test_pow_gradient_in_the_exponent_is_zero_where_the_base_is_zero():
    b = tensor([0.0, 1.0, 2.0], dtype=np.float64, requires_grad=True)
    (minigrad.zeros(3, dtype=minigrad.float64) ** b).sum().backward()
    assert np.isfinite(b.grad.numpy()[1:]).all() and b.grad.tolist()[1:] == [0, 0]
    a = tensor([0.0, 2.0], dtype=np.float64, requires_grad=True)
    (a ** tensor([0.0, 0.0], dtype=np.float64)).sum().backward()
    assert a.grad.tolist() == [0, 0]


def test_grad_mode_is_per_thread():
    seen = {}
    with minigrad.no_grad():
        t = threading.Thread(target=lambda: seen.setdefault("other", minigrad.is_grad_enabled()))
        t.start()
        t.join()
        assert not minigrad.is_grad_enabled()
    assert seen["other"] is True and minigrad.is_grad_enabled()


def test_no_grad_and_set_grad_enabled_work_as_decorators_and_blocks():
    x = tensor([1.0], requires_grad=True)

    @minigrad.no_grad()
    def f():
        return x * 2
    assert not f().requires_grad
    with minigrad.set_grad_enabled(False):
        assert not (x * 2).requires_grad
        with minigrad.enable_grad():
            assert (x * 2).requires_grad
    assert (x * 2).requires_grad
    with minigrad.inference_mode():
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad


def test_max_with_dim_is_a_named_tuple_and_max_without_is_the_value():
    x = tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    values, idx = x.max(dim=1)
    assert values.tolist() == [5, 7] and idx.tolist() == [1, 0] and idx.dtype == minigrad.int64
    assert x.max(1)[1].tolist() == [1, 0] and x.max(1).indices.tolist() == [1, 0]
    assert minigrad.max(x, 1).values.tolist() == [5, 7] and x.max().item() == 7
    assert x.amax(0).tolist() == [7, 5, 3] and x.min(0).indices.tolist() == [0, 1, 0]


def test_size_is_a_method():
    x = minigrad.zeros(2, 3)
    assert x.size() == (2, 3) and x.size(1) == 3 and x.size(-1) == 3 and x.numel() == 6 and x.dim() == 2


def test_factories_take_varargs_or_a_tuple_and_options(device):
    assert minigrad.zeros(2, 3).shape == minigrad.zeros((2, 3)).shape == (2, 3)
    assert minigrad.ones(2, dtype=minigrad.int64, device=device).tolist() == [1, 1]
    assert minigrad.arange(5).dtype == minigrad.int64 and minigrad.arange(0, 1, 0.5).dtype == minigrad.float32
    assert minigrad.full((2,), 7).dtype == minigrad.int64 and minigrad.full((2,), 7.0).dtype == minigrad.float32
    assert minigrad.randn(2, 3, requires_grad=True).requires_grad
    assert minigrad.randint(0, 10, (50,)).max().item() < 10
    minigrad.manual_seed(1)
    a = minigrad.rand(3)
    minigrad.manual_seed(1)
    assert a.equal(minigrad.rand(3))
    assert minigrad.zeros_like(a).shape == (3,) and minigrad.randn_like(a).dtype == a.dtype
    assert minigrad.eye(3).sum().item() == 3 and minigrad.linspace(0, 1, 5).tolist()[1] == 0.25


def test_accelerator_questions_have_answers():
    assert minigrad.cuda.is_available() == minigrad.cuda_available()
    assert minigrad.backends.mps.is_available() is False
    assert minigrad.accelerator.is_available() == minigrad.cuda.is_available()
    assert str(minigrad.device("cuda:0")) == "cuda"


# ---- the new differentiable ops: float64 gradcheck + torch comparison ---------------------------

A = randn(3, 4, away_from=0)
OPS = [
    ("abs", lambda a: a.abs(), lambda a: a.abs(), [A]),
    ("sqrt", lambda a: (a * a + 1).sqrt(), lambda a: (a * a + 1).sqrt(), [A]),
    ("rsqrt", lambda a: (a * a + 1).rsqrt(), lambda a: (a * a + 1).rsqrt(), [A]),
    ("sin", lambda a: a.sin(), lambda a: a.sin(), [A]),
    ("cos", lambda a: a.cos(), lambda a: a.cos(), [A]),
    ("log1p", lambda a: (a * a).log1p(), lambda a: (a * a).log1p(), [A]),
    ("clamp", lambda a: a.clamp(-0.5, 0.5), lambda a: a.clamp(-0.5, 0.5), [randn(3, 4, away_from=0.5)]),
    ("maximum", lambda a, b: minigrad.maximum(a, b), lambda a, b: torch.maximum(a, b), [A, randn(4)]),
    ("minimum", lambda a, b: a.minimum(b), lambda a, b: a.minimum(b), [A, randn(3, 1)]),
    ("where", lambda a, b: minigrad.where(a > 0, a, b), lambda a, b: torch.where(a > 0, a, b), [A, randn(4)]),
    ("masked_fill", lambda a: a.masked_fill(a > 0, 2.0), lambda a: a.masked_fill(a > 0, 2.0), [A]),
    ("pow_both", lambda a, b: (a * a + 0.5) ** b, lambda a, b: (a * a + 0.5) ** b, [A, randn(4)]),
    ("rpow", lambda a: 2 ** a, lambda a: 2 ** a, [A]),
    ("var", lambda a: a.var(1), lambda a: a.var(1), [A]),
    ("std_keepdim", lambda a: a.std(0, keepdim=True), lambda a: a.std(0, keepdim=True), [A]),
    ("var_correction0", lambda a: a.var(correction=0), lambda a: a.var(correction=0), [A]),
    ("norm", lambda a: a.norm(), lambda a: a.norm(), [A]),
    ("norm_dim_p1", lambda a: a.norm(p=1, dim=1), lambda a: a.norm(p=1, dim=1), [A]),
    ("prod", lambda a: a.prod(1), lambda a: a.prod(1), [A]),
    ("cumsum", lambda a: a.cumsum(1), lambda a: a.cumsum(1), [A]),
    ("max_dim", lambda a: a.max(1).values, lambda a: a.max(1).values, [A]),
    ("min_dim", lambda a: a.min(0)[0], lambda a: a.min(0)[0], [A]),
    ("amin", lambda a: a.amin(1), lambda a: a.amin(1), [A]),
    ("topk", lambda a: a.topk(2, dim=1).values, lambda a: a.topk(2, dim=1).values, [A]),
    ("sort", lambda a: a.sort(0, descending=True)[0], lambda a: a.sort(0, descending=True)[0], [A]),
    ("gather", lambda a: a.gather(1, tensor([[0, 0], [2, 1], [3, 3]])),
     lambda a: a.gather(1, torch.tensor([[0, 0], [2, 1], [3, 3]])), [A]),
    ("scatter", lambda a, b: a.scatter(1, tensor([[0, 1], [2, 3], [1, 0]]), b),
     lambda a, b: a.scatter(1, torch.tensor([[0, 1], [2, 3], [1, 0]]), b), [A, randn(3, 2)]),
    ("scatter_add", lambda a, b: a.scatter_add(0, tensor([[0, 1, 0, 2], [0, 0, 1, 2]]), b),
     lambda a, b: a.scatter_add(0, torch.tensor([[0, 1, 0, 2], [0, 0, 1, 2]]), b), [A, randn(2, 4)]),
    ("scatter_value", lambda a: a.scatter(1, tensor([[0], [2], [1]]), value=2.0),
     lambda a: a.scatter(1, torch.tensor([[0], [2], [1]]), value=2.0), [A]),
    ("cat", lambda a, b: minigrad.cat([a, b], 1), lambda a, b: torch.cat([a, b], 1), [A, randn(3, 2)]),
    ("stack", lambda a, b: minigrad.stack([a, b], 1), lambda a, b: torch.stack([a, b], 1), [A, randn(3, 4) + 1]),
    ("expand", lambda a: a[:, :1].expand(3, 5), lambda a: a[:, :1].expand(3, 5), [A]),
    ("repeat", lambda a: a.repeat(2, 3), lambda a: a.repeat(2, 3), [A]),
    ("flip", lambda a: a.flip(0, 1), lambda a: a.flip(0, 1), [A]),
    ("unsqueeze_squeeze", lambda a: a.unsqueeze(1).squeeze(), lambda a: a.unsqueeze(1).squeeze(), [A]),
    ("t_transpose", lambda a: a.t().transpose(0, 1).t(), lambda a: a.t().transpose(0, 1).t(), [A]),
    ("chunk", lambda a: a.chunk(2, 1)[1], lambda a: a.chunk(2, 1)[1], [A]),
    ("split", lambda a: a.split(3)[0], lambda a: a.split(3)[0], [randn(5, 2)]),
    ("clone", lambda a: a.clone(), lambda a: a.clone(), [A]),
    ("index_tensor", lambda a: a[tensor([0, 2, 0])], lambda a: a[torch.tensor([0, 2, 0])], [A]),
    ("index_mask", lambda a: a[a > 0], lambda a: a[a > 0], [A]),
    ("setitem", lambda a: _set(a * 1, (0, slice(1, 3)), a[1, :2] * 2),
     lambda a: _set(a * 1, (0, slice(1, 3)), a[1, :2] * 2), [A]),
]


def _set(y, index, value):
    y[index] = value
    return y


@pytest.mark.parametrize("name, fn, torch_fn, arrays", OPS, ids=[c[0] for c in OPS])
def test_new_op_gradients(name, fn, torch_fn, arrays, device):
    check_op(fn, arrays, device, torch_fn=torch_fn if torch is not None else None)


# ---- design: user Functions, the one-way import graph ----------------------------------------

def test_a_user_defined_function_returns_a_tensor_and_backpropagates():
    class Double(minigrad.Function):
        def forward(self, x):
            return x * 2

        def backward(self, grad):
            return grad * 2

    a = tensor([1.0, 3.0], requires_grad=True)
    y = Double.apply(a)
    assert type(y) is minigrad.Tensor and y.grad_fn is not None
    y.sum().backward()
    assert a.grad.tolist() == [2, 2]


def test_autograd_and_core_ops_never_import_the_tensor_module():
    import ast
    import pathlib
    root = pathlib.Path(minigrad.__file__).parent
    files = sorted((root / "autograd").glob("*.py")) + [root / "dtypes.py"] + [root / "ops" / f"{n}.py" for n in (
        "__init__", "arithmetic", "reductions", "shapes", "matmul", "activations", "exp_log", "dropout", "elementwise")]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                assert "tensor" not in (node.module or ""), f"{path.name} imports {node.module}: an upward arrow"


def test_one_array_returned_for_two_leaves_is_not_shared_between_their_grads():
    class Twice(minigrad.Function):
        def forward(self, a, b):
            return a + b

        def backward(self, grad):
            g = grad * 1.0  # a fresh array, handed to both inputs
            return g, g

    a, b = tensor([1.0], requires_grad=True), tensor([2.0], requires_grad=True)
    Twice.apply(a, b).sum().backward()
    assert a.grad.array is not b.grad.array
    a.grad += 5
    assert b.grad.tolist() == [1.0]


def test_a_fresh_gradient_array_from_a_backward_is_kept_without_a_copy():
    made = []

    class Scale(minigrad.Function):
        def forward(self, x):
            return x * 3

        def backward(self, grad):
            made.append(grad * 3)  # a new array: the leaf may keep it (no copy per step)
            return made[-1]

    w = tensor([1.0, 2.0], requires_grad=True)
    Scale.apply(w).sum().backward()
    assert w.grad.array is made[0]


def test_retain_grad_keeps_a_non_leaf_gradient():
    a = tensor([1.0, 2.0], requires_grad=True)
    h = a * 2
    h.retain_grad()
    (h * h).sum().backward()
    assert h.grad.tolist() == [4, 8] and a.grad.tolist() == [8, 16]


@pytest.mark.skipif(torch is None, reason="torch is not installed")
@pytest.mark.parametrize("values", [
    [[1.5, 2.0], [3.25, -4.0]], [123456.7, 1.0], [1.0, 2000.0], [1.0, -2.0, 3.0], [0.5, np.nan, -np.inf],
    [1e-5, 1.0], [0.0, 0.0], [[1e9, 1.0]], [1.0, -np.inf], [-1e-5, 2e-5], np.linspace(-3, 3, 2000),
    np.linspace(-3, 3, 2000).reshape(40, 50), np.arange(12.0).reshape(3, 4) / 7 - 0.5],
    ids=lambda v: str(np.asarray(v).shape))
def test_a_float_tensor_prints_as_torchs(values):
    """Aligned columns, scientific notation past a 1000x span, the format of a long tensor chosen from
    the values shown, and the skipped middle set apart by two spaces: character for character."""
    array = np.asarray(values, np.float32)
    assert repr(minigrad.tensor(array)) == repr(torch.tensor(array))
