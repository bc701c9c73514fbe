"""Two-input elementwise maps whose gradient is not a composition of other ops: hypot (the length
of the vector (a, b), computed without overflow), copysign (|a| with b's sign, -0.0 included) and
xlogy (x log y, with 0 log y = 0).
Both take float arrays of one dtype (the Tensor method promotes them first); backward is the
derivative times the output gradient, summed back over broadcast dimensions, with PyTorch's choices
where the derivative does not exist."""
from ..array_module import get_array_module
from .arithmetic import Broadcasting, unbroadcast
from .broadcast_errors import elementwise
from .layout import elementwise_result as torch_layout


class Hypot(Broadcasting):
    """out = sqrt(a^2 + b^2);  d/da = a / out, d/db = b / out (NaN at a = b = 0, as PyTorch's)."""
    def forward(self, a, b):
        self.check_shapes(a, b)
        out = torch_layout(elementwise(get_array_module(a).hypot, a, b), a, b)
        self.save_for_backward(a, b, out)
        return out

    def backward(self, grad):
        a, b, out = self.saved
        need_a, need_b = self.needs_input_grad
        return (unbroadcast(grad * a / out, self.a_shape) if need_a else None,  # in PyTorch's order: grad * a
                unbroadcast(grad * b / out, self.b_shape) if need_b else None)  # may overflow to inf


class Copysign(Broadcasting):
    """out = |a| with the sign bit of b;  d/da = out / a (+1 or -1; 0 where a = 0, as PyTorch's),
    d/db = 0 (the sign is a step)."""
    def forward(self, a, b):
        self.check_shapes(a, b)
        out = torch_layout(elementwise(get_array_module(a).copysign, a, b), a, b)
        self.save_for_backward(a, out)
        return out

    def backward(self, grad):
        a, out = self.saved
        xp = get_array_module(grad)
        need_a, need_b = self.needs_input_grad
        ratio = xp.where(a == 0, 0, out / xp.where(a == 0, 1, a)).astype(grad.dtype, copy=False)
        return (unbroadcast(grad * ratio, self.a_shape) if need_a else None,
                unbroadcast(xp.zeros_like(grad), self.b_shape) if need_b else None)


class Xlogy(Broadcasting):
    """out = xlogy(x, y) = x * log(y), and 0 where x = 0 (unless y is NaN: NaN);
    d/dx = xlogy(grad, y), 0 where x = 0 and y <= 0 (for a number y: where y is not > 0, NaN too);
    d/dy = grad * x / y: PyTorch's formulas."""
    def forward(self, x, y, y_is_number=False):
        self.check_shapes(x, y)
        self.save_for_backward(x, y)
        self.y_is_number = y_is_number
        return torch_layout(xlogy(x, y), x, y)

    def backward(self, grad):
        x, y = self.saved
        xp = get_array_module(grad)
        need_x, need_y = self.needs_input_grad
        gx = gy = None
        if need_x:
            flat = ~(y > 0) if self.y_is_number else y <= 0
            gx = unbroadcast(xp.where((x == 0) & flat, 0, xlogy(grad, y)).astype(grad.dtype, copy=False), self.a_shape)
        if need_y:
            gy = unbroadcast(grad * x / y, self.b_shape)
        return gx, gy


def xlogy(x, y):
    """x * log(y), 0 where x = 0 and y is not NaN."""
    xp = get_array_module(x)
    return xp.where((x == 0) & (y == y), 0, elementwise(xp.multiply, x, xp.log(y))).astype(x.dtype, copy=False)
