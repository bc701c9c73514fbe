"""Differentiable primitives, one family per file: each op is a `Function`
subclass (minigrad/autograd/) with its forward and backward side by side,
working on numpy/cupy arrays. `Tensor`'s methods (minigrad/tensor.py) call them;
nothing here imports the Tensor class, so the imports run one way:
autograd <- ops <- tensor <- nn.
"""

from .reference_switch import reference_enabled, use_reference  # noqa: E402,F401  (the reference/fast switch)
