"""F.scaled_dot_product_attention against torch 2.13: values, dtypes, errors and the gradients of
query, key, value and a float mask, with boolean and float masks, is_causal, scale, grouped-query
heads, rows that can see no key, empty inputs; a float64 gradient check with a random upstream
gradient; dropout from minigrad's seeded source; nanoGPT's causal self-attention block."""
import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from helpers import check_op, torch
from test_losses_more import _run

TF = torch.nn.functional if torch is not None else None
needs_torch = pytest.mark.skipif(torch is None, reason="needs torch==2.13.0 as the oracle")
rs = np.random.default_rng(0)


def R(*shape, dtype=np.float32):
    return rs.standard_normal(shape).astype(dtype)


MASK = np.zeros((4, 5), bool)
MASK[1:, :2] = True
MASK[2:, 4] = True  # row 0 sees no key at all


def attention(f, q, k, v, **kw):
    return f.scaled_dot_product_attention(q, k, v, **kw)


CASES = [
    ("plain", lambda f, q, k, v: attention(f, q, k, v), [R(2, 3, 4, 8), R(2, 3, 5, 8), R(2, 3, 5, 6)], "ggg"),
    ("float64", lambda f, q, k, v: attention(f, q, k, v),
     [R(2, 3, 4, 8, dtype=np.float64), R(2, 3, 5, 8, dtype=np.float64), R(2, 3, 5, 6, dtype=np.float64)], "ggg"),
    ("boolean mask, a row that sees nothing", lambda f, q, k, v, m: attention(f, q, k, v, attn_mask=m),
     [R(2, 3, 4, 8), R(2, 3, 5, 8), R(2, 3, 5, 6), MASK], "gggc"),
    ("float mask, with its gradient", lambda f, q, k, v, m: attention(f, q, k, v, attn_mask=m),
     [R(2, 3, 4, 8), R(2, 3, 5, 8), R(2, 3, 5, 6), R(4, 5)], "gggg"),
    ("float mask with a row of -inf", lambda f, q, k, v, m: attention(f, q, k, v, attn_mask=m),
     [R(2, 3, 4, 8), R(2, 3, 5, 8), R(2, 3, 5, 6), np.where(MASK, 0, -np.inf).astype(np.float32)], "gggc"),
    ("causal", lambda f, q, k, v: attention(f, q, k, v, is_causal=True), [R(2, 3, 4, 8), R(2, 3, 5, 8), R(2, 3, 5, 6)],
     "ggg"),
    ("causal, more queries than keys", lambda f, q, k, v: attention(f, q, k, v, is_causal=True),
     [R(2, 6, 8), R(2, 3, 8), R(2, 3, 6)], "ggg"),
    ("scale", lambda f, q, k, v: attention(f, q, k, v, scale=0.7), [R(2, 4, 8), R(2, 5, 8), R(2, 5, 6)], "ggg"),
    ("negative scale", lambda f, q, k, v: attention(f, q, k, v, scale=-0.3), [R(2, 4, 8), R(2, 5, 8), R(2, 5, 6)],
     "ggg"),
    ("2-D", lambda f, q, k, v: attention(f, q, k, v), [R(4, 8), R(5, 8), R(5, 6)], "ggg"),
    ("batch dims broadcast", lambda f, q, k, v: attention(f, q, k, v), [R(2, 3, 4, 8), R(1, 1, 5, 8), R(1, 1, 5, 6)],
     "ggg"),
    ("grouped-query heads", lambda f, q, k, v: attention(f, q, k, v, enable_gqa=True),
     [R(2, 6, 4, 8), R(2, 3, 5, 8), R(2, 3, 5, 6)], "ggg"),
    ("grouped-query heads that do not divide", lambda f, q, k, v: attention(f, q, k, v, enable_gqa=True),
     [R(2, 6, 4, 8), R(2, 4, 5, 8), R(2, 4, 5, 6)], "ggg"),
    ("3-D boolean mask broadcast", lambda f, q, k, v, m: attention(f, q, k, v, attn_mask=m),
     [R(2, 3, 4, 8), R(2, 3, 5, 8), R(2, 3, 5, 6), rs.random((3, 4, 5)) > .3], "gggc"),
    ("1-D query", lambda f, q, k, v: attention(f, q, k, v), [R(8), R(5, 8), R(5, 6)], "ggg"),
    ("dtypes differ", lambda f, q, k, v: attention(f, q, k, v), [R(4, 8), R(5, 8), R(5, 6, dtype=np.float64)], "ggg"),
    ("int64 mask", lambda f, q, k, v, m: attention(f, q, k, v, attn_mask=m),
     [R(4, 8), R(5, 8), R(5, 6), MASK.astype(np.int64)], "gggc"),
    ("float64 mask", lambda f, q, k, v, m: attention(f, q, k, v, attn_mask=m),
     [R(4, 8), R(5, 8), R(5, 6), MASK.astype(np.float64)], "gggc"),
    ("causal and a mask", lambda f, q, k, v, m: attention(f, q, k, v, attn_mask=m, is_causal=True),
     [R(4, 8), R(5, 8), R(5, 6), MASK], "gggc"),
    ("mask of a wrong size", lambda f, q, k, v, m: attention(f, q, k, v, attn_mask=m),
     [R(4, 8), R(5, 8), R(5, 6), MASK[:, :3]], "gggc"),
    ("mask larger than the scores", lambda f, q, k, v, m: attention(f, q, k, v, attn_mask=m),
     [R(4, 8), R(5, 8), R(5, 6), np.zeros((3, 4, 5), bool)], "gggc"),
    ("no keys", lambda f, q, k, v: attention(f, q, k, v), [R(4, 8), R(0, 8), R(0, 6)], "ggg"),
    ("no queries", lambda f, q, k, v: attention(f, q, k, v), [R(0, 8), R(5, 8), R(5, 6)], "ggg"),
    ("dropout_p=1", lambda f, q, k, v: attention(f, q, k, v, dropout_p=1.0), [R(4, 8), R(5, 8), R(5, 6)], "ggg"),
]


@needs_torch
@pytest.mark.parametrize("name, fn, arrays, kinds", CASES, ids=[c[0] for c in CASES])
def test_attention_matches_torch(name, fn, arrays, kinds, device):
    ours, theirs = _run("minigrad", fn, arrays, kinds, device), _run("torch", fn, arrays, kinds, device)
    if isinstance(theirs[0], type):
        assert ours[0] is theirs[0], f"{name}: minigrad gave {ours}, torch raised {theirs}"
        assert ours[1].startswith(theirs[1][:40]), f"{name}: {ours[1]!r} vs torch's {theirs[1]!r}"
        return
    assert not isinstance(ours[0], type), f"{name}: minigrad raised {ours}"
    assert ours[0] == theirs[0]
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-5, atol=1e-6)
    for k, (g, tg) in enumerate(zip(ours[2], theirs[2])):
        assert (g is None) == (tg is None)
        if g is not None:
            np.testing.assert_allclose(g, tg, rtol=1e-5, atol=1e-5, err_msg=f"{name}: input {k}")


def test_integer_inputs_are_refused():
    q = minigrad.ones(4, 8, dtype=minigrad.int32)
    with pytest.raises(RuntimeError, match="expected scalar type Float"):
        F.scaled_dot_product_attention(q, q, q)


@pytest.mark.parametrize("kw", [dict(), dict(is_causal=True), dict(scale=0.3), dict(mask=True)])
def test_attention_passes_a_float64_gradient_check(kw, device):
    mask = minigrad.tensor(MASK, device=device) if kw.pop("mask", False) else None
    arrays = [R(2, 4, 3, dtype=np.float64), R(2, 5, 3, dtype=np.float64), R(2, 5, 2, dtype=np.float64)]
    check_op(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=mask, **kw), arrays, device)


def test_dropout_draws_from_the_seeded_source_and_scales_the_kept_weights(device):
    q, k, v = (minigrad.tensor(R(2, 16, 4), device=device) for _ in range(3))
    minigrad.manual_seed(5)
    first = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    minigrad.manual_seed(5)
    np.testing.assert_array_equal(F.scaled_dot_product_attention(q, k, v, dropout_p=0.5).numpy(), first.numpy())
    identity = minigrad.tensor(np.eye(16, dtype=np.float32)[None].repeat(2, 0), device=device)
    weights = F.scaled_dot_product_attention(q, k, identity, dropout_p=0.5).numpy()  # the dropped weights
    plain = F.scaled_dot_product_attention(q, k, identity).numpy()
    kept = weights != 0
    assert 0.3 < kept.mean() < 0.7
    np.testing.assert_allclose(weights[kept], plain[kept] * 2, rtol=1e-5)  # survivors scaled by 1 / (1 - p)


@needs_torch
def test_nanogpt_causal_self_attention_matches_torch():
    """nanoGPT's CausalSelfAttention.forward (model.py), with the same weights: the flash path."""
    B, T, C, n_head = 2, 5, 8, 2
    x, w, b = R(B, T, C), R(3 * C, C) * 0.3, R(3 * C) * 0.1

    def block(lib, f, x, w, b):
        q, k, v = f.linear(x, w, b).split(C, dim=2)
        k = k.view(B, T, n_head, C // n_head).transpose(1, 2)
        q = q.view(B, T, n_head, C // n_head).transpose(1, 2)
        v = v.view(B, T, n_head, C // n_head).transpose(1, 2)
        y = f.scaled_dot_product_attention(q, k, v, attn_mask=None, dropout_p=0.0, is_causal=True)
        return y.transpose(1, 2).contiguous().view(B, T, C)
    ours = _run("minigrad", lambda f, *a: block(minigrad, f, *a), [x, w, b], "ggg", "cpu")
    theirs = _run("torch", lambda f, *a: block(torch, f, *a), [x, w, b], "ggg", "cpu")
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-5, atol=1e-6)
    for g, tg in zip(ours[2], theirs[2]):
        np.testing.assert_allclose(g, tg, rtol=1e-4, atol=1e-5)


# ---- nn.MultiheadAttention ---------------------------------------------------------------------

MHA_CONFIGS = [
    (dict(embed_dim=8, num_heads=2), dict(), (5, 2, 8), (6, 2, 8)),
    (dict(embed_dim=8, num_heads=2, batch_first=True), dict(), (2, 5, 8), (2, 6, 8)),
    (dict(embed_dim=8, num_heads=2), dict(need_weights=False), (5, 2, 8), (6, 2, 8)),
    (dict(embed_dim=8, num_heads=2), dict(average_attn_weights=False), (5, 2, 8), (6, 2, 8)),
    (dict(embed_dim=8, num_heads=4, add_bias_kv=True, add_zero_attn=True), dict(), (5, 2, 8), (6, 2, 8)),
    (dict(embed_dim=8, num_heads=2, kdim=3, vdim=5), dict(), (5, 2, 8), None),
    (dict(embed_dim=8, num_heads=2, bias=False), dict(), (5, 8), (6, 8)),
    (dict(embed_dim=8, num_heads=2), dict(key_padding_mask=np.array([[False] * 5 + [True], [False] * 6])),
     (5, 2, 8), (6, 2, 8)),
    (dict(embed_dim=8, num_heads=2), dict(attn_mask=np.triu(np.ones((5, 6), bool), 1)), (5, 2, 8), (6, 2, 8)),
    (dict(embed_dim=8, num_heads=2), dict(attn_mask=np.triu(np.ones((5, 6), bool), 1), need_weights=False),
     (5, 2, 8), (6, 2, 8)),
    (dict(embed_dim=8, num_heads=2), dict(attn_mask=np.triu(np.ones((5, 5), bool), 1), is_causal=True,
                                          need_weights=False), (5, 2, 8), (5, 2, 8)),
    (dict(embed_dim=8, num_heads=2), dict(attn_mask=R(4, 5, 6)), (5, 2, 8), (6, 2, 8)),
]


@needs_torch
@pytest.mark.parametrize("config, call, q_shape, kv_shape", MHA_CONFIGS,
                         ids=[f"{c}{sorted(k)}" for c, k, _, _ in MHA_CONFIGS])
def test_multihead_attention_matches_torch(config, call, q_shape, kv_shape):
    torch.manual_seed(0)
    theirs, ours = torch.nn.MultiheadAttention(**config), minigrad.nn.MultiheadAttention(**config)
    assert repr(ours) == repr(theirs)
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    ours.load_state_dict({k: minigrad.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    q = R(*q_shape)
    k, v = (R(*kv_shape), R(*kv_shape)) if kv_shape else (R(5, 2, 3), R(5, 2, 5))
    t_in = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    m_in = [minigrad.tensor(a, requires_grad=True) for a in (q, k, v)]
    t_out, t_weights = theirs(*t_in, **{n: torch.tensor(a) if hasattr(a, "shape") else a for n, a in call.items()})
    m_out, m_weights = ours(*m_in, **{n: minigrad.tensor(a) if hasattr(a, "shape") else a for n, a in call.items()})
    np.testing.assert_allclose(m_out.numpy(), t_out.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert (m_weights is None) == (t_weights is None)
    if t_weights is not None:
        np.testing.assert_allclose(m_weights.numpy(), t_weights.detach().numpy(), rtol=1e-5, atol=1e-6)
    upstream = R(*t_out.shape)
    (t_out * torch.tensor(upstream)).sum().backward()
    (m_out * minigrad.tensor(upstream)).sum().backward()
    for t, m in zip(t_in, m_in):
        np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-6)
    ours_params = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(ours_params[name].grad.numpy(), p.grad.numpy(), rtol=1e-4, atol=1e-6,
                                   err_msg=name)


def test_multihead_attention_passes_a_float64_gradient_check(device):
    layer = minigrad.nn.MultiheadAttention(4, 2, dtype=minigrad.float64, device=device, add_bias_kv=True)
    check_op(lambda q, k, v: layer(q, k, v)[0], [R(3, 2, 4, dtype=np.float64), R(5, 2, 4, dtype=np.float64),
                                               R(5, 2, 4, dtype=np.float64)], device)


def test_multihead_attention_refuses_what_torch_refuses():
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        minigrad.nn.MultiheadAttention(6, 4)
    with pytest.raises(ValueError, match="embed_dim and num_heads must be greater than 0"):
        minigrad.nn.MultiheadAttention(0, 1)
    layer = minigrad.nn.MultiheadAttention(4, 2)
    x = minigrad.randn(3, 2, 4)
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        layer(x, x, x, is_causal=True)
    with pytest.raises(RuntimeError, match=r"The shape of the 2D attn_mask is"):
        layer(x, x, x, attn_mask=minigrad.zeros(2, 3, dtype=minigrad.bool))
