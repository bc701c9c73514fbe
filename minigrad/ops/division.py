"""Division that rounds: div(rounding_mode='trunc' | 'floor') and fmod (C's %, the sign of the
dividend). Python's // and % (floor_divide, remainder) are beside / in arithmetic.py.

    floor division  q = floor(a / b)        remainder (arithmetic.py)  r = a - b floor(a / b)
    trunc division  q = trunc(a / b)        fmod                       r = a - b trunc(a / b)

A rounded quotient is piecewise constant, so its gradient is 0 (PyTorch's too). fmod's is
da = grad, db = -grad * trunc(a / b). Integers stay integers, and an integer division by zero is
an error, as in PyTorch (numpy would quietly give 0).
"""
from ..backend import get_array_module
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
