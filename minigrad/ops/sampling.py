"""Random draws that depend on tensors: multinomial (categories drawn with the given weights,
with or without replacement), and the node that puts a draw from bernoulli(p) or normal(mean,
std) into the graph.

Draws come from minigrad's seeded source (random_source.random_uniform: numpy's generator on
the CPU, cupy's on the GPU, both seeded by manual_seed), on the tensor's own device.
    with replacement:     category = the first c with cdf_c > u, u uniform in [0, 1)
    without replacement:  the k categories with the smallest E_c / p_c, E_c exponential(1)
                          (Efraimidis and Spirakis: the order of a weighted draw without
                          replacement, all at once)
"""
from ..autograd import Function
from ..array_module import get_array_module
from ..random_source import random_uniform


def multinomial(p, num_samples, replacement):
    """Category indices (rows, num_samples) drawn from the rows of p, (rows, categories), p >= 0."""
    xp = get_array_module(p)
    rows, categories = p.shape
    p = p.astype(xp.float64)
    if replacement:
        cdf = xp.cumsum(p, axis=1)
        cdf /= cdf[:, -1:]
        u = random_uniform(xp, (rows, num_samples), xp.float64)
        # each row's cdf lies in [0, 1]: shifted by its row number, all rows make one sorted array
        shift = xp.arange(rows, dtype=xp.float64).reshape(-1, 1)
        found = xp.searchsorted((cdf + shift).reshape(-1), (u + shift).reshape(-1), side="right")
        index = found.reshape(rows, num_samples) - (shift * categories).astype(found.dtype)
        # u is below 1, but u + shift can round up to the next row's start: the end of a row then
        # means its last category of nonzero weight (never a trailing weight-0 one)
        last = categories - 1 - xp.argmax(p[:, ::-1] > 0, axis=1)
        return xp.minimum(index, last[:, None])
    exponential = -xp.log1p(-random_uniform(xp, (rows, categories), xp.float64))
    keys = xp.where(p > 0, exponential / xp.where(p > 0, p, 1), xp.inf)  # weight 0: drawn last
    return xp.argsort(keys, axis=1, kind="stable")[:, :num_samples]


class Sample(Function):
    """out = a random draw whose distribution the inputs set (bernoulli's p, normal's mean and std);
    every input's gradient is 0, as PyTorch's: a draw is not differentiated through its parameters."""
    def forward(self, *parameters, sample):
        self.shapes = [getattr(q, "shape", None) for q in parameters]
        return sample

    def backward(self, grad):
        xp = get_array_module(grad)
        return tuple(xp.zeros(shape, grad.dtype) if need and shape is not None else None
                     for shape, need in zip(self.shapes, self.needs_input_grad))
