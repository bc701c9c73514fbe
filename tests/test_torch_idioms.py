"""A PyTorch user's everyday idioms, run through minigrad and torch: the values, shapes and
dtypes must agree, and where torch raises, minigrad must raise too. This is the "outside
check" of the fidelity issue kept as a test (each idiom is one parametrised case)."""
import numpy as np
import pytest

import minigrad

torch = pytest.importorskip("torch", reason="torch is not installed: the idioms are compared with PyTorch")


def _normal(v):
    if isinstance(v, (minigrad.Tensor, torch.Tensor)):
        arr = np.asarray(v.detach().numpy() if isinstance(v, torch.Tensor) else v.numpy())
        return ("T", arr.shape, str(arr.dtype), arr)
    if isinstance(v, np.ndarray):
        return ("T", v.shape, str(v.dtype), v)
    if isinstance(v, tuple):  # torch.Size, named tuples and plain tuples alike
        return tuple(_normal(x) for x in v)
    if isinstance(v, list):
        return [_normal(x) for x in v]
    return v


def _same(x, y):
    if isinstance(x, tuple) and x and x[0] == "T":
        return isinstance(y, tuple) and y and y[0] == "T" and x[1] == y[1] and x[2] == y[2] and \
            np.allclose(x[3], y[3], equal_nan=True, atol=1e-5)
    if isinstance(x, (tuple, list)):
        return type(x) is type(y) and len(x) == len(y) and all(_same(p, q) for p, q in zip(x, y))
    if isinstance(x, float) or isinstance(y, float):
        return type(x) is type(y) and abs(x - y) < 1e-5
    return type(x) is type(y) and x == y


X = np.arange(12, dtype=np.float32).reshape(3, 4) / 3 - 1.5
def x(m):
    return m.tensor(X)
I = [
 ("tensor_int", lambda m: m.tensor([1, 2, 3])),
 ("Tensor_legacy", lambda m: m.Tensor([1, 2, 3])),
 ("tensor_bool", lambda m: m.tensor([True, False])),
 ("tensor_float", lambda m: m.tensor([1.5, 2])),
 ("tensor_f64", lambda m: m.tensor([1.5], dtype=m.float64)),
 ("int_add", lambda m: m.tensor([1, 2]) + m.tensor([3, 4])),
 ("int32_add", lambda m: m.tensor([1, 2], dtype=m.int32) + m.tensor([3, 4], dtype=m.int32)),
 ("int_plus_float", lambda m: m.tensor([1, 2]) + 2.5),
 ("bool_add", lambda m: m.tensor([True]) + m.tensor([False])),
 ("bool_sum", lambda m: m.tensor([True, True, False]).sum()),
 ("int_sum", lambda m: m.tensor([1, 2]).sum()),
 ("int_div", lambda m: m.tensor([1, 2]) / 2),
 ("int_floordiv", lambda m: m.tensor([5, 7]) // 2),
 ("int_mod", lambda m: m.tensor([5, 7]) % 3),
 ("int_exp", lambda m: m.tensor([1, 2]).exp()),
 ("int_sqrt", lambda m: m.tensor([1, 4]).sqrt()),
 ("big_int", lambda m: (m.tensor([16777217]) + 0).item()),
 ("cmp", lambda m: x(m) > 0),
 ("argmax", lambda m: x(m).argmax()),
 ("argmax_dim", lambda m: x(m).argmax(1)),
 ("argmax_keepdim", lambda m: x(m).argmax(1, keepdim=True)),
 ("max", lambda m: x(m).max()),
 ("max_dim", lambda m: tuple(x(m).max(1))),
 ("max_dim_idx", lambda m: x(m).max(1)[1]),
 ("max_dim_kw", lambda m: x(m).max(dim=0).values),
 ("max_dim_keep", lambda m: x(m).max(1, keepdim=True).indices),
 ("min_dim", lambda m: tuple(x(m).min(0))),
 ("amax", lambda m: x(m).amax(1)),
 ("amin", lambda m: x(m).amin(0)),
 ("max_fn", lambda m: m.max(x(m), 1)[0]),
 ("max_other", lambda m: m.max(x(m), m.zeros(3, 4))),
 ("sum_fn", lambda m: m.sum(x(m), 1)),
 ("sum_dim_tuple", lambda m: x(m).sum((0, 1))),
 ("sum_keepdim", lambda m: x(m).sum(dim=1, keepdim=True)),
 ("mean", lambda m: x(m).mean()),
 ("mean_dim", lambda m: x(m).mean(0)),
 ("std", lambda m: x(m).std()),
 ("std_dim", lambda m: x(m).std(1)),
 ("var_unb", lambda m: x(m).var(0, unbiased=False)),
 ("var_corr", lambda m: x(m).var(1, correction=0)),
 ("norm", lambda m: x(m).norm()),
 ("norm_dim", lambda m: x(m).norm(dim=1)),
 ("norm_p1", lambda m: x(m).norm(p=1)),
 ("prod", lambda m: m.tensor([1., 2., 3.]).prod()),
 ("cumsum", lambda m: x(m).cumsum(1)),
 ("abs", lambda m: x(m).abs()),
 ("sqrt", lambda m: x(m).abs().sqrt()),
 ("rsqrt", lambda m: (x(m).abs() + 1).rsqrt()),
 ("pow", lambda m: x(m) ** 2),
 ("rpow", lambda m: 2 ** x(m)),
 ("pow_fn", lambda m: m.pow(x(m), 3)),
 ("exp", lambda m: x(m).exp()),
 ("log", lambda m: (x(m).abs() + 1).log()),
 ("log1p", lambda m: x(m).abs().log1p()),
 ("sin", lambda m: x(m).sin()),
 ("cos", lambda m: m.cos(x(m))),
 ("clamp", lambda m: x(m).clamp(min=0)),
 ("clamp2", lambda m: x(m).clamp(-0.5, 0.5)),
 ("clip", lambda m: x(m).clip(max=0.1)),
 ("neg", lambda m: -x(m)),
 ("sign", lambda m: x(m).sign()),
 ("maximum", lambda m: m.maximum(x(m), m.zeros(1))),
 ("minimum", lambda m: x(m).minimum(m.ones(4))),
 ("eq", lambda m: x(m).eq(0.5)),
 ("ne", lambda m: x(m).ne(x(m))),
 ("ge", lambda m: x(m).ge(0)),
 ("lt", lambda m: x(m).lt(0)),
 ("masked_fill", lambda m: x(m).masked_fill(x(m) > 0, 0.)),
 ("where", lambda m: m.where(x(m) > 0, x(m), m.zeros(3, 4))),
 ("where_scalar", lambda m: m.where(x(m) > 0, x(m), 0.)),
 ("gather", lambda m: x(m).gather(1, m.tensor([[0], [2], [1]]))),
 ("topk", lambda m: tuple(x(m).topk(2))),
 ("sort", lambda m: tuple(x(m).sort(1, descending=True))),
 ("argsort", lambda m: x(m).argsort(0)),
 ("all", lambda m: (x(m) > -2).all()),
 ("any_dim", lambda m: (x(m) > 0).any(1)),
 ("size", lambda m: x(m).size()),
 ("size_d", lambda m: x(m).size(1)),
 ("size_neg", lambda m: x(m).size(-1)),
 ("shape", lambda m: tuple(x(m).shape)),
 ("dim", lambda m: x(m).dim()),
 ("numel", lambda m: x(m).numel()),
 ("view", lambda m: x(m).view(4, 3)),
 ("view_neg", lambda m: x(m).view(-1)),
 ("view_tuple", lambda m: x(m).view((2, 6))),
 ("view_as", lambda m: x(m).view_as(m.zeros(6, 2))),
 ("reshape", lambda m: x(m).reshape(2, -1)),
 ("unsqueeze", lambda m: x(m).unsqueeze(0).shape),
 ("unsqueeze_neg", lambda m: x(m).unsqueeze(-1).shape),
 ("squeeze", lambda m: m.zeros(1, 3, 1).squeeze().shape),
 ("squeeze_d", lambda m: m.zeros(1, 3, 1).squeeze(0).shape),
 ("expand", lambda m: m.tensor([[1.], [2.]]).expand(2, 3)),
 ("expand_neg", lambda m: m.tensor([[1.], [2.]]).expand(-1, 3)),
 ("expand_as", lambda m: m.tensor([1., 2, 3]).expand_as(x(m)[:, :3])),
 ("repeat", lambda m: m.tensor([1., 2]).repeat(2, 2)),
 ("contiguous", lambda m: x(m).t().contiguous()),
 ("is_contig", lambda m: x(m).t().is_contiguous()),
 ("clone", lambda m: x(m).clone()),
 ("t", lambda m: x(m).t()),
 ("T", lambda m: x(m).T),
 ("transpose", lambda m: x(m).transpose(0, 1)),
 ("permute", lambda m: m.zeros(2, 3, 4).permute(2, 0, 1).shape),
 ("flatten", lambda m: m.zeros(2, 3, 4).flatten(1).shape),
 ("flatten_fn", lambda m: m.flatten(m.zeros(2, 3, 4), 1).shape),
 ("flip", lambda m: x(m).flip(0)),
 ("chunk", lambda m: x(m).chunk(2, 1)),
 ("split", lambda m: x(m).split(1)),
 ("cat", lambda m: m.cat([x(m), x(m)], 1)),
 ("cat_dim0", lambda m: m.cat((x(m), x(m)))),
 ("stack", lambda m: m.stack([x(m), x(m)])),
 ("stack_dim", lambda m: m.stack([x(m), x(m)], dim=1).shape),
 ("index_int", lambda m: x(m)[1]),
 ("index_slice", lambda m: x(m)[:, 1:3]),
 ("index_mask", lambda m: x(m)[x(m) > 0]),
 ("index_tensor", lambda m: x(m)[m.tensor([0, 2])]),
 ("index_inttensor_expr", lambda m: (lambda i: x(m)[i + 1])(m.tensor(0))),
 ("index_list", lambda m: x(m)[[0, 1], [1, 2]]),
 ("index_none", lambda m: x(m)[None].shape),
 ("index_ellipsis", lambda m: x(m)[..., 0]),
 ("zeros", lambda m: m.zeros(2, 3)),
 ("zeros_tuple", lambda m: m.zeros((2, 3))),
 ("ones_dtype", lambda m: m.ones(2, dtype=m.int64)),
 ("full", lambda m: m.full((2, 2), 7.)),
 ("full_int", lambda m: m.full((2,), 7)),
 ("arange", lambda m: m.arange(5)),
 ("arange_f", lambda m: m.arange(0, 1, 0.25)),
 ("linspace", lambda m: m.linspace(0, 1, 5)),
 ("eye", lambda m: m.eye(3)),
 ("zeros_like", lambda m: m.zeros_like(x(m))),
 ("ones_like", lambda m: m.ones_like(m.tensor([1, 2]))),
 ("full_like", lambda m: m.full_like(x(m), 2.)),
 ("rand_shape", lambda m: m.rand(2, 3).shape),
 ("randn_dtype", lambda m: m.randn(2, 3).dtype == m.float32),
 ("randint", lambda m: m.randint(0, 10, (3,)).dtype == m.int64),
 ("from_numpy", lambda m: m.from_numpy(np.array([1., 2.]))),
 ("to_dtype", lambda m: x(m).to(m.float64)),
 ("double", lambda m: x(m).double()),
 ("long", lambda m: x(m).long()),
 ("int", lambda m: x(m).int()),
 ("bool", lambda m: x(m).bool()),
 ("half", lambda m: x(m).half()),
 ("float_from_int", lambda m: m.tensor([1, 2]).float()),
 ("type", lambda m: x(m).type(m.int64)),
 ("dtype_eq", lambda m: x(m).dtype == m.float32),
 ("to_cpu", lambda m: x(m).to("cpu")),
 ("device_str", lambda m: str(x(m).device) == "cpu"),
 ("is_cuda", lambda m: x(m).is_cuda),
 ("item", lambda m: x(m)[0, 0].item()),
 ("tolist", lambda m: m.tensor([[1, 2]]).tolist()),
 ("float()", lambda m: float(m.tensor([2.5]))),
 ("int()", lambda m: int(m.tensor(3.7))),
 ("bool_false", lambda m: bool(m.tensor([0.]))),
 ("bool_true", lambda m: bool(m.tensor(1.))),
 ("if_loss_lt", lambda m: "y" if m.tensor(0.3) < 0.5 else "n"),
 ("format", lambda m: f"{m.tensor(0.123456):.4f}"),
 ("len", lambda m: len(x(m))),
 ("iter", lambda m: [r.shape for r in x(m)]),
 ("index_", lambda m: [10, 20, 30][m.tensor(1)]),
 ("range", lambda m: list(range(m.tensor(3)))),
 ("repr_f", lambda m: repr(m.tensor([1., 2.])).replace("torch", "minigrad")),
 ("repr_i", lambda m: repr(m.tensor(3))),
 ("repr_frac", lambda m: repr(m.tensor([0.5, 1.25]))),
 ("numpy", lambda m: x(m).numpy()),
 ("np_array", lambda m: np.asarray(x(m)).shape),
 ("matmul", lambda m: x(m) @ x(m).t()),
 ("mm", lambda m: x(m).mm(x(m).t())),
 ("matmul_vec", lambda m: x(m) @ m.ones(4)),
 ("softmax", lambda m: x(m).softmax(1)),
 ("softmax_fn", lambda m: m.softmax(x(m), dim=0)),
 ("log_softmax", lambda m: x(m).log_softmax(-1)),
 ("sigmoid", lambda m: m.sigmoid(x(m))),
 ("tanh", lambda m: x(m).tanh()),
 ("relu", lambda m: x(m).relu()),
 ("mean_int_err", lambda m: m.tensor([1, 2]).mean()),
]
def grads(m):
    a = m.tensor(X, requires_grad=True)
    (a * a).sum().backward()
    return a.grad
def ga(name, f):
    def g(m):
        a = m.tensor(X, dtype=m.float64, requires_grad=True)
        f(m, a).sum().backward() if hasattr(f(m, a), "sum") else None
        return a.grad
    return (name, g)
I += [
 ("grad_basic", grads),
 ga("g_max_dim", lambda m, a: a.max(1)[0]),
 ga("g_maxall", lambda m, a: a.max()),
 ga("g_std", lambda m, a: a.std(1)),
 ga("g_norm", lambda m, a: a.norm()),
 ga("g_where", lambda m, a: m.where(a > 0, a, a * 2)),
 ga("g_gather", lambda m, a: a.gather(1, m.tensor([[0], [2], [1]]))),
 ga("g_cat", lambda m, a: m.cat([a, a * 2], 1) ** 2),
 ga("g_stack", lambda m, a: m.stack([a, a * 3]) ** 2),
 ga("g_expand", lambda m, a: a[:, :1].expand(3, 5) * 2),
 ga("g_repeat", lambda m, a: a.repeat(2, 1) ** 2),
 ga("g_clamp", lambda m, a: a.clamp(-0.5, 0.5)),
 ga("g_abs", lambda m, a: a.abs()),
 ga("g_masked", lambda m, a: a.masked_fill(a > 0, 0.) ** 2),
 ga("g_topk", lambda m, a: a.topk(2)[0] ** 2),
 ga("g_sort", lambda m, a: a.sort(1)[0] * m.arange(4)),
 ga("g_flip", lambda m, a: a.flip(1) * m.arange(4)),
 ga("g_maximum", lambda m, a: m.maximum(a, m.zeros(1, dtype=m.float64))),
 ga("g_setitem", lambda m, a: (lambda y: (y.__setitem__(0, 0.), y)[1])(a * 2)),
 ga("g_iadd", lambda m, a: (lambda y: y.__iadd__(1) * y)(a * 2)),
 ga("g_view_inplace", lambda m, a: (lambda y: (y[:, 1].mul_(2), y * y)[1])(a * 1)),
 ga("g_item_iadd", lambda m, a: (lambda y: (y.__setitem__(0, y[0] + 1), y * y)[1])(a * 1)),
 ga("g_pow0", lambda m, a: m.zeros(3, 4, dtype=m.float64) ** a),
 ga("g_prod", lambda m, a: (a + 3).prod(1)),
 ga("g_cumsum", lambda m, a: a.cumsum(1) ** 2),
 ga("g_var", lambda m, a: a.var(0)),
]
def sgd(m):
    w = m.tensor([1., 2.], requires_grad=True)
    (w * w).sum().backward()
    with m.no_grad():
        w -= 0.1 * w.grad
    return w
def alias(m):
    x = m.tensor([1., 2.]); y = x; x += 1; return y
def viewalias(m):
    x = m.tensor([[1., 2.], [3, 4]]); v = x[0]; x += 1; return v
def setmask(m):
    x = m.tensor([1., -2., 3.]); x[x < 0] = 0; return x
def setidx(m):
    x = m.zeros(2, 2); x[0, 1] = 5.; return x
def set_tensor(m):
    x = m.zeros(3); x[m.tensor([0, 2])] = m.tensor([1., 2.]); return x
def leaf_err(m):
    w = m.tensor([1.], requires_grad=True); w += 1
def version_err(m):
    a = m.tensor([1., 2.], requires_grad=True); b = a.exp(); b += 1; b.sum().backward()
def retain(m):
    a = m.tensor([1., 2.], requires_grad=True); y = (a * a).sum(); y.backward(retain_graph=True); y.backward(); return a.grad
def zero_grad(m):
    a = m.tensor([1., 2.], requires_grad=True); (a * a).sum().backward(); a.grad.zero_(); return a.grad
def gnorm(m):
    a = m.tensor([1., 2.], requires_grad=True); (a * a).sum().backward(); return a.grad.norm()
def detach(m):
    a = m.tensor([1., 2.], requires_grad=True); return (a * 2).detach().requires_grad
def nograd(m):
    a = m.tensor([1., 2.], requires_grad=True)
    with m.no_grad(): b = a * 2
    return b.requires_grad
def setgrad(m):
    a = m.tensor([1., 2.], requires_grad=True)
    with m.set_grad_enabled(False): b = a * 2
    return b.requires_grad
def inplace_ops(m):
    x = m.ones(3); x.add_(1); x.mul_(3); x.sub_(1); x.div_(2); x.clamp_(max=2); return x
def fill(m):
    x = m.ones(3); x.fill_(4); return x
def copy(m):
    x = m.ones(3); x.copy_(m.tensor([1., 2, 3])); return x
def zero(m):
    x = m.ones(3); x.zero_(); return x
def grad_is_tensor(m):
    a = m.tensor([1., 2.], requires_grad=True); (a * 3).sum().backward(); return type(a.grad).__name__ == "Tensor"
def user_fn(m):
    return "ok"
def backward_G(m):
    x = m.tensor([1., 2.], requires_grad=True); G = m.tensor([1., 1.]); (x + 1).backward(G); return x.grad is G
def requires_grad_(m):
    return m.zeros(2).requires_grad_().requires_grad
def leaf(m):
    a = m.tensor([1.], requires_grad=True); return (a.is_leaf, (a * 2).is_leaf)
def int_inplace_float(m):
    x = m.tensor([1, 2]); x += 1.5; return x
def sum_bool_dtype(m):
    return (m.tensor([1., 2.]) > 1).sum().dtype == m.int64
J = [
 ("acc_idiom", lambda m: (m.tensor([1, 2, 3]) == m.tensor([1, 0, 3])).float().mean()),
 ("mnist_correct", lambda m: (lambda out, t: out.argmax(dim=1, keepdim=True).eq(t.view_as(out.argmax(dim=1, keepdim=True))).sum().item())(m.tensor([[0.1, 0.9], [0.8, 0.2]]), m.tensor([1, 1]))),
 ("max_keepdim", lambda m: m.tensor([[1., 2.], [4., 3.]]).max(dim=1, keepdim=True)[0]),
 ("argmax_fn", lambda m: m.argmax(m.tensor([[1., 2.], [4., 3.]]), dim=1)),
 ("sum_neg", lambda m: m.tensor([[1., 2.], [4., 3.]]).sum(-1)),
 ("mean_tuple", lambda m: m.tensor([[1., 2.], [4., 3.]]).mean((0, 1))),
 ("std_unb_false", lambda m: m.tensor([1., 2., 4.]).std(unbiased=False)),
 ("new_zeros", lambda m: m.tensor([1, 2]).new_zeros(2, 3)),
 ("new_ones", lambda m: m.ones(2, dtype=m.float64).new_ones((2,))),
 ("new_full", lambda m: m.ones(2).new_full((2,), 3.)),
 ("new_tensor", lambda m: m.ones(2).new_tensor([1, 2])),
 ("type_as", lambda m: m.tensor([1, 2]).type_as(m.ones(1))),
 ("index_select", lambda m: m.tensor([[1., 2.], [4., 3.]]).index_select(1, m.tensor([1, 0, 1]))),
 ("abs_", lambda m: m.tensor([-1., 2.]).abs_()),
 ("detach_cpu_numpy", lambda m: m.tensor([1., 2.], requires_grad=True).mul(2).detach().cpu().numpy()),
 ("argmax_item", lambda m: m.tensor([1., 5., 2.]).argmax().item()),
 ("item_int", lambda m: m.tensor([3]).item()),
 ("sum_item_type", lambda m: type(m.tensor([1, 2]).sum().item()).__name__),
 ("zeros_normal_", lambda m: m.zeros(2, 3).normal_().shape),
 ("float64_numpy_tensor", lambda m: m.tensor(np.array([1.5]), dtype=m.float64)),
 ("unique", lambda m: m.tensor([3, 1, 3]).unique()),
 ("sum_dim_kw_tuple", lambda m: m.ones(2, 3, 4).sum(dim=(0, 2))),
 ("exp_fn", lambda m: m.exp(m.tensor([0., 1.]))),
 ("log_softmax_fn", lambda m: m.log_softmax(m.tensor([[0., 1.]]), 1)),
 ("stack_ints", lambda m: m.stack([m.tensor([1, 2]), m.tensor([3, 4])])),
 ("cat_mixed", lambda m: m.cat([m.tensor([1, 2]), m.tensor([3.])])),
 ("where_bool_ints", lambda m: m.where(m.tensor([True, False]), m.tensor([1, 2]), m.tensor([3, 4]))),
 ("clamp_int", lambda m: m.tensor([1, 5, 9]).clamp(2, 6)),
 ("neg_int", lambda m: -m.tensor([1, 2])),
 ("pow_int", lambda m: m.tensor([2, 3]) ** 2),
 ("int_mul_float_tensor", lambda m: m.tensor([2, 3]) * m.tensor([0.5, 0.5])),
 ("randperm", lambda m: m.randperm(5).dtype == m.int64),
 ("view_minus1_keep", lambda m: m.zeros(4, 3, 2).view(4, -1).shape),
 ("x_view_size", lambda m: (lambda x: x.view(x.size(0), -1).shape)(m.zeros(4, 3, 2))),
 ("flatten_start1", lambda m: m.flatten(m.zeros(4, 3, 2), 1).shape),
 ("retain_grad", lambda m: (lambda a: (lambda h: (h.retain_grad(), (h * h).sum().backward(), h.grad)[2])(a * 2))(m.tensor([1., 2.], requires_grad=True))),
 ("stale_view", lambda m: (lambda a: (lambda y: (lambda v: (y.mul_(a), (v * 3).sum().backward(), a.grad)[2])(y[1]))(a * 2))(m.tensor([1., 2.], requires_grad=True))),
 ("eq_none", lambda m: m.tensor([1.]) == None),
 ("in_list", lambda m: m.tensor(1) in [m.tensor(1)]),
 ("sorted_values", lambda m: m.tensor([3., 1., 2.]).sort().values),
 ("numel_fn", lambda m: m.numel(m.zeros(2, 3))),
 ("is_tensor", lambda m: m.is_tensor(m.zeros(1))),
 ("ones_int_sum", lambda m: m.ones(3, dtype=m.int32).sum()),
 ("lt_scalar_item", lambda m: (m.tensor(1.5) < 2).item()),
 ("matmul_int", lambda m: m.tensor([[1, 2]]) @ m.tensor([[3], [4]])),
 ("requires_grad_attr", lambda m: m.tensor([1.], requires_grad=True).requires_grad),
 ("grad_none", lambda m: m.tensor([1.], requires_grad=True).grad),
 ("transpose_neg", lambda m: m.zeros(2, 3, 4).transpose(-1, -2).shape),
 ("mT", lambda m: m.zeros(2, 3, 4).mT.shape),
 ("one_hot_scatter_", lambda m: m.zeros(3, 4).scatter_(1, m.tensor([2, 0, 3]).unsqueeze(1), 1)),
 ("scatter_add_fn", lambda m: m.scatter_add(m.zeros(5), 0, m.tensor([0, 1, 1, 4]), m.ones(4))),
 ("split_sizes", lambda m: [t.shape for t in m.arange(10).split([3, 7])]),
 # a float32 model given float64 data: torch refuses rather than compute in float64
 ("linear_float64_input", lambda m: m.nn.Linear(3, 2)(m.ones(1, 3, dtype=m.float64))),
 ("conv_float64_input", lambda m: m.nn.Conv2d(1, 1, 3)(m.ones(1, 1, 4, 4, dtype=m.float64))),
 ("matmul_mixed_dtypes", lambda m: m.ones(2, 2) @ m.ones(2, 2, dtype=m.float64)),
 ("matmul_int_float", lambda m: m.ones(2, 2, dtype=m.int64) @ m.ones(2, 2)),
 ("matmul_same_dtype", lambda m: m.ones(2, 2, dtype=m.float64) @ m.ones(2, 2, dtype=m.float64)),
 # view never copies: where it would have to, torch refuses (writes through a copy would be lost)
 ("view_of_transpose", lambda m: m.arange(6.).reshape(2, 3).t().view(-1)),
 ("view_of_column_slice", lambda m: m.arange(6.).reshape(2, 3)[:, 1:].view(4)),
 ("view_of_expand", lambda m: m.arange(3.).expand(2, 3).view(6)),
 ("view_strided_same_shape", lambda m: m.arange(6.).reshape(2, 3)[:, ::2].view(2, 2)),
 ("view_transpose_split", lambda m: m.arange(6.).reshape(2, 3).t().view(3, 2)),
 ("view_writes_through", lambda m: (lambda x: (x[:, 0].view(2).fill_(9), x)[1])(m.zeros(2, 3))),
 ("negative_step", lambda m: m.arange(6.)[::-1]),
 ("zero_step", lambda m: m.arange(6.)[::0]),
 # batch norm's options, and inputs PyTorch accepts
 ("bn_repr", lambda m: repr(m.nn.BatchNorm2d(4))),
 ("bn_repr_options", lambda m: repr(m.nn.BatchNorm1d(3, momentum=None, affine=False, track_running_stats=False))),
 ("bn_no_affine_keys", lambda m: sorted(m.nn.BatchNorm2d(3, affine=False).state_dict())),
 ("bn_no_stats_keys", lambda m: sorted(m.nn.BatchNorm2d(3, track_running_stats=False).state_dict())),
 ("bn_no_bias", lambda m: m.nn.BatchNorm2d(3, bias=False).bias is None),
 ("bn_cumulative_average", lambda m: (lambda b: ([b(m.arange(24.).reshape(4, 3, 2) * k) for k in (1, 2, 3)],
                                                 b.running_mean)[1])(m.nn.BatchNorm1d(3, momentum=None))),
 ("bn_untracked_eval_uses_batch", lambda m: (lambda b: b.eval()(m.arange(12.).reshape(4, 3)))(
     m.nn.BatchNorm1d(3, affine=False, track_running_stats=False))),
 ("bn1d_three_d", lambda m: m.nn.BatchNorm1d(3, affine=False)(m.arange(24.).reshape(2, 3, 4))),
 ("bn1d_four_d_err", lambda m: m.nn.BatchNorm1d(3)(m.ones(2, 3, 2, 2))),
 ("bn2d_three_d_err", lambda m: m.nn.BatchNorm2d(3)(m.ones(2, 3, 2))),
 ("conv_one_image", lambda m: m.nn.functional.conv2d(m.arange(32.).reshape(2, 4, 4), m.ones(3, 2, 3, 3))),
 ("max_pool_one_image", lambda m: m.nn.functional.max_pool2d(m.arange(32.).reshape(2, 4, 4), 2)),
 ("adaptive_pool_one_image", lambda m: m.nn.functional.adaptive_avg_pool2d(m.arange(32.).reshape(2, 4, 4), 1)),
 ("load_state_dict_unexpected_key", lambda m: m.nn.Linear(2, 2).load_state_dict(
     {"weight": m.ones(2, 2), "bias": m.ones(2), "junk": m.ones(1)})),
 ("load_state_dict_shape_mismatch", lambda m: m.nn.Linear(2, 2).load_state_dict({"weight": m.ones(3, 2),
                                                                                 "bias": m.ones(2)})),
]
SCENARIOS = [sgd, alias, viewalias, setmask, setidx, set_tensor, leaf_err, version_err, retain, zero_grad, gnorm,
           detach, nograd, setgrad, inplace_ops, fill, copy, zero, grad_is_tensor, backward_G, requires_grad_,
           leaf, int_inplace_float, sum_bool_dtype]


IDIOMS = I + J + [(f.__name__, f) for f in SCENARIOS]


@pytest.mark.parametrize("name, idiom", IDIOMS, ids=[n for n, _ in IDIOMS])
def test_idiom_matches_torch(name, idiom):
    try:
        expected = idiom(torch)
    except Exception as e:  # torch refuses: minigrad must refuse too, with the same kind of error
        with pytest.raises(type(e) if not isinstance(e, RuntimeError) else RuntimeError):
            idiom(minigrad)
        return
    got = idiom(minigrad)
    assert _same(_normal(got), _normal(expected)), f"{name}: minigrad gives {got!r}, torch {expected!r}"
