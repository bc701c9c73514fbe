"""einsum: a product of tensors written as index labels, 'ij,jk->ik' (matmul), 'ii->' (trace),
'bi,bi->b' (row dot products), '...ij,...jk' (batched, broadcast over `...`).

    out[output labels] = sum over the other labels of  prod_k operand_k[its labels]

Its gradient is an einsum too. For operand k, the output gradient times the other operands,
summed over every label operand k does not have: d out / d A for 'ij,jk->ik' is 'ik,jk->ij'.
A label only operand k has, summed away in the forward, comes back as a copy along it (its
gradient does not depend on it); a repeated label ('ii') puts the gradient on the diagonal.
`parse` turns PyTorch's equation (implicit output, ellipsis, spaces) into numpy's explicit form
with its errors; size-1 dimensions broadcast against larger ones, as in PyTorch.
"""
import string

from ..autograd import Function
from ..array_module import get_array_module
from .arithmetic import unbroadcast

LETTERS = string.ascii_uppercase + string.ascii_lowercase  # PyTorch's order for an implicit output


def _fail(message):
    raise RuntimeError(f"einsum(): {message}")


def parse(equation, shapes):
    """(input label strings, output label string, size of each label) for arrays of `shapes`:
    '...' becomes letters no operand uses; an implicit output is the ellipsis, then each label
    used once, in alphabetical order (upper case first)."""
    arrow_at = equation.find("->")
    for k, ch in enumerate(equation):
        if ch not in LETTERS and ch not in "., " and k not in (arrow_at, arrow_at + 1):
            _fail(f"invalid subscript given at index {k} in the equation string, subscripts must be in [a-zA-Z]")
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    terms = lhs.split(",")
    if len(terms) > len(shapes):
        _fail("fewer operands were provided than specified in the equation")
    if len(terms) < len(shapes):
        _fail("more operands were provided than specified in the equation")
    free = [c for c in LETTERS if c not in equation]
    widest = max((len(s) - len(t.replace("...", "")) for t, s in zip(terms, shapes) if "..." in t), default=0)
    ellipsis = "".join(free[:widest])
    labels = []
    for k, (term, shape) in enumerate(zip(terms, shapes)):
        named = len(term.replace("...", ""))
        if "..." in term:
            if named > len(shape):
                _fail(f"the number of subscripts in the equation ({named}) is more than the number of dimensions "
                      f"({len(shape)}) for operand {k}")
            term = term.replace("...", ellipsis[len(ellipsis) - (len(shape) - named):])
        elif named != len(shape):
            _fail(f"the number of subscripts in the equation ({named}) does not match the number of dimensions "
                  f"({len(shape)}) for operand {k} and no ellipsis was given")
        labels.append(term)
    if arrow:
        output = rhs.replace("...", ellipsis)
        for c in output:
            if output.count(c) > 1:
                _fail(f"output subscript {c} appears more than once in the output")
            if not any(c in term for term in labels):
                _fail(f"output subscript {c} does not appear in the equation for any input operand")
    else:
        counts = "".join(t.replace("...", "") for t in terms)
        output = ellipsis + "".join(c for c in LETTERS if counts.count(c) == 1)
    sizes = {}
    for k, (term, shape) in enumerate(zip(labels, shapes)):
        for c, n in zip(term, shape):
            if sizes.get(c, 1) != 1 and n != 1 and sizes[c] != n:
                _fail(f"subscript {c} has size {n} for operand {k} which does not broadcast with previously seen "
                      f"size {sizes[c]}")
            sizes[c] = n if sizes.get(c, 1) == 1 else sizes[c]
    return labels, output, sizes


def contract(equation, *arrays):
    """numpy's or cupy's einsum, numpy's with its contraction order optimised (BLAS for products)."""
    xp = get_array_module(*arrays)
    return xp.einsum(equation, *arrays, optimize=True) if xp.__name__ == "numpy" else xp.einsum(equation, *arrays)


class Einsum(Function):
    """out = einsum(inputs -> output) over the operands;  each operand's gradient is the einsum of
    grad with the other operands (module docstring)."""
    def forward(self, *operands, labels, output, sizes):
        xp = get_array_module(*operands)
        self.labels, self.output, self.sizes, self.shapes = labels, output, sizes, [a.shape for a in operands]
        full = [xp.broadcast_to(a, tuple(sizes[c] for c in term)) for a, term in zip(operands, labels)]
        self.save_for_backward(*full)
        out = contract(",".join(labels) + "->" + output, *full)
        if any(xp.may_share_memory(out, a) for a in operands):  # a permutation is a view, as PyTorch's
            return out
        return out if out.flags.c_contiguous else out.copy()  # a product is row-major, as PyTorch's

    def backward(self, grad):
        return tuple(self._operand_grad(grad, k) if need else None for k, need in enumerate(self.needs_input_grad))

    def _operand_grad(self, grad, k):
        xp = get_array_module(grad)
        term, others = self.labels[k], [(t, a) for j, (t, a) in enumerate(zip(self.labels, self.saved)) if j != k]
        unique = "".join(dict.fromkeys(term))  # operand k's labels, once each, in its order
        seen = self.output + "".join(t for t, _ in others)
        kept = "".join(c for c in unique if c in seen)
        g = contract(",".join([self.output] + [t for t, _ in others]) + "->" + kept, grad, *(a for _, a in others))
        g = xp.broadcast_to(g.reshape([self.sizes[c] if c in kept else 1 for c in unique]),
                            [self.sizes[c] for c in unique])
        if len(unique) == len(term):
            g = xp.ascontiguousarray(g)
        else:  # a repeated label: the gradient sits on that diagonal of a zero array
            out = xp.zeros([self.sizes[c] for c in term], grad.dtype)
            place = [xp.arange(self.sizes[c]).reshape([-1 if u == c else 1 for u in unique]) for c in term]
            out[tuple(place)] = g
            g = out
        return unbroadcast(g, self.shapes[k])

