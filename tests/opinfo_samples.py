"""Sample inputs for the OpInfo-style table of tests/test_opinfo.py: deterministic descriptions of
tensor inputs (shape, dtype, values, layout) that are built identically in torch and in minigrad,
and the standard families of samples (unary, binary, reduction, scan...) each entry draws from.

A `T` describes one tensor input: its shape as the op sees it, its dtype, a value profile and a
layout. The layout is a view op applied after construction, the same in both libraries: `T`
transposes the last two dims of a base made with them swapped, `s` takes every second element of the
last dim of a base twice as long, `x` expands a base with size-1 dims, `p` permutes a 3-D base.
Values come from a random source seeded by the description itself, so a sample's values never depend
on which other samples exist. dtype= is always passed to minigrad.tensor: minigrad makes float64
data float32 by default (a deliberate difference), torch keeps it.

Value profiles (named in sample ids as PROFILES says): `n` normal (two decimals, so few ties), `t`
ties (integers -2..2, zeros included), `s` special (NaN, inf, -inf, -0.0 among normal values), `l`
large (normal values times 1e30: overflow), `p` positive, `u` in (0, 1); integers: `n` in -5..5,
`p` in 1..5; uint8: 0..10 (`p` 1..10); bool: random. A sample id reads like `f32[2x3]T`: float32, shape
(2, 3), transposed; `f64[]` a float64 0-d; `i64[2]=1_0` an int64 (2,) with the values 1, 0; a float
input outside the graph ends in `ng`.
"""
import zlib

import numpy as np

SHORT = {"float32": "f32", "float64": "f64", "int64": "i64", "int32": "i32", "uint8": "u8", "bool": "b"}
FLOATS = ("float32", "float64")
SPECIAL = (np.nan, np.inf, -np.inf, -0.0)
PROFILES = {"n": "", "t": "tie", "s": "nan", "p": "pos", "u": "unit", "l": "big"}  # as they read in sample ids


class D:
    """A dtype argument (dtype=L.float64), resolved in each library."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return SHORT.get(self.name, self.name)


class T:
    """One tensor input of a sample: `shape` as the op sees it, `dtype` (a name), the value `profile`,
    the `layout`, whether it requires grad (default: float dtypes do), or fixed `values` (contiguous)."""

    def __init__(self, shape, dtype="float32", profile="n", layout="c", grad=None, values=None):
        self.shape, self.dtype, self.profile, self.layout = tuple(shape), dtype, profile, layout
        self.grad = dtype in FLOATS if grad is None else grad
        self.values = None if values is None else np.asarray(values)
        if self.values is not None:
            self.layout = "c"

    def __repr__(self):
        dims = "[" + "x".join(map(str, self.shape)) + "]"
        tail = "" if self.layout == "c" else self.layout
        prof = "" if self.values is not None else PROFILES[self.profile]
        ng = "ng" if self.dtype in FLOATS and not self.grad else ""  # a float input outside the graph
        return f"{SHORT[self.dtype]}{dims}{tail}{prof}{_values_id(self.values)}{ng}"

    # -- the base array and the view that turns it into `shape`
    def base_shape(self):
        s, n = list(self.shape), len(self.shape)
        if self.layout == "T" and n >= 2:
            s[-1], s[-2] = s[-2], s[-1]
        elif self.layout == "s" and n >= 1:
            s[-1] = 2 * s[-1] + 1
        elif self.layout == "x" and n >= 1:
            s = [1 if i == _first_big(self.shape) or k == 1 else k for i, k in enumerate(s)]
        elif self.layout == "p" and n == 3:
            s = [s[1], s[2], s[0]]  # base.permute(2, 0, 1) has shape (s0, s1, s2)
        return tuple(s)

    def view(self, t):
        n = len(self.shape)
        if self.layout == "T" and n >= 2:
            return t.transpose(-2, -1)
        if self.layout == "s" and n >= 1:
            return t[(slice(None),) * (n - 1) + (slice(1, None, 2),)]
        if self.layout == "x" and n >= 1:
            return t.expand(*self.shape)
        if self.layout == "p" and n == 3:
            return t.permute(2, 0, 1)
        return t

    def array(self, salt):
        """The base values, the same for every run: seeded by this description and `salt`."""
        if self.values is not None:
            return np.array(self.values, dtype=self.dtype)
        shape = self.base_shape()
        r = np.random.default_rng(zlib.crc32(f"{self!r}|{salt}".encode()))
        n = int(np.prod(shape)) if shape else 1
        return _values(r, n, self.dtype, self.profile).reshape(shape)


def _values_id(values):
    """Given values in a sample's id: the values themselves when few, else a checksum."""
    if values is None:
        return ""
    flat = values.reshape(-1)
    if flat.size <= 6:
        return "=" + "_".join(("1" if v else "0") if flat.dtype == bool else f"{v:g}" for v in flat.tolist())
    return f"={zlib.crc32(np.ascontiguousarray(values).tobytes()):08x}"


def _first_big(shape):
    return next((i for i, k in enumerate(shape) if k != 1), 0)


def _values(r, n, dtype, profile):
    if dtype == "bool":
        return r.random(n) < 0.5
    if dtype in FLOATS:
        if profile == "t":
            v = r.integers(-2, 3, n).astype(float)
        elif profile == "p":
            v = np.round(np.abs(r.standard_normal(n)) * 2, 2) + 0.1
        elif profile == "u":
            v = np.round(r.uniform(0.05, 0.95, n), 2)
        else:
            v = np.round(r.standard_normal(n) * 2, 2)
            v[np.abs(v) < 0.05] += 0.3  # keep plain values off the kinks at 0
            if profile == "l":
                v = v * 1e30
            if profile == "s":
                v[: len(SPECIAL)] = SPECIAL[:n]
                r.shuffle(v)
        return v.astype(dtype)
    if dtype == "uint8":
        return r.integers(1 if profile == "p" else 0, 11, n).astype(dtype)
    lo = 1 if profile == "p" else -1 if profile == "t" else -5
    hi = 2 if profile == "t" else 6
    return r.integers(lo, hi, n).astype(dtype)


class Sample:
    """The positional and keyword arguments of one call. Tensors are `T`s, dtypes `D`s; lists and
    tuples of them are built element by element; anything else is passed as it is."""

    def __init__(self, *args, name=None, **kwargs):
        self.args, self.kwargs = args, kwargs
        self.id = name or _sample_id(args, kwargs)


def _sample_id(args, kwargs):
    parts = [_short(a) for a in args] + [f"{k}={_short(v)}" for k, v in kwargs.items()]
    return ",".join(parts).replace(" ", "")


def _short(v):
    if isinstance(v, list):
        return "[" + ",".join(_short(x) for x in v) + "]"
    if isinstance(v, tuple) and not isinstance(v, T):
        return "(" + ",".join(_short(x) for x in v) + ("," if len(v) == 1 else "") + ")"
    return repr(v)


def build(obj, make, dtype_of):
    """Replace every T in `obj` by make(T), every D by dtype_of(name); returns (built, [bases])."""
    bases = []

    def walk(v):
        if isinstance(v, T):
            base, x = make(v)
            bases.append(base)
            return x
        if isinstance(v, D):
            return dtype_of(v.name)
        if isinstance(v, list):
            return [walk(x) for x in v]
        if isinstance(v, tuple):
            return tuple(walk(x) for x in v)
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        return v
    return walk(obj), bases


# ------------------------------------------------------------------------------------------------
# the standard families of samples

def unary(dtypes=("int64", "bool"), profile="n", special=True, short=False):
    """Every kind of single input: plain, 0-d, empty, size-1 dims, each layout, ties, NaN/inf, 1e30,
    then the other `dtypes`. `profile` is the plain samples' values (`p` for log, `u` for asin...)."""
    f = [T((2, 3), "float32", profile), T((), "float32", profile), T((0, 3), "float32", profile),
         T((1, 3, 1), "float64", profile), T((2, 3), "float32", profile, "T"), T((3, 2), "float64", profile, "s"),
         T((2, 3), "float32", profile, "x"), T((2, 1, 3), "float64", profile, "p"), T((3, 4), "float64", "t")]
    if special:
        f += [T((2, 4), "float32", "s"), T((5,), "float64", "s"), T((2, 3), "float32", "l")]
    out = [Sample(x) for x in f]
    out += [Sample(T((2, 3), d, "p" if profile == "p" else "n")) for d in dtypes]
    out += [Sample(T((3, 2), d, layout="T")) for d in dtypes if d == "int64"]
    return out[:3] + out[-1:] if short else out


def binary(dtypes=("int64", "bool"), lhs="n", rhs="n", numbers=(2, 0.5, True), short=False, rhs_zero=True):
    """Pairs: equal shapes, broadcasting both ways, 0-d, empty, layouts, ties, NaN/inf, 1e30, float32
    with float64, each of `dtypes` with itself and with float32, then a Python number of each kind in
    `numbers`. `lhs`/`rhs` are the value profiles; rhs_zero=False keeps integer divisors nonzero."""
    f32, f64 = "float32", "float64"
    pairs = [(T((2, 3), f32, lhs), T((2, 3), f32, rhs)), (T((2, 3), f64, lhs), T((3,), f64, rhs)),
             (T((2, 1), f32, lhs), T((1, 3), f32, rhs)), (T((), f64, lhs), T((2, 3), f64, rhs)),
             (T((3, 2), f32, lhs), T((), f32, rhs)), (T((0, 3), f32, lhs), T((3,), f32, rhs)),
             (T((2, 3), f32, lhs, "T"), T((2, 3), f32, rhs, "s")), (T((2, 3), f64, lhs, "x"), T((1, 3), f64, rhs)),
             (T((2, 3, 2), f32, lhs, "p"), T((3, 1), f32, rhs, "x")), (T((3, 3), f64, "t"), T((3, 3), f64, "t")),
             (T((2, 4), f32, "s"), T((2, 4), f32, "s")), (T((2, 3), f32, lhs), T((2, 3), f64, rhs)),
             (T((2, 3), f32, "l"), T((2, 3), f32, "l")),
             (T((2, 3), f32, lhs), T((), f64, rhs))]
    for d in dtypes:
        rp = "p" if rhs == "p" or not rhs_zero else "n"
        pairs += [(T((2, 3), d, lhs if lhs == "p" else "n"), T((2, 3), d, rp)),
                  (T((2, 3), d), T((3,), f32, rhs)), (T((3,), f32, lhs), T((2, 3), d, rp))]
    if "int64" in dtypes:
        pairs += [(T((2, 3), "int64"), T((), "int64", "p")), (T((2, 2), "uint8"), T((2, 2), "uint8", "p"))]
    out = [Sample(a, b) for a, b in pairs]
    out += [Sample(T((2, 3), f32, lhs), n) for n in numbers]
    out += [Sample(T((2, 3), d), n) for d in dtypes for n in numbers[:2]]
    return out[:2] + out[3:4] + out[-2:] if short else out


def reduction(dims="multi", keepdim=True, dtypes=("int64", "bool", "uint8"), profile="n", short=False, extra=None):
    """Each dim form: none, int, negative, tuple, list, keepdim; on 0-d (dims 0 and -1), empty dims,
    layouts, ties, NaN/inf, 1e30, a constant row, the other `dtypes`. dims: 'multi' (an int or a
    tuple), 'one' (an int), 'req' (an int, required), 'none'. `extra`: the op's own keywords (a list
    of dicts), each added to every fourth sample. `short`: six samples, for a second spelling."""
    f32, f64 = "float32", "float64"
    x, k = T((2, 3), f32, profile), {"keepdim": True} if keepdim else {}
    out = [] if dims == "req" else [Sample(x), Sample(T((), f32, profile)), Sample(T((0, 3), f32, profile))]
    if dims != "none":
        out += [Sample(x, 1), Sample(x, dim=-1, **k), Sample(T((2, 3), f64, profile, "T"), 0),
                Sample(T((), f64, profile), 0), Sample(T((), f32, profile), dim=-1, **k),
                Sample(T((0, 3), f32, profile), 1), Sample(T((2, 0), f64, profile), dim=0, **k),
                Sample(T((2, 3, 2), f32, profile, "p"), 1), Sample(T((2, 3), f64, profile, "x"), 0),
                Sample(T((3, 4), f64, "t"), 1), Sample(T((3, 4), f64, "t"), dim=0, **k),
                Sample(T((2, 4), f32, "s"), -1), Sample(T((1, 3, 1), f64, profile), dim=-3, **k),
                Sample(T((2, 3), f32, "l"), 1), Sample(T((2, 3), f64, values=[[1, 1, 1], [0, 2, 5]]), -1)]
        out += [Sample(T((2, 3), d, "p" if profile == "p" else "n"), dim=0) for d in dtypes]
    if dims == "multi":
        out += [Sample(x, (0, -1)), Sample(T((2, 3, 2), f64, profile, "s"), dim=(-1, 0), **k),
                Sample(T((2, 3, 2), f32, profile), [2]), Sample(T((0, 3), f32, profile), dim=(0,))]
    out += [Sample(T((2, 3), d, "p" if profile == "p" else "n")) for d in dtypes if dims != "req"]
    if extra:  # the op's own keywords, on every fourth sample
        out += [Sample(*s.args, **{**s.kwargs, **e}) for s in out[1::4] for e in extra]
    return out[:2] + out[5:7] + out[-2:] if short else out


def index(shape, high):
    """An int64 index tensor of `shape` with values in [0, high), fixed by its description."""
    r = np.random.default_rng(zlib.crc32(f"{shape}|{high}".encode()))
    n = int(np.prod(shape)) if shape else 1
    return T(shape, "int64", values=r.integers(0, max(high, 1), n).reshape(shape) if high else
             np.zeros(shape, np.int64))

