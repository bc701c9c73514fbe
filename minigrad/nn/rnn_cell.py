"""One recurrent step as a layer (PyTorch's nn.RNNCell, nn.LSTMCell, nn.GRUCell): the weights of
one cell of nn/functional/rnn.py, for programs that write the time loop themselves

    h = torch.zeros(batch, hidden)
    for x_t in sequence:
        h = cell(x_t, h)

Input (batch, input_size) or one sample (input_size); the state defaults to zeros. Parameter names
(weight_ih, weight_hh, bias_ih, bias_hh), initialisation (uniform in +-1/sqrt(hidden_size)) and the
argument checks are PyTorch's."""
import math

from ..factories import zeros
from . import init
from .factory import empty_parameter
from .functional.rnn import gru_cell, lstm_cell, rnn_relu_cell, rnn_tanh_cell
from .module import Module
from .rnn import _check_int


class RNNCellBase(Module):
    """weight_ih (gates * hidden, input), weight_hh (gates * hidden, hidden), bias_ih, bias_hh."""
    gates = 1

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        _check_int(input_size, "input_size")
        _check_int(hidden_size, "hidden_size")
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        size = self.gates * hidden_size
        self.weight_ih = empty_parameter((size, input_size), device, dtype)
        self.weight_hh = empty_parameter((size, hidden_size), device, dtype)
        self.register_parameter("bias_ih", empty_parameter((size,), device, dtype) if bias else None)
        self.register_parameter("bias_hh", empty_parameter((size,), device, dtype) if bias else None)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _weights(self):
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh

    def _prepare(self, input, hx, count):
        """PyTorch's checks; one sample becomes a batch of one. Returns (input, states, batched)."""
        name = type(self).__name__
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        states = None if hx is None else list(hx) if count == 2 else [hx]
        for k, state in enumerate(states or []):
            if state.ndim not in (1, 2):
                label = f"hx[{k}]" if count == 2 else "hidden"
                raise ValueError(f"{name}: Expected {label} to be 1D or 2D, got {state.ndim}D instead")
        batched = input.ndim == 2
        if not batched:
            input = input.unsqueeze(0)
            states = None if states is None else [s.unsqueeze(0) for s in states]
        if states is None:
            states = [zeros(input.shape[0], self.hidden_size, dtype=input.dtype, device=input.device)] * count
        if input.shape[1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[1]} expected {self.input_size}")
        for k, state in enumerate(states):
            if input.shape[0] != state.shape[0]:
                raise RuntimeError(f"Input batch size {input.shape[0]} doesn't match hidden{k} batch size "
                                   f"{state.shape[0]}")
            if state.shape[1] != self.hidden_size:
                raise RuntimeError(f"hidden{k} has inconsistent hidden_size: got {state.shape[1]}, expected "
                                   f"{self.hidden_size}")
        return input, states, batched

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s


class RNNCell(RNNCellBase):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (nonlinearity='relu': relu)."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        input, (h,), batched = self._prepare(input, hx, 1)
        if self.nonlinearity == "tanh":
            h = rnn_tanh_cell(input, h, *self._weights())
        elif self.nonlinearity == "relu":
            h = rnn_relu_cell(input, h, *self._weights())
        else:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """(h', c') from x and (h, c): lstm_cell's gates i, f, g, o (nn/functional/rnn.py)."""
    gates = 4

    def forward(self, input, hx=None):
        input, states, batched = self._prepare(input, hx, 2)
        h, c = lstm_cell(input, tuple(states), *self._weights())
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """h' from x and h: gru_cell's gates r, z, n (nn/functional/rnn.py)."""
    gates = 3

    def forward(self, input, hx=None):
        input, (h,), batched = self._prepare(input, hx, 1)
        h = gru_cell(input, h, *self._weights())
        return h if batched else h.squeeze(0)
