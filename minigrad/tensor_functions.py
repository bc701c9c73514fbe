"""PyTorch's module-level spellings of Tensor methods: minigrad.sum(x, 1),
minigrad.max(x, dim=1), minigrad.exp(x)... Each calls the method of the same name.

The input must be a Tensor, as in PyTorch: a numpy array would otherwise run numpy's own
method of that name (np.std is the biased one; ndarray.max(1) gives no indices), a silent
difference. Arithmetic also takes a number first (minigrad.add(2, t)), as torch.add does.

Where PyTorch's function has `out=`, so does minigrad's: minigrad.add(a, b, out=c) computes a + b
and writes it into c (converted to c's dtype, c resized if its shape differs), and returns c."""
import warnings

import numpy as np

from . import dtypes
from .autograd import is_grad_enabled
from .array_module import get_array_module
from .ops.distance import Cdist
from .tensor import Tensor
from .tensor_special import c_name, scalar_name


def _number_tensor(number, like):
    """A Python number as a 0-d tensor of the dtype PyTorch gives it beside `like` (so that it
    promotes as the number would: minigrad.div(7, t, rounding_mode='floor'))."""
    dims, zero = ([like.dtype], []) if like.ndim else ([], [like.dtype])
    return like._const(get_array_module(like.array).asarray(number, dtype=dtypes.result_type(dims, zero, [number])))


# number op tensor, for the ops PyTorch gives a (Number, Tensor) form
_REVERSED = {"add": lambda a, b, alpha=1: b * alpha + a if alpha != 1 else a + b,
             "sub": lambda a, b, alpha=1: a - (b * alpha if alpha != 1 else b),
             "mul": lambda a, b: a * b, "pow": lambda a, b: a ** b,
             "div": lambda a, b, rounding_mode=None: _number_tensor(a, b).div(b, rounding_mode=rounding_mode),
             "divide": lambda a, b, rounding_mode=None: _number_tensor(a, b).div(b, rounding_mode=rounding_mode),
             "true_divide": lambda a, b: a / b, "remainder": lambda a, b: b.__rmod__(a),
             "floor_divide": lambda a, b: b.__rfloordiv__(a), "multiply": lambda a, b: a * b,
             "subtract": lambda a, b, alpha=1: a - (b * alpha if alpha != 1 else b),
             "bitwise_and": lambda a, b: b & a, "bitwise_or": lambda a, b: b | a, "bitwise_xor": lambda a, b: b ^ a,
             "bitwise_left_shift": lambda a, b: b.__rlshift__(a), "bitwise_right_shift": lambda a, b: b.__rrshift__(a),
             "xlogy": lambda a, b: _number_tensor(a, b).xlogy(b),
             "float_power": lambda a, b: float(a) ** b.double()}

# the functions PyTorch gives an `out=` (found by calling each of torch 2.13's with one)
WITH_OUT = set((
    "sum mean prod std var norm max min amax amin argmax argmin all any topk sort cumsum abs sqrt rsqrt exp log "
    "log1p sin cos sigmoid tanh softmax log_softmax clamp clip neg sign floor ceil round maximum minimum pow matmul "
    "mm add sub mul div eq ne gt lt ge le gather scatter scatter_add index_select square reciprocal logsumexp tril "
    "triu outer ger dot bmm clamp_min clamp_max erf erfc expm1 exp2 log2 log10 sinh cosh tan asin acos atan asinh "
    "acosh atanh arcsin arccos arctan arcsinh arccosh arctanh atan2 arctan2 frac lerp logical_and logical_or "
    "logical_xor logical_not signbit divide true_divide floor_divide remainder fmod cumprod cummax cummin "
    "logcumsumexp median nanmedian nansum nanmean diag masked_select take take_along_dim index_add index_copy "
    "kron multinomial bernoulli cat concat concatenate stack where multiply subtract greater greater_equal less "
    "less_equal not_equal negative fix msort sgn bitwise_and bitwise_or bitwise_xor bitwise_not bitwise_left_shift "
    "bitwise_right_shift nonzero addcmul addcdiv addmm baddbmm mv inner vdot cross aminmax mode kthvalue trunc "
    "hypot copysign float_power fmax fmin xlogy nan_to_num isposinf isneginf deg2rad rad2deg quantile lgamma digamma "
    "erfinv sinc logit").split())


# out= of another dtype than the result's: elementwise ops convert the result into it (when not of a
# lower category); sum, prod, cumsum, cumprod and nansum compute in out's dtype, as if given dtype=
# (_out_dtype); the ops below take only the result's own dtype, each refusing with PyTorch's words.
# _OUT_SAME_DTYPE's are checked before the op runs (against the input's dtype), _OUT_EXACT's after.
_FOUND = "Found dtype {out} but expected {result}"
_AMAX = "Expected the dtype for input and out to match, but got {result} for input's dtype and {out} for out's dtype."
_OUT_SAME_DTYPE = dict.fromkeys("abs absolute neg negative sign floor ceil round frac trunc fix".split(), _FOUND)
_OUT_SAME_DTYPE.update(amax=_AMAX, amin=_AMAX, logcumsumexp="expected scalar_type {result} but found {out}",
                       signbit="signbit does not support non-boolean outputs.")
_OUT_EXACT = dict.fromkeys("max min sort topk matmul mm bmm gather tril triu softmax log_softmax argmax argmin diag "
                           "index_add scatter scatter_add norm".split(),
                           "Expected out tensor to have dtype {result_c}, but got {out_c} instead")
_OUT_EXACT.update(dict.fromkeys("clamp clip clamp_min clamp_max".split(), _FOUND))
_OUT_EXACT.update(dict.fromkeys("cummax cummin".split(), "expected scalar_type {result} but found {out}"))
_OUT_EXACT.update(dict.fromkeys("median nanmedian".split(), "Expected tensor for 'values' to have the same type as "
                                "tensor for argument #2 'self'; but type {result} does not equal {out}"))
_OUT_EXACT.update(
    where="Expected out type to be {result} but got {out}",
    index_select="index_select(): self and result must have the same scalar type",
    masked_select="masked_select(): self and result must have the same scalar type",
    take="take(): self and out expected to have the same dtype, but got self.dtype = {result} and out.dtype = {out}",
    dot="result dtype {out} does not match input dtype {result}",
    all="all only supports bool tensor for result, got: {out}", any="any only supports bool tensor for result, got: {out}")
_OUT_IS_DTYPE = {"sum", "prod", "cumsum", "cumprod", "nansum"}


def _refuse_out(rules, name, result_dtype, out_dtype):
    raise RuntimeError(rules[name].format(out=scalar_name(out_dtype), result=scalar_name(result_dtype),
                                          out_c=c_name(out_dtype), result_c=c_name(result_dtype)))


def _out_dtype(name, input, out, kwargs):
    """PyTorch's reading of out='s dtype before the op runs: the one dtype some ops accept (checked
    before the input's), the dtype= of a sum or product (a float input's nansum or nanmean into an
    integer out has no kernel)."""
    if not isinstance(out, Tensor):
        return
    expected = dtypes.bool if name == "signbit" else input.dtype
    if name in _OUT_SAME_DTYPE and out.dtype != expected:
        _refuse_out(_OUT_SAME_DTYPE, name, expected, out.dtype)
    if name in ("nansum", "nanmean") and input.dtype.kind == "f" and out.dtype.kind != "f":
        raise NotImplementedError(f"\"nansum_cpu\" not implemented for '{scalar_name(out.dtype)}'")
    if name in _OUT_IS_DTYPE and kwargs.get("dtype") is None:
        kwargs["dtype"] = out.dtype


def write_out(name, result, out):
    """`out=`: write `result` (a tensor, or a tuple as max(dim) gives) into `out`, as PyTorch does."""
    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(result):
            raise TypeError(f"{name}(): argument 'out' must be a tuple of {len(result)} Tensors")
        for r, o in zip(result, out):  # every dtype checked before anything is written
            if name in _OUT_EXACT and isinstance(o, Tensor) and o.dtype != r.dtype:
                _refuse_out(_OUT_EXACT, name, r.dtype, o.dtype)
        for r, o in zip(result, out):
            write_out(name, r, o)
        return type(result)(*out)
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if is_grad_enabled() and (result.requires_grad or out.requires_grad):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")
    if name in _OUT_EXACT and out.dtype != result.dtype:
        _refuse_out(_OUT_EXACT, name, result.dtype, out.dtype)
    if dtypes.category(result.dtype) > dtypes.category(out.dtype) and name in ("cat", "concat", "concatenate", "stack"):
        raise TypeError(f"torch.cat(): input types can't be cast to the desired output type {scalar_name(out.dtype)}")
    if dtypes.category(result.dtype) > dtypes.category(out.dtype):
        raise RuntimeError(f"result type {scalar_name(result.dtype)} can't be cast to the desired output type "
                           f"{scalar_name(out.dtype)}")
    if out.device != result.device:
        raise RuntimeError(f"{name}(): Expected out tensor to be on {result.device}, but it is on {out.device}")
    if out.shape != result.shape:
        if out.array.size:
            warnings.warn(f"An output with one or more elements was resized since it had shape {list(out.shape)}, "
                          f"which does not match the required output shape {list(result.shape)}. This behavior is "
                          "deprecated, and in a future PyTorch release outputs will not be resized unless they have "
                          "zero elements.", UserWarning, stacklevel=3)
        out.array = get_array_module(out.array).empty(result.shape, out.dtype)
    out.array[...] = result.array
    out._version[0] += 1
    return out


def _method(name, doc=None):
    def fn(input, *args, **kwargs):
        out = kwargs.pop("out", None) if name in WITH_OUT else None
        if "out" in kwargs:
            raise TypeError(f"{name}() got an unexpected keyword argument 'out'")
        if not isinstance(input, Tensor):
            if name in _REVERSED and isinstance(input, (int, float)) and args and isinstance(args[0], Tensor):
                result = _REVERSED[name](input, *args, **kwargs)
                return result if out is None else write_out(name, result, out)
            kind = type(input).__name__ if type(input).__module__ == "builtins" else \
                f"{type(input).__module__}.{type(input).__name__}"
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {kind}"
                            + (" (wrap an array with minigrad.from_numpy)" if hasattr(input, "shape") else ""))
        if out is not None:
            _out_dtype(name, input, out, kwargs)
        result = getattr(input, name)(*args, **kwargs)
        return result if out is None else write_out(name, result, out)
    fn.__name__ = name
    fn.__doc__ = doc or f"minigrad.{name}(x, ...) is x.{name}(...)"
    return fn


NAMES = ("sum mean prod std var norm max min amax amin argmax argmin all any topk sort argsort cumsum "
         "abs sqrt rsqrt exp log log1p sin cos sigmoid tanh relu relu_ softmax log_softmax clamp clip neg sign "
         "floor ceil round maximum minimum pow matmul mm add sub mul div eq ne gt lt ge le masked_fill "
         "gather scatter scatter_add index_select reshape flatten unsqueeze squeeze transpose permute t flip chunk split narrow unbind "
         "clone isnan isfinite isinf equal allclose square reciprocal numel logsumexp tril triu outer ger dot bmm clamp_min "
         "clamp_max").split()
# issue 22's further ops: special functions, rounding division, logical ops, scans, medians, indexing
NAMES += ("erf erfc expm1 exp2 log2 log10 sinh cosh tan asin acos atan asinh acosh atanh arcsin arccos arctan "
          "arcsinh arccosh arctanh atan2 arctan2 frac lerp logical_and logical_or logical_xor logical_not isclose "
          "signbit divide true_divide floor_divide remainder fmod cumprod cummax cummin logcumsumexp median "
          "nanmedian nansum nanmean count_nonzero diagonal diag diag_embed trace roll masked_select take "
          "take_along_dim index_add index_copy index_fill repeat_interleave argwhere kron broadcast_to swapdims "
          "swapaxes movedim moveaxis tensor_split multinomial bernoulli").split()
# PyTorch's second names and the compositions of minigrad/tensor_aliases.py, tensor_maps.py, tensor_products.py,
# tensor_order.py
NAMES += ("multiply subtract greater greater_equal less less_equal not_equal negative positive fix msort fliplr "
          "flipud rot90 sgn bitwise_and bitwise_or bitwise_xor bitwise_not bitwise_left_shift bitwise_right_shift "
          "nonzero tile addcmul addcdiv addmm baddbmm mv inner vdot cross dist diff aminmax mode kthvalue trunc "
          "hypot copysign float_power fmax fmin xlogy nan_to_num nan_to_num_ isposinf isneginf deg2rad rad2deg "
          "deg2rad_ rad2deg_ negative_ fix_ trunc_ xlogy_ unique unique_consecutive quantile masked_scatter "
          "scatter_reduce").split()
# the special functions of ops/gamma.py and ops/special.py
NAMES += "lgamma digamma erfinv sinc logit sinc_ logit_".split()

for _name in NAMES:
    globals()[_name] = _method(_name)

__all__ = list(NAMES)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean) over dim, as a tuple (a bool second argument is `unbiased`, as PyTorch reads it)."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    return input.std(dim, unbiased, keepdim, correction=correction), _mean(input, dim, keepdim)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) over dim, as a tuple."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    return input.var(dim, unbiased, keepdim, correction=correction), _mean(input, dim, keepdim)


def _mean(input, dim, keepdim):
    mean = input.mean(dim, keepdim)
    return mean.reshape((1,) * input.ndim) if dim is None and keepdim else mean


def tensordot(a, b, dims=2, out=None):
    """Sums of products over dims of a and b: the last `dims` of a with the first `dims` of b, or the
    dims listed ([dims of a], [dims of b]). The free dims of a, then of b, make the result's shape:
    both are laid out as matrices (free x contracted) and multiplied."""
    if hasattr(dims, "array"):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        dims_a, dims_b = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        dims_a, dims_b = ([d] if isinstance(d, int) else list(d) for d in dims)
    if len(dims_a) != len(dims_b):
        raise RuntimeError("both dimension lists should have same length")
    dims_a, dims_b = [a._dim(d) for d in dims_a], [b._dim(d) for d in dims_b]
    for da, db in zip(dims_a, dims_b):
        if a.shape[da] != b.shape[db]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a.shape[da]} in dim {da} "
                               f"and second has size {b.shape[db]} in dim {db}")
    free_a = [d for d in range(a.ndim) if d not in dims_a]
    free_b = [d for d in range(b.ndim) if d not in dims_b]
    size = 1
    for d in dims_a:
        size *= a.shape[d]
    left = a.permute(*free_a, *dims_a).reshape(int(np.prod([a.shape[d] for d in free_a])), size)
    right = b.permute(*dims_b, *free_b).reshape(size, int(np.prod([b.shape[d] for d in free_b])))
    result = left.mm(right).reshape(tuple(a.shape[d] for d in free_a) + tuple(b.shape[d] for d in free_b))
    return result if out is None else write_out("tensordot", result, out)


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """The p-norm distance between each row of x1 (..., P, M) and each row of x2 (..., R, M): (..., P, R)."""
    for name, x in (("X1", x1), ("X2", x2)):
        if x.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {x.ndim}D")
        if x.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: {scalar_name(x.dtype)}")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    if x1.dtype != x2.dtype:
        raise RuntimeError(f"expected scalar type {scalar_name(x1.dtype)} but found {scalar_name(x2.dtype)}")
    return Cdist.apply(x1, x2, p=float(p))


__all__ += ["std_mean", "var_mean", "tensordot", "cdist"]
