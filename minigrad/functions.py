"""PyTorch's module-level spellings of Tensor methods: minigrad.sum(x, 1),
minigrad.max(x, dim=1), minigrad.exp(x)... Each calls the method of the same name.

The input must be a Tensor, as in PyTorch: a numpy array would otherwise run numpy's own
method of that name (np.std is the biased one; ndarray.max(1) gives no indices), a silent
difference. Arithmetic also takes a number first (minigrad.add(2, t)), as torch.add does."""
from .tensor import Tensor

# number op tensor, for the ops PyTorch gives a (Number, Tensor) form
_REVERSED = {"add": lambda a, b, alpha=1: b * alpha + a if alpha != 1 else a + b,
             "sub": lambda a, b, alpha=1: a - (b * alpha if alpha != 1 else b),
             "mul": lambda a, b: a * b, "div": lambda a, b: a / b, "pow": lambda a, b: a ** b}


def _method(name, doc=None):
    def fn(input, *args, **kwargs):
        if not isinstance(input, Tensor):
            if name in _REVERSED and isinstance(input, (int, float)) and args and isinstance(args[0], Tensor):
                return _REVERSED[name](input, *args, **kwargs)
            kind = type(input).__name__ if type(input).__module__ == "builtins" else \
                f"{type(input).__module__}.{type(input).__name__}"
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {kind}"
                            + (" (wrap an array with minigrad.from_numpy)" if hasattr(input, "shape") else ""))
        return getattr(input, name)(*args, **kwargs)
    fn.__name__ = name
    fn.__doc__ = doc or f"minigrad.{name}(x, ...) is x.{name}(...)"
    return fn


NAMES = ("sum mean prod std var norm max min amax amin argmax argmin all any topk sort argsort cumsum "
         "abs sqrt rsqrt exp log log1p sin cos sigmoid tanh relu relu_ softmax log_softmax clamp clip neg sign "
         "floor ceil round maximum minimum pow matmul mm add sub mul div eq ne gt lt ge le masked_fill "
         "gather scatter scatter_add index_select reshape flatten unsqueeze squeeze transpose permute t flip chunk split narrow unbind "
         "clone isnan isfinite isinf equal allclose square reciprocal numel logsumexp tril triu outer ger dot bmm clamp_min "
         "clamp_max").split()

for _name in NAMES:
    globals()[_name] = _method(_name)

__all__ = list(NAMES)
