"""Tensor's random draws that take their distribution from the tensor: multinomial (categories
drawn by weight), bernoulli and bernoulli_ (0 or 1 with probability p); and the fills random_
(integers in a range) and exponential_ (normal_ and uniform_ are in tensor_fill.py). The draws are in
minigrad/ops/sampling.py, from the seeded source; `generator=` may be a numpy Generator.
A draw's gradient with respect to its probabilities is 0, as in PyTorch.
"""
import contextlib

import numpy as np

from . import dtypes
from .array_module import get_array_module
from .ops.sampling import Sample, multinomial
from .random_source import random_uniform, use_rng
from .tensor_special import not_implemented_for, scalar_name


def _is_tensor(x):
    return hasattr(x, "_result_class")


_C_TYPES = {dtypes.bool: "bool", dtypes.uint8: "unsigned char", dtypes.int8: "signed char", dtypes.int16: "short",
            dtypes.int32: "int", dtypes.int64: "long"}


def check_integer_range(low, high, dtype):
    """PyTorch's refusal of a range [low, high) of draws that an integer (or bool) dtype cannot hold."""
    if dtype in _C_TYPES:
        lo, hi = (0, 1) if dtype == dtypes.bool else (np.iinfo(dtype).min, np.iinfo(dtype).max)
        if not lo <= low <= hi:
            raise RuntimeError(f"from is out of bounds for {_C_TYPES[dtype]}")
        if not lo <= high - 1 <= hi:
            raise RuntimeError(f"to - 1 is out of bounds for {_C_TYPES[dtype]}")


def drawing_from(generator):
    """A block in which draws come from `generator` (a numpy Generator), or the seeded source."""
    return contextlib.nullcontext() if generator is None else use_rng(generator)


class RandomMethods:
    def multinomial(self, num_samples, replacement=False, *, generator=None):
        """num_samples category indices per row of self (1-D: the weights of the categories;
        2-D: one distribution per row), int64. Without replacement no category repeats in a row."""
        if self.ndim not in (1, 2):
            raise RuntimeError("prob_dist must be 1 or 2 dim")
        if self.array.dtype.kind != "f":
            raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                               f"{scalar_name(self.array.dtype)}")
        if num_samples <= 0:
            raise RuntimeError("cannot sample n_sample <= 0 samples")
        if not replacement and num_samples > self.shape[-1]:
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
        p = self.array.reshape(-1, self.shape[-1])
        xp = get_array_module(p)
        if not bool(xp.isfinite(p).all()) or bool((p < 0).any()):
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if bool((p.sum(axis=1) <= 0).any()):
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        with drawing_from(generator):
            index = multinomial(p, int(num_samples), replacement)
        return self._const(index.astype("int64").reshape(self.shape[:-1] + (int(num_samples),)))

    def bernoulli(self, p=None, *, generator=None):
        """1 with probability p (self's values, or the number p), else 0, in self's dtype and shape."""
        if self.array.dtype.kind != "f":
            raise not_implemented_for("bernoulli_tensor_cpu_p_" if p is None else "bernoulli_scalar_cpu_",
                                      self.array.dtype)
        probability = self.array if p is None else p
        if p is None and bool(((probability < 0) | (probability > 1)).any()):
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
        if p is not None and not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        xp = get_array_module(self.array)
        with drawing_from(generator):
            draw = random_uniform(xp, self.shape, xp.float64) < probability
        return Sample.apply(self, sample=draw.astype(self.array.dtype))

    def bernoulli_(self, p=0.5, *, generator=None):
        """Fill self with draws of 1 with probability p (a number, or a tensor broadcast to self), else 0."""
        if _is_tensor(p):
            p = p.to(self.device).expand(self.shape).array
            if bool(((p < 0) | (p > 1)).any()):
                raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
        elif not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        xp = get_array_module(self.array)
        with drawing_from(generator):
            draw = (random_uniform(xp, self.shape, xp.float64) < p).astype(self.array.dtype)
        return self._inplace(lambda t: Sample.apply(t, sample=draw))

    def random_(self, from_=0, to=None, *, generator=None):
        """Fill with integers drawn uniformly from [from_, to) (random_(to) draws from [0, to)); by
        default up to the largest integer the dtype holds exactly (2**24 for float32, 2**53 for float64)."""
        low, high = (0, from_) if to is None and from_ != 0 else (from_, to)
        if high is None:
            dtype = self.array.dtype
            high = 2 if dtype == dtypes.bool else 2 ** (np.finfo(dtype).nmant + 1) + 1 if dtype.kind == "f" else \
                int(np.iinfo(dtype).max) + 1
        if low >= high:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
        check_integer_range(low, high, self.array.dtype)
        with drawing_from(generator):
            return self._random_(lambda r: r.integers(low, high - 1, self.shape, endpoint=True))

    def exponential_(self, lambd=1.0, *, generator=None):
        """Fill with draws of the exponential distribution of rate lambd (mean 1 / lambd)."""
        if self.array.dtype.kind != "f" and self.array.size:  # (an empty tensor of any dtype is left as it is)
            raise RuntimeError("Exponential distribution is a continuous probability distribution. dtype must be a "
                               f"floating point but you specified {scalar_name(self.array.dtype)}")
        if not lambd > 0:
            raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
        with drawing_from(generator):
            return self._random_(lambda r: r.exponential(1 / lambd, self.shape))
