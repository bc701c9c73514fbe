"""minigrad against PyTorch, op by op, in the style of PyTorch's OpInfo tests (issue 22).

TABLE has one entry per way of calling an op: a Tensor method, a minigrad.* function, an
nn.functional function, an operator, a reflected operator (number op tensor), an in-place form,
indexing and item assignment. An entry is a name, one function `fn(L, F, *args, **kwargs)` run once
with `L` = torch and `F` = torch.nn.functional and once with `L` = minigrad and `F` =
minigrad.nn.functional, and its samples: the arguments to call it with, from the families of
tests/opinfo_samples.py (0-d, empty and size-1 dims, broadcasting pairs, transposed, strided,
expanded and permuted inputs, float32/64, int64, bool, uint8, ties, NaN/inf/-0.0, 1e30) or written
out for the op. Families of ops are listed by name, and an entry exists as soon as minigrad has its
name; `test_every_op_has_an_entry` fails when minigrad gains an op the table does not know (NOT_OPS
lists the public names that are not ops).

Each (entry, sample) is one test, on every device of tests/conftest.py. Where torch raises, minigrad
must raise (any exception type here: EXCEPTION_TYPE_MISMATCHES records where the types differ).
Where torch returns, minigrad must return the same structure (Tensor, tuple, list, named tuple with
the same field names, Python number of the same type, Size, dtype), the same shapes, dtypes and
values (NaN where NaN, infinities exactly, finite values within the tolerance of the dtype), leave
every input in the same state (in-place writes, running statistics), share memory with the same
inputs (views are views), give float outputs the same requires_grad, and, for a random upstream
gradient, give every input the same .grad (None where torch's is None).

KNOWN_DIFFERENCES lists the cases where minigrad differs today, by root cause; each is a strict
xfail, so a fix makes its test fail until its id leaves the list. TORCH_BUGS are skipped.
`python tests/test_opinfo.py [PATTERN]` prints the failing cases in the format of that list (and the
known ones now fixed); `--exceptions` prints the exception-type mismatches.
"""
import math
import operator
import sys
import warnings
import zlib

import numpy as np
import pytest
from helpers import host
from opinfo_samples import FLOATS, D, Sample, T, binary, build, index, reduction, unary

import minigrad
import minigrad.nn.functional as MF

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # the table is still built; every case skips
    torch = TF = None

# ------------------------------------------------------------------------------------------------
# known differences from torch 2.13 (strict xfail): root cause -> case ids "entry|sample"

KNOWN_DIFFERENCES = {
}

# Cases where torch 2.13 itself is wrong: skipped.
TORCH_BUGS = {
    "torch's median of an expanded (stride-0) input reads wrong memory": [
        "Tensor.median|f64[2x3]x,0", "Tensor.nanmedian|f64[2x3]x,0"],
}

# Cases where both raise but with another exception type (allowed by this test; see
# test_core_fidelity.py for the checks of exception types):
EXCEPTION_TYPE_MISMATCHES = """
"""  # `python tests/test_opinfo.py --exceptions` lists them

# ------------------------------------------------------------------------------------------------
# the table


class Op:
    """One way of calling one op, and the samples to call it with."""

    def __init__(self, name, fn, samples, inplace=False, tol=1.0, random=False):
        self.name, self.fn, self.samples, self.inplace, self.tol = name, fn, list(samples), inplace, tol
        self.random = random  # the values are random: only the result (shape, dtype, an invariant) is compared


TABLE = []


def op(name, fn, samples, **kw):
    """Add an entry if minigrad and torch have the name ('Tensor.x', 'L.x', 'F.x'; other names always)."""
    family, _, attr = name.partition(".")
    attr = attr.split("(")[0]
    owners = {"Tensor": (minigrad.Tensor, torch and torch.Tensor), "L": (minigrad, torch), "F": (MF, TF)}
    if all(o is None or hasattr(o, attr) for o in owners.get(family, ())):
        TABLE.append(Op(name, fn, samples, **kw))


def method(name):
    return lambda L, F, x, *a, **k: getattr(x, name)(*a, **k)


def function(name):
    return lambda L, F, *a, **k: getattr(L, name)(*a, **k)


def functional(name):
    return lambda L, F, *a, **k: getattr(F, name)(*a, **k)


def inplace(name):
    """x.name_(...): the result must be x itself, and x changed."""
    def fn(L, F, x, *a, **k):
        r = getattr(x, name)(*a, **k)
        return r is x, x
    return fn


def inplace_samples(samples, n=6):
    """The first n samples, written into, and the first with an expanded target (torch refuses to write
    into one). A transposed or permuted target is kept outside the graph: minigrad refuses an in-place op
    on such a view of a tensor in the graph (a deliberate difference, README's "deliberately differs")."""
    out, expanded = [], []
    for s in samples:
        x = s.args[0]
        if isinstance(x, T) and x.layout in "Tpx" and x.grad:  # every input outside the graph
            s = Sample(*[_no_grad(a) for a in s.args], **{k: _no_grad(v) for k, v in s.kwargs.items()})
        (expanded if isinstance(x, T) and x.layout == "x" else out).append(s)
    return out[:n] + expanded[:1]


def unique(samples):
    """The samples, each id once."""
    return list({s.id: s for s in reversed(samples)}.values())[::-1]


def _no_grad(a):
    return T(a.shape, a.dtype, a.profile, a.layout, False, a.values) if isinstance(a, T) else a


# inputs many entries share: plain, ties, 0-d, empty, 3-D, and the layouts transposed, strided, expanded
X, Y, XT, Z, E, X3 = T((2, 3)), T((2, 3)), T((3, 4), "float64", "t"), T(()), T((0, 3)), T((2, 3, 2))
XL = [T((2, 3), "float32", "n", "T"), T((2, 3), "float64", "n", "s"), T((2, 3), "float32", "n", "x")]

# ---- elementwise, one input: name -> value profile of the plain samples ----
UNARY = {p: n.split() for p, n in {
    "n": "abs neg negative exp exp2 expm1 sin cos tan sinh cosh tanh sigmoid sign sgn floor ceil round trunc "
         "frac fix square reciprocal erf erfc atan arctan asinh arcsinh relu signbit isnan isfinite isinf isposinf "
         "isneginf logical_not positive nan_to_num deg2rad rad2deg sinc bitwise_not",
    "p": "log log2 log10 log1p sqrt rsqrt acosh arccosh lgamma digamma i0",
    "u": "asin acos atanh arcsin arccos arctanh logit erfinv"}.items()}
UNARY_EXTRA = {"round": [{"decimals": 1}, {"decimals": -1}], "nan_to_num": [{"nan": 0.5, "posinf": 9.0}],
               "logit": [{"eps": 0.1}]}
for profile, names in UNARY.items():
    for n in names:
        with_uint8 = n in ("abs", "neg", "sign", "square", "exp", "floor")
        dtypes = ("int64", "bool", "uint8") if with_uint8 else ("int64", "bool")
        samples = unary(dtypes, profile)
        samples += [Sample(T((2, 3), "float32", profile), **kw) for kw in UNARY_EXTRA.get(n, [])]
        op(f"Tensor.{n}", method(n), samples)
        op(f"L.{n}", function(n), unary(dtypes, profile, short=True))
        ints = [s for s in samples if s.args[0].dtype == "int64"][:1]  # a float result into an int tensor
        op(f"Tensor.{n}_", inplace(n + "_"), inplace_samples(samples) + ints, inplace=True)
op("op:-x", lambda L, F, x: -x, unary(("int64", "bool")))
op("op:+x", lambda L, F, x: +x, unary(("int64", "bool"), short=True))
op("op:~x", lambda L, F, x: ~x, [Sample(T((2, 3), "int64")), Sample(T((2, 3), "bool")), Sample(T((), "int64")),
                                 Sample(T((3, 2), "uint8", layout="T")), Sample(T((0, 2), "bool")), Sample(X)])
op("op:abs(x)", lambda L, F, x: abs(x), unary(("int64",), short=True))
op("L.relu_", lambda L, F, x: (L.relu_(x) is x, x), inplace_samples(unary(("int64",))), inplace=True)
op("L.logit_", lambda L, F, x, *a, **k: (L.logit_(x, *a, **k) is x, x),
   inplace_samples(unary(("int64",), "u") + [Sample(T((2, 3), "float32", "u"), eps=0.1)]), inplace=True)
op("L.sinc_", lambda L, F, x: (L.sinc_(x) is x, x), inplace_samples(unary(("int64",))), inplace=True)

# ---- elementwise, two inputs: name -> (operator, in-place operator, keyword of the family) ----
BINARY = {
    "add": ("+", "+=", "arith"), "sub": ("-", "-=", "arith"), "mul": ("*", "*=", "arith"),
    "div": ("/", "/=", "arith"), "floor_divide": ("//", "//=", "div"), "remainder": ("%", "%=", "div"),
    "pow": ("**", "**=", "pow"), "eq": ("==", None, "cmp"), "ne": ("!=", None, "cmp"), "lt": ("<", None, "cmp"),
    "le": ("<=", None, "cmp"), "gt": (">", None, "cmp"), "ge": (">=", None, "cmp"),
    "bitwise_and": ("&", "&=", "bits"), "bitwise_or": ("|", "|=", "bits"), "bitwise_xor": ("^", "^=", "bits"),
    "bitwise_left_shift": ("<<", "<<=", "bits"), "bitwise_right_shift": (">>", ">>=", "bits"),
    "true_divide": (None, None, "arith"), "fmod": (None, None, "div"), "atan2": (None, None, "arith"),
    "arctan2": (None, None, "arith"), "maximum": (None, None, "arith"), "minimum": (None, None, "arith"),
    "fmax": (None, None, "arith"), "fmin": (None, None, "arith"), "logical_and": (None, None, "cmp"),
    "logical_or": (None, None, "cmp"), "logical_xor": (None, None, "cmp"), "hypot": (None, None, "arith"),
    "copysign": (None, None, "arith"), "xlogy": (None, None, "arith"), "float_power": (None, None, "pow"),
    "subtract": (None, None, "arith"), "multiply": (None, None, "arith"), "divide": (None, None, "arith"),
    "greater": (None, None, "cmp"), "less": (None, None, "cmp"), "greater_equal": (None, None, "cmp"),
    "less_equal": (None, None, "cmp"), "not_equal": (None, None, "cmp"), "logaddexp": (None, None, "arith"),
    "nextafter": (None, None, "arith"), "heaviside": (None, None, "arith"),
}
BINARY_SAMPLES = {
    "arith": lambda **k: binary(("int64", "bool"), **k),
    "div": lambda **k: binary(("int64",), rhs_zero=False, **k) + [Sample(T((2, 3), "int64"), 0, name="i64div0")],
    "pow": lambda **k: binary(("int64", "bool"), rhs="t", numbers=(2, 0.5, -1, True), **k),
    "cmp": lambda **k: binary(("int64", "bool"), numbers=(0, 0.5, True), **k),
    "bits": lambda **k: binary(("int64", "bool"), numbers=(3, True), **k)[-8:],
}
BINARY_EXTRA = {"add": [{"alpha": 2}, {"alpha": 0.5}], "sub": [{"alpha": -1}],
                "div": [{"rounding_mode": "trunc"}, {"rounding_mode": "floor"}, {"rounding_mode": None}]}


# Python's operators by symbol: operator.iadd(x, y) is exactly `x += y` (x.__iadd__, or x + y without one)
OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "//": operator.floordiv,
             "%": operator.mod, "**": operator.pow, "@": operator.matmul, "==": operator.eq, "!=": operator.ne,
             "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "&": operator.and_,
             "|": operator.or_, "^": operator.xor, "<<": operator.lshift, ">>": operator.rshift, "+=": operator.iadd,
             "-=": operator.isub, "*=": operator.imul,
             "/=": operator.itruediv, "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow,
             "@=": operator.imatmul, "&=": operator.iand, "|=": operator.ior, "^=": operator.ixor,
             "<<=": operator.ilshift, ">>=": operator.irshift}


def _operator(sym):
    return lambda L, F, x, y: OPERATORS[sym](x, y)


def _reflected(sym):
    return lambda L, F, x, y: OPERATORS[sym](y, x)  # number op tensor: the tensor's reflected method


def _augmented(sym):
    def fn(L, F, x, y):
        r = OPERATORS[sym](x, y)
        return r is x, r
    return fn


for n, (sym, isym, kind) in BINARY.items():
    samples = BINARY_SAMPLES[kind]()
    extra = [Sample(T((2, 3)), T((2, 3), "float32", "n"), **kw) for kw in BINARY_EXTRA.get(n, [])]
    extra += [Sample(T((2, 3), "int64"), T((2, 3), "int64", "p"), **kw) for kw in BINARY_EXTRA.get(n, [])[-2:]]
    op(f"Tensor.{n}", method(n), samples + extra)
    op(f"L.{n}", function(n), BINARY_SAMPLES[kind](short=True) + extra[:1])
    op(f"Tensor.{n}_", inplace(n + "_"), inplace_samples(samples) + extra[:1], inplace=True)
    if sym:
        op(f"op:x{sym}y", _operator(sym), samples)
        op(f"op:n{sym}x", _reflected(sym), [s for s in samples if not isinstance(s.args[1], T)])
    if isym:
        op(f"op:x{isym}y", _augmented(isym), unique(inplace_samples(samples)
                                                   + [s for s in samples if not isinstance(s.args[1], T)][:2]),
           inplace=True)
op("op:x@y", _operator("@"), [Sample(T((2, 3)), T((3, 4))), Sample(T((3,), "float64"), T((3,), "float64")),
                              Sample(T((2, 2, 3), "float32", "n", "p"), T((3,), "float32")),
                              Sample(T((2, 3), "int64"), T((3, 2), "int64"))])
op("op:x@=y", _augmented("@="), [Sample(T((2, 3)), T((3, 3)))], inplace=True)
op("Tensor.max(other)", lambda L, F, x, y: x.max(y), binary(("int64",), numbers=()))
op("Tensor.min(other)", lambda L, F, x, y: x.min(y), binary(("int64",), numbers=()))
op("L.max(x,other)", lambda L, F, x, y: L.max(x, y), binary((), numbers=(), short=True))

# ---- reductions: name -> (dim forms, keepdim?, the op's own keywords) ----
INF = float("inf")
REDUCTIONS = {
    "sum": ("multi", True, [{"dtype": D("float64")}]), "mean": ("multi", True, [{"dtype": D("float64")}]),
    "nansum": ("multi", True, None), "nanmean": ("multi", True, None),
    "prod": ("one", True, [{"dtype": D("float64")}]),
    "std": ("multi", True, [{"unbiased": False}, {"correction": 0}, {"correction": 2}]),
    "var": ("multi", True, [{"unbiased": False}, {"correction": 0}, {"correction": 2}]),
    "norm": ("multi", True, [{"p": 1}, {"p": INF}, {"p": -INF}, {"p": 0}, {"p": "fro"}, {"p": 3}, {"p": 0.5}]),
    "max": ("one", True, None), "min": ("one", True, None), "amax": ("multi", True, None),
    "amin": ("multi", True, None), "argmax": ("one", True, None), "argmin": ("one", True, None),
    "all": ("multi", True, None), "any": ("multi", True, None), "logsumexp": ("multi", True, None),
    "median": ("one", True, None), "nanmedian": ("one", True, None), "mode": ("one", True, None),
    "count_nonzero": ("multi", False, None), "aminmax": ("one", True, None), "std_mean": ("multi", True, None),
    "var_mean": ("multi", True, None),
}
for n, (dims, keep, extra) in REDUCTIONS.items():
    samples = reduction(dims, keep, extra=extra)
    if n == "norm":  # its first positional argument is p: the dims go by keyword
        samples = [Sample(s.args[0], **({"dim": s.args[1]} if len(s.args) > 1 else {}), **s.kwargs) for s in samples]
        samples += [Sample(X, 1), Sample(X, 3, 1), Sample(XT, "fro", (0, 1), True)]
    op(f"Tensor.{n}", method(n), samples)
    op(f"L.{n}", function(n), reduction(dims, keep, short=True))
op("Tensor.sum(dim=None,keepdim)", lambda L, F, x: x.sum(dim=None, keepdim=True), unary(short=True))
op("Tensor.std(dim,unbiased)", lambda L, F, x, *a: x.std(*a),
   [Sample(T((2, 3)), 1, False), Sample(T((2, 3), "float64"), (0, 1), True, True)])

# ---- scans and sorting ----
for n in ("cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"):
    extra = [{"dtype": D("float64")}] if n in ("cumsum", "cumprod") else None
    op(f"Tensor.{n}", method(n), reduction("req", False, extra=extra))
    op(f"L.{n}", function(n), reduction("req", False, short=True))
for n in ("cumsum_", "cumprod_"):
    op(f"Tensor.{n}", inplace(n), inplace_samples(reduction("req", False)), inplace=True)
SORTS = reduction("one", False) + [Sample(X, 1, True), Sample(XT, dim=0, descending=True, stable=True),
                                   Sample(T((5,), "float64", "t"), stable=True), Sample(XT, descending=True)]
op("Tensor.sort", method("sort"), SORTS)
op("L.sort", function("sort"), reduction("one", False, short=True))
op("Tensor.argsort", method("argsort"), SORTS)
op("L.argsort", function("argsort"), reduction("one", False, short=True))
op("L.msort", function("msort"), unary(short=True))
TOPK = [Sample(X, 2), Sample(X, 1, dim=0), Sample(X, 3, largest=False), Sample(T((), "float32"), 1),
        Sample(T((), "float64"), 0, 0), Sample(T((0, 3)), 0), Sample(T((0, 3)), 2, 1), Sample(T((3, 4)), 2, dim=1),
        Sample(T((3, 4), "float64"), 2, largest=False, sorted=True), Sample(T((2, 4), "float32", "s"), 2),
        Sample(T((2, 3), "int64", values=[[3, -1, 2], [0, 5, -4]]), 2), Sample(T((3, 2), "float32", "n", "T"), 1, -2),
        Sample(X, 4),
        Sample(T((5,), "float64", "s"), 5)]  # no ties: torch leaves the order of tied values unspecified
op("Tensor.topk", method("topk"), TOPK)
op("L.topk", function("topk"), TOPK[:4])
KTHVALUES = [Sample(X, 2), Sample(X, 1, 0), Sample(T((3, 4), "float64", "n", "T"), 2, 1, True),  # no ties: see TOPK
             Sample(T((), "float32"), 1), Sample(T((2, 3), "int64"), 3), Sample(X, 4), Sample(X, 0),
             Sample(T((2, 4), "float32", "s"), 4), Sample(T((0, 3)), 1, 1), Sample(T((2, 3), "float32", "n", "x"), 1)]
op("Tensor.kthvalue", method("kthvalue"), KTHVALUES)
op("L.kthvalue", function("kthvalue"), KTHVALUES[:3])
op("Tensor.unique", method("unique"), [Sample(T((3, 4), "float64", "t")), Sample(T((2, 3), "int64"), sorted=True),
                                       Sample(T((3, 4), "float32", "t"), return_inverse=True, return_counts=True),
                                       Sample(T((0,), "float32")), Sample(T((), "int64")),
                                       Sample(T((3, 2), "int64", "t"), dim=0)])

# ---- clamp ----
LO, HI = T((2, 3), "float32", "t"), T((3,), "float32", "t")
CLAMPS = [Sample(X, -0.5, 0.5), Sample(X, min=-0.5), Sample(X, max=0.5), Sample(X, None, 1),
          Sample(XT, -1, 1), Sample(T((), "float64"), 0.0, 1.0), Sample(T((0, 3)), 0, 1),
          Sample(T((2, 3), "float32", "n", "T"), -1.0, 0.5), Sample(T((2, 3), "float32", "s"), -1, 1),
          Sample(T((2, 3), "int64"), -2, 2), Sample(T((2, 3), "int64"), -1.5, 2.5), Sample(T((2, 3), "bool"), 0, 1),
          Sample(X, 1, -1), Sample(T((2, 3), "float32", "t"), LO, HI), Sample(X, min=T((), "float32")),
          Sample(X, T((3,), "float64"), None), Sample(T((2, 3), "int64"), T((3,), "float32"), None), Sample(X)]
op("Tensor.clamp", method("clamp"), CLAMPS)
op("Tensor.clip", method("clip"), CLAMPS[:4] + CLAMPS[-5:])
op("L.clamp", function("clamp"), CLAMPS[:4])
op("L.clip", function("clip"), CLAMPS[:2])
op("Tensor.clamp_", inplace("clamp_"), inplace_samples(CLAMPS, 8), inplace=True)
op("Tensor.clip_", inplace("clip_"), CLAMPS[:3], inplace=True)
BOUND = [Sample(X, 0.5), Sample(XT, 1), Sample(T((), "float64"), -1.0), Sample(T((0, 2)), 0),
         Sample(T((2, 3), "int64"), 1), Sample(T((2, 3), "int64"), 0.5), Sample(T((2, 3), "float32", "s"), 0.0),
         Sample(XT, T((3, 4), "float64", "t")), Sample(X, T((), "float32"))]
for n in ("clamp_min", "clamp_max"):
    op(f"Tensor.{n}", method(n), BOUND)
    op(f"L.{n}", function(n), BOUND[:3])
    op(f"Tensor.{n}_", inplace(n + "_"), BOUND[:5], inplace=True)

# ---- three inputs, closeness ----
op("Tensor.lerp", method("lerp"), [Sample(X, Y, 0.5), Sample(X, T((3,)), 2.0), Sample(X, Y, T((2, 3), "float32", "u")),
                                   Sample(T((2, 3), "float64", "s"), T((2, 3), "float64"), 0.25),
                                   Sample(T((), "float32"), Y, 0.5), Sample(X, T((2, 3), "float64"), 0.5)])
op("L.lerp", function("lerp"), [Sample(X, Y, 0.5)])
op("Tensor.lerp_", inplace("lerp_"), [Sample(X, Y, 0.5), Sample(X, T((3,)), T((), "float32", "u"))], inplace=True)
for n in ("addcmul", "addcdiv"):
    op(f"L.{n}", function(n), [Sample(X, Y, T((2, 3), "float32", "p")),
                               Sample(X, T((3,)), T((2, 1), "float32", "p"), value=0.5)])
SAME = T((2, 3), values=[[1.5, -2, 0], [3, 1e-9, -0.0]])
CLOSE = [Sample(X, Y), Sample(T((2, 4), "float32", "s"), T((2, 4), "float32", "s")), Sample(SAME, SAME),
         Sample(T((2, 3), "float64", "t"), T((3,), "float64", "t"), rtol=0.1, atol=0.5),
         Sample(T((2, 4), "float32", "s"), T((2, 4), "float32", "s"), equal_nan=True),
         Sample(T((2, 3), "int64"), T((2, 3), "int64")), Sample(X, T((2, 3), "float64"))]
for n in ("isclose", "allclose", "equal"):
    op(f"Tensor.{n}", method(n), CLOSE if n != "equal" else [Sample(*s.args) for s in CLOSE[:3] + CLOSE[-2:]])
    op(f"L.{n}", function(n), CLOSE[:2])

# ---- shapes and views ----
RESHAPES = [Sample(X, (3, 2)), Sample(X, (-1,)), Sample(XL[0], (6,)), Sample(XL[1], (3, -1)), Sample(XL[2], (6,)),
            Sample(E, (3, 0)), Sample(E, (-1, 0)), Sample(Z, (1,)), Sample(Z, ()), Sample(T((1, 3, 1)), (3,)),
            Sample(X, 3, 2), Sample(X, (4, 2)), Sample(X, (-1, -1)), Sample(T((2, 3), "int64"), (6, 1)),
            Sample(T((2, 3), "bool"), (-1,)), Sample(X3, (2, -1))]
op("Tensor.reshape", method("reshape"), RESHAPES)
op("L.reshape", function("reshape"), [s for s in RESHAPES if len(s.args) == 2][:5])
op("Tensor.view", method("view"), RESHAPES)
op("Tensor.view_as", lambda L, F, x, y: x.view_as(y),
   [Sample(X, T((3, 2))), Sample(XL[0], T((6,))), Sample(Z, T((1,)))])
op("Tensor.reshape_as", lambda L, F, x, y: x.reshape_as(y), [Sample(X, T((3, 2))), Sample(XL[0], T((6,)))])
FLATTENS = [Sample(X), Sample(X, 1), Sample(X3, 0, 1), Sample(X3, -2, -1), Sample(X3, start_dim=1), Sample(Z),
            Sample(Z, 0, -1), Sample(E), Sample(XL[0]), Sample(XL[2], 0), Sample(X, 1, 0), Sample(T((2, 3), "int64"))]
op("Tensor.flatten", method("flatten"), FLATTENS)
op("L.flatten", function("flatten"), FLATTENS[:4])
op("Tensor.ravel", method("ravel"), FLATTENS[:1] + FLATTENS[5:6] + FLATTENS[8:9])
op("Tensor.unflatten", method("unflatten"), [Sample(X, 1, (3, 1)), Sample(X, -1, (-1, 1)), Sample(X3, 0, (1, 2)),
                                             Sample(E, 1, (3, 1)), Sample(X, 1, (2, 2)), Sample(XL[0], 0, (2, 1))])
PERMUTES = [Sample(X3, (2, 0, 1)), Sample(X3, 2, 0, 1), Sample(X3, (-1, 0, 1)), Sample(Z, ()), Sample(X, (1, 0)),
            Sample(X, (0, 0)), Sample(T((2, 3, 2), "float64", "n", "p"), (1, 2, 0)), Sample(E, (1, 0)),
            Sample(X, (0, 1, 2))]
op("Tensor.permute", method("permute"), PERMUTES)
op("L.permute", function("permute"), [s for s in PERMUTES if len(s.args) == 2][:4])
TRANSPOSES = [Sample(X, 0, 1), Sample(X, -1, 0), Sample(Z, 0, -1), Sample(Z, 0, 0), Sample(X3, 0, 2),
              Sample(T((2, 3, 2), "float64", "n", "p"), 1, -1), Sample(E, 0, 1), Sample(T((3,)), 0, 0), Sample(X, 0, 2),
              Sample(XL[0], 0, 1), Sample(XL[2], 1, 0)]
for n in ("transpose", "swapaxes", "swapdims"):
    op(f"Tensor.{n}", method(n), TRANSPOSES)
    op(f"L.{n}", function(n), TRANSPOSES[:3])
for n in ("movedim", "moveaxis"):
    samples = [Sample(X3, 0, 2), Sample(X3, -1, 0), Sample(X3, (0, 1), (2, 0)), Sample(Z, 0, 0), Sample(X, 0, 2)]
    op(f"Tensor.{n}", method(n), samples)
    op(f"L.{n}", function(n), samples[:2])
op("Tensor.t", method("t"), [Sample(X), Sample(T((3,))), Sample(Z), Sample(X3), Sample(XL[1]), Sample(E)])
op("L.t", function("t"), [Sample(X), Sample(Z)])
op("Tensor.T", lambda L, F, x: x.T, [Sample(X), Sample(T((3,))), Sample(Z), Sample(X3), Sample(XL[0])])
op("Tensor.mT", lambda L, F, x: x.mT, [Sample(X), Sample(X3), Sample(T((3,)))])
EXPANDS = [Sample(T((1, 3)), 2, 3), Sample(T((1, 3)), (2, 3)), Sample(T((3,)), 2, -1), Sample(Z, 3), Sample(Z, ()),
           Sample(T((2, 1)), 2, 0), Sample(X, 3, 3), Sample(X, 2, 2, 3), Sample(T((1, 3), "float64", "n", "s"), 4, 3),
           Sample(T((1, 3), "int64"), 2, 3), Sample(E, 2, 0, 3), Sample(X, -1, 3)]
op("Tensor.expand", method("expand"), EXPANDS)
op("Tensor.expand_as", lambda L, F, x, y: x.expand_as(y), [Sample(T((1, 3)), T((2, 3))), Sample(Z, T((2, 2)))])
BROADCASTS = [Sample(T((1, 3)), (2, 3)), Sample(Z, (2,)), Sample(T((3,)), (2, 3)), Sample(X, (3, 3)),
              Sample(E, (2, 0, 3))]
op("Tensor.broadcast_to", method("broadcast_to"), BROADCASTS)
op("L.broadcast_to", function("broadcast_to"), BROADCASTS[:2])
X131 = T((1, 3, 1))
SQUEEZES = [Sample(X131), Sample(X131, 0), Sample(X131, -1), Sample(X131, 1), Sample(X131, (0, 2)), Sample(Z),
            Sample(Z, 0), Sample(Z, -1), Sample(T((0, 1))), Sample(T((0, 1)), 1), Sample(X131, 3),
            Sample(T((1, 3, 1), "float64", "n", "x")), Sample(T((1, 2, 1), "int64"), dim=0)]
op("Tensor.squeeze", method("squeeze"), SQUEEZES)
op("L.squeeze", function("squeeze"), SQUEEZES[:3])
UNSQUEEZES = [Sample(X, 0), Sample(X, -1), Sample(X, 2), Sample(X, 1), Sample(Z, 0), Sample(Z, -1), Sample(X, 3),
              Sample(E, 1), Sample(XL[0], 1), Sample(XL[2], -2), Sample(T((2, 3), "bool"), 0)]
op("Tensor.unsqueeze", method("unsqueeze"), UNSQUEEZES)
op("L.unsqueeze", function("unsqueeze"), UNSQUEEZES[:3])
NARROWS = [Sample(X, 1, 0, 2), Sample(X, 0, 1, 1), Sample(X, -1, -2, 2), Sample(X, 1, 2, 2), Sample(Z, 0, 0, 1),
           Sample(E, 0, 0, 0), Sample(X, 0, 0, 0), Sample(XL[0], 1, 1, 2), Sample(XL[1], -1, 0, 1),
           Sample(X, 1, T((), "int64", values=1), 2)]
op("Tensor.narrow", method("narrow"), NARROWS)
op("L.narrow", function("narrow"), NARROWS[:3])
SPLITS = [Sample(X, 2, 1), Sample(X, 1), Sample(X, [1, 2], 1), Sample(X, 2, -1), Sample(E, 2), Sample(E, 2, 1),
          Sample(X, [1, 1], 1), Sample(Z, 1), Sample(XL[0], 1, 0), Sample(X3, [0, 2], dim=1), Sample(X, 5, 1),
          Sample(T((4, 2), "int64"), 3)]
op("Tensor.split", method("split"), SPLITS)
op("L.split", function("split"), SPLITS[:3])
CHUNKS = [Sample(X, 2, 1), Sample(X, 3), Sample(X, 4, -1), Sample(E, 2), Sample(E, 2, 1), Sample(X, 0),
          Sample(Z, 1), Sample(XL[1], 2, 1), Sample(T((5, 2)), 3)]
op("Tensor.chunk", method("chunk"), CHUNKS)
op("L.chunk", function("chunk"), CHUNKS[:3])
UNBINDS = [Sample(X), Sample(X, 1), Sample(X, -1), Sample(E), Sample(E, 1), Sample(Z), Sample(XL[0], 0), Sample(X, 2)]
op("Tensor.unbind", method("unbind"), UNBINDS)
op("L.unbind", function("unbind"), UNBINDS[:3])
TSPLITS = [Sample(X, 2, 1), Sample(X, [1], 1), Sample(X, 3), Sample(T((5,)), 3), Sample(E, 2), Sample(X, (1, 2), 1)]
op("Tensor.tensor_split", method("tensor_split"), TSPLITS)
op("L.tensor_split", function("tensor_split"), TSPLITS[:2])
FLIPS = [Sample(X, (0,)), Sample(X, 0, 1), Sample(X, [-1]), Sample(Z, (0,)), Sample(Z, ()), Sample(E, (0,)),
         Sample(XL[0], (0, 1)), Sample(XL[2], -2), Sample(X, (0, 0)), Sample(X, 2), Sample(T((2, 3), "int64"), 1)]
op("Tensor.flip", method("flip"), FLIPS)
op("L.flip", function("flip"), [s for s in FLIPS if len(s.args) == 2][:3])
for n in ("fliplr", "flipud"):
    op(f"L.{n}", function(n), [Sample(X), Sample(T((3,))), Sample(XL[0])])
ROLLS = [Sample(X, 1), Sample(X, 1, 0), Sample(X, (1, -1), (0, 1)), Sample(Z, 1), Sample(E, 1, 0), Sample(X, -4, 1),
         Sample(XL[0], 2, -1), Sample(XL[2], 1, 0), Sample(T((2, 3), "int64"), 1, 1), Sample(X, (1, 2), 0)]
op("Tensor.roll", method("roll"), ROLLS)
op("L.roll", function("roll"), ROLLS[:3])
op("L.rot90", function("rot90"), [Sample(X), Sample(X, 2), Sample(X3, -1, (1, 2)), Sample(XL[0], 3)])
REPEATS = [Sample(X, 2, 1), Sample(T((3,)), 2, 2), Sample(Z, 2), Sample(Z, ()), Sample(X, 0, 1), Sample(X, 2),
           Sample(XL[0], 1, 2), Sample(XL[2], (2, 1, 1)), Sample(T((2, 3), "int64"), 1, 2), Sample(E, 2, 1)]
op("Tensor.repeat", method("repeat"), REPEATS)
TILES = [Sample(X, (2,)), Sample(X, (2, 1, 1)), Sample(Z, (3,)), Sample(T((3,)), (2, 2)), Sample(XL[0], (1, 2))]
op("Tensor.tile", method("tile"), TILES)
op("L.tile", function("tile"), TILES[:2])
REPEAT_INTERLEAVES = [Sample(X, 2), Sample(X, 2, 0), Sample(X, T((3,), "int64", values=[1, 0, 2]), dim=1),
                      Sample(Z, 3), Sample(XL[0], 2, -1), Sample(E, 2, 0), Sample(T((2, 3), "int64"), 2, dim=1)]
op("Tensor.repeat_interleave", method("repeat_interleave"), REPEAT_INTERLEAVES)
op("L.repeat_interleave", function("repeat_interleave"), REPEAT_INTERLEAVES[:3])
SQ = T((3, 3), "float64")
DIAGONALS = [Sample(X), Sample(X, 1), Sample(X, -1), Sample(X3, 0, 0, 2), Sample(SQ, offset=5),
             Sample(X3, dim1=-1, dim2=0), Sample(XL[0], 1), Sample(Z), Sample(X, 0, 0, 0)]
op("Tensor.diagonal", method("diagonal"), DIAGONALS)
op("L.diagonal", function("diagonal"), DIAGONALS[:3])
DIAGS = [Sample(X), Sample(T((3,))), Sample(T((3,)), 1), Sample(X, -1), Sample(Z), Sample(XL[0], 1),
         Sample(T((3,), "int64")), Sample(T((0,)))]
op("Tensor.diag", method("diag"), DIAGS)
op("L.diag", function("diag"), DIAGS[:3])
DIAG_EMBEDS = [Sample(T((3,))), Sample(X), Sample(X, 1), Sample(X, -1, 0, 2), Sample(Z)]
op("Tensor.diag_embed", method("diag_embed"), DIAG_EMBEDS)
op("L.diag_embed", function("diag_embed"), DIAG_EMBEDS[:2])
TRACES = [Sample(X), Sample(SQ), Sample(T((2, 3), "int64")), Sample(X3), Sample(XL[0]), Sample(E), Sample(T((3,)))]
op("Tensor.trace", method("trace"), TRACES)
op("L.trace", function("trace"), TRACES[:2])
TRIS = [Sample(X), Sample(X, 1), Sample(X, -1), Sample(X3), Sample(T((3,))), Sample(E), Sample(XL[0], 0),
        Sample(SQ, diagonal=-2), Sample(T((3, 3), "int64"), 1), Sample(T((2, 3), "bool"))]
for n in ("tril", "triu"):
    op(f"Tensor.{n}", method(n), TRIS)
    op(f"L.{n}", function(n), TRIS[:3])
    op(f"Tensor.{n}_", inplace(n + "_"), TRIS[:2], inplace=True)
for n in ("clone", "contiguous", "detach"):
    op(f"Tensor.{n}", method(n), unary(("int64", "bool"), special=False))
op("L.clone", function("clone"), unary(short=True))
op("Tensor.unfold", method("unfold"), [Sample(T((6,)), 0, 2, 1), Sample(T((6,)), 0, 2, 2), Sample(X, 1, 2, 1),
                                       Sample(X, -1, 3, 1), Sample(Z, 0, 1, 1), Sample(XL[0], 0, 2, 1)])

# ---- indexing and item assignment: x[i], x[i] = v, x[i] += v ----
I2 = T((2,), "int64", values=[1, 0])
IN = T((2,), "int64", values=[-1, 0])
IX = T((2, 2), "int64", values=[[0, 2], [1, 1]])
M23 = T((2, 3), "bool", values=[[True, False, True], [False, False, True]])
M2 = T((2,), "bool", values=[False, True])
M3 = T((3,), "bool", values=[True, False, True])
MNONE = T((2, 3), "bool", values=np.zeros((2, 3), bool))
I0 = T((), "int64", values=1)
EL = Ellipsis
INDICES = [1, -1, (0, 1), (slice(None), 1), slice(1, None), slice(None, None, 2), (EL, 0), None, (slice(None), None),
           (1, EL, None), slice(0, 0), slice(5, None), 3, -4, M23, M2, MNONE, I2, [0, 1], ([0, 1], [1, 2]),
           (I2, slice(1, None)), (slice(None), IX), IX, IN, (M2, 1), I0, True, False, (slice(None), M3),
           T((2,), "int64", values=[0, 2]), (slice(None, None, -1),)]
GETITEMS = [Sample(X, i) for i in INDICES] + [Sample(Z, ()), Sample(Z, None), Sample(Z, EL), Sample(Z, True),
                                              Sample(Z, T((), "bool", values=True)), Sample(XL[0], (I2, 0)),
                                              Sample(XL[1], (slice(None), 1)), Sample(XL[2], M23), Sample(E, 0),
                                              Sample(E, (slice(None), 1)), Sample(T((2, 3), "int64"), M23),
                                              Sample(T((2, 3), "bool"), (1,)),
                                              Sample(X3, (EL, T((1, 2), "int64", values=[[0, 1]])))]
GETITEMS = [s for s in GETITEMS if not (isinstance(s.args[1], slice) and s.args[1].step == -1)]  # torch refuses


def getitem(L, F, x, i):
    return x[i]


def setitem(L, F, x, i, v):
    x[i] = v
    return x


def setitem_add(L, F, x, i, v):
    x[i] += v
    return x


op("x[i]", getitem, GETITEMS)
SET_INDICES = [1, (0, 1), (slice(None), 1), slice(1, None), (EL, 0), M23, M2, I2, ([0, 1], [1, 2]), (slice(None), IX),
               I0, (slice(None), M3), None]
SETITEMS = [Sample(X, i, 2.5) for i in SET_INDICES] + \
    [Sample(X, 1, T((3,))), Sample(X, (slice(None), 1), T((2,), "float64")), Sample(X, slice(None), T((), "float32")),
     Sample(X, M23, T((3,))), Sample(X, I2, T((2, 3))), Sample(X, (slice(None), 1), T((1,))), Sample(X, 0, T((2,))),
     Sample(T((2, 3), "int64"), 1, 7), Sample(T((2, 3), "int64"), M23, 2.5), Sample(T((2, 3), "int64"), 0, T((3,))),
     Sample(T((2, 3), "bool"), M23, False), Sample(XL[1], 0, 1.0),
     Sample(T((2, 3), "float32", "n", "T", grad=False), (slice(None), 0), T((2,), grad=False)),
     Sample(Z, (), 4.0), Sample(Z, EL, T((), "float32")), Sample(E, 0, 1.0), Sample(X, ([0, 0], [1, 1]), T(())),
     Sample(X, M23, float("nan"))]
op("x[i]=v", setitem, SETITEMS, inplace=True)
op("x[i]+=v", setitem_add, SETITEMS[:13:2] + SETITEMS[13:24:3], inplace=True)

# ---- gather, scatter, index_*, masked_*, take, where ----
IDX = T((2, 2), "int64", values=[[0, 2], [1, 0]])  # no repeat within a row: scatter stays deterministic
GATHERS = [Sample(X, 1, IDX), Sample(X, 0, T((1, 3), "int64", values=[[1, 0, 1]])), Sample(X, -1, index((2, 3), 3)),
           Sample(Z, 0, T((), "int64", values=0)), Sample(X, 1, T((2, 0), "int64", values=np.zeros((2, 0)))),
           Sample(X, 1, T((1, 1), "int64", values=[[1]])), Sample(X, 1, T((2, 2), "int64", values=[[0, 3], [0, 0]])),
           Sample(X, 1, T((2, 2), "int64", values=[[0, -1], [0, 0]])),
           Sample(XL[0], 0, T((2, 2), "int64", values=[[0, 1], [1, 0]])),
           Sample(T((3, 4), "float64", "t"), 1, index((3, 4), 4)), Sample(T((2, 3), "int64"), 1, IDX),
           Sample(X, 1, T((2, 2), "int32", values=[[0, 1], [1, 0]]))]
op("Tensor.gather", method("gather"), GATHERS)
op("L.gather", function("gather"), GATHERS[:3])
op("L.take_along_dim", function("take_along_dim"), [Sample(X, IDX, 1), Sample(X, index((1, 3), 2), dim=0),
                                                    Sample(X, T((2,), "int64", values=[5, 0])),
                                                    Sample(X, index((2, 1), 3), -1)])
SRC = T((2, 2))
SCATTERS = [Sample(X, 1, IDX, SRC), Sample(X, 0, T((1, 3), "int64", values=[[1, 0, 1]]), T((1, 3))),
            Sample(X, 1, IDX, 2.5), Sample(X, 1, T((2, 0), "int64", values=np.zeros((2, 0))), T((2, 2))),
            Sample(X, 1, T((1, 1), "int64", values=[[2]]), SRC), Sample(X, 1, IDX, T((2, 2), "float64")),
            Sample(T((2, 3), "int64"), 1, IDX, T((2, 2), "int64")),
            Sample(X, 1, T((2, 2), "int64", values=[[0, 3], [0, 1]]), SRC),
            Sample(Z, 0, T((), "int64", values=0), T((), "float32")), Sample(X, -1, IDX, SRC, reduce="add"),
            Sample(X, 1, IDX, SRC, reduce="multiply")]
SCATTER_ADDS = [Sample(X, 1, T((2, 2), "int64", values=[[0, 0], [2, 0]]), SRC)] + SCATTERS[:2] + SCATTERS[3:9]
op("Tensor.scatter", method("scatter"), SCATTERS)
op("L.scatter", function("scatter"), SCATTERS[:2])
op("Tensor.scatter_", inplace("scatter_"), SCATTERS[:3] + SCATTERS[6:7] + SCATTERS[9:], inplace=True)
op("Tensor.scatter_add", method("scatter_add"), SCATTER_ADDS)
op("L.scatter_add", function("scatter_add"), SCATTER_ADDS[:2])
op("Tensor.scatter_add_", inplace("scatter_add_"), SCATTER_ADDS[:3], inplace=True)
IDXR = T((2, 3), "int64", values=[[0, 0, 2], [1, 1, 1]])  # repeats: several values meet at one place
SCATTER_REDUCES = [Sample(X, 1, IDX, SRC, "sum"), Sample(X, 1, IDX, SRC, "amax"),
                   Sample(X, 1, IDX, SRC, "mean", include_self=False)]
SCATTER_REDUCES += [Sample(T((2, 3), "float64"), 1, IDXR, T((2, 3), "float64", "t"), r, include_self=s)
                    for r in ("sum", "prod", "mean", "amax", "amin") for s in (True, False)]
SCATTER_REDUCES += [Sample(T((2, 3), "int64"), 1, IDXR, T((2, 3), "int64"), "mean"),
                    Sample(T((2, 3), "int64"), 1, IDXR, T((2, 3), "int64"), "mean", include_self=False),
                    Sample(T((2, 3), "float64", "t"), 0, IDX, T((2, 2), "float64", "t"), "prod"),
                    Sample(T((2, 3), "float32", "n", "T"), -1, IDX, SRC, "amin"), Sample(X, 1, IDX, SRC, "max"),
                    Sample(X, 1, IDX, T((2, 2), "float64"), "sum"),
                    Sample(Z, 0, T((), "int64", values=0), T(()), "sum"),
                    Sample(T((2, 3), "bool"), 1, IDXR, T((2, 3), "bool"), "amax"),
                    Sample(T((2, 3), "float32", "s"), 1, IDXR, T((2, 3), "float32", "s"), "amax")]
op("Tensor.scatter_reduce", method("scatter_reduce"), SCATTER_REDUCES)
op("L.scatter_reduce", function("scatter_reduce"), SCATTER_REDUCES[:2])
op("Tensor.scatter_reduce_", inplace("scatter_reduce_"), SCATTER_REDUCES[3:13:3], inplace=True)
IS = T((2,), "int64", values=[2, 0])
INDEX_SELECTS = [Sample(X, 0, T((3,), "int64", values=[1, 0, 1])), Sample(X, 1, IS), Sample(X, -1, IS),
                 Sample(X, 0, T((), "int64", values=1)), Sample(Z, 0, T((), "int64", values=0)),
                 Sample(X, 0, T((0,), "int64", values=np.zeros(0))), Sample(X, 0, T((1,), "int64", values=[-1])),
                 Sample(X, 0, T((1,), "int64", values=[2])), Sample(XL[0], 1, IS), Sample(T((2, 3), "bool"), 1, IS),
                 Sample(X, 1, T((2,), "int32", values=[0, 1]))]
op("Tensor.index_select", method("index_select"), INDEX_SELECTS)
op("L.index_select", function("index_select"), INDEX_SELECTS[:3])
INDEX_ADDS = [Sample(X, 0, T((3,), "int64", values=[1, 0, 1]), T((3, 3))), Sample(X, 1, IS, T((2, 2))),
              Sample(X, 1, IS, T((2, 2)), alpha=2), Sample(X, 0, T((1,), "int64", values=[1]), T((1, 3), "float64")),
              Sample(T((2, 3), "int64"), 1, IS, T((2, 2), "int64")), Sample(Z, 0, T((), "int64", values=0), T(())),
              Sample(X, 0, T((0,), "int64", values=np.zeros(0)), T((0, 3)))]
op("Tensor.index_add", method("index_add"), INDEX_ADDS)
op("L.index_add", function("index_add"), INDEX_ADDS[:2])
op("Tensor.index_add_", inplace("index_add_"), INDEX_ADDS[:3], inplace=True)
INDEX_COPIES = [Sample(X, 1, IS, T((2, 2))), Sample(X, 0, T((1,), "int64", values=[1]), T((1, 3))),
                Sample(X, -1, IS, T((2, 2), "float64")), Sample(Z, 0, T((), "int64", values=0), T(()))]
op("Tensor.index_copy", method("index_copy"), INDEX_COPIES)
op("L.index_copy", function("index_copy"), INDEX_COPIES[:2])
op("Tensor.index_copy_", inplace("index_copy_"), INDEX_COPIES[:2], inplace=True)
INDEX_FILLS = [Sample(X, 1, IS, 2.5), Sample(X, 0, T((1,), "int64", values=[1]), -1), Sample(X, 1, IS, T(())),
               Sample(T((2, 3), "int64"), 1, IS, 7), Sample(T((2, 3), "int64"), 1, IS, 1.5), Sample(X, 1, IS, T((1,)))]
op("Tensor.index_fill", method("index_fill"), INDEX_FILLS)
op("L.index_fill", function("index_fill"), INDEX_FILLS[:2])
op("Tensor.index_fill_", inplace("index_fill_"), INDEX_FILLS[:3], inplace=True)
MASKED = [Sample(X, M23, 1.5), Sample(X, M3, -INF), Sample(X, M23, T(())), Sample(T((2, 3), "int64"), M23, 2),
          Sample(T((2, 3), "int64"), M23, 2.5), Sample(X, T((2, 3), "uint8", values=[[1, 0, 1], [0, 0, 1]]), 1.0),
          Sample(X, T((2, 3), "int64", values=[[1, 0, 1], [0, 0, 1]]), 1.0), Sample(Z, T((), "bool", values=True), 1.0),
          Sample(E, T((0, 3), "bool", values=np.zeros((0, 3), bool)), 1.0), Sample(XL[0], M23, float("nan")),
          Sample(T((2, 3), "bool"), M23, True), Sample(X, M23, T((), "float64")), Sample(X, M23, T((2,))),
          Sample(T((2, 3), "float32", "n", "s"), M3, 0.0),
          Sample(T((2, 3), "float32", "n", "x"), M23, 0.0)]
op("Tensor.masked_fill", method("masked_fill"), MASKED)
op("L.masked_fill", function("masked_fill"), MASKED[:3])
op("Tensor.masked_fill_", inplace("masked_fill_"), inplace_samples(MASKED, 20), inplace=True)
MASKED_SELECTS = [Sample(X, M23), Sample(X, M3), Sample(Z, T((), "bool", values=False)), Sample(XL[0], M23),
                  Sample(T((2, 3), "int64"), M23), Sample(X, MNONE),
                  Sample(X, T((2, 3), "uint8", values=np.ones((2, 3))))]
op("Tensor.masked_select", method("masked_select"), MASKED_SELECTS)
op("L.masked_select", function("masked_select"), MASKED_SELECTS[:2])
MASKED_SCATTERS = [Sample(X, M23, T((6,))), Sample(X, M3, T((2, 3))), Sample(X, M23, T((2,))), Sample(X, MNONE, T(())),
                   Sample(T((3,)), M23, T((2, 3))), Sample(XL[0], M23, T((3, 2), "float32", "n", "T")),
                   Sample(T((2, 3), "int64"), M23, T((4,), "int64")), Sample(X, M23, T((6,), "float64")),
                   Sample(X, T((2, 3), "uint8", values=[[1, 0, 1], [0, 0, 1]]), T((6,))),
                   Sample(Z, T((), "bool", values=True), T((2,))),
                   Sample(E, T((0, 3), "bool", values=np.zeros((0, 3))), T((1,)))]
op("Tensor.masked_scatter", method("masked_scatter"), MASKED_SCATTERS)
op("L.masked_scatter", function("masked_scatter"), MASKED_SCATTERS[:2])
op("Tensor.masked_scatter_", inplace("masked_scatter_"), inplace_samples(MASKED_SCATTERS, 11), inplace=True)
TAKES = [Sample(X, T((3,), "int64", values=[5, 0, 2])), Sample(X, T((2, 2), "int64", values=[[-1, 0], [3, 3]])),
         Sample(Z, T((), "int64", values=0)), Sample(XL[0], T((2,), "int64", values=[1, 4])),
         Sample(X, T((1,), "int64", values=[6])), Sample(X, T((0,), "int64", values=np.zeros(0)))]
op("Tensor.take", method("take"), TAKES)
op("L.take", function("take"), TAKES[:2])
C23 = M23
WHERES = [Sample(C23, X, Y), Sample(M3, X, T((2, 1))), Sample(T((), "bool", values=True), Z, T((3,))),
          Sample(C23, X, 0.0), Sample(C23, 1, 0), Sample(C23, 1.5, X), Sample(C23, X, T((2, 3), "float64")),
          Sample(C23, T((2, 3), "int64"), X), Sample(C23, X, T((), "float64")), Sample(C23, T((2, 3), "int64"), 2.5),
          Sample(T((2, 3), "uint8", values=np.ones((2, 3))), X, Y), Sample(T((2, 3), "float32"), X, Y),
          Sample(C23, XL[0], XL[1]), Sample(T((0, 3), "bool", values=np.zeros((0, 3), bool)), E, 1.0),
          Sample(C23, T((2, 3), "float32", "s"), T((2, 3), "float32", "s"))]
op("L.where", function("where"), WHERES)
op("Tensor.where", lambda L, F, x, c, y: x.where(c, y), [Sample(X, C23, Y), Sample(X, M3, 0.0), Sample(Z, C23, Y)])
NONZEROS = [Sample(X), Sample(T((3, 4), "float64", "t")), Sample(Z), Sample(E), Sample(T((2, 3), "bool")),
            Sample(T((2, 3), "int64")), Sample(XL[0])]
op("L.where(cond)", function("where"), NONZEROS)
op("Tensor.nonzero", method("nonzero"), NONZEROS + [Sample(T((2, 3), "int64"), as_tuple=True)])
op("L.nonzero", function("nonzero"), NONZEROS[:2])
op("Tensor.argwhere", method("argwhere"), NONZEROS)
op("L.argwhere", function("argwhere"), NONZEROS[:2])

# ---- joining tensors ----
CATS = [Sample([X, T((1, 3))], 0), Sample([X, T((2, 1))], 1), Sample([X, Y], -1), Sample([X], 0),
        Sample([X, E], 0), Sample([X, T((0,))], 0), Sample([X, T((2, 3), "float64")], 0),
        Sample([T((2, 3), "int64"), X], 1), Sample((X, Y), dim=0), Sample([], 0), Sample([X, T((3, 3))], 1),
        Sample([Z, Z], 0), Sample([XL[0], XL[1]], 1), Sample([X, Y], 2), Sample([T((2, 3), "bool"), T((1, 3), "bool")]),
        Sample([T((2, 3), "bool"), T((1, 3), "int64")])]
for n in ("cat", "concat", "concatenate"):
    op(f"L.{n}", function(n), CATS if n == "cat" else CATS[:3])
STACKS = [Sample([X, Y], 0), Sample([X, Y], -1), Sample([X, Y], 2), Sample([Z, Z]), Sample([E, E], 1),
          Sample([X, T((3, 2))]), Sample([X, T((2, 3), "float64")]), Sample([XL[0], XL[2]], 1), Sample((X,), 0),
          Sample([X, Y], 3), Sample([T((2, 3), "int64"), T((2, 3), "bool")])]
op("L.stack", function("stack"), STACKS)
for n in ("hstack", "vstack", "dstack", "column_stack", "row_stack"):
    op(f"L.{n}", function(n),
       [Sample([T((3,)), T((3,))]), Sample([X, Y]), Sample([Z, Z]), Sample([X, T((2, 3), "int64")]),
        Sample([XL[0], XL[1]])])
for n in ("atleast_1d", "atleast_2d", "atleast_3d"):
    op(f"L.{n}", function(n), [Sample(Z), Sample(T((3,))), Sample(X), Sample(X3), Sample(XL[0])])
op("L.broadcast_tensors", function("broadcast_tensors"), [Sample(T((2, 1)), T((1, 3))), Sample(Z, T((3,))),
                                                          Sample(X, T((3, 3))), Sample(X, T((2, 3), "int64"))])
op("L.meshgrid", function("meshgrid"), [Sample(T((2,)), T((3,))), Sample(T((2,)), T((3,)), indexing="ij"),
                                        Sample(T((2,)), T((3,), "float64"), indexing="xy"), Sample(T((2,)))])
op("L.cartesian_prod", function("cartesian_prod"), [Sample(T((2,)), T((3,))), Sample(T((3,), "int64"))])

# ---- products ----
MATMULS = [Sample(T((3,)), T((3,))), Sample(X, T((3,))), Sample(T((2,)), X), Sample(X, T((3, 4))),
           Sample(T((2, 2, 3)), T((2, 3, 4))), Sample(T((2, 1, 2, 3)), T((3, 3, 2))), Sample(T((2, 0)), T((0, 3))),
           Sample(T((0, 3)), T((3, 2))), Sample(T((2, 3), "int64"), T((3, 2), "int64")),
           Sample(X, T((3, 2), "float64")),
           Sample(Z, T((3,))), Sample(X, T((4, 2))), Sample(XL[0], T((3, 2), "float32", "n", "T")),
           Sample(T((2, 3), "float64", "n", "x"), T((3, 2), "float64", "n", "s")),
           Sample(T((2, 3), "bool"), T((3, 2), "bool"))]
op("Tensor.matmul", method("matmul"), MATMULS)
op("L.matmul", function("matmul"), MATMULS[:4])
MMS = [Sample(X, T((3, 4))), Sample(T((2, 0)), T((0, 3))), Sample(XL[0], T((3, 2), "float32", "n", "s")),
       Sample(T((2, 3), "int64"), T((3, 2), "int64")), Sample(T((3,)), T((3, 2))), Sample(X, T((3,))),
       Sample(T((2, 2, 3)), T((2, 3, 4))), Sample(X, T((3, 2), "float64"))]
op("Tensor.mm", method("mm"), MMS)
op("L.mm", function("mm"), MMS[:2])
BMMS = [Sample(T((2, 2, 3)), T((2, 3, 4))), Sample(T((2, 0, 3)), T((2, 3, 1))), Sample(X, T((3, 4))),
        Sample(T((2, 2, 3)), T((1, 3, 4))), Sample(T((2, 2, 3), "float64", "n", "p"), T((2, 3, 2), "float64"))]
op("Tensor.bmm", method("bmm"), BMMS)
op("L.bmm", function("bmm"), BMMS[:2])
DOTS = [Sample(T((3,)), T((3,))), Sample(T((0,)), T((0,))), Sample(T((3,), "int64"), T((3,), "int64")),
        Sample(X, T((3,))), Sample(T((3,)), T((4,))), Sample(T((3,)), T((3,), "float64")), Sample(Z, Z),
        Sample(T((3,), "float32", "n", "s"), T((3,), "float32", "n", "x"))]
for n in ("dot", "inner", "vdot"):
    op(f"Tensor.{n}", method(n), DOTS)
    op(f"L.{n}", function(n), DOTS[:2])
OUTERS = [Sample(T((2,)), T((3,))), Sample(T((0,)), T((3,))), Sample(T((2,), "int64"), T((3,), "int64")),
          Sample(X, T((3,))), Sample(Z, T((3,))), Sample(T((2,), "float32", "n", "s"), T((3,), "float64"))]
for n in ("outer", "ger"):
    op(f"Tensor.{n}", method(n), OUTERS)
    op(f"L.{n}", function(n), OUTERS[:2])
op("L.mv", function("mv"), [Sample(X, T((3,))), Sample(X, T((2,)))])
KRONS = [Sample(X, T((2, 2))), Sample(T((3,)), T((2,))), Sample(Z, X), Sample(X, T((2, 2), "int64")), Sample(X3, X)]
op("Tensor.kron", method("kron"), KRONS)
op("L.kron", function("kron"), KRONS[:2])
EINSUMS = [Sample("ij,jk->ik", X, T((3, 4))), Sample("ii->i", T((3, 3))), Sample("ij->ji", XL[0]),
           Sample("bij,bjk->bik", T((2, 2, 3)), T((2, 3, 2))), Sample("i,i->", T((3,)), T((3,))), Sample("ij->", X),
           Sample("i,j->ij", T((2,)), T((3,))), Sample("...ij->...ji", X3), Sample("ij,ij->i", X, Y),
           Sample("ij,jk", X, T((3, 4))), Sample("ii", T((3, 3), "float64")), Sample("ij,jk->ik", X, T((4, 4))),
           Sample("ij,jk->ik", T((2, 3), "int64"), T((3, 2), "int64")), Sample("i->", T((0,))),
           Sample("ij,j->i", X, T((3,), "float64")), Sample("ij->i", X), Sample("ij,kj->ik", X, T((2, 3)))]
op("L.einsum", function("einsum"), EINSUMS)
op("L.tensordot", function("tensordot"), [Sample(X, T((3, 4)), 1), Sample(X, T((2, 3)), 2), Sample(X, T((2,)), 0)])
op("L.cross", function("cross"), [Sample(T((2, 3)), T((2, 3)), dim=1), Sample(T((3,)), T((3,)), dim=0)])
op("L.cdist", function("cdist"), [Sample(X, T((4, 3))), Sample(X, T((4, 3)), p=1.0)])
op("L.dist", function("dist"), [Sample(X, Y), Sample(X, T((3,)), 1), Sample(X, Y, 0)])
op("L.addmm", function("addmm"), [Sample(T((2, 4)), X, T((3, 4))), Sample(T((4,)), X, T((3, 4)), beta=0.5, alpha=2)])
op("L.baddbmm", function("baddbmm"), [Sample(T((2, 2, 4)), T((2, 2, 3)), T((2, 3, 4)))])

# ---- nn.functional: activations (name -> its own keywords) ----
ACTIVATIONS = {
    "relu": [], "relu6": [], "elu": [{"alpha": 0.5}], "selu": [], "celu": [{"alpha": 2.0}],
    "gelu": [{"approximate": "tanh"}], "silu": [], "mish": [], "softplus": [{"beta": 2.0}, {"threshold": 1.0}],
    "hardtanh": [{"min_val": -2.0, "max_val": 0.5}], "hardsigmoid": [], "hardswish": [], "logsigmoid": [],
    "leaky_relu": [{"negative_slope": 0.2}], "softsign": [], "tanhshrink": [], "sigmoid": [], "tanh": [],
    "softshrink": [{"lambd": 1.0}], "hardshrink": [{"lambd": 1.0}], "rrelu": [{"training": False}],
}
for n, kws in ACTIVATIONS.items():
    samples = unary(("int64", "bool")) + [Sample(T((2, 3), "float32", "t"), **kw) for kw in kws]
    op(f"F.{n}", functional(n), samples)
    if n in ("relu", "relu6", "elu", "selu", "celu", "silu", "hardtanh", "leaky_relu", "hardswish", "hardsigmoid",
             "mish", "rrelu"):
        op(f"F.{n}(inplace=True)", lambda L, F, x, _n=n, **k: (getattr(F, _n)(x, inplace=True, **k) is x, x),
           inplace_samples(samples), inplace=True)
for n in ("relu_", "elu_", "leaky_relu_", "hardtanh_", "rrelu_", "celu_", "selu_"):
    op(f"F.{n}", lambda L, F, x, _n=n, **k: (getattr(F, _n)(x, **k) is x, x), inplace_samples(unary(("int64",))),
       inplace=True)
THRESHOLDS = [Sample(X, 0.5, -1.0), Sample(T((2, 3), "float32", "t"), 0.0, 2.0), Sample(T((2, 3), "int64"), 1, 0),
              Sample(T((2, 4), "float32", "s"), 0.5, 0.0), Sample(Z, 0.0, 1.0), Sample(E, 0.0, 1.0),
              Sample(XL[0], 0.1, 9.0)]
op("F.threshold", functional("threshold"), THRESHOLDS)
op("F.threshold_", lambda L, F, x, *a: (F.threshold_(x, *a) is x, x), THRESHOLDS[:3], inplace=True)
op("F.glu", functional("glu"),
   [Sample(T((2, 4))), Sample(T((4, 3)), 0), Sample(X, -1), Sample(T((2, 4), "float64", "n", "T"), 1),
                                Sample(T((2, 4), "int64")), Sample(T((0, 2)))])
op("F.prelu", functional("prelu"), [Sample(X, T((1,))), Sample(X3, T((3,))), Sample(X3, T((2,))), Sample(Z, T((1,))),
                                    Sample(T((2, 3), "float32", "t"), T((3,), "float32", "t"))])
SOFTMAXES = reduction("req", False, ("int64",)) + [Sample(X, 1, dtype=D("float64")),
                                                   Sample(X, dim=0, dtype=D("float64"))]
for n in ("softmax", "log_softmax", "softmin"):
    op(f"F.{n}", functional(n), SOFTMAXES)
    op(f"Tensor.{n}", method(n), SOFTMAXES[:-2])
    op(f"L.{n}", function(n), SOFTMAXES[:3])

# ---- nn.functional: layers ----
W = T((4, 3))
LINEARS = [Sample(X, W), Sample(X, W, T((4,))), Sample(X, W, T(())), Sample(T((3,)), W, T((4,))),
           Sample(T((2, 2, 3)), W),
           Sample(E, W, T((4,))), Sample(T((2, 3), "float64"), T((4, 3), "float64"), T((4,), "float64")),
           Sample(X, T((4, 2))), Sample(X, W, T((5,))), Sample(T((2, 3), "int64"), T((4, 3), "int64")),
           Sample(X, T((4, 3), "float64")),
           Sample(XL[0], T((4, 3), "float32", "n", "T"), T((4,), "float32", "n", "x")), Sample(X, T((0, 3)), T((0,)))]
op("F.linear", functional("linear"), LINEARS)
op("F.bilinear", functional("bilinear"),
   [Sample(T((2, 3)), T((2, 2)), T((4, 3, 2))), Sample(T((2, 3)), T((2, 2)), T((4, 3, 2)), T((4,))),
    Sample(T((3,)), T((2,)), T((4, 3, 2))), Sample(T((0, 3)), T((0, 2)), T((4, 3, 2))),
    Sample(T((2, 3), "float64", "t"), T((2, 2), "float64"), T((4, 3, 2), "float64", "n", "T")),
    Sample(T((2, 3)), T((3, 2)), T((4, 3, 2))), Sample(T((2, 3)), T((2, 2)), T((4, 2, 2))),
    Sample(T((2, 3), "float64"), T((2, 2)), T((4, 3, 2))), Sample(T((2, 3)), T((2, 2)), T((4, 3, 2)), T((5,))),
    Sample(T((2, 3), "int64"), T((2, 2), "int64"), T((4, 3, 2), "int64"))])
IMG, CW = T((1, 2, 5, 5)), T((3, 2, 3, 3))
CONVS = [Sample(IMG, CW), Sample(IMG, CW, T((3,))), Sample(IMG, CW, stride=2), Sample(IMG, CW, padding=1),
         Sample(IMG, CW, padding="same"), Sample(IMG, CW, dilation=2),
         Sample(T((1, 2, 5, 5)), T((4, 1, 3, 3)), groups=2),
         Sample(T((2, 5, 5)), CW),
         Sample(T((2, 2, 5, 4), "float64"), T((3, 2, 2, 3), "float64"), T((3,), "float64"), stride=(2, 1),
                                         padding=(1, 0)),
         Sample(T((0, 2, 5, 5)), CW), Sample(T((1, 2, 5, 5), "float32", "n", "T"), CW), Sample(T((1, 2, 2, 2)), CW),
         Sample(IMG, T((3, 2, 3, 3), "float64")), Sample(T((1, 2, 4, 4), "float32", "s"), T((1, 2, 2, 2))),
         Sample(IMG, CW, padding="valid"), Sample(IMG, T((3, 2, 1, 1)), stride=3)]
op("F.conv2d", functional("conv2d"), CONVS, tol=10)
op("F.conv1d", functional("conv1d"),
   [Sample(T((1, 2, 5)), T((3, 2, 3))), Sample(T((1, 2, 5)), T((3, 2, 3)), T((3,)), stride=2, padding=1),
    Sample(T((2, 5)), T((3, 2, 2))), Sample(T((1, 4, 5)), T((2, 2, 3)), groups=2)], tol=10)
op("F.conv_transpose2d", functional("conv_transpose2d"),
   [Sample(T((1, 2, 3, 3)), T((2, 3, 3, 3))), Sample(T((1, 2, 3, 3)), T((2, 3, 2, 2)), T((3,)), stride=2),
    Sample(T((1, 2, 3, 3)), T((2, 3, 3, 3)), padding=1, output_padding=0, stride=2),
    Sample(T((2, 3, 3)), T((2, 1, 2, 2)))], tol=10)
POOL_X = [T((1, 2, 5, 5)), T((1, 1, 4, 4), "float64", "t"), T((2, 4, 4), "float32", "s"),
          T((1, 2, 4, 5), "float32", "n", "T")]
MAXPOOLS = [Sample(POOL_X[0], 2), Sample(POOL_X[0], 3, stride=2, padding=1), Sample(POOL_X[0], 2, ceil_mode=True),
            Sample(POOL_X[0], 2, dilation=2), Sample(POOL_X[1], 2), Sample(POOL_X[1], 2, 1), Sample(POOL_X[2], 2),
            Sample(POOL_X[3], (2, 3)), Sample(POOL_X[0], 2, return_indices=True), Sample(T((0, 2, 4, 4)), 2),
            Sample(POOL_X[0], 3, padding=2), Sample(T((1, 1, 4, 4), "int64"), 2), Sample(T((1, 1, 1, 1)), 2)]
op("F.max_pool2d", functional("max_pool2d"), MAXPOOLS)
AVGPOOLS = [Sample(POOL_X[0], 2), Sample(POOL_X[0], 3, 2, 1), Sample(POOL_X[0], 3, 2, 1, count_include_pad=False),
            Sample(POOL_X[0], 2, ceil_mode=True), Sample(POOL_X[0], 2, divisor_override=3), Sample(POOL_X[1], 2, 1),
            Sample(POOL_X[2], 2), Sample(POOL_X[3], (2, 3)), Sample(T((1, 1, 4, 4), "int64"), 2),
            Sample(T((0, 2, 4, 4)), 2)]
op("F.avg_pool2d", functional("avg_pool2d"), AVGPOOLS)
op("F.max_pool1d", functional("max_pool1d"), [Sample(T((1, 2, 5)), 2), Sample(T((2, 5), "float64", "t"), 3, 1, 1)])
op("F.avg_pool1d", functional("avg_pool1d"), [Sample(T((1, 2, 5)), 2), Sample(T((2, 5), "float64"), 3, 1, 1)])
ADAPTIVE = [Sample(POOL_X[0], 1), Sample(POOL_X[0], (2, 3)), Sample(POOL_X[0], 3), Sample(POOL_X[1], (1, 2)),
            Sample(POOL_X[2], 2), Sample(POOL_X[3], (None, 2)), Sample(POOL_X[0], 7), Sample(T((0, 2, 4, 4)), 2)]
op("F.adaptive_avg_pool2d", functional("adaptive_avg_pool2d"), ADAPTIVE)
op("F.adaptive_max_pool2d", functional("adaptive_max_pool2d"), ADAPTIVE + [Sample(POOL_X[0], 2, return_indices=True)])
op("F.adaptive_avg_pool1d", functional("adaptive_avg_pool1d"), [Sample(T((1, 2, 5)), 2), Sample(T((2, 5)), 1)])
op("F.adaptive_max_pool1d", functional("adaptive_max_pool1d"), [Sample(T((1, 2, 5)), 2), Sample(T((2, 5)), 1)])
BN_X, C2 = T((3, 2, 2, 2)), T((2,), grad=False)
RV = T((2,), "float32", "p", grad=False)


def batch_norm(L, F, x, rm, rv, *a, **k):
    return F.batch_norm(x, rm, rv, *a, **k)


BATCH_NORMS = [Sample(BN_X, None, None, training=True), Sample(BN_X, C2, RV, T((2,)), T((2,)), training=True),
               Sample(BN_X, C2, RV, T((2,)), T((2,)), training=False),
               Sample(BN_X, C2, RV, training=True, momentum=0.5),
               Sample(T((4, 2)), C2, RV, training=True, eps=0.1),
               Sample(T((4, 2, 3), "float64"), T((2,), "float64", grad=False), T((2,), "float64", "p", grad=False),
                      training=True),
               Sample(T((1, 2)), None, None, training=True),
               Sample(T((3, 2, 2, 2), "float32", "n", "T"), None, None, T((2,)), None, training=True),
               Sample(T((3, 2, 2, 2), "float32", "s"), None, None, training=True), Sample(BN_X, C2, RV, training=False),
               Sample(T((0, 2, 2)), C2, RV, training=False),
               Sample(T((3, 2, 2, 2), "float64", "t"), None, None, training=True)]
op("F.batch_norm", batch_norm, BATCH_NORMS, tol=10)
LAYER_NORMS = [Sample(X, (3,)), Sample(X, (3,), T((3,)), T((3,))), Sample(X3, (3, 2)), Sample(X3, [2], eps=0.1),
               Sample(T((2, 3), "float64", "t"), (3,), T((3,), "float64")), Sample(XL[0], (3,), None, T((3,))),
               Sample(T((2, 4), "float32", "s"), (4,)), Sample(E, (3,)), Sample(X, (2,)),
               Sample(T((2, 3), "float32", "t"), 3)]
op("F.layer_norm", functional("layer_norm"), LAYER_NORMS, tol=10)
op("F.group_norm", functional("group_norm"), [Sample(T((2, 4, 3)), 2), Sample(T((2, 4, 2, 2)), 4, T((4,)), T((4,))),
                                              Sample(T((2, 4, 3)), 3)], tol=10)
op("F.instance_norm", functional("instance_norm"),
   [Sample(T((2, 3, 4))), Sample(T((2, 3, 2, 2)), weight=T((3,)), bias=T((3,)))],
   tol=10)
op("F.local_response_norm", functional("local_response_norm"),
   [Sample(T((1, 4, 3, 3)), 2), Sample(T((2, 5, 3)), 3, alpha=0.1, beta=0.5, k=2.0), Sample(T((2, 3, 2, 2, 2)), 4),
    Sample(T((1, 3, 2), "float64", "t"), 7), Sample(T((0, 3, 2)), 2), Sample(T((3, 2)), 2),
    Sample(T((1, 3, 4), "int64"), 2), Sample(T((2, 4, 3), "float32", "n", "T"), 2)])
RMS_NORMS = [Sample(T((2, 3, 4)), (4,)), Sample(T((2, 3, 4)), (3, 4), T((3, 4)), eps=1e-3), Sample(E, (3,)),
             Sample(T((2, 3), "float64", "t"), (3,), T((3,), "float64")), Sample(XL[0], (3,), T((3,))),
             Sample(T((2, 3, 4)), (5,)), Sample(T((2, 3, 4)), 4), Sample(T((2, 3), "int64"), (3,)),
             Sample(X, (3,), T((2,))), Sample(X, (3,), T((3,), "float64")), Sample(Z, ())]
op("F.rms_norm", functional("rms_norm"), RMS_NORMS, tol=10)
PDISTS = [Sample(T((4, 3))), Sample(T((4, 3)), 1.0), Sample(T((4, 3)), float("inf")), Sample(T((4, 3), "float64"), 3),
          Sample(T((3, 2), values=[[1.0, 2.0], [1.0, 2.0], [0.0, 1.0]]), 1.0), Sample(T((3, 5), "float32", "n", "T")),
          Sample(T((1, 3))), Sample(T((3,))), Sample(X3), Sample(T((3, 2), "int64")),
          Sample(T((3, 2)), -1.0)]  # not (0, 3): torch 2.13's pdist backward of no rows segfaults
op("F.pdist", functional("pdist"), PDISTS, tol=10)
LP_POOLS2 = [Sample(T((1, 2, 5, 5)), 2, 2), Sample(T((1, 2, 5, 5)), 3, (2, 3), stride=1),
             Sample(T((2, 5, 5), "float32", "p"), 1.5, 2, ceil_mode=True), Sample(T((1, 2, 4, 4)), float("inf"), 2),
             Sample(T((1, 2, 4, 4), "float64"), -float("inf"), 2, 1), Sample(T((1, 2, 5, 5)), 2, 6),
             Sample(T((1, 1, 4, 4), "int64"), 2, 2), Sample(T((1, 2, 4, 4), "float32", "n", "T"), 2, 2)]
op("F.lp_pool2d", functional("lp_pool2d"), LP_POOLS2, tol=10)
LP_POOLS1 = [Sample(T((2, 3, 7)), 2, 3, 2, True), Sample(T((3, 7), "float32", "p"), 1, 3), Sample(T((2, 3, 6)), 3, 2),
             Sample(T((2, 3, 4), "float64"), float("inf"), 2), Sample(T((2, 3, 4)), 2, 5),
             Sample(T((2, 4, 3), "float32", "n", "T"), 2, 2)]
op("F.lp_pool1d", functional("lp_pool1d"), LP_POOLS1, tol=10)
DROPOUTS = [Sample(X, 0.0), Sample(X, p=0.0, training=True), Sample(X, 0.5, training=False), Sample(Z, 0.0),
            Sample(E, 0.0), Sample(XL[0], 0.0), Sample(X, 1.5), Sample(X, -0.1), Sample(T((2, 3), "float32", "s"), 0.0)]
op("F.dropout", functional("dropout"), DROPOUTS)
op("F.dropout(inplace=True)", lambda L, F, x, *a, **k: (F.dropout(x, *a, inplace=True, **k) is x, x), DROPOUTS[:3],
   inplace=True)
for n in ("dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"):
    op(f"F.{n}", functional(n),
       [Sample(T((2, 3, 4, 2)), 0.0), Sample(T((2, 3, 4)), 0.0), Sample(T((3, 4, 2)), 0.5, False)])
EMB_W = T((5, 4))
EMBEDDINGS = [Sample(index((2, 3), 5), EMB_W), Sample(T((3,), "int64", values=[0, 4, 0]), EMB_W, padding_idx=0),
              Sample(T((), "int64", values=3), EMB_W), Sample(T((0,), "int64", values=np.zeros(0)), EMB_W),
              Sample(T((2,), "int64", values=[1, 5]), EMB_W), Sample(T((2,), "int64", values=[1, -1]), EMB_W),
              Sample(T((2,), "int32", values=[1, 2]), EMB_W),
              Sample(T((3,), "int64", values=[1, 1, 2]), T((5, 4), "float64")),
              Sample(T((2,), "float32", values=[1, 2], grad=False), EMB_W),
              Sample(index((2,), 5), T((5, 4), "float32", "n", "T"))]
op("F.embedding", functional("embedding"), EMBEDDINGS)
ONE_HOTS = [Sample(T((3,), "int64", values=[0, 2, 1]), 4), Sample(T((3,), "int64", values=[0, 2, 1])),
            Sample(T((), "int64", values=2), 3), Sample(T((0,), "int64", values=np.zeros(0)), 3),
            Sample(T((2, 2), "int64", values=[[0, 1], [1, 0]]), num_classes=2),
            Sample(T((2,), "int64", values=[0, 3]), 3),
            Sample(T((2,), "int64", values=[0, -1]), 3), Sample(T((2,), "int32", values=[0, 1]), 3),
            Sample(T((2,), "float32", values=[0, 1], grad=False), 3)]
op("F.one_hot", functional("one_hot"), ONE_HOTS)
NORMALIZES = [Sample(X), Sample(X, p=1.0, dim=0), Sample(X, dim=-1),
              Sample(T((2, 3), "float64", values=[[0, 0, 0], [1, 2, 2]])),
              Sample(X3, 2.0, 1), Sample(XL[0], eps=0.5), Sample(T((3,))), Sample(E, dim=1), Sample(X, p=INF),
              Sample(T((2, 4), "float32", "s"))]
op("F.normalize", functional("normalize"), NORMALIZES)
PAIRS = [Sample(X, Y), Sample(X, T((3,))), Sample(X, Y, dim=0),
         Sample(X, T((2, 3), "float64", values=np.zeros((2, 3)))),
         Sample(X, Y, eps=0.5), Sample(X3, T((2, 3, 2), "float32", "n", "p"), dim=-1)]
op("F.cosine_similarity", functional("cosine_similarity"), PAIRS)
op("F.pairwise_distance", functional("pairwise_distance"),
   [Sample(X, Y), Sample(X, T((3,)), 1.0), Sample(X, Y, keepdim=True)])
op("F.pixel_shuffle", functional("pixel_shuffle"),
   [Sample(T((1, 4, 2, 3)), 2), Sample(T((8, 2, 2)), 2), Sample(T((1, 3, 2, 2)), 2)])
op("F.pixel_unshuffle", functional("pixel_unshuffle"), [Sample(T((1, 1, 4, 6)), 2)])
PADS = [Sample(T((1, 2, 3)), (1, 1)), Sample(T((1, 2, 3)), (1, 2, 0, 1)), Sample(T((1, 2, 3)), (1, 1), value=2.5),
        Sample(T((1, 2, 3)), (2, 1), mode="reflect"), Sample(T((1, 2, 3, 3)), (1, 1, 2, 0), mode="replicate"),
        Sample(T((1, 2, 3)), (1, 2), mode="circular"), Sample(X, (-1, 1)), Sample(T((1, 2, 3), "int64"), (1, 1)),
        Sample(T((1, 2, 3)), (3, 3), mode="reflect"), Sample(Z, (1, 1)), Sample(E, (1, 1))]
op("F.pad", functional("pad"), PADS)
INTERPOLATES = [Sample(T((1, 2, 3, 3)), scale_factor=2), Sample(T((1, 2, 3, 3)), size=(5, 4)),
                Sample(T((1, 2, 3, 3)), size=5, mode="bilinear"),
                Sample(T((1, 2, 3, 3)), size=5, mode="bilinear", align_corners=True),
                Sample(T((1, 2, 4)), scale_factor=1.5, mode="linear"), Sample(T((1, 1, 4, 4)), size=2, mode="area"),
                Sample(T((1, 1, 3, 3)), scale_factor=2, mode="bicubic"),
                Sample(T((1, 1, 3, 3)), size=(5, 5), mode="nearest-exact")]
op("F.interpolate", functional("interpolate"), INTERPOLATES, tol=10)
op("F.scaled_dot_product_attention", functional("scaled_dot_product_attention"),
   [Sample(T((2, 3, 4)), T((2, 3, 4)), T((2, 3, 4))),
    Sample(T((1, 2, 3, 4)), T((1, 2, 5, 4)), T((1, 2, 5, 2)), is_causal=True),
    Sample(T((2, 3, 4)), T((2, 3, 4)), T((2, 3, 4)),
           attn_mask=T((3, 3), "bool", values=np.tril(np.ones((3, 3), bool))))], tol=10)
op("F.unfold", functional("unfold"), [Sample(T((1, 2, 4, 4)), 2), Sample(T((1, 2, 4, 4)), (2, 3), stride=2, padding=1),
                                      Sample(T((2, 4, 5), "float64", "n", "T"), 2, dilation=(1, 2)),
                                      Sample(T((0, 2, 4, 4)), 2), Sample(T((1, 2, 4, 4)), 5),
                                      Sample(T((1, 2, 4, 4)), 2, stride=0), Sample(T((1, 1, 3, 3), "int64"), 2),
                                      Sample(T((4, 4)), 2), Sample(T((1, 2, 4, 4)), (2, 2, 2))])
op("F.fold", functional("fold"), [Sample(T((1, 4, 4)), (3, 3), 2), Sample(T((4, 9)), 4, 2),
                                  Sample(T((2, 18, 12), "float64"), (5, 6), (2, 3), (1, 2), 1, (2, 1)),
                                  Sample(T((9, 4), "float32", "n", "T"), (3, 3), 2), Sample(T((0, 4, 4)), (3, 3), 2),
                                  Sample(T((1, 4, 5)), (3, 3), 2), Sample(T((1, 5, 4)), (3, 3), 2),
                                  Sample(T((1, 4, 4), "int64"), (3, 3), 2)])

# ---- nn.functional: losses (every reduction) ----
REDUCTIONS_KW = [{}, {"reduction": "sum"}, {"reduction": "none"}]
PAIR_LOSS = [(X, Y), (T((2, 3), "float64"), T((2, 3), "float64")), (Z, T(())), (E, E), (XL[0], XL[1]),
             (X, T((3,))), (T((2, 4), "float32", "s"), T((2, 4), "float32", "s")), (X, T((2, 3), grad=False)),
             (X, T((2, 3), "float64")), (T((2, 3), "int64"), Y), (T((2, 3), "float32", "t"), T((2, 3), "float32", "t"))]
UNIT = [(T((2, 3), "float32", "u"), T((2, 3), "float32", "u")),
        (T((2, 3), "float64", "u"), T((2, 3), "float64", "u", grad=False)),
        (T((), "float32", "u"), T((), "float32", "u")), (E, E),
        (T((2, 3), "float32", "u", "T"), T((2, 3), "float32", "u")),
        (T((2, 3), "float32", values=[[0, 1, 0.5], [1, 0, 0.25]]), T((2, 3), "float32", values=[[0, 1, 1], [0, 0, 1]])),
        (T((2, 3), "float32", "u"), T((2, 3), "float64", "u"))]
LOSSES = {"mse_loss": (PAIR_LOSS, []), "l1_loss": (PAIR_LOSS, []),
          "smooth_l1_loss": (PAIR_LOSS, [{"beta": 0.5}, {"beta": 0.0}]), "huber_loss": (PAIR_LOSS, [{"delta": 0.5}]),
          "binary_cross_entropy": (UNIT, [{"weight": T((3,), grad=False)}]),
          "binary_cross_entropy_with_logits": (PAIR_LOSS[:9], [{"weight": T((3,), grad=False)},
                                                               {"pos_weight": T((3,), "float32", "p", grad=False)}]),
          "kl_div": (PAIR_LOSS[:9], [{"log_target": True}, {"reduction": "batchmean"}]),
          "soft_margin_loss": ([(X, T((2, 3), values=[[1, -1, 1], [-1, -1, 1]], grad=False))], []),
          "poisson_nll_loss": (PAIR_LOSS[:3], [{"log_input": False}])}
for n, (pairs, kws) in LOSSES.items():
    samples = [Sample(a, b, **r) for i,
               (a, b) in enumerate(pairs) for r in (REDUCTIONS_KW if i < 4 else REDUCTIONS_KW[:1])]
    samples += [Sample(*pairs[0], **{**r, **kw}) for kw in kws for r in REDUCTIONS_KW[:2]]
    op(f"F.{n}", functional(n), unique(samples))
LOGITS, TARGET = T((3, 4)), T((3,), "int64", values=[1, 0, 3])
CLASS_LOSS = [Sample(LOGITS, TARGET), Sample(LOGITS, TARGET, reduction="sum"), Sample(LOGITS, TARGET, reduction="none"),
              Sample(LOGITS, T((3,), "int64", values=[1, -100, 3])), Sample(LOGITS, TARGET, ignore_index=0),
              Sample(LOGITS, T((3,), "int64", values=[-100, -100, -100])),
              Sample(LOGITS, TARGET, weight=T((4,), "float32", "p", grad=False)),
              Sample(LOGITS, T((3,), "int64", values=[1, 0, 0]), weight=T((4,), "float32", "p", grad=False),
                     ignore_index=0),
              Sample(T((4,)), T((), "int64", values=2)),
              Sample(T((2, 4, 3)), T((2, 3), "int64", values=[[0, 1, 3], [2, 2, 0]])),
              Sample(T((0, 4)), T((0,), "int64", values=np.zeros(0))), Sample(T((3, 4), "float64"), TARGET),
              Sample(LOGITS, T((3,), "int64", values=[1, 4, 0])), Sample(LOGITS, T((3,), "int32", values=[1, 0, 3])),
              Sample(T((3, 4), "float32", "n", "T"), TARGET), Sample(T((3, 4), "float32", "s"), TARGET),
              Sample(T((2, 3), "float32", values=[[-INF, 1, 2], [0.5, 0.1, -1]]), T((2,), "int64", values=[-100, 2]))]
op("F.nll_loss", functional("nll_loss"), CLASS_LOSS)
op("F.cross_entropy", functional("cross_entropy"), CLASS_LOSS + [
    Sample(LOGITS, TARGET, label_smoothing=0.1), Sample(LOGITS, TARGET, label_smoothing=0.2, reduction="sum"),
    Sample(LOGITS, T((3, 4), "float32", "u")), Sample(LOGITS, T((3, 4), "float32", "u", grad=False), reduction="none"),
    Sample(LOGITS, T((3, 4), "float32", "u"), label_smoothing=0.3)])
for n, args in {"margin_ranking_loss": (T((3,)), T((3,)), T((3,), values=[1, -1, 1], grad=False)),
                "hinge_embedding_loss": (T((3,)), T((3,), values=[1, -1, 1], grad=False)),
                "cosine_embedding_loss": (T((3, 2)), T((3, 2)), T((3,), values=[1, -1, 1], grad=False)),
                "triplet_margin_loss": (T((3, 2)), T((3, 2)), T((3, 2))),
                "multi_margin_loss": (LOGITS, TARGET),
                "multilabel_margin_loss": (LOGITS, T((3, 4), "int64", values=[[1, -1, 0, 0]] * 3)),
                "multilabel_soft_margin_loss": (LOGITS, T((3, 4), values=np.eye(3, 4), grad=False)),
                "gaussian_nll_loss": (T((3, 2)), T((3, 2)), T((3, 2), "float32", "p"))}.items():
    op(f"F.{n}", functional(n), [Sample(*args, **r) for r in REDUCTIONS_KW])

# ---- factories and conversions ----
FACTORIES = {
    "zeros": [Sample(2, 3), Sample((2, 3)), Sample(()), Sample(0), Sample(2, dtype=D("int64")),
              Sample([2], dtype=D("bool"))],
    "ones": [Sample(2, 3), Sample((0, 2), dtype=D("float64")), Sample(3, dtype=D("uint8"))],
    "full": [Sample((2, 3), 1.5), Sample((2,), 2), Sample((2,), True), Sample((), 2.5, dtype=D("float64")),
             Sample((2,), 1.5, dtype=D("int64"))],
    "arange": [Sample(5), Sample(1, 4), Sample(0, 1, 0.25), Sample(5, 0, -2), Sample(0.5, 3),
               Sample(5, dtype=D("float64")),
               Sample(0), Sample(1, 0), Sample(0, 1, 0)],
    "linspace": [Sample(0, 1, 5), Sample(-1.5, 2, 1), Sample(0, 1, 0), Sample(2, 5, 4, dtype=D("float64"))],
    "eye": [Sample(3), Sample(2, 4), Sample(0), Sample(3, dtype=D("int64"))],
    "tril_indices": [Sample(3, 3), Sample(3, 4, 1), Sample(4, 3, -1)], "triu_indices": [Sample(3, 3), Sample(3, 4, -1)],
    "zeros_like": [Sample(X), Sample(T((2, 3), "int64")), Sample(X, dtype=D("float64")), Sample(XL[0])],
    "ones_like": [Sample(X), Sample(Z), Sample(T((2, 3), "bool"))],
    "full_like": [Sample(X, 2.5), Sample(T((2, 3), "int64"), 3), Sample(T((2, 3), "int64"), 2.5)],
}
for n, samples in FACTORIES.items():
    op(f"L.{n}", function(n), samples)
CONVERSIONS = {"float": [], "double": [], "long": [], "int": [], "bool": [], "half": [], "byte": [],
               "to": [D("float64"), D("int64"), D("float32"), D("bool")], "type": [D("float64"), D("int32")],
               "item": [], "tolist": [], "numel": [], "dim": [], "size": [0, -1], "nelement": [], "ndimension": [],
               "element_size": [], "is_floating_point": [], "is_contiguous": []}
for n, args in CONVERSIONS.items():
    xs = [X, T((2, 3), "int64"), T((2, 3), "bool"), Z, T((2, 4), "float32", "s"), XL[0]]
    samples = [Sample(x) for x in xs] + [Sample(x, a) for a in args for x in xs[:2]]
    if n in ("item",):
        samples = [Sample(Z), Sample(T((), "int64")), Sample(T((), "bool")), Sample(T((1, 1), "float64")), Sample(X)]
    op(f"Tensor.{n}", method(n), samples)
op("Tensor.type_as", lambda L, F, x, y: x.type_as(y), [Sample(X, T((1,), "int64")), Sample(T((2, 3), "int64"), X)])
op("Tensor.shape", lambda L, F, x: x.shape, [Sample(X), Sample(Z), Sample(E)])
op("Tensor.ndim", lambda L, F, x: x.ndim, [Sample(X), Sample(Z)])
op("len(x)", lambda L, F, x: len(x), [Sample(X), Sample(E), Sample(Z)])
op("float(x)", lambda L, F, x: float(x), [Sample(Z), Sample(T((1,), "int64")), Sample(X)])
op("int(x)", lambda L, F, x: int(x), [Sample(Z), Sample(T((1,), "int64")), Sample(T((), "bool"))])
op("bool(x)", lambda L, F, x: bool(x), [Sample(Z), Sample(T((1,), "int64")), Sample(X), Sample(E)])
op("iter(x)", lambda L, F, x: list(x), [Sample(X), Sample(T((3,), "int64")), Sample(Z)])

op("F.conv_transpose1d", functional("conv_transpose1d"),
   [Sample(T((1, 2, 4)), T((2, 3, 3))), Sample(T((1, 2, 4)), T((2, 3, 2)), T((3,)), stride=2, padding=1)], tol=10)
op("F.max_unpool2d", lambda L, F, x, k, **kw: F.max_unpool2d(*F.max_pool2d(x, k, return_indices=True), k, **kw),
   [Sample(POOL_X[0], 2), Sample(POOL_X[0], 2, output_size=(5, 5)), Sample(POOL_X[2], 2)])
op("F.max_unpool1d", lambda L, F, x, k: F.max_unpool1d(*F.max_pool1d(x, k, return_indices=True), k),
   [Sample(T((1, 2, 5)), 2), Sample(T((2, 6)), 3)])
for n in ("upsample", "upsample_nearest", "upsample_bilinear"):
    op(f"F.{n}", functional(n), [Sample(T((1, 2, 3, 3)), scale_factor=2), Sample(T((1, 1, 2, 3)), size=(4, 5))], tol=10)
op("F.triplet_margin_with_distance_loss", functional("triplet_margin_with_distance_loss"),
   [Sample(T((3, 2)), T((3, 2)), T((3, 2))),
    Sample(T((3, 2)), T((3, 2)), T((3, 2)), margin=0.5, swap=True, reduction="sum")])
SORTED = T((5,), "float32", values=[-1.0, 0.0, 0.0, 2.5, 3.0], grad=False)
SEARCHES = [Sample(SORTED, T((2, 3), grad=False)),
            Sample(SORTED, T((3,), "float32", values=[0.0, 2.5, 9.0], grad=False), right=True),
            Sample(SORTED, T(())), Sample(T((0,), values=np.zeros(0), grad=False), T((2,))),
            Sample(T((2, 3), "int64", values=[[0, 2, 4], [1, 1, 3]]), T((2, 2), "int64", values=[[1, 4], [0, 3]]))]
op("L.searchsorted", function("searchsorted"), SEARCHES)
op("L.bucketize", lambda L, F, s, v, **k: L.bucketize(v, s, **k), SEARCHES[:4])
op("L.tensor", function("tensor"),
   [Sample([1, 2, 3]), Sample([1.5, 2]), Sample([True, False]), Sample([[1, 2], [3, 4]]),
                                    Sample(2.5), Sample(3), Sample([]), Sample([1, 2.5, True]), Sample([[1, 2], [3]]),
                                    Sample([1, 2], dtype=D("float64")), Sample([1.7, -1.7], dtype=D("int64")),
                                    Sample([float("nan"), INF], dtype=D("float32")), Sample([2 ** 63]), Sample((1, 2)),
                                    Sample(np.array([1, 2], np.int32)), Sample(np.array([[1.5]]), dtype=D("float64"))])
op("L.from_numpy", lambda L, F, a: L.from_numpy(a.copy()),
   [Sample(np.arange(6.0).reshape(2, 3)), Sample(np.array(3, np.int64)), Sample(np.zeros((0, 2), np.float32)),
    Sample(np.array([True]))])
op("L.numel", function("numel"), [Sample(X), Sample(Z), Sample(E)])
op("L.is_tensor", function("is_tensor"), [Sample(X), Sample([1.0]), Sample(2.0)])
op("L.is_floating_point", function("is_floating_point"), [Sample(X), Sample(T((2,), "int64")), Sample(T((), "bool"))])


def shape_dtype(r):
    """What an uninitialised result (empty, new_empty) can be compared by."""
    return r.shape, r.dtype, r.requires_grad


for n, samples in {"empty": [Sample(2, 3), Sample((0, 2), dtype=D("int64")), Sample(())],
                   "empty_like": [Sample(X), Sample(T((2, 3), "int64")), Sample(X, dtype=D("float64"))]}.items():
    op(f"L.{n}", lambda L, F, *a, _n=n, **k: shape_dtype(getattr(L, _n)(*a, **k)), samples)
NEWS = {"new_zeros": [Sample(X, (2,)), Sample(T((2, 3), "int64"), 3, 2), Sample(X, (), dtype=D("float64"))],
        "new_ones": [Sample(X, (2,)), Sample(T((2, 3), "bool"), (2, 2))],
        "new_full": [Sample(X, (2,), 1.5), Sample(T((2, 3), "int64"), (2,), 3), Sample(T((2, 3), "int64"), (2,), 2.5)],
        "new_tensor": [Sample(X, [1, 2]), Sample(T((2, 3), "int64"), [1.5, 2]), Sample(X, 3.0, dtype=D("int64"))]}
for n, samples in NEWS.items():
    op(f"Tensor.{n}", method(n), samples)
op("Tensor.new_empty", lambda L, F, x, *a, **k: shape_dtype(x.new_empty(*a, **k)),
   [Sample(X, (2,)), Sample(T((2, 3), "int64"), (3, 1))])
op("Tensor.fill_", inplace("fill_"), inplace_samples([Sample(X, 2.5), Sample(T((2, 3), "int64"), 2.7), Sample(Z, T(())),
                                                      Sample(XL[0], -1), Sample(E, 1.0), Sample(T((2, 3), "bool"), 2),
                                                      Sample(X, T((), "float64")), Sample(X, T((1,)))], 8),
                                                      inplace=True)
op("Tensor.zero_", inplace("zero_"), inplace_samples(unary(("int64", "bool"))), inplace=True)
op("Tensor.copy_", inplace("copy_"), inplace_samples([
    Sample(X, Y), Sample(X, T((3,))), Sample(X, T((2, 3), "float64")), Sample(T((2, 3), "int64"), Y), Sample(X, T(())),
    Sample(XL[0], XL[1]), Sample(X, T((1, 2, 3))), Sample(X, T((3, 2))),
    Sample(T((2, 3), "bool"), T((2, 3), "int64"))], 9),
   inplace=True)
op("Tensor.fill_diagonal_", inplace("fill_diagonal_"),
   [Sample(T((3, 3)), 2.0), Sample(X, 1.5), Sample(T((3, 2)), 0.0, wrap=True),
                                                        Sample(T((2, 2, 2)), 1.0), Sample(T((2, 3), "int64"), 7)],
                                                        inplace=True)
op("Tensor.take_along_dim", method("take_along_dim"), [Sample(X, IDX, 1), Sample(X, T((2,), "int64", values=[5, 0]))])
op("Tensor.stride", lambda L, F, x, *a: x.stride(*a),
   [Sample(x) for x in (X, Z, E, X3, *XL, T((2, 3, 2), "float64", "n", "p"))]
   + [Sample(X, 0), Sample(XL[0], -1)])
op("Tensor.dtype", lambda L, F, x: x.dtype,
   [Sample(X), Sample(T((2,), "int64")), Sample(T((2,), "bool")), Sample(T((2,), "uint8"))])
op("Tensor.itemsize", lambda L, F, x: (x.itemsize, x.element_size()),
   [Sample(X), Sample(T((2,), "int64")), Sample(T((2,), "bool"))])
op("Tensor.device", lambda L, F, x: (str(x.device), x.is_cuda), [Sample(X)])
FLAGS = ["is_ipu", "is_maia", "is_meta", "is_mkldnn", "is_mps", "is_mtia", "is_nested", "is_quantized", "is_sparse",
         "is_sparse_csr", "is_vulkan", "is_xla", "is_xpu", "is_complex", "is_signed", "is_inference"]


def flag(x, name):
    """A layout or kind flag: a property (x.is_sparse) or a method (x.is_signed())."""
    v = getattr(x, name)
    return v() if callable(v) else v


for n in FLAGS:
    op(f"Tensor.{n}", lambda L, F, x, _n=n: flag(x, _n), [Sample(X), Sample(T((2,), "int64")), Sample(T((2,), "uint8"))])
op("Tensor.is_shared", method("is_shared"), [Sample(X)])
op("Tensor.share_memory_", inplace("share_memory_"), [Sample(X)], inplace=True)


def _random(make, check):
    """A random op: the values differ between the libraries, so compare shape, dtype and an invariant."""
    def fn(L, F, *a, **k):
        r = make(L, *a, **k)
        return r.shape, r.dtype, bool(check(L, r, *a))
    return fn


RANDOM = {
    "L.rand": (lambda L, *a, **k: L.rand(*a, **k), lambda L, r, *a: ((r >= 0) & (r < 1)).all(),
               [Sample(2, 3), Sample((4,), dtype=D("float64")), Sample(())]),
    "L.randn": (lambda L, *a, **k: L.randn(*a, **k), lambda L, r, *a: r.isfinite().all(),
                [Sample(2, 3), Sample((0, 2))]),
    "L.randint": (lambda L, *a, **k: L.randint(*a, **k),
                  lambda L, r, *a: ((r >= (a[0] if len(a) > 2 else 0)) & (r < a[-2])).all(),
                  [Sample(0, 5, (2, 3)), Sample(5, (4,)), Sample(-2, 2, (3,), dtype=D("int32"))]),
    "L.randperm": (lambda L, n, **k: L.randperm(n, **k), lambda L, r, n: (r.sort().values == L.arange(n)).all(),
                   [Sample(5), Sample(0), Sample(3, dtype=D("float32"))]),
    "L.rand_like": (lambda L, x, **k: L.rand_like(x, **k), lambda L, r, x: ((r >= 0) & (r < 1)).all(),
                    [Sample(X), Sample(Z)]),
    "L.randint_like": (lambda L, x, *a, **k: L.randint_like(x, *a, **k),
                       lambda L, r, x, *a: ((r >= (a[0] if len(a) > 1 else 0)) & (r < a[-1])).all(),
                       [Sample(T((2, 3), "int64"), 5), Sample(X, 2, 7), Sample(Z, 3),
                        Sample(T((3, 2), "int64", "n", "T"), 4), Sample(X, 3, dtype=D("int32"))]),
    "L.randn_like": (lambda L, x, **k: L.randn_like(x, **k), lambda L, r, x: r.isfinite().all(),
                     [Sample(X), Sample(XL[0])]),
    "L.normal": (lambda L, *a, **k: L.normal(*a, **k), lambda L, r, *a: r.isfinite().all(),
                 [Sample(2.0, 0.5, size=(3,)), Sample(T((3,)), T((3,), "float32", "p"))]),
    "L.bernoulli": (lambda L, p, **k: L.bernoulli(p, **k), lambda L, r, p: ((r == 0) | (r == 1)).all(),
                    [Sample(T((2, 3), "float32", "u", grad=False)),
                     Sample(T((3,), "float64", values=[0.0, 1.0, 0.5], grad=False))]),
    "Tensor.bernoulli": (lambda L, p, *a: p.bernoulli(*a), lambda L, r, p, *a: ((r == 0) | (r == 1)).all(),
                         [Sample(T((2, 3), "float32", "u", grad=False)), Sample(T((3,), grad=False), 0.5)]),
    "L.multinomial": (lambda L, p, n, *a: L.multinomial(p, n, *a),
                      lambda L, r, p, n, *a: (r < p.shape[-1]).all() & (p.gather(-1, r) > 0).all(),
                      [Sample(T((4,), "float32", values=[0.1, 0, 0.5, 0.4], grad=False), 2),
                       Sample(T((2, 3), "float32", "u", grad=False), 5, True),
                       Sample(T((3,), "float32", "u", grad=False), 4)]),
    "Tensor.multinomial": (lambda L, p, n, *a: p.multinomial(n, *a), lambda L, r, p, n, *a: (r < p.shape[-1]).all(),
                           [Sample(T((2, 3), "float32", "u", grad=False), 2)]),
    "Tensor.uniform_": (lambda L, x, *a: x.uniform_(*a), lambda L, r, x,
                        *a: ((r >= (a[0] if a else 0)) & (r < (a[1] if a else 1))).all(),
                        [Sample(T((2, 3), grad=False)), Sample(T((3,), "float64", grad=False), -2.0, 3.0)]),
    "Tensor.normal_": (lambda L, x, *a: x.normal_(*a), lambda L, r, x, *a: r.isfinite().all(),
                       [Sample(T((2, 3), grad=False)), Sample(T((3,), "float64", grad=False), 2.0, 0.5)]),
    "Tensor.bernoulli_": (lambda L, x, *a: x.bernoulli_(*a), lambda L, r, x, *a: ((r == 0) | (r == 1)).all(),
                          [Sample(T((2, 3), grad=False), 0.5), Sample(T((3,), "float64", grad=False), 1.0)]),
    "Tensor.random_": (lambda L, x, *a: x.random_(*a),
                       lambda L, r, x, *a: ((r >= (a[0] if len(a) > 1 else 0)) & (r < (a[-1] if a else 2 ** 24 + 1))
                                            & (r == r.floor())).all(),
                       [Sample(T((2, 3), grad=False)), Sample(T((3,), "float64", grad=False), 5),
                        Sample(T((2, 2), "int64"), -3, 4), Sample(T((3,), "uint8"), 300),
                        Sample(T((2,), grad=False), 5, 2),
                        Sample(T((3,), "bool"), 2), Sample(T((2, 3), "float32", "n", "x", grad=False), 3)]),
    "Tensor.exponential_": (lambda L, x, *a: x.exponential_(*a), lambda L, r, x, *a: (r >= 0).all(),
                            [Sample(T((2, 3), grad=False)), Sample(T((3,), "float64", grad=False), 2.0),
                             Sample(T((3,), "int64"), 1.0), Sample(T((3,), grad=False), -1.0)]),
}
for n, (make, check, samples) in RANDOM.items():
    op(n, _random(make, check), samples, random=True)
MHA_Q = T((3, 2, 4))
op("F.multi_head_attention_forward", lambda L, F, q, k, v, w, b, ow, ob, **kw: F.multi_head_attention_forward(
    q, k, v, 4, 2, w, b, None, None, False, 0.0, ow, ob, **kw),
   [Sample(MHA_Q, T((5, 2, 4)), T((5, 2, 4)), T((12, 4)), T((12,)), T((4, 4)), T((4,))),
    Sample(MHA_Q, MHA_Q, MHA_Q, T((12, 4)), T((12,)), T((4, 4)), T((4,)), need_weights=False),
    Sample(MHA_Q, MHA_Q, MHA_Q, T((12, 4)), T((12,)), T((4, 4)), T((4,)),
           attn_mask=T((3, 3), "bool", values=np.triu(np.ones((3, 3), bool), 1)), average_attn_weights=False)], tol=10)

# ---- PyTorch's second names, shapes changed in place, type promotion, small compositions ----
FLIPS_LR = [Sample(X), Sample(T((3,))), Sample(XL[0]), Sample(Z), Sample(E), Sample(T((2, 3), "int64")), Sample(X3)]
for n in ("fliplr", "flipud"):
    op(f"Tensor.{n}", method(n), FLIPS_LR)
op("Tensor.rot90", method("rot90"), [Sample(X), Sample(X, 2), Sample(X3, -1, (1, 2)), Sample(XL[0], 3), Sample(X, 0),
                                     Sample(X, 1, (1, 0)), Sample(T((3,))), Sample(X, 1, (0, 0)), Sample(E, 1),
                                     Sample(T((2, 3), "bool"), -3), Sample(X, 1, (0, 1, 2))])
op("Tensor.msort", method("msort"), unary())
op("Tensor.t_", inplace("t_"), inplace_samples(
    [Sample(X), Sample(T((3,))), Sample(Z), Sample(X3), Sample(XL[1]), Sample(E), Sample(XL[0])], 7), inplace=True)
op("Tensor.transpose_", inplace("transpose_"), inplace_samples(TRANSPOSES, 11), inplace=True)
op("Tensor.squeeze_", inplace("squeeze_"), inplace_samples(SQUEEZES, 13), inplace=True)
op("Tensor.unsqueeze_", inplace("unsqueeze_"), inplace_samples(UNSQUEEZES, 11), inplace=True)
op("Tensor.mH", lambda L, F, x: x.mH, [Sample(X), Sample(X3), Sample(T((3,))), Sample(XL[0]), Sample(E)])
op("Tensor.H", lambda L, F, x: x.H, [Sample(X), Sample(X3), Sample(T((3,))), Sample(XL[0]), Sample(E)])
for n in ("short", "char"):
    op(f"Tensor.{n}", method(n), unary(("int64", "bool"), special=False))
MEMORY = [Sample(X), Sample(Z), Sample(E), Sample(T((2, 3), "int64")), Sample(T((3,), "bool")), *map(Sample, XL)]
op("Tensor.nbytes", lambda L, F, x: x.nbytes, MEMORY)
op("Tensor.storage_offset", method("storage_offset"), MEMORY)
op("Tensor.storage_offset(x[1:, 2:])", lambda L, F, x: x[1:, 2:].storage_offset(), [Sample(T((3, 4))), Sample(XL[0])])
ADDCS = [Sample(X, Y, T((2, 3), "float32", "p")), Sample(X, T((3,)), T((2, 1), "float32", "p"), value=0.5),
         Sample(T((2, 3), "int64"), T((2, 3), "int64"), T((2, 3), "int64", "p"), value=2),
         Sample(Z, Z, T((), "float32", "p")), Sample(XL[0], XL[1], T((2, 3), "float32", "p", "x")),
         Sample(X, T((2, 3), "float64"), T((2, 3), "float32", "p")),
         Sample(T((2, 3), "int64"), T((2, 3), "int64"), T((2, 3), "int64", "p"), value=1.5),
         Sample(T((2, 3), "bool"), T((2, 3), "bool"), T((2, 3), "bool")), Sample(E, T((3,)), T((0, 3), "float32", "p")),
         Sample(T((3,)), X, T((2, 3), "float32", "p")), Sample(X, T((2, 2)), Y)]
for n in ("addcmul", "addcdiv"):
    op(f"Tensor.{n}", method(n), ADDCS)
    op(f"Tensor.{n}_", inplace(n + "_"), inplace_samples(ADDCS, 11), inplace=True)
ADDMMS = [Sample(T((2, 4)), X, T((3, 4))), Sample(T((4,)), X, T((3, 4)), beta=0.5, alpha=2),
          Sample(Z, X, T((3, 4)), beta=0), Sample(T((2, 4), "float32", "s"), X, T((3, 4)), beta=0),
          Sample(T((2, 2), "int64"), T((2, 3), "int64"), T((3, 2), "int64")), Sample(X, X, T((3, 4))),
          Sample(T((2, 4), "float64"), X, T((3, 4))), Sample(T((2, 0)), X, T((3, 0))),
          Sample(T((2, 2), "float32", "n", "T"), XL[0], T((3, 2), "float32", "n", "s"), alpha=0.5)]
op("Tensor.addmm", method("addmm"), ADDMMS)
op("Tensor.addmm_", inplace("addmm_"), inplace_samples(ADDMMS, 9), inplace=True)
BADDBMMS = [Sample(T((2, 2, 4)), T((2, 2, 3)), T((2, 3, 4))), Sample(T((4,)), T((2, 2, 3)), T((2, 3, 4)), beta=2),
            Sample(T((2, 2, 4), "float32", "s"), T((2, 2, 3)), T((2, 3, 4)), beta=0, alpha=3),
            Sample(T((1, 2, 2), "int64"), T((1, 2, 3), "int64"), T((1, 3, 2), "int64")),
            Sample(T((2, 2, 4)), T((2, 2, 3)), T((2, 4, 4))), Sample(T((0, 2, 4)), T((0, 2, 3)), T((0, 3, 4)))]
op("Tensor.baddbmm", method("baddbmm"), BADDBMMS)
op("Tensor.baddbmm_", inplace("baddbmm_"), inplace_samples(BADDBMMS, 6), inplace=True)
op("Tensor.mv", method("mv"), [Sample(X, T((3,))), Sample(X, T((2,))), Sample(XL[0], T((3,), "float32", "n", "s")),
                               Sample(T((2, 3), "int64"), T((3,), "int64")), Sample(T((0, 3)), T((3,))),
                               Sample(X, T((3,), "float64")), Sample(T((3,)), T((3,))), Sample(T((2, 0)), T((0,)))])
CROSSES = [Sample(T((2, 3)), T((2, 3)), dim=1), Sample(T((3,)), T((3,)), dim=0),
           Sample(T((3, 2), "float64", "n", "T"), T((3, 1), "float64"), dim=0),
           Sample(T((2, 3), "int64"), T((2, 3), "int64"), dim=-1), Sample(X, T((2, 2)), dim=1), Sample(X, Y, dim=0),
           Sample(T((0, 3)), T((0, 3)), dim=1), Sample(T((3, 3)), T((3, 3)))]
op("Tensor.cross", method("cross"), CROSSES)
DISTS = [Sample(X, Y), Sample(X, T((3,)), 1), Sample(X, Y, 0), Sample(X, Y, INF), Sample(Z, Z), Sample(E, T((3,))),
         Sample(T((2, 3), "int64"), T((2, 3), "int64")), Sample(X, T((2, 3), "float64"), 3), Sample(XL[0], XL[1], 1.5),
         Sample(T((2, 4), "float32", "s"), T((2, 4), "float32"))]
op("Tensor.dist", method("dist"), DISTS)
DIFFS = [Sample(X), Sample(X, 2, 0), Sample(X, 1, -1, T((2, 1))), Sample(X, append=T((2, 2))),
         Sample(T((2, 3), "bool")), Sample(T((2, 3), "int64"), 3), Sample(Z), Sample(E, 1, 0), Sample(XL[0], 1, 0),
         Sample(X, 0), Sample(X, -1), Sample(T((3,)), prepend=T(()), append=T((2,), "float64")), Sample(X, 5),
         Sample(T((2, 4), "float32", "s"))]
op("Tensor.diff", method("diff"), DIFFS)
op("L.diff", function("diff"), DIFFS[:3])
QUANTILES = [Sample(X, 0.5), Sample(X, 0.25, 1), Sample(X, T((2,), values=[0.1, 0.9], grad=False), 0, True),
             Sample(T((2, 4), "float32", "s"), 0.5, 1), Sample(Z, 0.3), Sample(E, 0.5), Sample(T((2, 3), "int64"), 0.5),
             Sample(X, 1.5), Sample(XL[0], 0.7, 0), Sample(X3, 0.4, -1, True),
             Sample(T((5,), "float64"), 0.5, keepdim=True), Sample(X, 0.5, keepdim=True),
             Sample(X3, T((3,), values=[0.0, 0.5, 1.0], grad=False), 1, True),
             Sample(X3, T((2,), values=[0.3, 0.6], grad=False), keepdim=True),
             Sample(X, T((2,), "float64", values=[0.1, 0.2], grad=False)), Sample(E, 0.5, 1),
             Sample(T((3,), "float64", values=[0.0, 1.0, 1.0]), T((), "float64", values=0.5, grad=False))]
QUANTILES += [Sample(T((3, 4), "float64", "t"), 0.4, 1, interpolation=m)
              for m in ("lower", "higher", "midpoint", "nearest", "cubic")]
op("Tensor.quantile", method("quantile"), QUANTILES)
op("L.quantile", function("quantile"), QUANTILES[:3])
CONSECUTIVES = [Sample(T((5,), "int64", values=[1, 1, 2, 2, 1])),
                Sample(T((3, 4), "float64", "t"), return_inverse=True, return_counts=True),
                Sample(T((3, 2), "int64", "t"), dim=0), Sample(T((0,), "float32")), Sample(T((), "int64")),
                Sample(T((2, 3), "bool"), dim=1, return_counts=True),
                Sample(T((3, 2), "int64", values=[[1, 1], [1, 1], [2, 3]]), return_inverse=True, dim=0)]
op("Tensor.unique_consecutive", method("unique_consecutive"), CONSECUTIVES)
op("L.unique_consecutive", function("unique_consecutive"), CONSECUTIVES[:3])
op("L.unique", function("unique"), [Sample(T((3, 4), "float64", "t")), Sample(T((3, 2), "int64", "t"), dim=0),
                                    Sample(T((3, 4), "float32", "t"), return_inverse=True, return_counts=True),
                                    Sample(T((5,), values=[INF * 0, 1.0, INF * 0, 2.0, 1.0], grad=False),
                                           return_inverse=True, return_counts=True),  # each NaN is distinct
                                    Sample(T((2, 0), "int64"), dim=0), Sample(T((2, 0), "int64"), dim=1)])
for n in ("negative_", "fix_", "trunc_", "nan_to_num_", "deg2rad_", "rad2deg_"):
    op(f"L.{n}", lambda L, F, x, _n=n: (getattr(L, _n)(x) is x, x), inplace_samples(unary(("int64",))), inplace=True)
op("L.xlogy_", lambda L, F, x, y: (L.xlogy_(x, y) is x, x), inplace_samples(binary(("int64",))), inplace=True)
DTYPE_PAIRS = [(D("int64"), D("float32")), (D("uint8"), D("int8")), (D("bool"), D("uint8")),
               (D("float32"), D("float64")), (D("int32"), D("int64")), (D("float64"), D("int16")),
               (D("bool"), D("bool"))]
op("L.promote_types", function("promote_types"), [Sample(*p) for p in DTYPE_PAIRS])
op("L.can_cast", function("can_cast"), [Sample(*p) for p in DTYPE_PAIRS] + [Sample(*p[::-1]) for p in DTYPE_PAIRS[:-1]])
op("L.result_type", function("result_type"),
   [Sample(X, 2.5), Sample(T((2, 3), "int64"), 2.5), Sample(T((2, 3), "int64"), T((), "float64")), Sample(2, 3.0),
    Sample(T((2,), "uint8"), -1), Sample(True, T((2,), "bool")), Sample(T((2,), "int32"), T((2,), "int64")),
    Sample(T((), "float64"), X), Sample(T((2,), "bool"), True)])
op("L.as_tensor", function("as_tensor"), [Sample(X), Sample(X, dtype=D("float64")), Sample([1, 2]),
                                          Sample([1.5, 2.0], dtype=D("float64")), Sample(T((2, 3), "int64")),
                                          Sample(XL[0]), Sample(True), Sample([[1, 2], [3]])])
op("L.logspace", function("logspace"), [Sample(0, 2, 5), Sample(-1, 1, 3, base=2), Sample(0, 1, 0),
                                        Sample(0, 2, 3, dtype=D("float64")), Sample(1, 3, 1), Sample(-2, 2, 4, 3.0),
                                        Sample(0, 3, 4, dtype=D("int64")), Sample(0, 1, -1)])

# names that are not ops (or not torch's): the coverage test below skips them, each with its reason
NOT_OPS = {
    "autograd API, tests/test_autograd_api.py":
        "backward register_hook register_post_accumulate_grad_hook retain_grad requires_grad_ detach_ grad grad_fn "
        "is_leaf data requires_grad Function enable_grad no_grad inference_mode set_grad_enabled is_grad_enabled "
        "gradcheck",
    "devices, tests/test_tensor.py and the cuda cases": "cpu cuda is_cuda is_cpu cuda_available device",
    "types and constructors, tests/test_tensor_api.py":
        "Tensor Size BoolTensor ByteTensor CharTensor DoubleTensor FloatTensor HalfTensor IntTensor LongTensor "
        "ShortTensor",
    "numpy interop and state, tests/test_tensor_data.py": "numpy manual_seed get_num_threads set_num_threads",
    "random sources, tests/test_autograd_api.py": "Generator",
    "serialisation, tests/test_save_load.py": "load save load_weights save_weights",
    "not a torch name": "astype",
}

# ------------------------------------------------------------------------------------------------
# running one case in one library

TOL = {"float32": (1e-5, 1e-6), "float64": (1e-9, 1e-11)}  # (rtol, atol x scale), float16 never made


class Run:
    """One case run in one library: the inputs after the call, its result or exception, the bases."""

    def __init__(self, lib, entry, sample, device):
        self.torch = lib == "torch"
        L, F = (torch, TF) if self.torch else (minigrad, MF)
        self.made = []  # (base, input as the op sees it) for every tensor input

        def make(spec):
            k = len(self.made)
            arr = spec.array(k)
            if self.torch:
                base = torch.tensor(arr, dtype=getattr(torch, spec.dtype), requires_grad=spec.grad)
            else:
                base = minigrad.tensor(arr, dtype=getattr(minigrad, spec.dtype), device=device,
                                       requires_grad=spec.grad)
            x = base.clone() if entry.inplace and k == 0 and spec.grad else base  # not a leaf: may be written
            x = spec.view(x)
            self.made.append((base, x))
            return base, x

        (args, kwargs), self.bases = build((sample.args, sample.kwargs), make, lambda name: getattr(L, name))
        self.error = self.out = None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.out = entry.fn(L, F, *args, **kwargs)
        except Exception as e:  # noqa: BLE001 - compared with the other library's outcome
            self.error = e

    def tensors(self):
        """The tensors of the result, in order (tuples and lists flattened)."""
        return _tensors(self.out)


def _tensors(r):
    if isinstance(r, (torch.Tensor, minigrad.Tensor)):
        return [r]
    if isinstance(r, (tuple, list)):
        return [t for x in r for t in _tensors(x)]
    return []


def values(t):
    """A numpy copy of a tensor of either library, read without autograd."""
    if isinstance(t, minigrad.Tensor):
        return np.array(host(t.array), copy=True)
    return t.detach().numpy(force=True).copy()  # force: a ZeroTensor gradient (copysign's other) too


def dtype_name(dt):
    return str(dt).split(".")[-1]


def scale_of(run):
    """The largest finite magnitude among the inputs: absolute tolerances grow with it (sums of 1e30)."""
    m = 1.0
    for base, _ in run.made:
        a = values(base)
        if a.dtype.kind == "f" and a.size and np.isfinite(a).any():
            m = max(m, float(np.abs(a[np.isfinite(a)]).max()))
    return m


def compare(t, m, where, diffs, tol):
    """Append a line to diffs for each way the minigrad value m differs from the torch value t."""
    if isinstance(t, torch.Tensor):
        if not isinstance(m, minigrad.Tensor):
            return diffs.append(f"{where}: torch gives a Tensor, minigrad a {type(m).__name__}")
        if tuple(t.shape) != tuple(m.shape):
            return diffs.append(f"{where}: shape {tuple(t.shape)} in torch, {tuple(m.shape)} in minigrad")
        if dtype_name(t.dtype) != dtype_name(m.dtype):
            diffs.append(f"{where}: dtype {dtype_name(t.dtype)} in torch, {dtype_name(m.dtype)} in minigrad")
        if t.dtype.is_floating_point and t.requires_grad != bool(m.requires_grad):
            diffs.append(f"{where}: requires_grad {t.requires_grad} in torch, {m.requires_grad} in minigrad")
        bad = value_diff(values(t), values(m), tol)
        return bad and diffs.append(f"{where}: {bad}")
    if isinstance(t, torch.Size):
        if not isinstance(m, tuple) or tuple(t) != tuple(m):
            diffs.append(f"{where}: torch gives {tuple(t)}, minigrad {m!r}")
        return None
    if isinstance(t, (tuple, list)):
        tk, mk = _kind(t), _kind(m)
        if tk != mk:
            return diffs.append(f"{where}: torch gives a {tk}, minigrad a {mk}")
        if len(t) != len(m):
            return diffs.append(f"{where}: {len(t)} items in torch, {len(m)} in minigrad")
        for field in ("values", "indices", "min", "max"):  # named tuples: the names reach the same items
            if tk.startswith("named") and hasattr(t, field):
                i = next(i for i, v in enumerate(t) if v is getattr(t, field))
                if getattr(m, field, None) is not m[i]:
                    diffs.append(f"{where}.{field}: is not item {i} in minigrad")
        for i, (a, b) in enumerate(zip(t, m)):
            compare(a, b, f"{where}[{i}]", diffs, tol)
        return None
    if isinstance(t, torch.dtype):
        return dtype_name(t) != dtype_name(m) and diffs.append(f"{where}: dtype {t} in torch, {m} in minigrad")
    if isinstance(t, str) and isinstance(m, str):  # x.type(): 'torch.FloatTensor' is 'minigrad.FloatTensor'
        t = t.replace("torch.", "minigrad.")
    if type(t) is not type(m):
        return diffs.append(f"{where}: torch gives {type(t).__name__} {t!r}, minigrad {type(m).__name__} {m!r}")
    same = t == m or (isinstance(t, float) and math.isnan(t) and math.isnan(m)) or \
        (isinstance(t, float) and abs(t - m) <= 1e-6 * (1 + abs(t)))
    return None if same else diffs.append(f"{where}: torch gives {t!r}, minigrad {m!r}")


def _kind(r):
    if type(r) in (tuple, list):
        return type(r).__name__
    return f"named tuple {type(r).__name__}" if isinstance(r, tuple) else type(r).__name__


def value_diff(a, b, tol):
    """None when the arrays agree (NaN where NaN, infinities exactly, finite values within tol)."""
    if a.size == 0:
        return None
    if a.dtype.kind not in "f" and b.dtype.kind not in "f":
        if np.array_equal(a, b):
            return None
        i = np.flatnonzero(a != b)[0]
        return f"values differ at {_at(i, a.shape)}: torch {a.flat[i].item()!r}, minigrad {b.flat[i].item()!r}"
    a, b = a.astype(np.float64), b.astype(np.float64)
    rtol, atol = tol
    with np.errstate(invalid="ignore"):
        ok = (a == b) | (np.isnan(a) & np.isnan(b)) | \
            (np.isfinite(a) & np.isfinite(b) & (np.abs(a - b) <= atol + rtol * np.abs(a)))
    if ok.all():
        return None
    i = np.flatnonzero(~ok)[0]
    return f"values differ at {_at(i, a.shape)}: torch {a.flat[i].item()!r}, minigrad {b.flat[i].item()!r}" + \
        (f" ({int((~ok).sum())} of {a.size})" if a.size > 1 else "")


def _at(i, shape):
    return tuple(int(k) for k in np.unravel_index(i, shape))


def tolerance(entry, t_run):
    """float32's tolerance when any input or output is float32, else float64's; scaled by the inputs."""
    kinds = {dtype_name(b.dtype) for b, _ in t_run.made} | {dtype_name(o.dtype) for o in t_run.tensors()}
    rtol, atol = TOL["float32"] if "float32" in kinds or not kinds & set(FLOATS) else TOL["float64"]
    return rtol * entry.tol, atol * entry.tol * scale_of(t_run)


def shares_memory(lib_is_torch, out, base):
    if out.numel() == 0 or base.numel() == 0:
        return False
    if lib_is_torch:
        return out.untyped_storage().data_ptr() == base.untyped_storage().data_ptr()
    xp = sys.modules["cupy"] if type(out.array).__module__.startswith("cupy") else np
    return bool(xp.may_share_memory(out.array, base.array))


def check_case(entry, sample, device):
    """The differences between torch and minigrad on one sample of one entry (a list of lines)."""
    t = Run("torch", entry, sample, "cpu")
    m = Run("minigrad", entry, sample, device)
    if t.error is not None:
        return [] if m.error is not None else \
            [f"torch raises {type(t.error).__name__}: {str(t.error)[:120]}; minigrad returns a result"]
    if m.error is not None:
        return [f"minigrad raises {type(m.error).__name__}: {str(m.error)[:160]}"]
    diffs, tol = [], tolerance(entry, t)
    compare(t.out, m.out, "result", diffs, tol)
    if entry.random:
        return diffs
    for k, ((tb, tx), (mb, mx)) in enumerate(zip(t.made, m.made)):  # in-place writes, running statistics
        compare(tx.detach(), mx.detach(), f"input {k} afterwards", diffs, tol)
    if not diffs:
        diffs += compare_views(t, m)
    if not diffs:
        diffs += compare_gradients(t, m, tol, sample.id)
    return diffs


def compare_views(t, m):
    """Each output shares memory with the same inputs in both libraries (views are views)."""
    out = []
    for i, (to, mo) in enumerate(zip(t.tensors(), m.tensors())):
        for k, ((tb, _), (mb, _)) in enumerate(zip(t.made, m.made)):
            ts, ms = shares_memory(True, to, tb), shares_memory(False, mo, mb)
            if ts != ms:
                out.append(f"result tensor {i} {'is' if ts else 'is not'} a view of input {k} in torch, "
                           f"{'is' if ms else 'is not'} in minigrad")
    return out


def compare_gradients(t, m, tol, seed):
    """A random upstream gradient for each float output torch says requires grad, the same to minigrad's
    output at that position; then every input's .grad (None where torch's is None)."""
    touts, mouts = t.tensors(), m.tensors()
    picked = [i for i, o in enumerate(touts) if o.requires_grad]
    if not picked or not any(b.requires_grad for b in t.bases):
        return []
    if any(not mouts[i].requires_grad for i in picked):
        return ["minigrad's output does not require grad where torch's does"]
    r = np.random.default_rng(zlib.crc32(seed.encode()))
    grads = [r.standard_normal(tuple(touts[i].shape)).astype(dtype_name(touts[i].dtype)) for i in picked]
    t_error = backward(torch, [touts[i] for i in picked], grads, device="cpu")
    if t_error is not None and not any(why in str(t_error) for why in ("inplace operation", "second time")):
        return []  # torch's own backward fails (bool maths, unimplemented formulas): nothing to compare with
    m_error = backward(minigrad, [mouts[i] for i in picked], grads, device=mouts[picked[0]].device)
    if (t_error is None) != (m_error is None):
        who, e = ("torch", t_error) if t_error is not None else ("minigrad", m_error)
        return [f"backward: {who} raises {type(e).__name__}: {str(e)[:120]}"]
    diffs = []
    for k, (tb, mb) in enumerate(zip(t.bases, m.bases)):
        if t_error is not None or not tb.requires_grad:
            continue
        if (tb.grad is None) != (mb.grad is None):
            diffs.append(f"grad of input {k}: {'None' if tb.grad is None else 'a tensor'} in torch, "
                         f"{'None' if mb.grad is None else 'a tensor'} in minigrad")
        elif tb.grad is not None:
            compare(tb.grad, mb.grad, f"grad of input {k}", diffs, (tol[0] * 10, tol[1] * 10))
    return diffs


def backward(L, outs, grads, device):
    """outs[k].backward(grads[k]) in library L, as one backward; the exception it raises, or None."""
    gs = [L.tensor(g, dtype=o.dtype, device=device) for o, g in zip(outs, grads)]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if len(outs) == 1:
                outs[0].backward(gs[0])
            else:  # several outputs: the sum of <output, its upstream gradient>
                sum((o * g).sum() for o, g in zip(outs, gs)).backward()
    except Exception as e:  # noqa: BLE001 - compared with the other library's
        return e
    return None


# ------------------------------------------------------------------------------------------------
# the tests

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed: `pip install torch==2.13.0` "
                                                       "to compare minigrad with PyTorch")


def _cases():
    known = {i: reason for reason, ids in KNOWN_DIFFERENCES.items() for i in ids}
    torch_bugs = {i: reason for reason, ids in TORCH_BUGS.items() for i in ids}
    seen = set()
    for entry in TABLE:
        for s in entry.samples:
            cid = f"{entry.name}|{s.id}"
            assert cid not in seen, f"two samples of {entry.name} have the id {s.id}"
            seen.add(cid)
            marks = [pytest.mark.xfail(strict=True, reason=known[cid])] if cid in known else \
                [pytest.mark.skip(reason=torch_bugs[cid])] if cid in torch_bugs else []
            yield pytest.param(entry, s, id=cid, marks=marks)


CASES = list(_cases())


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    """One torch thread: the machine is shared, and the cases are tiny."""
    if torch is None:
        yield
        return
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@needs_torch
@pytest.mark.parametrize("entry,sample", CASES)
def test_op_matches_torch(entry, sample, device):
    diffs = check_case(entry, sample, device)
    if diffs:  # the differences say it all: no traceback (rendering one costs ~0.1 s on this long file)
        pytest.fail(f"{entry.name} on {sample.id}:\n  " + "\n  ".join(diffs), pytrace=False)


def test_known_differences_name_real_cases():
    ids = {c.id for c in CASES}
    stale = [i for d in (KNOWN_DIFFERENCES, TORCH_BUGS) for ids_ in d.values() for i in ids_ if i not in ids]
    assert not stale, f"KNOWN_DIFFERENCES names cases that no longer exist: {stale}"


def test_every_op_has_an_entry():
    """Every public op of minigrad (minigrad.*, Tensor.*, F.*) is in the table, or in NOT_OPS with its
    reason: an op added to minigrad needs its entry here, with its own argument samples."""
    covered = {}
    for e in TABLE:
        family, _, attr = e.name.partition(".")
        covered.setdefault(family, set()).add(attr.split("(")[0])
    not_ops = {n for names in NOT_OPS.values() for n in names.split()}
    missing = [f"{family}.{n}" for family, owner in (("L", minigrad), ("Tensor", minigrad.Tensor), ("F", MF))
               for n in dir(owner) if not n.startswith("_") and n not in not_ops and n not in covered.get(family, ())
               and (family == "Tensor" or callable(getattr(owner, n)))]
    missing += [f"L.{n}" for n in minigrad.tensor_functions.NAMES if n not in covered["L"]]
    assert not missing, f"ops without an entry in TABLE (add one, with samples): {sorted(set(missing))}"


@needs_torch
def test_every_entry_has_a_sample_torch_accepts():
    """An entry whose every sample torch refuses tests nothing but errors: a typo in the table."""
    vacuous = [e.name for e in TABLE
               if not any(Run("torch", e, s, "cpu").error is None for s in e.samples)]
    assert not vacuous, f"torch refuses every sample of {vacuous}"


if __name__ == "__main__":  # print the failing cases in KNOWN_DIFFERENCES' format (--exceptions: both raise)
    import collections
    torch.set_num_threads(1)
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    pattern = args[0] if args else ""
    groups = collections.defaultdict(list)
    for c in CASES:
        entry, sample = c.values
        if pattern not in c.id or any(m.name == "skip" for m in c.marks):
            continue
        if "--exceptions" in sys.argv:
            t, m = Run("torch", entry, sample, "cpu"), Run("minigrad", entry, sample, "cpu")
            if t.error is not None and m.error is not None:
                builtin = next(k for k in type(t.error).__mro__ if k.__module__ == "builtins")
                if not isinstance(m.error, builtin):
                    groups[f"torch {type(t.error).__name__}, minigrad {type(m.error).__name__}"].append(c.id)
            continue
        diffs = check_case(entry, sample, "cpu")
        if diffs:
            groups[diffs[0][:100]].append(c.id)
        elif any(m.name == "xfail" for m in c.marks):
            groups["FIXED: remove from KNOWN_DIFFERENCES"].append(c.id)
    for first, ids in sorted(groups.items(), key=lambda kv: kv[1][0]):
        print(f"    # {first}")
        for i in ids:
            print(f"    {i!r},")
