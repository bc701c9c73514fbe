"""Division that rounds: div(rounding_mode='trunc' | 'floor') and fmod (C's %, the sign of the
dividend), and Python's // and % (floor_divide, remainder).

    floor division  q = floor(a / b)        remainder                  r = a - b floor(a / b)
    trunc division  q = trunc(a / b)        fmod                       r = a - b trunc(a / b)

A rounded quotient is piecewise constant, so its gradient is 0 (PyTorch's too). fmod's is
da = grad, db = -grad * trunc(a / b). Integers stay integers, and an integer division by zero is
an error, as in PyTorch (numpy would quietly give 0).
"""
from ..array_module import get_array_module
from .arithmetic import Broadcasting, unbroadcast
from .layout import elementwise_result as torch_layout


def check_integer_divisor(b):
    """PyTorch refuses an integer division by zero (its message names the Python exception)."""
    if b.dtype.kind in "iub" and (b == 0).any():
        raise RuntimeError("ZeroDivisionError")


def quotient(xp, a, b, mode):
    """a / b rounded by `mode` ('trunc' or 'floor'), in a's dtype (a and b share one)."""
    if a.dtype.kind == "f":
        return xp.trunc(a / b) if mode == "trunc" else xp.floor_divide(a, b)
    check_integer_divisor(b)
    if mode == "floor":
        return xp.floor_divide(a, b)
    q = abs(a) // abs(b)  # integers: round toward zero by dividing the magnitudes
    return xp.where((a < 0) != (b < 0), -q, q).astype(a.dtype, copy=False)


class RoundedDiv(Broadcasting):
    """out = a / b rounded toward zero ('trunc') or down ('floor');  da = db = 0 (a step function)."""
    op = "div"

    def forward(self, a, b, mode):
        self.check_shapes(a, b)
        return torch_layout(quotient(get_array_module(a, b), a, b, mode), a, b)

    def backward(self, grad):
        xp = get_array_module(grad)
        return tuple(xp.zeros(shape, grad.dtype) if need else None
                     for shape, need in zip((self.a_shape, self.b_shape), self.needs_input_grad))


class Fmod(Broadcasting):
    """out = a - b * trunc(a / b), the sign of a (C's fmod);  da = grad, db = -grad * trunc(a / b)."""
    def forward(self, a, b):
        self.check_shapes(a, b)
        check_integer_divisor(b)
        if self.needs_input_grad[1]:
            self.save_for_backward(a, b)
        return torch_layout(get_array_module(a, b).fmod(a, b), a, b)

    def backward(self, grad):
        ga = unbroadcast(grad, self.a_shape) if self.needs_input_grad[0] else None
        gb = None
        if self.needs_input_grad[1]:
            a, b = self.saved
            gb = unbroadcast(-grad * quotient(get_array_module(a), a, b, "trunc"), self.b_shape)
        return ga, gb


def _check_integer_divisor(a, b):
    """PyTorch refuses integer // and % by zero (floats give inf or nan); an empty result has none."""
    if a.dtype.kind in "iu" and a.size and b.size and (b == 0).any():
        raise RuntimeError("ZeroDivisionError")


class Remainder(Broadcasting):
    """out = a - b * floor(a / b), the sign of b (Python's %, torch.remainder);
    d/da = 1, d/db = -floor(a / b). Floats are computed as PyTorch does, from
    fmod(a, b) moved by b when its sign differs from b's (so -0.0 % 2 is -0.0)."""
    def forward(self, a, b):
        self.check_shapes(a, b)
        xp = get_array_module(a, b)
        _check_integer_divisor(a, b)
        if a.dtype.kind != "f":
            return torch_layout(xp.remainder(a, b), a, b)
        self.save_for_backward(a if self.needs_input_grad[1] else None, b if self.needs_input_grad[1] else None)
        out = xp.fmod(a, b)
        return torch_layout(xp.where((out != 0) & ((out < 0) != (b < 0)), out + b, out), a, b)

    def backward(self, grad):
        a, b = self.saved
        ga = unbroadcast(grad, self.a_shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(-grad * get_array_module(grad).floor_divide(a, b), self.b_shape) \
            if self.needs_input_grad[1] else None
        return ga, gb


class FloorDivide(Broadcasting):
    """out = floor(a / b) (Python's //). As in PyTorch the result of float inputs is in the
    graph, but its derivative is not implemented: backward through it raises."""
    op = "floor_divide"

    def forward(self, a, b):
        self.check_shapes(a, b)
        _check_integer_divisor(a, b)
        return torch_layout(get_array_module(a, b).floor_divide(a, b), a, b)

    def backward(self, grad):
        raise RuntimeError("derivative for floor_divide is not implemented (PyTorch has none either): "
                           "detach the result (x.detach() // y) or use x.div(y, rounding_mode='floor')")
