"""One step of a recurrent network: the cell equations of nn.RNN, nn.LSTM and nn.GRU (PyTorch's
torch.rnn_tanh_cell, lstm_cell, gru_cell), each a few tensor ops, so autograd gives the backward
(backpropagation through time is backward through the time loop of nn/rnn.py).

Each cell reads the input x_t (batch, input_size) and the previous state, and returns the next
state. The gates of a cell are stacked in one weight matrix, in PyTorch's order: for an LSTM
W_ih = [W_ii; W_if; W_ig; W_io] (i, f, g, o), for a GRU [W_ir; W_iz; W_in] (r, z, n)."""
from .linear import linear


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """The Elman RNN:  h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    return (linear(input, w_ih, b_ih) + linear(hx, w_hh, b_hh)).tanh()


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """The Elman RNN with ReLU:  h' = relu(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    return (linear(input, w_ih, b_ih) + linear(hx, w_hh, b_hh)).relu()


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None, w_hr=None):
    """Long short-term memory (Hochreiter & Schmidhuber 1997); hx = (h, c):

        i, f, g, o = sigmoid, sigmoid, tanh, sigmoid of the four quarters of x W_ih^T + b_ih + h W_hh^T + b_hh
        c' = f * c + i * g          (forget some memory, write some new)
        h' = o * tanh(c')           (h' @ W_hr^T when the LSTM projects: proj_size > 0)

    Returns (h', c')."""
    h, c = hx
    gates = linear(input, w_ih, b_ih) + linear(h, w_hh, b_hh)
    i, f, g, o = gates.chunk(4, 1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    h = o.sigmoid() * c.tanh()
    return (h if w_hr is None else linear(h, w_hr)), c


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """Gated recurrent unit (Cho et al. 2014), as PyTorch writes it:

        r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)           (reset gate)
        z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)           (update gate)
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn))        (candidate: r scales h's part, bias included)
        h' = (1 - z) * n + z * h, computed as n + z * (h - n)"""
    i_r, i_z, i_n = linear(input, w_ih, b_ih).chunk(3, 1)
    h_r, h_z, h_n = linear(hx, w_hh, b_hh).chunk(3, 1)
    r = (i_r + h_r).sigmoid()
    z = (i_z + h_z).sigmoid()
    n = (i_n + r * h_n).tanh()
    return n + z * (hx - n)
