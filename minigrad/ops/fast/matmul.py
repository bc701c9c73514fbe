"""Matrix products, the fast version: ops/matmul.py's MatMul (`a @ b`) and Affine (the linear
layer), the same code and numbers, with a small product run on ONE BLAS thread (blas.py's
`small_product`). A product below about 2^26 multiply-adds gains little from BLAS's second
thread, and waking it leaves it spinning for ~0.1 s, taking a core from the convolution
that runs next. Read ops/matmul.py for the maths; this file only sets the thread count.
"""
from ..matmul import Affine, MatMul
from .blas import small_product


class MatMulFast(MatMul):
    """MatMul with its forward and backward products on one BLAS thread when they are small."""

    def forward(self, a, b):
        if a.ndim == 0 or b.ndim == 0:  # MatMul refuses these
            self.work = 0
        else:  # multiply-adds, about: the larger of the forward and backward products
            rows, cols = (1 if a.ndim == 1 else a.shape[-2]), (1 if b.ndim == 1 else b.shape[-1])
            self.work = max(a.size * cols, b.size * rows)
        with small_product(self.work):
            return super().forward(a, b)

    def backward(self, grad):
        with small_product(self.work):
            return super().backward(grad)


class AffineFast(Affine):
    """Affine (x @ W^T + b) with its products on one BLAS thread when they are small."""

    def forward(self, x, weight, bias=None):
        self.work = x.size * (weight.shape[0] if weight.ndim == 2 else 1)  # multiply-adds
        with small_product(self.work):
            return super().forward(x, weight, bias)

    def backward(self, grad):
        with small_product(self.work):
            return super().backward(grad)
