"""The gamma family: lgamma = log|Gamma(x)|, its derivative digamma = psi(x), and psi's derivative
trigamma = psi'(x) (needed only for digamma's gradient), each on numpy or cupy arrays.

numpy has none of them (and scipy is no dependency), so each is written out from two classical
facts: a recurrence that moves x to where an asymptotic series converges fast
(Gamma(x + 1) = x Gamma(x), so lgamma(x) = lgamma(x + n) - log(x (x + 1) ... (x + n - 1)) and
psi(x) = psi(x + 1) - 1/x), and the reflection formula for x < 0
(Gamma(x) Gamma(1 - x) = pi / sin(pi x), so psi(1 - x) - psi(x) = pi / tan(pi x)).
digamma and trigamma follow PyTorch's own CPU code step by step (in the input's dtype, as PyTorch
computes float32 in float32), so poles and round-off agree: psi(+-0) = -+inf, psi(-n) = NaN.
"""
import math

from .special import ElementwiseMap

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
# Stirling's series: lgamma(x) = (x - 1/2) log x - x + log(2 pi)/2 + sum_k B_2k / (2k (2k - 1) x^(2k - 1))
_STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156)
# psi's asymptotic series in z = 1/x^2, highest power first (Cephes' `A`, as PyTorch's calc_digamma)
_PSI_SERIES = (8.33333333333333333333E-2, -2.10927960927960927961E-2, 7.57575757575757575758E-3,
               -4.16666666666666666667E-3, 3.96825396825396825397E-3, -8.33333333333333333333E-3,
               8.33333333333333333333E-2)
_PSI_10 = 2.25175258906672110764  # psi(10)
_EULER_GAMMA = 0.57721566490153286061


def _zeta(k, n=1000):
    """Riemann's zeta(k) = sum_n n^-k for k >= 2: n terms, then the Euler-Maclaurin tail."""
    return math.fsum(m ** -k for m in range(1, n)) + n ** (1 - k) / (k - 1) + n ** -k / 2 + k * n ** (-k - 1) / 12


# lgamma(1 + t) = -gamma t + sum_{k>=2} (-1)^k zeta(k) / k t^k: exact near lgamma's roots 1 and 2
_LGAMMA_NEAR_1 = [-_EULER_GAMMA] + [(-1) ** k * _zeta(k) / k for k in range(2, 61)]


def _sin_pi(xp, x):
    """sin(pi x), exact at the integers (0 there): pi is applied to x - round(x), which is exact."""
    return xp.sin(math.pi * (x - xp.round(x)))


def _lgamma_1p(xp, t):
    """lgamma(1 + t) for |t| <= 1/2 by its Taylor series (0.5^60 / 60 is below round-off)."""
    series = xp.zeros_like(t)
    for coefficient in reversed(_LGAMMA_NEAR_1):
        series = (series + coefficient) * t
    return series


def lgamma(xp, x):
    """log|Gamma(x)| in float64 (the caller rounds): +inf at 0 and at the negative integers, and at +-inf.

    x >= 10: Stirling's series (7 terms are below float64's round-off there); 0 < x < 10: the
    recurrence up to x + n >= 10, but within 1/2 of the roots 1 and 2 the Taylor series of
    lgamma(1 + t) (and lgamma(2 + t) = log(1 + t) + lgamma(1 + t)), which keeps the relative
    accuracy there; x < 0: the reflection log(pi / |sin(pi x)|) - lgamma(1 - x)."""
    z = x.astype(xp.float64)
    flipped = z < 0
    z = xp.where(flipped, 1 - z, z)  # now z >= 0 (or NaN)
    product = xp.ones_like(z)
    shifted = z.copy()
    for _ in range(10):  # at most 10 steps reach 10 from 0 < z
        low = shifted < 10
        product = xp.where(low, product * shifted, product)
        shifted = xp.where(low, shifted + 1, shifted)
    inverse, log_z = 1 / shifted, xp.log(shifted)
    series, inverse_sq = xp.zeros_like(z), inverse * inverse
    for coefficient in reversed(_STIRLING):
        series = series * inverse_sq + coefficient
    stirling = shifted * (log_z - 1) - 0.5 * log_z + _HALF_LOG_2PI + series * inverse
    out = xp.where(xp.isinf(z), xp.inf, stirling - xp.log(product))
    t1, t2 = z - 1, z - 2
    out = xp.where(xp.abs(t1) <= 0.5, _lgamma_1p(xp, xp.clip(t1, -0.5, 0.5)), out)
    out = xp.where((t2 > -0.5) & (t2 <= 0.5), xp.log1p(t2) + _lgamma_1p(xp, xp.clip(t2, -0.5, 0.5)), out)
    reflected = math.log(math.pi) - xp.log(xp.abs(_sin_pi(xp, x.astype(xp.float64)))) - out
    return xp.where(flipped, xp.where(xp.isinf(x), xp.inf, reflected), out) + 0.0  # + 0: lgamma(1) is +0, not -0


def digamma(xp, x):
    """psi(x) = d/dx lgamma(x), in x's dtype, as PyTorch's calc_digamma: -inf at +0, +inf at -0,
    NaN at the negative integers and -inf; x < 0 by reflection, then psi(x) = psi(x + n) - sum 1/(x + k)
    up to x + n >= 10, and there log x - 1/(2x) - z A(z) with z = 1/x^2 (A: the series above)."""
    one = x.dtype.type(1)
    negative = x < 0
    z = xp.where(negative, one - x, x)
    result = xp.zeros_like(x)
    for _ in range(10):  # z >= 1 after reflection, or 0 < z: at most 10 steps to 10
        low = z < 10
        result = xp.where(low, result - one / xp.where(low, z, one), result)
        z = xp.where(low, z + one, z)
    inv_sq = one / (z * z)
    poly = xp.zeros_like(z)
    for coefficient in _PSI_SERIES:
        poly = poly * inv_sq + x.dtype.type(coefficient)
    tail = xp.where(z < 1e17, inv_sq * poly, 0)
    out = xp.where(z == 10, result + x.dtype.type(_PSI_10), result + xp.log(z) - x.dtype.type(0.5) / z - tail)
    fraction = (x - xp.trunc(x)).astype(xp.float64)  # tan(pi r) of the fractional part r is the accurate one
    reflection = (math.pi / xp.tan(math.pi * fraction)).astype(x.dtype)
    out = xp.where(negative, out - reflection, out)
    out = xp.where(negative & (x == xp.trunc(x)), xp.nan, out)  # the poles -1, -2, ... (and -inf)
    return xp.where(x == 0, xp.where(xp.signbit(x), xp.inf, -xp.inf), out).astype(x.dtype, copy=False)


def trigamma(xp, x):
    """psi'(x) = polygamma(1, x), in x's dtype, as PyTorch's calc_trigamma: for x < 1/2 the reflection
    psi'(x) = pi^2 / sin^2(pi x) - psi'(1 - x) (sin of pi x as rounded in x's dtype, so psi'(-1) is
    large but finite, as PyTorch's), then six recurrence steps psi'(x) = 1/x^2 + psi'(x + 1) and the
    asymptotic series (1 + 1/(2x) + 1/(6x^2) - 1/(30x^4) + 1/(42x^6)) / x."""
    dtype = x.dtype.type
    one = dtype(1)
    low = x < dtype(0.5)
    sin_pi_x = xp.sin(dtype(math.pi) * x)
    result = xp.where(low, -dtype(math.pi * math.pi) / (sin_pi_x * sin_pi_x), dtype(0))
    z = xp.where(low, one - x, x)
    for _ in range(6):
        result = result + one / (z * z)
        z = z + one
    ixx = one / (z * z)
    result = result + (one + one / (dtype(2) * z)
                       + ixx * (dtype(1 / 6) - ixx * (dtype(1 / 30) - ixx * dtype(1 / 42)))) / z
    return xp.where(low, -result, result).astype(x.dtype, copy=False)


class Lgamma(ElementwiseMap):
    """out = log|Gamma(x)|;  d/dx = psi(x), the digamma function."""
    f = staticmethod(lgamma)
    derivative = staticmethod(lambda xp, x, out: digamma(xp, x))


class Digamma(ElementwiseMap):
    """out = psi(x) = Gamma'(x) / Gamma(x);  d/dx = psi'(x), the trigamma function."""
    f = staticmethod(digamma)
    derivative = staticmethod(lambda xp, x, out: trigamma(xp, x))
