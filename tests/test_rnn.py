"""Recurrent layers (nn.RNN, nn.LSTM, nn.GRU and their cells) against PyTorch: for every option
(layers, bias, batch_first, bidirectional, batched or one sequence, given or zero initial state),
the output, the final state and the gradient of the input, the initial state and every parameter,
with torch's weights copied in; float64 gradchecks of each cell and layer; names, shapes, reprs,
initialisation and argument errors as torch's."""
import itertools
import warnings

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
from helpers import host, torch
from minigrad.gradcheck import gradcheck
from minigrad.nn.functional.rnn import gru_cell, lstm_cell, rnn_relu_cell, rnn_tanh_cell

F64 = minigrad.float64
LAYERS = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}
CELLS = {"RNNCell": nn.RNNCell, "LSTMCell": nn.LSTMCell, "GRUCell": nn.GRUCell}


def needs_torch():
    if torch is None:
        pytest.skip("torch is not installed: `pip install torch==2.13.0` to compare with PyTorch")


def copy_from_torch(module, t_module, device="cpu"):
    """torch's weights into minigrad's module, name by name, through numpy."""
    for name, p in t_module.named_parameters():
        getattr(module, name).array[...] = minigrad.tensor(p.detach().numpy(), dtype=F64, device=device).array


def pair_of(array, device):
    return (minigrad.tensor(array, dtype=F64, requires_grad=True, device=device),
            torch.tensor(array, requires_grad=True))


def compare(ours, theirs, rtol=1e-10, atol=1e-12, what=""):
    np.testing.assert_allclose(host(ours.array if isinstance(ours, minigrad.Tensor) else ours),
                               theirs.detach().numpy(), rtol=rtol, atol=atol, err_msg=what)


def run_layer(mode, kwargs, batched, with_state, device, size=(4, 3)):
    """Run minigrad's and torch's layer on the same input and state; backward a random sum of every
    output; compare everything."""
    needs_torch()
    rng = np.random.default_rng(7)
    t_layer = getattr(torch.nn, mode)(3, 5, **kwargs).double()
    layer = LAYERS[mode](3, 5, **kwargs, dtype=F64, device=device)
    copy_from_torch(layer, t_layer, device)
    length, batch = size
    shape = ((batch, length, 3) if kwargs.get("batch_first") else (length, batch, 3)) if batched else (length, 3)
    x, tx = pair_of(rng.standard_normal(shape), device)
    d = (2 if kwargs.get("bidirectional") else 1) * kwargs.get("num_layers", 1)
    hidden = kwargs.get("proj_size", 0) or 5
    state_shapes = [(d, batch, hidden), (d, batch, 5)] if batched else [(d, hidden), (d, 5)]
    states = [pair_of(rng.standard_normal(s), device) for s in state_shapes[:2 if mode == "LSTM" else 1]]
    if with_state:
        hx = tuple(s[0] for s in states) if mode == "LSTM" else states[0][0]
        thx = tuple(s[1] for s in states) if mode == "LSTM" else states[0][1]
        (out, last), (t_out, t_last) = layer(x, hx), t_layer(tx, thx)
    else:
        (out, last), (t_out, t_last) = layer(x), t_layer(tx)
    last, t_last = (last, t_last) if mode == "LSTM" else ((last,), (t_last,))
    loss, t_loss = 0, 0
    for a, b in zip((out,) + tuple(last), (t_out,) + tuple(t_last)):
        assert tuple(a.shape) == tuple(b.shape)
        compare(a, b, what="forward")
        g = rng.standard_normal(tuple(b.shape))
        loss = loss + (a * minigrad.tensor(g, dtype=F64, device=device)).sum()
        t_loss = t_loss + (b * torch.tensor(g)).sum()
    loss.backward()
    t_loss.backward()
    compare(x.grad, tx.grad, what="input gradient")
    if with_state:
        for (s, ts) in states:
            compare(s.grad, ts.grad, what="initial state gradient")
    for name, p in t_layer.named_parameters():
        compare(getattr(layer, name).grad, p.grad, what=f"gradient of {name}")
    return layer, t_layer


@pytest.mark.parametrize("mode", list(LAYERS))
@pytest.mark.parametrize("num_layers,bias,batch_first,bidirectional",
                         list(itertools.product([1, 2], [True, False], [False, True], [False, True])))
@pytest.mark.parametrize("batched,with_state", [(True, True), (True, False), (False, True), (False, False)])
def test_layers_match_torch(mode, num_layers, bias, batch_first, bidirectional, batched, with_state, device):
    kwargs = dict(num_layers=num_layers, bias=bias, batch_first=batch_first, bidirectional=bidirectional)
    layer, t_layer = run_layer(mode, kwargs, batched, with_state, device)
    assert list(layer.state_dict()) == list(t_layer.state_dict())
    assert repr(layer) == repr(t_layer)


@pytest.mark.parametrize("mode,kwargs", [("RNN", dict(nonlinearity="relu", num_layers=2)),
                                         ("LSTM", dict(proj_size=2, num_layers=2, bidirectional=True)),
                                         ("LSTM", dict(proj_size=3, batch_first=True)),
                                         ("GRU", dict(num_layers=3, bidirectional=True, batch_first=True))])
def test_relu_projection_and_deep_layers_match_torch(mode, kwargs, device):
    layer, t_layer = run_layer(mode, kwargs, True, True, device, size=(6, 2))
    assert [(k, tuple(v.shape)) for k, v in layer.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in t_layer.state_dict().items()]
    assert repr(layer) == repr(t_layer)


def test_a_batch_of_none_and_a_sequence_of_one(device):
    run_layer("LSTM", dict(num_layers=2), True, False, device, size=(1, 3))
    out, h = nn.GRU(3, 4, device=device)(minigrad.zeros(5, 0, 3, device=device))
    assert tuple(out.shape) == (5, 0, 4) and tuple(h.shape) == (1, 0, 4)


@pytest.mark.parametrize("mode", list(LAYERS))
def test_dropout_between_layers(mode, device):
    """dropout=1 zeroes what the second layer reads, deterministically: torch's result exactly;
    in eval mode there is no dropout."""
    needs_torch()
    x = np.random.default_rng(3).standard_normal((4, 2, 3))
    for train in (True, False):
        t_layer = getattr(torch.nn, mode)(3, 5, num_layers=2, dropout=1.0).double().train(train)
        layer = LAYERS[mode](3, 5, num_layers=2, dropout=1.0, dtype=F64, device=device).train(train)
        copy_from_torch(layer, t_layer, device)
        compare(layer(minigrad.tensor(x, dtype=F64, device=device))[0], t_layer(torch.tensor(x))[0])
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        LAYERS[mode](3, 5, dropout=0.5)


@pytest.mark.parametrize("name", list(CELLS))
@pytest.mark.parametrize("bias,batched,with_state", list(itertools.product([True, False], repeat=3)))
def test_cells_match_torch(name, bias, batched, with_state, device):
    needs_torch()
    rng = np.random.default_rng(5)
    kwargs = dict(bias=bias) if name != "RNNCell" else dict(bias=bias, nonlinearity="relu" if bias else "tanh")
    t_cell = getattr(torch.nn, name)(3, 4, **kwargs).double()
    cell = CELLS[name](3, 4, **kwargs, dtype=F64, device=device)
    copy_from_torch(cell, t_cell, device)
    x, tx = pair_of(rng.standard_normal((2, 3) if batched else (3,)), device)
    states = [pair_of(rng.standard_normal((2, 4) if batched else (4,)), device)
              for _ in range(2 if name == "LSTMCell" else 1)]
    if with_state:
        hx = tuple(s[0] for s in states) if name == "LSTMCell" else states[0][0]
        thx = tuple(s[1] for s in states) if name == "LSTMCell" else states[0][1]
        out, t_out = cell(x, hx), t_cell(tx, thx)
    else:
        out, t_out = cell(x), t_cell(tx)
    out, t_out = (out, t_out) if name == "LSTMCell" else ((out,), (t_out,))
    loss, t_loss = 0, 0
    for a, b in zip(out, t_out):
        compare(a, b)
        g = rng.standard_normal(tuple(b.shape))
        loss, t_loss = loss + (a * minigrad.tensor(g, dtype=F64, device=device)).sum(), t_loss + (b * torch.tensor(g)).sum()
    loss.backward()
    t_loss.backward()
    compare(x.grad, tx.grad)
    for name_, p in t_cell.named_parameters():
        compare(getattr(cell, name_).grad, p.grad, what=name_)
    if with_state:
        for s, ts in states:
            compare(s.grad, ts.grad)
    assert repr(cell) == repr(t_cell) and list(cell.state_dict()) == list(t_cell.state_dict())


@pytest.mark.parametrize("cell,gates", [(rnn_tanh_cell, 1), (rnn_relu_cell, 1), (lstm_cell, 4), (gru_cell, 3)])
def test_cell_equations_gradcheck(cell, gates, device):
    rng = np.random.default_rng(11)
    arrays = [rng.standard_normal(s) for s in [(2, 3), (2, 4), (gates * 4, 3), (gates * 4, 4), (gates * 4,),
                                               (gates * 4,), (2, 4)]]
    x, h, w_ih, w_hh, b_ih, b_hh, c = [minigrad.tensor(a, dtype=F64, requires_grad=True, device=device)
                                       for a in arrays]
    if cell is lstm_cell:
        gradcheck(lambda *t: minigrad.cat(cell(t[0], (t[1], t[6]), *t[2:6]), 1), [x, h, w_ih, w_hh, b_ih, b_hh, c])
    else:
        gradcheck(lambda *t: cell(*t), [x, h, w_ih, w_hh, b_ih, b_hh])


@pytest.mark.parametrize("mode", list(LAYERS))
def test_layers_gradcheck(mode, device):
    layer = LAYERS[mode](2, 3, num_layers=2, bidirectional=True, dtype=F64, device=device)
    x = minigrad.tensor(np.random.default_rng(2).standard_normal((3, 2, 2)), dtype=F64, requires_grad=True,
                        device=device)
    gradcheck(lambda x, *params: layer(x)[0], [x] + list(layer.parameters()), directions=6)


def test_float32_stays_float32_and_init_is_uniform_in_one_over_sqrt_hidden():
    layer = nn.LSTM(3, 16, num_layers=2, bidirectional=True)
    x = minigrad.randn(5, 2, 3, requires_grad=True)
    out, (h, c) = layer(x)
    (out.sum() + h.sum() + c.sum()).backward()
    assert out.dtype == h.dtype == c.dtype == x.grad.dtype == layer.weight_ih_l1_reverse.grad.dtype == np.float32
    values = np.concatenate([host(p.array).ravel() for p in layer.parameters()])
    assert np.abs(values).max() <= 0.25 and np.abs(values).max() > 0.24 and abs(values.mean()) < 0.01
    layer.flatten_parameters()
    assert len(layer.all_weights) == 4 and [w.shape for w in layer.all_weights[3][:2]] == [(64, 32), (64, 16)]


def test_torch_state_dict_loads(device):
    needs_torch()
    t_layer = torch.nn.GRU(3, 4, num_layers=2, bidirectional=True)
    layer = nn.GRU(3, 4, num_layers=2, bidirectional=True, device=device)
    layer.load_state_dict({k: v.numpy() for k, v in t_layer.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 2, 3)).astype(np.float32)
    np.testing.assert_allclose(host(layer(minigrad.tensor(x, device=device))[0].array),
                               t_layer(torch.tensor(x))[0].detach().numpy(), rtol=1e-5, atol=1e-6)


def outcome(fn):
    """(exception type name, message) or ('ok', None)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn()
    except Exception as e:  # noqa: BLE001 - comparing what each library raises
        return type(e).__name__, str(e)
    return "ok", None


CONSTRUCTOR_ERRORS = [dict(hidden_size=0), dict(num_layers=0), dict(dropout=1.5), dict(dropout=True),
                      dict(hidden_size=2.0), dict(input_size=3.0), dict(nonlinearity="x"), dict(num_layers=1.5)]


@pytest.mark.parametrize("bad", CONSTRUCTOR_ERRORS)
def test_constructor_errors_as_torch(bad):
    needs_torch()
    kwargs = dict(input_size=3, hidden_size=4, **{k: v for k, v in bad.items() if k not in ("input_size",
                                                                                            "hidden_size")})
    kwargs.update({k: v for k, v in bad.items() if k in ("input_size", "hidden_size")})
    ours, theirs = outcome(lambda: nn.RNN(**kwargs)), outcome(lambda: torch.nn.RNN(**kwargs))
    assert ours == theirs


def test_proj_size_errors_as_torch():
    needs_torch()
    for proj in (-1, 4, 5):
        assert outcome(lambda: nn.LSTM(3, 4, proj_size=proj)) == outcome(lambda: torch.nn.LSTM(3, 4, proj_size=proj))


def forward_cases(lib):
    z = lambda *s: lib.zeros(*s)  # noqa: E731
    return [("RNN", (z(5, 2, 3), z(1, 2, 4))), ("RNN", (z(5, 2, 3), z(2, 4))), ("RNN", (z(5, 3), z(2, 1, 4))),
            ("RNN", (z(5, 2, 5),)), ("RNN", (z(5, 2, 2, 3),)), ("RNN", (z(3),)), ("RNN", (z(5, 2, 3), z(2, 3, 4))),
            ("RNN", (z(0, 2, 3),)), ("LSTM", (z(5, 2, 3), (z(2, 2, 4), z(2, 3, 4)))),
            ("LSTM", (z(5, 2, 3), (z(2, 4), z(2, 4)))), ("LSTM", (z(5, 3), (z(2, 2, 4), z(2, 2, 4)))),
            ("GRU", (z(5, 2, 3).double(),)), ("LSTMCell", (z(2, 2, 3),)), ("LSTMCell", (z(2, 5),)),
            ("LSTMCell", (z(2, 3), (z(3, 4), z(3, 4)))), ("LSTMCell", (z(2, 3), (z(2, 5), z(2, 4)))),
            ("LSTMCell", (z(3), (z(1, 4), z(1, 4)))), ("GRUCell", (z(2, 3), z(2, 5))), ("GRUCell", (z(3), z(2, 4))),
            ("RNNCell", (z(2, 3), z(3, 4)))]


@pytest.mark.parametrize("case", range(len(forward_cases(minigrad))))
def test_forward_errors_as_torch(case):
    needs_torch()
    name, args = forward_cases(minigrad)[case]
    _, t_args = forward_cases(torch)[case]
    layers = {**LAYERS, **CELLS}
    kwargs = dict(num_layers=2) if name in LAYERS else {}
    ours = outcome(lambda: layers[name](3, 4, **kwargs)(*args))
    theirs = outcome(lambda: getattr(torch.nn, name)(3, 4, **kwargs)(*t_args))
    assert ours[0] == theirs[0]
    if ours[1] is not None:
        assert ours[1].replace("float64", "torch.float64").replace("float32", "torch.float32") == theirs[1] \
            or ours[1][:30] == theirs[1][:30], (ours, theirs)
