"""The Transformer family (nn.TransformerEncoderLayer, TransformerDecoderLayer, TransformerEncoder,
TransformerDecoder, Transformer) against torch 2.13: torch's state_dict loaded with strict=True, then
the output and the gradient of every input and every parameter compared in float64 (evaluation mode,
dropout 0), for batch_first and norm_first both ways, causal masks (generate_square_subsequent_mask,
with and without the is_causal hint), key padding masks, gelu / callable / Module activations, bias=False,
one sequence; the nested-tensor path of TransformerEncoder (padded positions 0) under no_grad; reprs,
warnings and errors; Xavier re-initialisation and deep-copied layers; pytorch/examples'
word_language_model TransformerModel; a float64 gradient check of one encoder layer."""
import copy
import math
import warnings

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
from helpers import host, torch
from minigrad.gradcheck import gradcheck

needs_torch = pytest.mark.skipif(torch is None, reason="needs torch==2.13.0 as the oracle")
E, NHEAD, FF, S, T, N = 8, 2, 16, 5, 4, 3  # features, heads, feed-forward width, source / target length, batch
rs = np.random.default_rng(0)


def R(*shape):
    return rs.standard_normal(shape)


def seq(length, batch_first):
    return (N, length, E) if batch_first else (length, N, E)


def causal(lib, n):
    return lib.nn.Transformer.generate_square_subsequent_mask(n, dtype=lib.float64)


KPM_S = np.array([[False] * 3 + [True] * 2, [False] * S, [False, True, False, False, True]])
KPM_T = np.array([[False] * T, [False] * 3 + [True], [True] + [False] * 3])


def quiet(build, lib, train=False, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # enable_nested_tensor's warning: checked on its own below
        return build(lib.nn, **kw).train(train)


def torch_state_into(ours, theirs, device="cpu"):
    """torch's state_dict into minigrad's module: the same keys, strict=True."""
    ours.load_state_dict({k: minigrad.tensor(v.detach().numpy(), dtype=v.detach().numpy().dtype, device=device)
                          for k, v in theirs.state_dict().items()}, strict=True)


def run(lib, module, arrays, call, device="cpu"):
    """call(lib, module, *tensors) on arrays ('g': needs a gradient, 'c': a constant), then backward
    of a random upstream gradient; returns the output and the tensors."""
    tensors = [torch.tensor(a, requires_grad=k == "g") if lib is torch else
               minigrad.tensor(a, dtype=a.dtype, device=device, requires_grad=k == "g") for a, k in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # bool padding masks beside float masks: checked on its own below
        out = call(lib, module, *tensors)
    upstream = np.random.default_rng(1).standard_normal(tuple(out.shape))
    out.backward(torch.tensor(upstream) if lib is torch else
                 minigrad.tensor(upstream, dtype=minigrad.float64, device=device))
    return out, tensors


def compare_with_torch(build, arrays, call, device, rtol=1e-9, atol=1e-11, train=False):
    """build(nn, dtype=, device=) in both libraries, torch's weights into minigrad's, then the output
    and the gradients of every input and parameter compared."""
    theirs = quiet(build, torch, train, dtype=torch.float64)
    ours = quiet(build, minigrad, train, dtype=minigrad.float64, device=device)
    torch_state_into(ours, theirs, device)
    t_out, t_in = run(torch, theirs, arrays, call)
    m_out, m_in = run(minigrad, ours, arrays, call, device)
    assert m_out.dtype == minigrad.float64 and tuple(m_out.shape) == tuple(t_out.shape)
    np.testing.assert_allclose(host(m_out), t_out.detach().numpy(), rtol=rtol, atol=atol, err_msg="output")
    for k, (m, t) in enumerate(zip(m_in, t_in)):
        if t.requires_grad:
            np.testing.assert_allclose(host(m.grad), t.grad.numpy(), rtol=rtol, atol=atol, err_msg=f"input {k}")
    ours_params = dict(ours.named_parameters())
    assert list(ours_params) == [name for name, _ in theirs.named_parameters()]
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(host(ours_params[name].grad), p.grad.numpy(), rtol=rtol, atol=atol, err_msg=name)


# ---- one encoder layer ----------------------------------------------------------------------------

def encoder_layer(batch_first=False, norm_first=False, **kw):
    return lambda lib_nn, **f: lib_nn.TransformerEncoderLayer(E, NHEAD, FF, 0.0, batch_first=batch_first,
                                                              norm_first=norm_first, **kw, **f)


def encoder_layer_cases():
    cases = []
    for bf in (False, True):
        for nf in (False, True):
            tag = f"batch_first={bf}, norm_first={nf}"
            x = (R(*seq(S, bf)), "g")
            cases += [
                (f"{tag}", encoder_layer(bf, nf), [x], lambda lib, m, x: m(x)),
                (f"{tag}, causal mask and is_causal", encoder_layer(bf, nf), [x],
                 lambda lib, m, x: m(x, src_mask=causal(lib, S), is_causal=True)),
                (f"{tag}, causal mask without the hint", encoder_layer(bf, nf), [x],
                 lambda lib, m, x: m(x, src_mask=causal(lib, S))),
                (f"{tag}, key padding mask", encoder_layer(bf, nf), [x, (KPM_S, "c")],
                 lambda lib, m, x, kpm: m(x, src_key_padding_mask=kpm)),
                (f"{tag}, causal and key padding masks", encoder_layer(bf, nf), [x, (KPM_S, "c")],
                 lambda lib, m, x, kpm: m(x, src_mask=causal(lib, S), src_key_padding_mask=kpm, is_causal=True)),
            ]
    x = (R(S, N, E), "g")
    cases += [
        ("gelu", encoder_layer(activation="gelu"), [x], lambda lib, m, x: m(x)),
        ("a callable activation", encoder_layer(activation=lambda v: v.tanh() * 2), [x], lambda lib, m, x: m(x)),
        ("F.gelu", encoder_layer(norm_first=True), [x], lambda lib, m, x: m(x)),
        ("bias=False", encoder_layer(bias=False), [x], lambda lib, m, x: m(x)),
        ("layer_norm_eps", encoder_layer(layer_norm_eps=0.5), [x], lambda lib, m, x: m(x)),
        ("float mask", encoder_layer(), [x, (R(S, S), "c")], lambda lib, m, x, mask: m(x, src_mask=mask)),
        ("boolean mask", encoder_layer(), [x, (np.triu(np.ones((S, S), bool), 2), "c")],
         lambda lib, m, x, mask: m(x, src_mask=mask)),
        ("3-D mask", encoder_layer(), [x, (R(N * NHEAD, S, S), "c")], lambda lib, m, x, mask: m(x, src_mask=mask)),
        ("is_causal=True ignores the mask it is given, as torch",
         encoder_layer(), [x, (np.triu(np.ones((S, S), bool), 2), "c")],
         lambda lib, m, x, mask: m(x, src_mask=mask, is_causal=True)),
        ("one sequence", encoder_layer(), [(R(S, E), "g")], lambda lib, m, x: m(x, src_mask=causal(lib, S))),
        ("one sequence, batch_first", encoder_layer(batch_first=True), [(R(S, E), "g"), (KPM_S[0], "c")],
         lambda lib, m, x, kpm: m(x, src_key_padding_mask=kpm)),
    ]
    return cases


ENCODER_LAYER_CASES = encoder_layer_cases()


@needs_torch
@pytest.mark.parametrize("name, build, arrays, call", ENCODER_LAYER_CASES, ids=[c[0] for c in ENCODER_LAYER_CASES])
def test_encoder_layer_matches_torch(name, build, arrays, call, device):
    compare_with_torch(build, arrays, call, device)


@needs_torch
@pytest.mark.parametrize("make", [lambda lib: lib.nn.GELU(approximate="tanh"), lambda lib: lib.nn.ReLU()],
                         ids=["nn.GELU", "nn.ReLU"])
def test_an_activation_module_is_a_child_as_in_torch(make, device):
    """A Module activation is registered (it shows in the repr) and runs as torch's."""
    build = lambda lib_nn, **f: lib_nn.TransformerEncoderLayer(  # noqa: E731
        E, NHEAD, FF, 0.0, activation=make(torch if lib_nn is torch.nn else minigrad), **f)
    compare_with_torch(build, [(R(S, N, E), "g")], lambda lib, m, x: m(x), device)
    assert repr(build(nn)) == repr(build(torch.nn))
    assert build(nn).activation_relu_or_gelu == build(torch.nn).activation_relu_or_gelu


# ---- one decoder layer ----------------------------------------------------------------------------

def decoder_layer(batch_first=False, norm_first=False, **kw):
    return lambda lib_nn, **f: lib_nn.TransformerDecoderLayer(E, NHEAD, FF, 0.0, batch_first=batch_first,
                                                              norm_first=norm_first, **kw, **f)


def decoder_layer_cases():
    cases = []
    for bf in (False, True):
        for nf in (False, True):
            tag = f"batch_first={bf}, norm_first={nf}"
            tgt, memory = (R(*seq(T, bf)), "g"), (R(*seq(S, bf)), "g")
            cases += [
                (tag, decoder_layer(bf, nf), [tgt, memory], lambda lib, m, t, mem: m(t, mem)),
                (f"{tag}, causal tgt_mask and tgt_is_causal", decoder_layer(bf, nf), [tgt, memory],
                 lambda lib, m, t, mem: m(t, mem, tgt_mask=causal(lib, T), tgt_is_causal=True)),
                (f"{tag}, every mask", decoder_layer(bf, nf), [tgt, memory, (KPM_T, "c"), (KPM_S, "c"),
                                                               (R(T, S), "c")],
                 lambda lib, m, t, mem, tk, mk, mm: m(t, mem, tgt_mask=causal(lib, T), memory_mask=mm,
                                                      tgt_key_padding_mask=tk, memory_key_padding_mask=mk)),
            ]
    cases += [
        ("gelu, bias=False", decoder_layer(activation="gelu", bias=False), [(R(T, N, E), "g"), (R(S, N, E), "g")],
         lambda lib, m, t, mem: m(t, mem)),
        ("a callable activation", decoder_layer(activation=lambda v: v.sigmoid()),
         [(R(T, N, E), "g"), (R(S, N, E), "g")], lambda lib, m, t, mem: m(t, mem)),
        ("one sequence", decoder_layer(), [(R(T, E), "g"), (R(S, E), "g"), (KPM_S[2], "c")],
         lambda lib, m, t, mem, mk: m(t, mem, tgt_mask=causal(lib, T), memory_key_padding_mask=mk)),
    ]
    return cases


DECODER_LAYER_CASES = decoder_layer_cases()


@needs_torch
@pytest.mark.parametrize("name, build, arrays, call", DECODER_LAYER_CASES, ids=[c[0] for c in DECODER_LAYER_CASES])
def test_decoder_layer_matches_torch(name, build, arrays, call, device):
    compare_with_torch(build, arrays, call, device)


# ---- the stacks and nn.Transformer --------------------------------------------------------------

def encoder(batch_first=False, norm_first=False, final_norm=True, **kw):
    def build(lib_nn, **f):
        layer = lib_nn.TransformerEncoderLayer(E, NHEAD, FF, 0.0, batch_first=batch_first, norm_first=norm_first, **f)
        norm = lib_nn.LayerNorm(E, **f) if final_norm else None
        return lib_nn.TransformerEncoder(layer, 2, norm=norm, **kw)
    return build


def decoder(batch_first=False, norm_first=False):
    def build(lib_nn, **f):
        layer = lib_nn.TransformerDecoderLayer(E, NHEAD, FF, 0.0, batch_first=batch_first, norm_first=norm_first, **f)
        return lib_nn.TransformerDecoder(layer, 2, norm=lib_nn.LayerNorm(E, **f))
    return build


def transformer(batch_first=False, norm_first=False, **kw):
    return lambda lib_nn, **f: lib_nn.Transformer(E, NHEAD, 2, 2, FF, 0.0, batch_first=batch_first,
                                                  norm_first=norm_first, **kw, **f)


def stack_cases():
    cases = []
    for bf in (False, True):
        for nf in (False, True):
            tag = f"batch_first={bf}, norm_first={nf}"
            src, tgt = (R(*seq(S, bf)), "g"), (R(*seq(T, bf)), "g")
            cases += [
                (f"encoder, {tag}, a causal mask recognised", encoder(bf, nf), [src],
                 lambda lib, m, x: m(x, mask=causal(lib, S))),
                (f"encoder, {tag}, key padding mask", encoder(bf, nf), [src, (KPM_S, "c")],
                 lambda lib, m, x, kpm: m(x, src_key_padding_mask=kpm)),
                (f"decoder, {tag}", decoder(bf, nf), [tgt, src, (KPM_S, "c")],
                 lambda lib, m, t, mem, mk: m(t, mem, tgt_mask=causal(lib, T), memory_key_padding_mask=mk)),
                (f"transformer, {tag}", transformer(bf, nf), [src, tgt],
                 lambda lib, m, s, t: m(s, t, tgt_mask=causal(lib, T))),
                (f"transformer, {tag}, every mask", transformer(bf, nf),
                 [src, tgt, (KPM_S, "c"), (KPM_T, "c"), (R(T, S), "c")],
                 lambda lib, m, s, t, sk, tk, mm: m(s, t, src_mask=causal(lib, S), tgt_mask=causal(lib, T),
                                                    memory_mask=mm, src_key_padding_mask=sk,
                                                    tgt_key_padding_mask=tk, memory_key_padding_mask=sk)),
            ]
    cases += [
        ("encoder without a final norm, is_causal given", encoder(final_norm=False), [(R(S, N, E), "g")],
         lambda lib, m, x: m(x, mask=causal(lib, S), is_causal=True)),
        ("encoder, boolean causal mask", encoder(), [(R(S, N, E), "g"), (np.triu(np.ones((S, S), bool), 1), "c")],
         lambda lib, m, x, mask: m(x, mask=mask)),
        ("transformer, one sequence pair", transformer(), [(R(S, E), "g"), (R(T, E), "g")],
         lambda lib, m, s, t: m(s, t, tgt_mask=causal(lib, T), tgt_is_causal=True)),
        ("transformer, gelu, bias=False", transformer(activation="gelu", bias=False),
         [(R(S, N, E), "g"), (R(T, N, E), "g")], lambda lib, m, s, t: m(s, t)),
        ("transformer, custom encoder and decoder", lambda lib_nn, **f: lib_nn.Transformer(
            E, NHEAD, custom_encoder=encoder(norm_first=True)(lib_nn, **f), custom_decoder=decoder()(lib_nn, **f), **f),
         [(R(S, N, E), "g"), (R(T, N, E), "g")], lambda lib, m, s, t: m(s, t, tgt_mask=causal(lib, T))),
    ]
    return cases


STACK_CASES = stack_cases()


@needs_torch
@pytest.mark.parametrize("name, build, arrays, call", STACK_CASES, ids=[c[0] for c in STACK_CASES])
def test_stacks_and_transformer_match_torch(name, build, arrays, call, device):
    compare_with_torch(build, arrays, call, device)


NESTED_MASKS = {
    "padding at the end": KPM_S[:2],
    "padding in the middle": KPM_S[[0, 2]],
    "a sequence all padding": np.array([[True] * S, [False] * S]),
}


@needs_torch
@pytest.mark.parametrize("mask_check", [True, False])
@pytest.mark.parametrize("kpm", list(NESTED_MASKS.values()), ids=list(NESTED_MASKS))
def test_encoder_without_gradients_zeroes_padding_as_torch_nested_tensors(kpm, mask_check, device):
    """In evaluation under no_grad, torch's TransformerEncoder (batch_first, post-norm) packs the
    sequences into a nested tensor: padded positions come out 0 before the final norm, and padding
    never leaks in (NaN there stays out). Without mask_check, the first `length` tokens are taken."""
    build = encoder(batch_first=True, mask_check=mask_check)
    theirs, ours = quiet(build, torch, dtype=torch.float64), quiet(build, minigrad, dtype=minigrad.float64,
                                                                    device=device)
    torch_state_into(ours, theirs, device)
    x = R(2, S, E)
    x[0, -1] = np.nan  # padding in both masks' first sequence
    with torch.no_grad():
        expected = theirs(torch.tensor(x), src_key_padding_mask=torch.tensor(kpm)).numpy()
    with minigrad.no_grad():
        got = host(ours(minigrad.tensor(x, dtype=minigrad.float64, device=device),
                        src_key_padding_mask=minigrad.tensor(kpm, device=device)))
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-11)
    with torch.no_grad():  # the plain path: the padded positions are computed, not 0
        plain = theirs(torch.tensor(np.nan_to_num(x)), src_key_padding_mask=torch.tensor(kpm[::-1].copy())).numpy()
    with minigrad.no_grad():
        got = host(ours(minigrad.tensor(np.nan_to_num(x), dtype=minigrad.float64, device=device),
                        src_key_padding_mask=minigrad.tensor(kpm[::-1].copy(), device=device)))
    np.testing.assert_allclose(got, plain, rtol=1e-9, atol=1e-11)


@needs_torch
def test_training_mode_without_dropout_matches_torch():
    compare_with_torch(transformer(batch_first=True), [(R(*seq(S, True)), "g"), (R(*seq(T, True)), "g"),
                                                       (KPM_S, "c")],
                       lambda lib, m, s, t, kpm: m(s, t, src_key_padding_mask=kpm, tgt_mask=causal(lib, T)), "cpu",
                       train=True)


def test_dropout_acts_in_training_only():
    layer = nn.TransformerDecoderLayer(E, NHEAD, FF, dropout=0.5)
    x, memory = minigrad.randn(T, N, E), minigrad.randn(S, N, E)
    assert not np.allclose(layer(x, memory).numpy(), layer(x, memory).numpy())
    layer.eval()
    np.testing.assert_array_equal(layer(x, memory).numpy(), layer(x, memory).numpy())


@needs_torch
def test_encoder_with_gradients_computes_the_padded_positions_as_torch():
    compare_with_torch(encoder(batch_first=True), [(R(2, S, E), "g"), (KPM_S[:2], "c")],
                       lambda lib, m, x, kpm: m(x, src_key_padding_mask=kpm), "cpu")


# ---- masks, names, reprs, warnings, errors ----------------------------------------------------------

@needs_torch
@pytest.mark.parametrize("sz, dtype", [(0, None), (1, None), (4, None), (3, "float64")])
def test_generate_square_subsequent_mask_is_torchs(sz, dtype):
    ours = nn.Transformer.generate_square_subsequent_mask(sz, dtype=dtype and getattr(minigrad, dtype))
    theirs = torch.nn.Transformer.generate_square_subsequent_mask(sz, dtype=dtype and getattr(torch, dtype))
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "") and tuple(ours.shape) == (sz, sz)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


MODULES = {
    "encoder layer": lambda lib_nn: lib_nn.TransformerEncoderLayer(E, NHEAD),
    "encoder layer, options": lambda lib_nn: lib_nn.TransformerEncoderLayer(
        E, NHEAD, FF, 0.2, "gelu", 1e-3, batch_first=True, norm_first=True, bias=False),
    "decoder layer": lambda lib_nn: lib_nn.TransformerDecoderLayer(E, NHEAD, FF),
    "decoder layer, options": lambda lib_nn: lib_nn.TransformerDecoderLayer(E, NHEAD, FF, 0.0, layer_norm_eps=0.1,
                                                                            bias=False),
    "encoder": lambda lib_nn: lib_nn.TransformerEncoder(lib_nn.TransformerEncoderLayer(E, NHEAD, FF), 3,
                                                        lib_nn.LayerNorm(E), enable_nested_tensor=False),
    "decoder": lambda lib_nn: lib_nn.TransformerDecoder(lib_nn.TransformerDecoderLayer(E, NHEAD, FF), 2),
    "transformer": lambda lib_nn: lib_nn.Transformer(E, NHEAD, 2, 1, FF),
    "transformer, defaults": lambda lib_nn: lib_nn.Transformer(),
}
STACKS = {"encoder", "decoder", "transformer", "transformer, defaults"}


@needs_torch
@pytest.mark.parametrize("name", list(MODULES))
def test_parameter_names_shapes_and_attributes_are_torchs(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = MODULES[name](nn), MODULES[name](torch.nn)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    for attribute in ("norm_first", "activation_relu_or_gelu", "num_layers", "enable_nested_tensor",
                      "use_nested_tensor", "mask_check", "d_model", "nhead", "batch_first"):
        assert getattr(ours, attribute, "absent") == getattr(theirs, attribute, "absent"), attribute
    assert ours.training and all(m.training for m in ours.modules())


@needs_torch
@pytest.mark.parametrize("name", [n for n in MODULES if n not in STACKS])
def test_layer_reprs_are_torchs(name):
    assert repr(MODULES[name](nn)) == repr(MODULES[name](torch.nn))


@needs_torch
@pytest.mark.parametrize("name", sorted(STACKS))
def test_stack_reprs_are_torchs(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert repr(MODULES[name](nn)) == repr(MODULES[name](torch.nn))


@needs_torch
@pytest.mark.parametrize("kw", [dict(), dict(batch_first=True, norm_first=True), dict(batch_first=True, bias=False),
                                dict(batch_first=True, activation=lambda v: v), dict(batch_first=True),
                                dict(batch_first=True, nhead=1), dict(batch_first=True, enable_nested_tensor=False)])
def test_the_nested_tensor_warning_is_torchs(kw):
    def build(lib_nn):
        layer_kw = {k: v for k, v in kw.items() if k != "enable_nested_tensor"}
        layer = lib_nn.TransformerEncoderLayer(**{"d_model": E, "nhead": NHEAD, **layer_kw})
        return lib_nn.TransformerEncoder(layer, 2, **{k: v for k, v in kw.items() if k == "enable_nested_tensor"})
    messages = []
    for lib_nn in (nn, torch.nn):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            module = build(lib_nn)
        messages.append(([str(w.message) for w in caught], module.use_nested_tensor))
    assert messages[0] == messages[1]


MISMATCHED_MASKS = {  # a boolean padding mask beside a float attention mask: deprecated, torch warns once
    "encoder layer": lambda lib, x, mask, kpm: lib.nn.TransformerEncoderLayer(E, NHEAD, FF, 0.0).double()(
        x, mask, kpm),
    "encoder": lambda lib, x, mask, kpm: lib.nn.TransformerEncoder(
        lib.nn.TransformerEncoderLayer(E, NHEAD, FF, 0.0), 2, enable_nested_tensor=False).double()(x, mask, kpm),
    "decoder layer": lambda lib, x, mask, kpm: lib.nn.TransformerDecoderLayer(E, NHEAD, FF, 0.0).double()(
        x, x, tgt_mask=mask, tgt_key_padding_mask=kpm),
    "MultiheadAttention": lambda lib, x, mask, kpm: lib.nn.MultiheadAttention(E, NHEAD).double()(
        x, x, x, attn_mask=mask, key_padding_mask=kpm),
    "multi_head_attention_forward": lambda lib, x, mask, kpm: lib.nn.functional.multi_head_attention_forward(
        x, x, x, E, NHEAD, lib.ones(3 * E, E, dtype=lib.float64), None, None, None, False, 0.0,
        lib.ones(E, E, dtype=lib.float64), None, attn_mask=mask, key_padding_mask=kpm),
}


@needs_torch
@pytest.mark.parametrize("name", list(MISMATCHED_MASKS))
def test_mismatched_mask_types_warn_as_torch(name):
    messages = []
    for lib in (minigrad, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            MISMATCHED_MASKS[name](lib, lib.tensor(R(S, N, E), dtype=lib.float64), lib.zeros(S, S, dtype=lib.float64),
                                   lib.tensor(KPM_S))
        messages.append([(w.category, str(w.message)) for w in caught])
    assert messages[0] == messages[1] and len(messages[0]) == 1


def errors_of(fn):
    out = []
    for lib in (minigrad, torch):
        try:
            fn(lib)
            out.append(None)
        except Exception as error:  # noqa: BLE001 - the exception is what is compared
            out.append((type(error), str(error).split("\n")[0]))
    return out


@needs_torch
@pytest.mark.parametrize("fn", [
    lambda lib: lib.nn.TransformerEncoderLayer(E, NHEAD, activation="tanh"),
    lambda lib: lib.nn.TransformerDecoderLayer(E, NHEAD, activation="silu"),
    lambda lib: lib.nn.TransformerEncoderLayer(E, 3),
    lambda lib: lib.nn.Transformer(E, NHEAD, 1, 1, FF)(lib.zeros(S, N, E), lib.zeros(T, N + 1, E)),
    lambda lib: lib.nn.Transformer(E, NHEAD, 1, 1, FF, batch_first=True)(lib.zeros(N, S, E), lib.zeros(N + 1, T, E)),
    lambda lib: lib.nn.Transformer(E, NHEAD, 1, 1, FF)(lib.zeros(S, N, E), lib.zeros(T, N, E + 2)),
    lambda lib: lib.nn.TransformerEncoderLayer(E, NHEAD)(lib.zeros(S, N, E), is_causal=True),
    lambda lib: lib.nn.TransformerEncoderLayer(E, NHEAD)(lib.zeros(S, N, E), lib.zeros(S, S, dtype=lib.int64)),
    lambda lib: lib.nn.TransformerEncoder(lib.nn.TransformerEncoderLayer(E, NHEAD), 1)(
        lib.zeros(S, N, E), src_key_padding_mask=lib.zeros(N, S, dtype=lib.int64)),
    lambda lib: lib.nn.TransformerDecoder(lib.nn.TransformerDecoderLayer(E, NHEAD), 1)(
        lib.zeros(T, N, E), lib.zeros(S, N, E), tgt_mask=lib.zeros(T, T, dtype=lib.int64)),
], ids=["relu/gelu only", "decoder relu/gelu only", "heads divide d_model", "batch sizes", "batch sizes, batch_first",
        "feature number", "is_causal needs a mask", "int mask", "int padding mask", "int decoder mask"])
def test_errors_are_torchs(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = errors_of(fn)
    assert theirs is not None and ours == theirs


# ---- initialisation and copies ------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
def test_transformer_redraws_every_matrix_xavier_uniform():
    model = nn.Transformer(E, NHEAD, 2, 2, FF)
    for name, p in model.named_parameters():
        if p.dim() > 1:
            fan_out, fan_in = p.shape
            bound = math.sqrt(6.0 / (fan_in + fan_out))
            assert np.abs(p.numpy()).max() <= bound and np.abs(p.numpy()).max() > 0.5 * bound, name
    layers = model.encoder.layers
    assert not np.array_equal(layers[0].linear1.weight.numpy(), layers[1].linear1.weight.numpy())
    assert np.all(model.encoder.norm.weight.numpy() == 1) and np.all(layers[1].self_attn.in_proj_bias.numpy() == 0)


def test_a_stack_holds_deep_copies_of_its_layer():
    layer = nn.TransformerEncoderLayer(E, NHEAD, FF, activation=nn.GELU())
    stack = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
    first, second = stack.layers
    for (name, p), q, r in zip(layer.named_parameters(), first.parameters(), second.parameters()):
        assert type(q) is nn.Parameter and q is not p and q is not r and q.requires_grad, name
        np.testing.assert_array_equal(q.numpy(), p.numpy())
        assert not np.shares_memory(q.array, p.array) and not np.shares_memory(q.array, r.array)
    assert first.activation is not layer.activation and first.linear1._parameters["weight"] is first.linear1.weight
    with minigrad.no_grad():
        first.linear1.weight.add_(1.0)
    assert not np.array_equal(first.linear1.weight.numpy(), second.linear1.weight.numpy())
    stack(minigrad.randn(S, N, E)).sum().backward()
    assert layer.linear1.weight.grad is None and first.linear1.weight.grad is not None


def test_a_deep_copy_of_a_trained_layer_owns_its_gradients():
    """torch: a deep copy of a Parameter is a new leaf without .grad; gradients through the copy reach the copy."""
    layer = nn.Linear(3, 2)
    layer(minigrad.randn(4, 3)).sum().backward()
    clone = copy.deepcopy(layer)
    assert clone.weight.grad is None
    layer.zero_grad()
    clone(minigrad.randn(4, 3)).sum().backward()
    assert layer.weight.grad is None and clone.weight.grad is not None


# ---- pytorch/examples' word_language_model ---------------------------------------------------------

def word_language_model(torch_like):
    """model.py's PositionalEncoding and TransformerModel, line for line, on `torch_like`."""
    nn_, F_ = torch_like.nn, torch_like.nn.functional

    class PositionalEncoding(nn_.Module):
        def __init__(self, d_model, dropout=0.1, max_len=5000):
            super(PositionalEncoding, self).__init__()
            self.dropout = nn_.Dropout(p=dropout)
            pe = torch_like.zeros(max_len, d_model)
            position = torch_like.arange(0, max_len, dtype=torch_like.float).unsqueeze(1)
            div_term = torch_like.exp(torch_like.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
            pe[:, 0::2] = torch_like.sin(position * div_term)
            pe[:, 1::2] = torch_like.cos(position * div_term)
            pe = pe.unsqueeze(0).transpose(0, 1)
            self.register_buffer('pe', pe)

        def forward(self, x):
            x = x + self.pe[:x.size(0), :]
            return self.dropout(x)

    class TransformerModel(nn_.Transformer):
        def __init__(self, ntoken, ninp, nhead, nhid, nlayers, dropout=0.5):
            super(TransformerModel, self).__init__(d_model=ninp, nhead=nhead, dim_feedforward=nhid,
                                                   num_encoder_layers=nlayers)
            self.model_type = 'Transformer'
            self.src_mask = None
            self.pos_encoder = PositionalEncoding(ninp, dropout)
            self.input_emb = nn_.Embedding(ntoken, ninp)
            self.ninp = ninp
            self.decoder = nn_.Linear(ninp, ntoken)
            self.init_weights()

        def _generate_square_subsequent_mask(self, sz):
            return torch_like.log(torch_like.tril(torch_like.ones(sz, sz)))

        def init_weights(self):
            initrange = 0.1
            nn_.init.uniform_(self.input_emb.weight, -initrange, initrange)
            nn_.init.zeros_(self.decoder.bias)
            nn_.init.uniform_(self.decoder.weight, -initrange, initrange)

        def forward(self, src, has_mask=True):
            if has_mask:
                device = src.device
                if self.src_mask is None or self.src_mask.size(0) != len(src):
                    mask = self._generate_square_subsequent_mask(len(src)).to(device)
                    self.src_mask = mask
            else:
                self.src_mask = None
            src = self.input_emb(src) * math.sqrt(self.ninp)
            src = self.pos_encoder(src)
            output = self.encoder(src, mask=self.src_mask)
            output = self.decoder(output)
            return F_.log_softmax(output, dim=-1)

    return TransformerModel


@needs_torch
@pytest.mark.parametrize("has_mask", [True, False])
def test_word_language_model_transformer_runs_as_under_torch(has_mask):
    """super().__init__ builds torch's encoder and decoder stacks, the subclass replaces `decoder`
    with a Linear: the same state_dict keys, the same log-probabilities and gradients (float32)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = word_language_model(torch)(20, 8, 2, 16, 2, dropout=0.0)
        ours = word_language_model(minigrad)(20, 8, 2, 16, 2, dropout=0.0)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert isinstance(ours.decoder, nn.Linear) and list(ours._modules) == list(theirs._modules)
    torch_state_into(ours, theirs)
    theirs.eval(), ours.eval()  # nn.Transformer's own dropout stays at its default 0.1 in this model
    tokens = rs.integers(0, 20, (7, 3))
    t_out = theirs(torch.tensor(tokens), has_mask=has_mask)
    m_out = ours(minigrad.tensor(tokens), has_mask=has_mask)
    assert m_out.dtype == minigrad.float32 and tuple(m_out.shape) == (7, 3, 20)
    np.testing.assert_allclose(m_out.numpy(), t_out.detach().numpy(), rtol=1e-4, atol=1e-5)
    target = rs.integers(0, 20, 21)
    torch.nn.functional.nll_loss(t_out.view(-1, 20), torch.tensor(target)).backward()
    nn.functional.nll_loss(m_out.view(-1, 20), minigrad.tensor(target)).backward()
    ours_params = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        if p.grad is None:  # the unused nn.Transformer decoder stack was replaced: nothing of it is left
            continue
        assert ours_params[name].grad.dtype == minigrad.float32, name
        np.testing.assert_allclose(ours_params[name].grad.numpy(), p.grad.numpy(), rtol=1e-3, atol=1e-5, err_msg=name)


# ---- the gradient check ---------------------------------------------------------------------------

@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_passes_a_float64_gradient_check(norm_first, device):
    """Every input and every parameter, element by element, against central differences with a random
    upstream gradient; a causal mask and a key padding mask."""
    layer = nn.TransformerEncoderLayer(4, 2, 6, 0.0, activation="gelu", norm_first=norm_first,
                                       dtype=minigrad.float64, device=device)
    x = minigrad.tensor(R(3, 2, 4), dtype=minigrad.float64, device=device, requires_grad=True)
    mask = minigrad.ones(3, 3, dtype=minigrad.bool, device=device).triu(1)
    kpm = minigrad.tensor([[False, False, True], [False, False, False]], device=device)
    params = list(layer.parameters())
    gradcheck(lambda x, *p: layer(x, src_mask=mask, src_key_padding_mask=kpm), [x] + params, atol=1e-6, rtol=1e-5)


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
def test_float32_stays_float32(device):
    model = nn.Transformer(E, NHEAD, 1, 1, FF, device=device)
    src = minigrad.randn(S, N, E, device=device, requires_grad=True)
    out = model(src, minigrad.randn(T, N, E, device=device), tgt_mask=nn.Transformer.generate_square_subsequent_mask(
        T, device=device))
    out.sum().backward()
    assert out.dtype == minigrad.float32 and src.grad.dtype == minigrad.float32
    assert all(p.grad.dtype == minigrad.float32 for p in model.parameters())
