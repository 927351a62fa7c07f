"""Numba kernels for the normalised Black implied volatility ("Let's Be Rational").

Everything here works on the *normalised* problem of Peter Jäckel, "Let's Be Rational"
(Wilmott, 2015): with ``x = ln(F/K) <= 0`` and ``s = sigma*sqrt(T)``, the out-of-the-money
normalised call price is

    b(x, s) = e^{x/2} Phi(h + t) - e^{-x/2} Phi(h - t),      h = x/s,  t = s/2,

and we invert ``b(x, s) = beta`` for ``s``. Writing ``Y(z) = Phi(z)/phi(z)`` (a Mills ratio),

    b(x, s) = v(s) * [Y(h + t) - Y(h - t)],    v(s) = db/ds = exp(-(h^2 + t^2)/2) / sqrt(2 pi),

so the vega ``v`` and the ratio ``b/v = Y(h+t) - Y(h-t)`` come out of one evaluation. The
bracket ``dY = Y(h+t) - Y(h-t)`` is a difference of two close numbers when ``t`` is small,
and is evaluated in one of four regimes:

* ``h < -10`` and ``h + t < -9.79``: an asymptotic expansion in ``1/h^2`` whose difference is
  taken analytically (no cancellation), see :func:`_dy_asymptotic`;
* ``t < 0.21``: a Taylor expansion in ``t`` of the odd part of ``Y(h + t)``, whose coefficients
  are polynomials in ``h^2`` and ``a = 1 + h Y(h)``, see :func:`_dy_small_t`;
* ``h + t > 0.85``: the plain two-term formula with ``erfc`` (no cancellation there);
* otherwise ``dY = sqrt(pi/2) [erfcx(-(h+t)/sqrt2) - erfcx(-(h-t)/sqrt2)]`` with Cody's
  rational ``erfcx``.

The solver follows the paper: a four-branch initial guess from rational cubic interpolation
(of ``s`` in the two middle branches, of the transformed "lower" and "upper" maps in the outer
ones), then at most two Householder(3) steps on a branch-specific objective:
``1/ln b - 1/ln beta`` (lowest branch), ``b - beta`` (middle), ``ln((b_max-beta)/(b_max-b))``
(highest). The code is ours; the expansion coefficients are generated at import from the
recurrences documented beside them. Cody's ``erfcx`` (Math. Comp. 1969) and Wichura's AS241
coefficients are the published ones.

Every function is a scalar ``@njit(cache=True)`` kernel; the vectorised entry point lives in
:mod:`core.pricing.implied_vol`.
"""
from __future__ import annotations

import math
from fractions import Fraction
from itertools import zip_longest

import numpy as np
from numba import njit

__all__ = ["normalised_black", "normalised_vol", "solve_normalised", "erfcx", "norm_cdf",
           "inverse_norm_cdf"]

_EPS = 2.220446049250313e-16
_DBL_MIN = 2.2250738585072014e-308
_DBL_MAX = 1.7976931348623157e308
_INV_SQRT_2PI = 0.3989422804014326779399460599343818684758586311649
_LN_SQRT_2PI = 0.9189385332046727417803297364056176398613974736378
_SQRT_PI_OVER_2 = 1.253314137315500251207882642405522626503493370305
_INV_SQRT2 = 0.7071067811865475244008443621048490392848359376887
_INV_SQRT_PI = 0.5641895835477562869480794515607725858440506293290
_TWO_PI = 6.283185307179586476925286766559005768394338798750
_SQRT_2PI = 2.506628274631000502415765284811045253006986740610
_SQRT3 = 1.732050807568877293527446341505872366942805253810
_INV_SQRT3 = 0.5773502691896257645091487805019574556476017512701
_TWO_PI_OVER_SQRT27 = 1.209199576156145233729385505094770488189377498728
_SQRT3_OVER_CBRT_2PI = 0.9386434874273836  # sqrt(3) / (2 pi)^(1/3)

# Regime boundaries of the normalised Black function (in h = x/s and t = s/2).
_H_ASYMPTOTIC = -10.0
_T_SMALL = 0.21
_H_PLUS_T_CDF = 0.85

# Rational cubic control parameter limits (Delbourgo & Gregory 1985 shape preservation).
_R_MIN = -(1.0 - math.sqrt(_EPS))
_R_MAX = 2.0 / (_EPS * _EPS)

_MAX_ITERATIONS = 2


# Special functions

# W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969).
_A0, _A1, _A2, _A3, _A4 = (3.1611237438705656, 113.864154151050156, 377.485237685302021,
                           3209.37758913846947, 0.185777706184603153)
_B0, _B1, _B2, _B3 = (23.6012909523441209, 244.024637934444173, 1282.61652607737228,
                      2844.23683343917062)
_C0, _C1, _C2, _C3, _C4, _C5, _C6, _C7, _C8 = (
    0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131,
    881.95222124176909, 1712.04761263407058, 2051.07837782607147, 1230.33935479799725,
    2.15311535474403846e-8)
_D0, _D1, _D2, _D3, _D4, _D5, _D6, _D7 = (
    15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019,
    3290.79923573345963, 4362.61909014324716, 3439.36767414372164, 1230.33935480374942)
_P0, _P1, _P2, _P3, _P4, _P5 = (0.305326634961232344, 0.360344899949804439,
                                0.125781726111229246, 0.0160837851487422766,
                                6.58749161529837803e-4, 0.0163153871373020978)
_Q0, _Q1, _Q2, _Q3, _Q4 = (2.56852019228982242, 1.87295284992346047, 0.527905102951428412,
                           0.0605183413124413191, 0.00233520497626869185)


@njit(cache=True)
def _exp_square(y):
    """exp(y*y) without the relative error of rounding y*y: split y at a multiple of 1/16."""
    yh = math.floor(y * 16.0) / 16.0
    return math.exp(yh * yh) * math.exp((y - yh) * (y + yh))


@njit(cache=True)
def erfcx(x):
    """Scaled complementary error function ``exp(x^2) erfc(x)`` (Cody's rational approximations)."""
    y = abs(x)
    if y <= 0.46875:
        z = y * y
        num = (((_A4 * z + _A0) * z + _A1) * z + _A2) * z + _A3
        den = (((z + _B0) * z + _B1) * z + _B2) * z + _B3
        return (1.0 - x * num / den) * math.exp(z)
    if y <= 4.0:
        num = (((((((_C8 * y + _C0) * y + _C1) * y + _C2) * y + _C3) * y + _C4) * y + _C5) * y
               + _C6) * y + _C7
        den = (((((((y + _D0) * y + _D1) * y + _D2) * y + _D3) * y + _D4) * y + _D5) * y
               + _D6) * y + _D7
        r = num / den
    elif y < 6.71e7:
        z = 1.0 / (y * y)
        num = (((((_P5 * z + _P0) * z + _P1) * z + _P2) * z + _P3) * z + _P4) * z
        den = ((((z + _Q0) * z + _Q1) * z + _Q2) * z + _Q3) * z + _Q4
        r = (_INV_SQRT_PI - num / den) / y
    else:
        r = _INV_SQRT_PI / y
    if x < 0.0:
        if x < -26.628:
            return math.inf
        return 2.0 * _exp_square(y) - r
    return r


@njit(cache=True)
def norm_cdf(z):
    """Standard normal distribution function, accurate in relative terms in the lower tail."""
    return 0.5 * math.erfc(-z * _INV_SQRT2)


# Wichura, "Algorithm AS 241: the percentage points of the normal distribution" (1988), PPND16.
_AS241_A = (3.3871328727963666080e0, 1.3314166789178437745e+2, 1.9715909503065514427e+3,
            1.3731693765509461125e+4, 4.5921953931549871457e+4, 6.7265770927008700853e+4,
            3.3430575583588128105e+4, 2.5090809287301226727e+3)
_AS241_B = (1.0, 4.2313330701600911252e+1, 6.8718700749205790830e+2, 5.3941960214247511077e+3,
            2.1213794301586595867e+4, 3.9307895800092710610e+4, 2.8729085735721942674e+4,
            5.2264952788528545610e+3)
_AS241_C = (1.42343711074968357734e0, 4.63033784615654529590e0, 5.76949722146069140550e0,
            3.64784832476320460504e0, 1.27045825245236838258e0, 2.41780725177450611770e-1,
            2.27238449892691845833e-2, 7.74545014278341407640e-4)
_AS241_D = (1.0, 2.05319162663775882187e0, 1.67638483018380384940e0, 6.89767334985100004550e-1,
            1.48103976427480074590e-1, 1.51986665636164571966e-2, 5.47593808499534494600e-4,
            1.05075007164441684324e-9)
_AS241_E = (6.65790464350110377720e0, 5.46378491116411436990e0, 1.78482653991729133580e0,
            2.96560571828504891230e-1, 2.65321895265761230930e-2, 1.24266094738807843860e-3,
            2.71155556874348757815e-5, 2.01033439929228813265e-7)
_AS241_F = (1.0, 5.99832206555887937690e-1, 1.36929880922735805310e-1, 1.48753612908506148525e-2,
            7.86869131145613259100e-4, 1.84631831751005468180e-5, 1.42151175831644588870e-7,
            2.04426310338993978564e-15)
_AS241 = np.array([_AS241_A, _AS241_B, _AS241_C, _AS241_D, _AS241_E, _AS241_F])


@njit(cache=True)
def _poly7(c, r):
    return (((((((c[7] * r + c[6]) * r + c[5]) * r + c[4]) * r + c[3]) * r + c[2]) * r + c[1]) * r
            + c[0])


@njit(cache=True)
def inverse_norm_cdf(u):
    """Inverse of the standard normal distribution function (Wichura's AS241, ~1e-16)."""
    if u <= 0.0:
        return -math.inf
    if u >= 1.0:
        return math.inf
    q = u - 0.5
    if abs(q) <= 0.425:
        r = 0.180625 - q * q
        return q * _poly7(_AS241[0], r) / _poly7(_AS241[1], r)
    r = math.sqrt(-math.log(u if q < 0.0 else 1.0 - u))
    if r < 5.0:
        r -= 1.6
        z = _poly7(_AS241[2], r) / _poly7(_AS241[3], r)
    else:
        r -= 5.0
        z = _poly7(_AS241[4], r) / _poly7(_AS241[5], r)
    return -z if q < 0.0 else z


# Expansion coefficients, generated exactly at import

def _asymptotic_table(n_terms: int) -> np.ndarray:
    """Coefficients of the asymptotic expansion of ``dY = Y(h+t) - Y(h-t)`` for ``h -> -inf``.

    For ``z -> -inf``, ``Y(z) ~ sum_k (-1)^k (2k-1)!! / |z|^(2k+1)`` (Abramowitz & Stegun 26.2.12).
    With ``u = -h``, ``|h+t| = u - t``, ``|h-t| = u + t`` and ``r = h^2 - t^2``,
    ``(u-t)^-n - (u+t)^-n = [(u+t)^n - (u-t)^n] / r^n = 2 sum_{j odd} C(n,j) u^(n-j) t^j / r^n``,
    so the difference has no cancellation left:

        dY = (t/r) sum_k q^k P_k(e),   q = (h/r)^2,  e = (t/h)^2,
        P_k(e) = (-1)^k (2k-1)!! 2 sum_{m=0..k} C(2k+1, 2m+1) e^m.

    Row ``k`` of the table holds the coefficients of ``P_k`` (index ``m``).
    """
    table = np.zeros((n_terms, n_terms))
    double_factorial = 1  # (2k-1)!!
    for k in range(n_terms):
        if k > 0:
            double_factorial *= 2 * k - 1
        for m in range(k + 1):
            table[k, m] = (-1) ** k * double_factorial * 2 * math.comb(2 * k + 1, 2 * m + 1)
    return table


def _small_t_table(n_terms: int) -> np.ndarray:
    """Coefficients of the small-``t`` expansion ``dY = 2 sum_k Y^(2k+1)(h) t^(2k+1) / (2k+1)!``.

    ``Y' = 1 + h Y`` gives ``Y^(n+1) = h Y^(n) + n Y^(n-1)``. Writing ``Y^(n) = A_n(h) + B_n(h) Y``
    and substituting ``Y = (a - 1)/h`` with ``a = 1 + h Y(h)``, every odd derivative becomes
    ``Y^(2k+1) = P_k(h^2) + a Q_k(h^2)`` with integer polynomials ``P_k``, ``Q_k``.

    Returns ``table[k, 0, j]`` = coefficient of ``h^(2j)`` in ``2 P_k / (2k+1)!`` and
    ``table[k, 1, j]`` the same for ``2 Q_k / (2k+1)!``.
    """
    def add(p, q):
        return [u + v for u, v in zip_longest(p, q, fillvalue=0)]

    a_polys, b_polys = [[0], [1]], [[1], [0, 1]]   # A_0 = 0, A_1 = 1; B_0 = 1, B_1 = h
    for n in range(1, 2 * n_terms):
        a_polys.append(add([0] + a_polys[n], [n * c for c in a_polys[n - 1]]))
        b_polys.append(add([0] + b_polys[n], [n * c for c in b_polys[n - 1]]))
    table = np.zeros((n_terms, 2, n_terms + 1))
    for k in range(n_terms):
        n = 2 * k + 1
        b_over_h = b_polys[n][1:]                     # B_n / h: even in h
        p = add(a_polys[n], [-c for c in b_over_h])   # A_n - B_n / h: even in h
        assert not any(p[1::2]) and not any(b_over_h[1::2])
        table[k, 0, :len(p[::2])] = [float(Fraction(2 * c, math.factorial(n))) for c in p[::2]]
        table[k, 1, :len(b_over_h[::2])] = [float(Fraction(2 * c, math.factorial(n)))
                                            for c in b_over_h[::2]]
    return table


_N_ASYMPTOTIC = 18
_ASYMPTOTIC = _asymptotic_table(_N_ASYMPTOTIC)
_N_SMALL_T = 7
_SMALL_T = _small_t_table(_N_SMALL_T)


# The normalised Black function

@njit(cache=True)
def _dy_asymptotic(h, t):
    """``Y(h+t) - Y(h-t)`` for ``h < -10``, ``h + t < -9.79`` (asymptotic expansion)."""
    e = (t / h) * (t / h)
    r = (h + t) * (h - t)
    q = (h / r) * (h / r)
    total = 0.0
    for k in range(_N_ASYMPTOTIC - 1, -1, -1):
        pk = 0.0
        for m in range(k, -1, -1):
            pk = pk * e + _ASYMPTOTIC[k, m]
        total = total * q + pk
    return (t / r) * total


@njit(cache=True)
def _dy_small_t(h, t):
    """``Y(h+t) - Y(h-t)`` for ``t < 0.21`` (odd Taylor expansion in ``t``)."""
    a = 1.0 + h * _SQRT_PI_OVER_2 * erfcx(-_INV_SQRT2 * h)
    h2, w, total = h * h, t * t, 0.0
    for k in range(_N_SMALL_T - 1, -1, -1):
        p = q = 0.0
        for j in range(k, -1, -1):
            p = p * h2 + _SMALL_T[k, 0, j]
            q = q * h2 + _SMALL_T[k, 1, j]
        total = total * w + (p + a * q)
    return t * total


@njit(cache=True)
def _dy_erfcx(h, t):
    """``Y(h+t) - Y(h-t)`` from Cody's ``erfcx``: ``Y(z) = sqrt(pi/2) erfcx(-z/sqrt2)``."""
    return _SQRT_PI_OVER_2 * (erfcx(-_INV_SQRT2 * (h + t)) - erfcx(-_INV_SQRT2 * (h - t)))


@njit(cache=True)
def _dy(h, t):
    """``Y(h+t) - Y(h-t) = b/v`` for ``h <= 0``, ``t > 0`` outside the plain-cdf regime."""
    if h < _H_ASYMPTOTIC and h + t < _H_ASYMPTOTIC + _T_SMALL:
        return _dy_asymptotic(h, t)
    if t < _T_SMALL:
        return _dy_small_t(h, t)
    return _dy_erfcx(h, t)


@njit(cache=True)
def _black_by_cdf(x, h, t):
    """Plain ``e^{x/2} Phi(h+t) - e^{-x/2} Phi(h-t)``; used where ``h + t > 0.85``."""
    e = math.exp(0.5 * x)
    return norm_cdf(h + t) * e - norm_cdf(h - t) / e


@njit(cache=True)
def _black(x, s):
    """Normalised OTM call ``b(x, s)`` and its vega ``db/ds`` for ``x <= 0``, ``s > 0``."""
    h, t = x / s, 0.5 * s
    v = _INV_SQRT_2PI * math.exp(-0.5 * (h * h + t * t))
    if h + t > _H_PLUS_T_CDF:
        return _black_by_cdf(x, h, t), v
    return v * _dy(h, t), v


@njit(cache=True)
def _log_black(x, s):
    """``ln b(x, s)`` and ``b / (db/ds)``, free of underflow for tiny ``b`` (``x <= 0``)."""
    h, t = x / s, 0.5 * s
    if h + t > _H_PLUS_T_CDF:
        b = _black_by_cdf(x, h, t)
        v = _INV_SQRT_2PI * math.exp(-0.5 * (h * h + t * t))
        return math.log(b), b / v
    dy = _dy(h, t)
    return -0.5 * (h * h + t * t) - _LN_SQRT_2PI + math.log(dy), dy


@njit(cache=True)
def _black_complement(x, s):
    """``e^{x/2} - b(x, s)`` (computed as a sum, without cancellation) and the vega ``db/ds``."""
    h, t, e = x / s, 0.5 * s, math.exp(0.5 * x)
    c = norm_cdf(-(h + t)) * e + norm_cdf(h - t) / e
    v = _INV_SQRT_2PI * math.exp(-0.5 * (h * h + t * t))
    return c, v


@njit(cache=True)
def normalised_black(x, s):
    """Normalised Black call ``b(x, s)`` for any ``x`` (intrinsic added back when ``x > 0``)."""
    if x > 0.0:
        return 2.0 * math.sinh(0.5 * x) + normalised_black(-x, s)
    if s <= 0.0:
        return 0.0
    return _black(x, s)[0]


# Rational cubic interpolation (Delbourgo & Gregory 1985) for the initial guess

@njit(cache=True)
def _rational_cubic(x, x_l, x_r, y_l, y_r, d_l, d_r, r):
    h = x_r - x_l
    if abs(h) <= 0.0:
        return 0.5 * (y_l + y_r)
    t = (x - x_l) / h
    if r >= _R_MAX:
        return y_r * t + y_l * (1.0 - t)
    omt = 1.0 - t
    t2 = t * t
    omt2 = omt * omt
    num = (y_r * t2 * t + (r * y_r - h * d_r) * t2 * omt + (r * y_l + h * d_l) * t * omt2
           + y_l * omt2 * omt)
    return num / (1.0 + (r - 3.0) * t * omt)


@njit(cache=True)
def _r_shape_minimum(d_l, d_r, slope, prefer_shape):
    """Smallest control parameter that keeps the interpolant monotone / convex like the data."""
    monotonic = d_l * slope >= 0.0 and d_r * slope >= 0.0
    convex = d_l <= slope <= d_r
    concave = d_l >= slope >= d_r
    if not (monotonic or convex or concave):
        return _R_MIN
    r1 = -_DBL_MAX
    r2 = -_DBL_MAX
    if monotonic:
        if abs(slope) >= _DBL_MIN:
            r1 = (d_r + d_l) / slope
        elif prefer_shape:
            r1 = _R_MAX
    if convex or concave:
        s_m_dl = slope - d_l
        dr_m_s = d_r - slope
        if abs(s_m_dl) >= _DBL_MIN and abs(dr_m_s) >= _DBL_MIN:
            dr_m_dl = d_r - d_l
            r2 = max(abs(dr_m_dl / dr_m_s), abs(dr_m_dl / s_m_dl))
        elif prefer_shape:
            r2 = _R_MAX
    elif monotonic and prefer_shape:
        r2 = _R_MAX
    return max(_R_MIN, max(r1, r2))


@njit(cache=True)
def _r_convex_left(x_l, x_r, y_l, y_r, d_l, d_r, second_l, prefer_shape):
    """Control parameter matching the left second derivative ``second_l``, kept shape preserving.

    From ``R''(x_l) = 2 [r (slope - d_l) - (d_r - d_l)] / h`` of the rational cubic.
    """
    h = x_r - x_l
    slope = (y_r - y_l) / h
    num = 0.5 * h * second_l + (d_r - d_l)
    den = slope - d_l
    r = 0.0 if abs(num) < _DBL_MIN else (num / den if abs(den) >= _DBL_MIN else
                                          (_R_MAX if num > 0.0 else _R_MIN))
    return max(r, _r_shape_minimum(d_l, d_r, slope, prefer_shape))


@njit(cache=True)
def _r_convex_right(x_l, x_r, y_l, y_r, d_l, d_r, second_r, prefer_shape):
    """Control parameter matching the right second derivative ``second_r``, shape preserving."""
    h = x_r - x_l
    slope = (y_r - y_l) / h
    num = 0.5 * h * second_r + (d_r - d_l)
    den = d_r - slope
    r = 0.0 if abs(num) < _DBL_MIN else (num / den if abs(den) >= _DBL_MIN else
                                          (_R_MAX if num > 0.0 else _R_MIN))
    return max(r, _r_shape_minimum(d_l, d_r, slope, prefer_shape))


# Transformed maps for the outer branches of the initial guess

@njit(cache=True)
def _lower_map(x, s):
    """``f = 2 pi |x| Phi(-z)^3 / sqrt(27)`` with ``z = |x|/(sqrt3 s)``, and ``df/db``, ``d2f/db2``.

    For small ``s`` this tracks ``b(x, s)`` closely (``f ~ b`` as ``b -> 0``), so ``f(beta)`` is
    nearly linear and a rational cubic in ``beta`` approximates it well.
    """
    ax = abs(x)
    z = _INV_SQRT3 * ax / s
    y = z * z
    s2 = s * s
    cdf = norm_cdf(-z)
    e = math.exp(y + 0.125 * s2)
    # cdf / pdf = sqrt(2 pi) cdf e^{y/2}
    cdf_over_pdf = _SQRT_2PI * cdf * math.exp(0.5 * y)
    f = _TWO_PI_OVER_SQRT27 * ax * cdf * cdf * cdf
    fp = _TWO_PI * y * cdf * cdf * e
    fpp = (math.pi * y * cdf * e * e
           * (4.0 * z / s + cdf_over_pdf * (0.5 * s - 4.0 / s - 4.0 * y / s)))
    return f, fp, fpp


@njit(cache=True)
def _inverse_lower_map(x, f):
    if f <= 0.0:
        return 0.0
    u = _SQRT3_OVER_CBRT_2PI * (f / abs(x)) ** (1.0 / 3.0)
    return abs(x / (_SQRT3 * inverse_norm_cdf(u)))


@njit(cache=True)
def _upper_map(x, s):
    """``f = Phi(-s/2)`` and its first two derivatives with respect to ``b``."""
    f = norm_cdf(-0.5 * s)
    w = (x / s) * (x / s)
    fp = -0.5 * math.exp(0.5 * w)
    fpp = _SQRT_PI_OVER_2 * math.exp(w + 0.125 * s * s) * w / s
    return f, fp, fpp


@njit(cache=True)
def _householder(newton, halley, hh3):
    """Householder(3) multiplier of the Newton step given ``g''/g'`` and ``g'''/g'``."""
    return (1.0 + 0.5 * halley * newton) / (1.0 + newton * (halley + hh3 * newton / 6.0))


# The solver

@njit(cache=True)
def normalised_vol(beta, x):
    """``s = sigma sqrt(T)`` solving ``b(x, s) = beta``, for ``x <= 0``, ``0 < beta < e^{x/2}``."""
    return solve_normalised(beta, x, math.exp(0.5 * x))


@njit(cache=True)
def solve_normalised(beta, x, b_max):
    """:func:`normalised_vol` with ``b_max = exp(x/2)`` already computed by the caller."""
    # at the inflection point s_c = sqrt(2|x|): h + t = 0 and h^2 + t^2 = |x|, so
    # v_c = e^{x/2}/sqrt(2 pi) and dY = Y(0) - Y(-2t) = sqrt(pi/2) (1 - erfcx(sqrt|x|))
    s_c = math.sqrt(-2.0 * x)
    v_c = _INV_SQRT_2PI * b_max
    if s_c < 2.0 * _T_SMALL:
        b_c = v_c * _dy_small_t(-0.5 * s_c, 0.5 * s_c)
    else:
        b_c = v_c * _SQRT_PI_OVER_2 * (1.0 - erfcx(math.sqrt(-x)))
    s_left, s_right = 0.0, _DBL_MAX
    branch = 1  # 0: lowest, 1: middle, 2: highest
    if beta < b_c:
        s_l = s_c - b_c / v_c
        b_l, v_l = _black(x, s_l)
        if beta < b_l:
            f_l, fp_l, fpp_l = _lower_map(x, s_l)
            r_ll = _r_convex_right(0.0, b_l, 0.0, f_l, 1.0, fp_l, fpp_l, True)
            f = _rational_cubic(beta, 0.0, b_l, 0.0, f_l, 1.0, fp_l, r_ll)
            if not f > 0.0:
                # quadratic through f(0) = 0, f'(0) = 1 and f(b_l)
                u = beta / b_l
                f = (f_l * u + b_l * (1.0 - u)) * u
            s = _inverse_lower_map(x, f)
            s_right = s_l
            branch = 0
        else:
            r_lm = _r_convex_right(b_l, b_c, s_l, s_c, 1.0 / v_l, 1.0 / v_c, 0.0, False)
            s = _rational_cubic(beta, b_l, b_c, s_l, s_c, 1.0 / v_l, 1.0 / v_c, r_lm)
            s_left, s_right = s_l, s_c
    else:
        s_h = s_c + (b_max - b_c) / v_c if v_c > _DBL_MIN else s_c
        b_h, v_h = _black(x, s_h)
        if beta <= b_h:
            r_hm = _r_convex_left(b_c, b_h, s_c, s_h, 1.0 / v_c, 1.0 / v_h, 0.0, False)
            s = _rational_cubic(beta, b_c, b_h, s_c, s_h, 1.0 / v_c, 1.0 / v_h, r_hm)
            s_left, s_right = s_c, s_h
        else:
            f_h, fp_h, fpp_h = _upper_map(x, s_h)
            f = -1.0
            if abs(fpp_h) < 1.3407807929942596e154:  # sqrt(DBL_MAX)
                r_hh = _r_convex_left(b_h, b_max, f_h, 0.0, fp_h, -0.5, fpp_h, True)
                f = _rational_cubic(beta, b_h, b_max, f_h, 0.0, fp_h, -0.5, r_hh)
            if f <= 0.0:
                # quadratic through f(b_h), f(b_max) = 0 and f'(b_max) = -1/2
                hh = b_max - b_h
                u = (beta - b_h) / hh
                f = (f_h * (1.0 - u) + 0.5 * hh * u) * (1.0 - u)
            s = -2.0 * inverse_norm_cdf(f)
            s_left = s_h
            if beta > 0.5 * b_max:
                branch = 2
    if not (s > 0.0 and s < _DBL_MAX):
        s = _midpoint(s_left, s_right)
    return _refine(beta, x, b_max, s, s_left, s_right, branch)


@njit(cache=True)
def _midpoint(lo, hi):
    return 0.5 * (lo + hi) if hi < _DBL_MAX else 2.0 * lo + 1.0


@njit(cache=True)
def _refine(beta, x, b_max, s, s_left, s_right, branch):
    """At most two Householder(3) steps on the branch's objective ``g(s)``, within a bracket.

    branch 0: ``g = 1/ln b - 1/ln beta``; 1: ``g = b - beta``;
    2: ``g = ln((b_max - beta)/(b_max - b))``.
    With ``H = b''/b' = h^2/s - s/4`` and ``H3 = b'''/b' = H^2 - 3 (h/s)^2 - 1/4`` the step is
    ``newton (1 + halley newton/2) / (1 + newton (halley + hh3 newton/6))`` with ``newton = -g/g'``,
    ``halley = g''/g'``, ``hh3 = g'''/g'``:

    * branch 0, ``u = b'/b``, ``l = 1/ln b``: ``halley = H - u (1 + 2l)``,
      ``hh3 = H3 + 2 u^2 (1 + 3l (1 + l)) - 3 H u (1 + 2l)``;
    * branch 1: ``halley = H``, ``hh3 = H3``;
    * branch 2, ``w = b'/(b_max - b)``: ``halley = H + w``, ``hh3 = H3 + w (2w + 3H)``.
    """
    ln_beta = math.log(beta) if branch == 0 else 0.0
    c_beta = b_max - beta  # exact (Sterbenz) in branch 2, where beta > b_max/2
    ds = -_DBL_MAX
    for it in range(_MAX_ITERATIONS):
        if not abs(ds) > _EPS * s:
            break
        if it > 0 and not (s_left < s < s_right):
            s = _midpoint(s_left, s_right)  # the step left the bracket: bisect
        h = x / s
        big_h = h * h / s - 0.25 * s
        big_h3 = big_h * big_h - 3.0 * (h / s) * (h / s) - 0.25
        newton = halley = hh3 = 0.0
        if branch == 0:
            ln_b, dy = _log_black(x, s)
            above, below = ln_b > ln_beta, ln_b < ln_beta
            valid = dy > 0.0 and -_DBL_MAX < ln_b < 0.0
            if valid:
                u = 1.0 / dy
                lam = 1.0 / ln_b
                newton = (ln_beta - ln_b) * ln_b / ln_beta * dy
                halley = big_h - u * (1.0 + 2.0 * lam)
                hh3 = (big_h3 + 2.0 * u * u * (1.0 + 3.0 * lam * (1.0 + lam))
                       - 3.0 * big_h * u * (1.0 + 2.0 * lam))
        elif branch == 1:
            b, v = _black(x, s)
            above, below = b > beta, b < beta
            valid = v > 0.0
            if valid:
                newton = (beta - b) / v
                halley = big_h
                hh3 = big_h3
        else:
            c, v = _black_complement(x, s)
            above, below = c < c_beta, c > c_beta
            valid = c > 0.0 and v > _DBL_MIN
            if valid:
                w = v / c
                newton = -math.log(c_beta / c) / w
                halley = big_h + w
                hh3 = big_h3 + w * (2.0 * w + 3.0 * big_h)
        if above:
            s_right = min(s_right, s)
        elif below:
            s_left = max(s_left, s)
        if valid:
            ds = newton * _householder(newton, halley, hh3)
        else:  # under- or overflow: bisect
            ds = _midpoint(s_left, s_right) - s
        ds = max(-0.5 * s, ds)
        s += ds
    return s
