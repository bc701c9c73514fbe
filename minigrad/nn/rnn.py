"""Recurrent layers (PyTorch's nn.RNN, nn.LSTM, nn.GRU and their cells): a cell of
nn/functional/rnn.py applied along the sequence, one time step after another.

    h_0 = given or zeros
    for t in 0 .. L-1:   h_t = cell(x_t, h_{t-1})         (the loop below: one step, a few tensor ops)
    output = (h_1, ..., h_L) stacked;   h_n = h_L

A stack of num_layers layers feeds each layer's outputs to the next (with dropout between
layers while training); a bidirectional layer also runs a second cell from t = L-1 down to 0
and puts its outputs beside the first's. Autograd records every step, so backward through the
loop is backpropagation through time. Parameter names, shapes, initialisation (uniform in
+-1/sqrt(hidden_size)), argument checks and the (L, N, H) / batch_first layouts are PyTorch's.
"""
import math
import numbers
import operator
import warnings

from .. import dtypes
from ..factories import cat, stack, zeros
from . import functional as F
from . import init
from .factory import empty_parameter
from .functional.rnn import gru_cell, lstm_cell, rnn_relu_cell, rnn_tanh_cell
from .module import Module

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}
_CELLS = {"LSTM": lstm_cell, "GRU": gru_cell, "RNN_TANH": rnn_tanh_cell, "RNN_RELU": rnn_relu_cell}


def _check_int(value, name):
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")


class RNNBase(Module):
    """The layers, directions and time loop shared by RNN, LSTM and GRU (`mode` picks the cell)."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        _check_int(input_size, "input_size")
        _check_int(hidden_size, "hidden_size")
        num_layers = operator.index(num_layers)  # a float is refused as range() refuses it
        if isinstance(dropout, bool) or not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                          UserWarning, stacklevel=3)
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        self.mode, self.input_size, self.hidden_size, self.num_layers = mode, input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        directions = 2 if bidirectional else 1
        out_size = proj_size if proj_size > 0 else hidden_size  # what h holds
        gate_size = _GATES[mode] * hidden_size
        self._flat_weights_names = []
        for layer in range(num_layers):
            for direction in range(directions):
                layer_input = input_size if layer == 0 else out_size * directions
                shapes = [("weight_ih", (gate_size, layer_input)), ("weight_hh", (gate_size, out_size))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes += [("weight_hr", (proj_size, hidden_size))]
                suffix = "_reverse" if direction == 1 else ""
                for name, shape in shapes:
                    full = f"{name}_l{layer}{suffix}"
                    setattr(self, full, empty_parameter(shape, device, dtype))
                    self._flat_weights_names.append(full)
        self.reset_parameters()

    def reset_parameters(self):
        """Every weight and bias uniform in (-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def flatten_parameters(self):
        """PyTorch packs the weights into one cuDNN buffer here; minigrad has nothing to pack."""

    @property
    def all_weights(self):
        """One list of parameters per layer and direction, in PyTorch's order."""
        per_cell = len(self._flat_weights_names) // (self.num_layers * (2 if self.bidirectional else 1))
        names = self._flat_weights_names
        return [[getattr(self, n) for n in names[k:k + per_cell]] for k in range(0, len(names), per_cell)]

    def _cell_weights(self, layer, direction):
        suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
        get = lambda name: getattr(self, name + suffix) if hasattr(self, name + suffix) else None  # noqa: E731
        weights = [get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh")]
        return weights + ([get("weight_hr")] if self.proj_size > 0 else [])

    def forward(self, input, hx=None):
        """input (L, N, input_size), (N, L, input_size) with batch_first, or (L, input_size) unbatched;
        returns (output, h_n), an LSTM (output, (h_n, c_n)); h_n is (num_layers * directions, N, H)."""
        name = {"RNN_TANH": "RNN", "RNN_RELU": "RNN"}.get(self.mode, self.mode)
        if input.ndim not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D tensor instead")
        batched = input.ndim == 3
        lstm = self.mode == "LSTM"
        states = None if hx is None else list(hx) if lstm else [hx]
        if lstm and states is not None and len(states) != 2:
            raise IndexError(f"LSTM: hx must be a pair (h_0, c_0), got {len(states)} tensors")
        if not batched:
            input = input.unsqueeze(1 if not self.batch_first else 0)
            if states is not None:
                if any(s.ndim != 2 for s in states):
                    raise RuntimeError(self._state_dims_message("unbatched 2-D", 2, states))
                states = [s.unsqueeze(1) for s in states]
        elif states is not None and any(s.ndim != 3 for s in states):
            raise RuntimeError(self._state_dims_message("batched 3-D", 3, states))
        if self.batch_first:
            input = input.transpose(0, 1)  # the loop runs over dim 0: time
        states = self._check_forward_args(input, states)
        output, last = self._run_layers(input, states)
        if self.batch_first:
            output = output.transpose(0, 1)
        if not batched:
            output = output.squeeze(1 if not self.batch_first else 0)
            last = [s.squeeze(1) for s in last]
        return (output, tuple(last)) if lstm else (output, last[0])

    def _state_dims_message(self, kind, ndim, states):
        if self.mode == "LSTM":
            got = ", ".join(f"{s.ndim}-D" for s in states)
            return f"For {kind} input, hx and cx should also be {ndim}-D but got ({got}) tensors"
        return f"For {kind} input, hx should also be {ndim}-D but got {states[0].ndim}-D tensor"

    def _check_forward_args(self, input, states):
        """PyTorch's checks of the input and the initial state (zeros when none is given)."""
        weight = getattr(self, self._flat_weights_names[0])
        if input.dtype != weight.dtype:
            n, w = dtypes.name(input.dtype), dtypes.name(weight.dtype)
            raise ValueError(f"RNN input dtype ({n}) does not match weight dtype ({w}). Convert "
                             f"input: input.to({w}), or convert model: model.to({n})")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {input.shape[-1]}")
        if input.shape[0] == 0:
            raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
        layers = self.num_layers * (2 if self.bidirectional else 1)
        out_size = self.proj_size if self.proj_size > 0 else self.hidden_size
        sizes = [(layers, input.shape[1], out_size)]
        if self.mode == "LSTM":
            sizes.append((layers, input.shape[1], self.hidden_size))
        if states is None:
            return [zeros(*size, dtype=input.dtype, device=input.device) for size in sizes]
        for k, (state, size) in enumerate(zip(states, sizes)):
            if tuple(state.shape) != size:
                which = f"hidden[{k}]" if self.mode == "LSTM" else "hidden"
                raise RuntimeError(f"Expected {which} size {size}, got {list(state.shape)}")
        return states

    def _run_layers(self, x, states):
        """Each layer (and direction) runs its time loop over the previous layer's output."""
        directions = 2 if self.bidirectional else 1
        cell, last = _CELLS[self.mode], []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                k = layer * directions + direction
                state = tuple(s[k] for s in states) if self.mode == "LSTM" else states[0][k]
                out, state = self._time_loop(cell, x, state, self._cell_weights(layer, direction), direction == 1)
                outputs.append(out)
                last.append(state)
            x = outputs[0] if directions == 1 else cat(outputs, dim=2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, training=True)
        if self.mode == "LSTM":
            return x, [stack([h for h, _ in last]), stack([c for _, c in last])]
        return x, [stack(last)]

    def _time_loop(self, cell, x, state, weights, reverse):
        """h_t = cell(x_t, h_{t-1}) for t = 0 .. L-1 (L-1 .. 0 when reverse); returns the stacked
        h_t in time order and the last state."""
        steps = range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0])
        outputs = [None] * x.shape[0]
        for t in steps:
            state = cell(x[t], state, *weights)
            outputs[t] = state[0] if self.mode == "LSTM" else state
        return stack(outputs), state

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (nonlinearity='relu': relu)."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, 0, device, dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory (cell equations in nn/functional/rnn.py `lstm_cell`); forward(input, (h_0, c_0))
    returns (output, (h_n, c_n)). proj_size > 0 projects each h_t to proj_size numbers (weight_hr)."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)


class GRU(RNNBase):
    """Gated recurrent unit (cell equations in nn/functional/rnn.py `gru_cell`)."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         0, device, dtype)
