"""PyTorch's module-level spellings of Tensor methods: minigrad.sum(x, 1),
minigrad.max(x, dim=1), minigrad.exp(x)... Each calls the method of the same name."""


def _method(name, doc=None):
    def fn(input, *args, **kwargs):
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
