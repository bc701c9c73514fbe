"""PyTorch's legacy `Variable`: before PyTorch 0.4 a Tensor did not record gradients and a
Variable wrapped it; now every Tensor does, and Variable(t) is only a new leaf over t's memory."""
import warnings


class _VariableType(type):
    def __instancecheck__(cls, obj):  # every Tensor is a Variable, as in PyTorch since 0.4
        return hasattr(obj, "_result_class")


class Variable(metaclass=_VariableType):
    """PyTorch's legacy Variable (before 0.4 tensors did not record gradients): Variable(t) is a new
    leaf over t's memory, that requires grad if asked."""

    def __new__(cls, data, requires_grad=False, volatile=False):
        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with minigrad.no_grad():` instead.",
                          UserWarning, stacklevel=2)
        out = data.detach()
        return out.requires_grad_(True) if requires_grad else out
