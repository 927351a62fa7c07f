"""Characteristic functions of the log-price for Heston, Bates, Merton, Variance Gamma and CGMY.

Every model here is described by the characteristic function of the *centred* log-price
``y = ln(S_T / F_T)`` under the risk-neutral measure, ``phi(u) = E[exp(i u y)]``, with the
martingale correction built in so that ``phi(-i) = 1`` (``E[S_T] = F_T``). Rates and dividends
enter only through the forward ``F_T = S e^{(r - q) T}``, so one characteristic function serves
every strike, spot and rate of a given maturity.

Models and parameter vectors (in this order; ``T`` in years, rates continuously compounded):

========  ===========================================  =========================================
model     parameters                                   meaning
========  ===========================================  =========================================
heston    v0, kappa, theta, sigma, rho                 initial variance, mean-reversion speed
                                                       (1/yr), long-run variance, vol of variance,
                                                       spot/variance correlation
bates     heston's five, lam, mu_j, sigma_j            + Poisson jumps (lam per year) with
                                                       log-jump ~ N(mu_j, sigma_j^2)
merton    sigma, lam, mu_j, sigma_j                    diffusion vol + the same lognormal jumps
vg        sigma, nu, theta                             Madan-Carr-Chang (1998) Variance Gamma
cgmy      C, G, M, Y                                   Carr-Geman-Madan-Yor (2002) tempered stable
========  ===========================================  =========================================

Heston uses the "little trap" form of Albrecher, Mayer, Schoutens & Tistaert (2007), which is
continuous in ``u`` for every maturity (no branch switching of the complex logarithm), written
so that it stays accurate as ``sigma -> 0``. CGMY is evaluated in two algebraically equal forms
that remain accurate at ``Y -> 0`` (the Variance Gamma limit) and at ``Y = 1`` (where
``Gamma(-Y)`` has a pole that the bracket cancels).

The numba kernels take a complex ``u`` (Carr-Madan needs ``u - i(alpha + 1)``) and a parameter
array; :func:`_logcf` dispatches on an integer model id so one compiled Fourier kernel serves all
models. :func:`_dlogcf` gives the gradient of ``ln phi`` in the parameters: analytic for Heston
(the derivatives of Cui, del Bano Rollin & Germano 2017, derived here for the little-trap
form), Bates, Merton and VG; central differences of ``ln phi`` for CGMY.
"""
from __future__ import annotations

import cmath
import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from core._validate import as_float_array
from core.errors import DataError
from core._typing import ArrayLike, ParamsLike

__all__ = ["ModelSpec", "MODELS", "get_model", "charfunc", "cumulants"]

HESTON, BATES, MERTON, VG, CGMY = 0, 1, 2, 3, 4


# --------------------------------------------------------------------------------------------
# small complex helpers
# --------------------------------------------------------------------------------------------
@njit(cache=True)
def _clog1p(z):
    """ln(1 + z) for complex z, accurate for small |z| (Kahan's trick)."""
    w = 1.0 + z
    if w == 1.0:
        return z
    return cmath.log(w) * z / (w - 1.0)


@njit(cache=True)
def _cexpm1_over(w, y):
    """(exp(y w) - 1) / y for complex w and real y, accurate as y -> 0 (equals w at y = 0)."""
    if y == 0.0:
        return w
    z = y * w
    x, t = z.real, z.imag
    s = math.sin(0.5 * t)
    re = math.expm1(x) * math.cos(t) - 2.0 * s * s
    im = math.exp(x) * math.sin(t)
    return complex(re, im) / y


# --------------------------------------------------------------------------------------------
# log characteristic functions, ln E[exp(i u ln(S_T/F_T))]
# --------------------------------------------------------------------------------------------
@njit(cache=True)
def _heston_parts(u, T, kappa, sigma, rho):
    """Shared intermediates of the little-trap Heston form (see :func:`_heston_logcf`)."""
    iu = 1j * u
    P = u * (u + 1j)                       # u^2 + i u
    xi = kappa - sigma * rho * iu
    d = cmath.sqrt(xi * xi + sigma * sigma * P)
    S = xi + d                             # Re S > 0: never zero
    g = -sigma * sigma * P / (S * S)       # (xi - d) / (xi + d), without cancellation
    e = cmath.exp(-d * T)
    h = 1.0 - g * e
    return iu, P, xi, d, S, g, e, h


@njit(cache=True)
def _heston_logcf(u, T, v0, kappa, theta, sigma, rho):
    """ln phi of the Heston log-price (little trap): C + D v0."""
    iu, P, xi, d, S, g, e, h = _heston_parts(u, T, kappa, sigma, rho)
    D = -P / S * (1.0 - e) / h
    R = _clog1p(g * (1.0 - e) / (1.0 - g))        # ln((1 - g e) / (1 - g))
    C = kappa * theta * (-P * T / S) - 2.0 * kappa * theta / (sigma * sigma) * R
    return C + v0 * D


@njit(cache=True)
def _jump_logcf(u, T, lam, mu, delta):
    """Compensated compound-Poisson part with log-jumps ~ N(mu, delta^2)."""
    iu = 1j * u
    E = cmath.exp(iu * mu - 0.5 * delta * delta * u * u)
    m = math.exp(mu + 0.5 * delta * delta)
    return lam * T * (E - 1.0) - iu * lam * T * (m - 1.0)


@njit(cache=True)
def _vg_logcf(u, T, sigma, nu, theta):
    iu = 1j * u
    omega = math.log1p(-theta * nu - 0.5 * sigma * sigma * nu) / nu
    Q = -iu * theta * nu + 0.5 * sigma * sigma * nu * u * u
    return iu * omega * T - T / nu * _clog1p(Q)


@njit(cache=True)
def _cgmy_psi(u, C, G, M, Y):
    """Uncompensated CGMY exponent C Gamma(-Y) [(M-iu)^Y - M^Y + (G+iu)^Y - G^Y] per year."""
    iu = 1j * u
    l1 = cmath.log(M - iu)
    l2 = cmath.log(G + iu)
    lm = complex(math.log(M), 0.0)
    lg = complex(math.log(G), 0.0)
    if Y < 0.5:   # Gamma(-Y) = -Gamma(1-Y)/Y; z^Y - 1 terms: exact at Y = 0 (VG limit)
        s = _cexpm1_over(l1, Y) - _cexpm1_over(lm, Y) + _cexpm1_over(l2, Y) - _cexpm1_over(lg, Y)
        return -C * math.gamma(1.0 - Y) * s
    eps = Y - 1.0  # Gamma(-Y) = Gamma(2-Y)/(Y(Y-1)); z^Y - z terms: exact at Y = 1
    s = ((M - iu) * _cexpm1_over(l1, eps) - M * _cexpm1_over(lm, eps)
         + (G + iu) * _cexpm1_over(l2, eps) - G * _cexpm1_over(lg, eps))
    return C * math.gamma(2.0 - Y) / Y * s


@njit(cache=True)
def _cgmy_logcf(u, T, C, G, M, Y):
    return T * (_cgmy_psi(u, C, G, M, Y) - 1j * u * _cgmy_psi(-1j, C, G, M, Y).real)


@njit(cache=True)
def _logcf(model, u, T, p):
    """ln phi(u) of ``y = ln(S_T/F_T)`` for model id ``model`` and parameter array ``p``."""
    if model == HESTON:
        return _heston_logcf(u, T, p[0], p[1], p[2], p[3], p[4])
    if model == BATES:
        return (_heston_logcf(u, T, p[0], p[1], p[2], p[3], p[4])
                + _jump_logcf(u, T, p[5], p[6], p[7]))
    if model == MERTON:
        return -0.5 * p[0] * p[0] * T * u * (u + 1j) + _jump_logcf(u, T, p[1], p[2], p[3])
    if model == VG:
        return _vg_logcf(u, T, p[0], p[1], p[2])
    return _cgmy_logcf(u, T, p[0], p[1], p[2], p[3])


# --------------------------------------------------------------------------------------------
# gradients of ln phi in the parameters
# --------------------------------------------------------------------------------------------
@njit(cache=True)
def _heston_dlogcf(u, T, v0, kappa, theta, sigma, rho, out, off):
    """d ln phi / d(v0, kappa, theta, sigma, rho) into ``out[off:off+5]`` (little-trap form)."""
    iu, P, xi, d, S, g, e, h = _heston_parts(u, T, kappa, sigma, rho)
    D = -P / S * (1.0 - e) / h
    R = _clog1p(g * (1.0 - e) / (1.0 - g))
    s2 = sigma * sigma
    kt = kappa * theta
    out[off] = D                                    # d/dv0
    for j in range(1, 5):                           # kappa, theta, sigma, rho
        dxi = 0j
        dsig = 0.0
        dkt = 0.0
        if j == 1:
            dxi = 1.0 + 0j
            dkt = theta
        elif j == 2:
            dkt = kappa
        elif j == 3:
            dxi = -rho * iu
            dsig = 1.0
        else:
            dxi = -sigma * iu
        dd = (xi * dxi + sigma * P * dsig) / d
        dS = dxi + dd
        dg = -2.0 * sigma * P * dsig / (S * S) - 2.0 * g * dS / S
        de = -T * e * dd
        dh = -(dg * e + g * de)
        dD = P * de / (S * h) - D * (dS / S + dh / h)
        dR = dh / h + dg / (1.0 - g)
        d_ratio = 2.0 * dkt / s2 - 4.0 * kt * dsig / (s2 * sigma)   # d(2 kappa theta / sigma^2)
        dC = dkt * (-P * T / S) + kt * P * T * dS / (S * S) - d_ratio * R - 2.0 * kt / s2 * dR
        out[off + j] = dC + v0 * dD


@njit(cache=True)
def _jump_dlogcf(u, T, lam, mu, delta, out, off):
    """d ln phi / d(lam, mu_j, sigma_j) of the lognormal jump part into ``out[off:off+3]``."""
    iu = 1j * u
    E = cmath.exp(iu * mu - 0.5 * delta * delta * u * u)
    m = math.exp(mu + 0.5 * delta * delta)
    out[off] = T * (E - 1.0) - iu * T * (m - 1.0)
    out[off + 1] = lam * T * iu * E - iu * lam * T * m
    out[off + 2] = -lam * T * delta * u * u * E - iu * lam * T * delta * m


@njit(cache=True)
def _vg_dlogcf(u, T, sigma, nu, theta, out):
    iu = 1j * u
    W = 1.0 - theta * nu - 0.5 * sigma * sigma * nu
    lw = math.log(W)
    Q = 1.0 - iu * theta * nu + 0.5 * sigma * sigma * nu * u * u
    out[0] = iu * T * (-sigma / W) - T * sigma * u * u / Q
    dq = -iu * theta + 0.5 * sigma * sigma * u * u                  # dQ/dnu
    out[1] = (iu * T * (-lw / (nu * nu) + (-theta - 0.5 * sigma * sigma) / (nu * W))
              + T / (nu * nu) * cmath.log(Q) - T / nu * dq / Q)
    out[2] = iu * T * (-1.0 / W) + iu * T / Q


@njit(cache=True)
def _dlogcf(model, u, T, p, out):
    """Gradient of ln phi(u) in the parameters into ``out`` (length = number of parameters)."""
    if model == HESTON or model == BATES:
        _heston_dlogcf(u, T, p[0], p[1], p[2], p[3], p[4], out, 0)
        if model == BATES:
            _jump_dlogcf(u, T, p[5], p[6], p[7], out, 5)
    elif model == MERTON:
        out[0] = -p[0] * T * u * (u + 1j)
        _jump_dlogcf(u, T, p[1], p[2], p[3], out, 1)
    elif model == VG:
        _vg_dlogcf(u, T, p[0], p[1], p[2], out)
    else:                       # CGMY: central differences of ln phi (smooth in every parameter)
        q = p.copy()
        for j in range(p.shape[0]):
            step = 1e-6 * max(abs(p[j]), 1.0)
            q[j] = p[j] + step
            up = _cgmy_logcf(u, T, q[0], q[1], q[2], q[3])
            q[j] = p[j] - step
            dn = _cgmy_logcf(u, T, q[0], q[1], q[2], q[3])
            q[j] = p[j]
            out[j] = (up - dn) / (2.0 * step)


# --------------------------------------------------------------------------------------------
# cumulants (for the COS truncation range)
# --------------------------------------------------------------------------------------------
@njit(cache=True)
def _heston_rhs(b1, b2, b3, b4, kappa, rs, s2):
    """Riccati right-hand side for the Taylor coefficients b1..b4 of B(s, tau) in s."""
    return (-0.5 - kappa * b1,
            0.5 + rs * b1 - kappa * b2 + 0.5 * s2 * b1 * b1,
            rs * b2 - kappa * b3 + s2 * b1 * b2,
            rs * b3 - kappa * b4 + 0.5 * s2 * (2.0 * b1 * b3 + b2 * b2))


@njit(cache=True)
def _heston_cumulants(T, v0, kappa, theta, sigma, rho):
    """c1, c2, c4 of the Heston log-price from the Riccati ODEs expanded in s (RK4).

    With ``ln E[e^{s y}] = A(s, T) + v0 B(s, T)``, ``B_tau = (s^2 - s)/2 + (rho sigma s - kappa) B
    + sigma^2 B^2 / 2`` and ``A_tau = kappa theta B``; the Taylor coefficients of B and A in s
    obey the triangular system integrated here with steps ``h (kappa + sigma) <= 1`` (relative
    accuracy about 1e-4: enough for a truncation range). ``c_n = n! (a_n + v0 b_n)``.
    """
    n = max(16, min(2000, int(math.ceil((kappa + sigma) * T))))
    h = T / n
    rs = rho * sigma
    s2 = sigma * sigma
    kt = kappa * theta
    b1 = b2 = b3 = b4 = 0.0
    a1 = a2 = a4 = 0.0
    for _ in range(n):
        k1 = _heston_rhs(b1, b2, b3, b4, kappa, rs, s2)
        k2 = _heston_rhs(b1 + 0.5 * h * k1[0], b2 + 0.5 * h * k1[1], b3 + 0.5 * h * k1[2],
                         b4 + 0.5 * h * k1[3], kappa, rs, s2)
        k3 = _heston_rhs(b1 + 0.5 * h * k2[0], b2 + 0.5 * h * k2[1], b3 + 0.5 * h * k2[2],
                         b4 + 0.5 * h * k2[3], kappa, rs, s2)
        k4 = _heston_rhs(b1 + h * k3[0], b2 + h * k3[1], b3 + h * k3[2], b4 + h * k3[3],
                         kappa, rs, s2)
        # A_tau = kappa theta B, integrated on the same RK4 stages
        a1 += kt * h / 6.0 * (6.0 * b1 + h * (k1[0] + k2[0] + k3[0]))
        a2 += kt * h / 6.0 * (6.0 * b2 + h * (k1[1] + k2[1] + k3[1]))
        a4 += kt * h / 6.0 * (6.0 * b4 + h * (k1[3] + k2[3] + k3[3]))
        b1 += h / 6.0 * (k1[0] + 2.0 * k2[0] + 2.0 * k3[0] + k4[0])
        b2 += h / 6.0 * (k1[1] + 2.0 * k2[1] + 2.0 * k3[1] + k4[1])
        b3 += h / 6.0 * (k1[2] + 2.0 * k2[2] + 2.0 * k3[2] + k4[2])
        b4 += h / 6.0 * (k1[3] + 2.0 * k2[3] + 2.0 * k3[3] + k4[3])
    return a1 + v0 * b1, 2.0 * (a2 + v0 * b2), 24.0 * (a4 + v0 * b4)


@njit(cache=True)
def _cumulants(model, T, p):
    """(c1, c2, c4) of ``y = ln(S_T/F_T)``; c2 and c4 may be approximate (used for ranges)."""
    if model == HESTON or model == BATES:
        c1, c2, c4 = _heston_cumulants(T, p[0], p[1], p[2], p[3], p[4])
        if model == HESTON:
            return c1, c2, c4
        lam, mu, dl = p[5], p[6], p[7]
    elif model == MERTON:
        c1, c2, c4 = -0.5 * p[0] * p[0] * T, p[0] * p[0] * T, 0.0
        lam, mu, dl = p[1], p[2], p[3]
    elif model == VG:
        sig, nu, th = p[0], p[1], p[2]
        omega = math.log1p(-th * nu - 0.5 * sig * sig * nu) / nu
        c2 = (sig * sig + nu * th * th) * T
        s2, t2 = sig * sig, th * th
        c4 = 3.0 * (s2 * s2 * nu + 2.0 * t2 * t2 * nu ** 3 + 4.0 * s2 * t2 * nu * nu) * T
        return (th + omega) * T, c2, c4
    else:
        C, G, M, Y = p[0], p[1], p[2], p[3]
        eps = 1e-4
        c1 = _cgmy_logcf(complex(eps, 0.0), T, C, G, M, Y).imag / eps
        c2 = T * C * math.gamma(2.0 - Y) * (M ** (Y - 2.0) + G ** (Y - 2.0))
        c4 = T * C * math.gamma(4.0 - Y) * (M ** (Y - 4.0) + G ** (Y - 4.0))
        return c1, c2, c4
    s2 = dl * dl
    c1 += lam * T * mu - lam * T * math.expm1(mu + 0.5 * s2)
    c2 += lam * T * (mu * mu + s2)
    c4 += lam * T * (mu ** 4 + 6.0 * mu * mu * s2 + 3.0 * s2 * s2)
    return c1, c2, c4


@njit(cache=True)
def _logcf_array(model, u, T, p, out):
    for k in range(u.shape[0]):
        out[k] = _logcf(model, u[k], T, p)


# --------------------------------------------------------------------------------------------
# model specifications
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ModelSpec:
    """One characteristic-function model: parameter names, domain, calibration bounds, defaults.

    Attributes
    ----------
    name : str
        Registry key (``"heston"``, ``"bates"``, ``"merton"``, ``"vg"``, ``"cgmy"``).
    model_id : int
        Dispatch id of the numba kernels.
    label : str
        Human-readable name for the UI.
    param_names : tuple of str
        Parameter order of every array and dict.
    defaults : tuple of float
        Default (equity-index-like) parameters; the calibration's first start.
    lower, upper : tuple of float
        Calibration bounds.
    start_lower, start_upper : tuple of float
        Box sampled by the calibration's multi-start stage (inside the bounds).
    domain : tuple of (float, bool, float, bool)
        Per parameter ``(lo, lo_inclusive, hi, hi_inclusive)``: where the model is defined.
    """

    name: str
    model_id: int
    label: str
    param_names: tuple[str, ...]
    defaults: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    start_lower: tuple[float, ...]
    start_upper: tuple[float, ...]
    domain: tuple[tuple[float, bool, float, bool], ...]

    @property
    def n_params(self) -> int:
        """Number of parameters."""
        return len(self.param_names)

    def as_array(self, params: ParamsLike) -> np.ndarray:
        """Parameters (dict by name, or a sequence in :attr:`param_names` order) as a checked
        float64 array; raises :class:`DataError` naming the offending parameter.

        Parameters
        ----------
        params : dict or sequence of float
            ``{name: value}`` with exactly the names of :attr:`param_names`, or the values in
            that order (units of the module table: variances in vol^2, rates such as
            ``kappa`` and ``lam`` per year, vols per sqrt(year)).

        Returns
        -------
        ndarray
            float64, shape ``(n_params,)``, inside the model's domain (see :meth:`check`).

        Raises
        ------
        DataError
            Missing or unknown names, the wrong count, a non-scalar value, or a value outside
            the domain.

        Examples
        --------
        >>> get_model("vg").as_array({"sigma": 0.2, "nu": 0.3, "theta": -0.1}).tolist()
        [0.2, 0.3, -0.1]
        """
        if isinstance(params, dict):
            missing = [n for n in self.param_names if n not in params]
            extra = [n for n in params if n not in self.param_names]
            if missing or extra:
                raise DataError(f"{self.name} parameters must be {', '.join(self.param_names)}; "
                                f"missing {missing}, unknown {extra}")
            values = [params[n] for n in self.param_names]
        else:
            values = (list(params) if isinstance(params, (list, tuple))
                      else list(np.ravel(as_float_array("params", params))))
            if len(values) != self.n_params:
                raise DataError(f"{self.name} takes {self.n_params} parameters "
                                f"({', '.join(self.param_names)}), got {len(values)}")
        out = np.empty(self.n_params)
        for i, (name, value) in enumerate(zip(self.param_names, values)):
            arr = as_float_array(name, value)
            if arr.size != 1:
                raise DataError(f"{name} must be a scalar, got an array of shape {arr.shape}")
            out[i] = float(arr.reshape(-1)[0])
        self.check(out)
        return out

    def check(self, p: np.ndarray) -> None:
        """Raise :class:`DataError` unless ``p`` lies in the model's domain.

        Parameters
        ----------
        p : ndarray
            Parameters in :attr:`param_names` order (units of the module table).

        Raises
        ------
        DataError
            A value is not finite or outside its :attr:`domain` interval (naming it), or, for
            VG, ``theta nu + sigma^2 nu / 2 >= 1`` (``E[S_T]`` infinite).
        """
        for name, x, (lo, lo_inc, hi, hi_inc) in zip(self.param_names, p, self.domain):
            if not math.isfinite(x):
                raise DataError(f"{name} must be finite, got {x}")
            if x < lo or (x == lo and not lo_inc):
                raise DataError(f"{name} must be {'>=' if lo_inc else '>'} {lo:g}, got {x:g}")
            if x > hi or (x == hi and not hi_inc):
                raise DataError(f"{name} must be {'<=' if hi_inc else '<'} {hi:g}, got {x:g}")
        if self.model_id == VG:
            sig, nu, th = p
            w = th * nu + 0.5 * sig * sig * nu
            if not w < 1.0:
                raise DataError(f"VG needs theta*nu + sigma^2*nu/2 < 1 (finite E[S_T]), got {w:g} "
                                f"(sigma={sig:g}, nu={nu:g}, theta={th:g})")

    def params_dict(self, p: ArrayLike) -> dict[str, float]:
        """Parameter array -> ``{name: value}``.

        Parameters
        ----------
        p : array_like
            Values in :attr:`param_names` order (not checked).

        Returns
        -------
        dict of str to float
            Keyed by :attr:`param_names`, in that order.
        """
        return {n: float(v) for n, v in zip(self.param_names, p)}

    def charfunc(self, u: ArrayLike, T: float, params: ParamsLike) -> np.ndarray:
        """:func:`charfunc` of this model.

        Parameters
        ----------
        u : array_like
            Real (or complex, inside the strip of regularity) arguments.
        T : float
            Maturity in years, > 0.
        params : dict or sequence of float
            Parameters (see :meth:`as_array`).

        Returns
        -------
        ndarray of complex
            ``E[exp(i u ln(S_T/F_T))]``, of the shape of ``u``.
        """
        return charfunc(self, u, T, params)

    def cumulants(self, T: float, params: ParamsLike) -> tuple[float, float, float]:
        """:func:`cumulants` of this model.

        Parameters
        ----------
        T : float
            Maturity in years, > 0.
        params : dict or sequence of float
            Parameters (see :meth:`as_array`).

        Returns
        -------
        tuple of float
            ``(c1, c2, c4)`` of ``ln(S_T / F_T)`` (dimensionless; ``c2`` is the variance).
        """
        return cumulants(self, T, params)


_INF = math.inf
_POS = (0.0, False, _INF, False)     # > 0
_NONNEG = (0.0, True, _INF, False)   # >= 0
_REAL = (-_INF, False, _INF, False)
_CORR = (-1.0, True, 1.0, True)
_JUMPS = dict(names=("lam", "mu_j", "sigma_j"), defaults=(0.3, -0.1, 0.1),
              lower=(0.0, -1.0, 1e-3), upper=(5.0, 0.5, 1.0),
              s_lo=(0.05, -0.3, 0.03), s_hi=(1.5, 0.05, 0.3), domain=(_NONNEG, _REAL, _NONNEG))
_HESTON = dict(names=("v0", "kappa", "theta", "sigma", "rho"),
               defaults=(0.04, 1.5, 0.04, 0.5, -0.6),
               lower=(1e-4, 1e-2, 1e-4, 1e-2, -0.999), upper=(1.0, 50.0, 1.0, 10.0, 0.999),
               s_lo=(0.005, 0.3, 0.01, 0.1, -0.95), s_hi=(0.15, 6.0, 0.15, 1.5, 0.0),
               domain=(_NONNEG, _POS, _NONNEG, _POS, _CORR))


def _spec(name, mid, label, *parts) -> ModelSpec:
    def cat(key):
        return tuple(x for part in parts for x in part[key])
    return ModelSpec(name, mid, label, cat("names"), cat("defaults"), cat("lower"), cat("upper"),
                     cat("s_lo"), cat("s_hi"), cat("domain"))


#: Registry of the models, keyed by name.
MODELS: dict[str, ModelSpec] = {
    "heston": _spec("heston", HESTON, "Heston", _HESTON),
    "bates": _spec("bates", BATES, "Bates (Heston + lognormal jumps)", _HESTON, _JUMPS),
    "merton": _spec("merton", MERTON, "Merton jump-diffusion",
                    dict(names=("sigma",), defaults=(0.15,), lower=(0.01,), upper=(1.0,),
                         s_lo=(0.05,), s_hi=(0.35,), domain=(_POS,)), _JUMPS),
    "vg": _spec("vg", VG, "Variance Gamma",
                dict(names=("sigma", "nu", "theta"), defaults=(0.18, 0.3, -0.15),
                     lower=(0.01, 1e-3, -1.0), upper=(0.8, 1.5, 0.2),
                     s_lo=(0.08, 0.05, -0.5), s_hi=(0.35, 1.0, 0.0),
                     domain=(_POS, _POS, _REAL))),
    "cgmy": _spec("cgmy", CGMY, "CGMY",
                  dict(names=("C", "G", "M", "Y"), defaults=(0.4, 5.0, 10.0, 0.5),
                       lower=(1e-4, 0.05, 1.05, 0.0), upper=(20.0, 60.0, 100.0, 1.95),
                       s_lo=(0.02, 1.0, 3.0, 0.1), s_hi=(2.0, 15.0, 40.0, 1.5),
                       domain=(_POS, _POS, (1.0, False, _INF, False), (0.0, True, 2.0, False)))),
}


def get_model(model: str | ModelSpec) -> ModelSpec:
    """The :class:`ModelSpec` of ``model`` (a name, case-insensitive, or a spec).

    Parameters
    ----------
    model : str or ModelSpec
        A key of :data:`MODELS` (surrounding whitespace and case ignored), or a spec, returned
        as it is.

    Returns
    -------
    ModelSpec

    Raises
    ------
    DataError
        An unknown model name.

    Examples
    --------
    >>> get_model(" Heston ").param_names
    ('v0', 'kappa', 'theta', 'sigma', 'rho')
    """
    if isinstance(model, ModelSpec):
        return model
    key = str(model).strip().lower()
    if key not in MODELS:
        raise DataError(f"model must be one of {', '.join(MODELS)}, got {model!r}")
    return MODELS[key]


def charfunc(model: str, u: ArrayLike, T: float, params: ParamsLike) -> np.ndarray:
    """Characteristic function of the centred log-price ``ln(S_T / F_T)``.

    Parameters
    ----------
    model : str
        ``"heston"``, ``"bates"``, ``"merton"``, ``"vg"`` or ``"cgmy"``.
    u : array_like
        Real (or complex, inside the strip of regularity) arguments.
    T : float
        Maturity in years (ACT/365), > 0.
    params : dict or sequence
        Model parameters (see :data:`MODELS`).

    Returns
    -------
    ndarray of complex
        ``E[exp(i u ln(S_T/F_T))]``; multiply by ``exp(i u ln F_T)`` for the cf of ``ln S_T``.
    """
    spec = get_model(model)
    p = spec.as_array(params)
    T = float(T)
    if not (math.isfinite(T) and T > 0.0):
        raise DataError(f"T must be > 0, got {T}")
    u = np.asarray(u, dtype=np.complex128)
    out = np.empty(u.size, dtype=np.complex128)
    _logcf_array(spec.model_id, u.reshape(-1), T, p, out)
    return np.exp(out).reshape(u.shape)


def cumulants(model: str, T: float, params: ParamsLike) -> tuple[float, float, float]:
    """First, second and fourth cumulants ``(c1, c2, c4)`` of ``ln(S_T / F_T)``.

    Heston and Bates use an RK4 solution of the Riccati equations of the cumulant generating
    function (relative accuracy about 1e-4, enough for a truncation range); the Levy models use
    closed forms (c1 of CGMY by a difference quotient).

    Parameters
    ----------
    model : str
        ``"heston"``, ``"bates"``, ``"merton"``, ``"vg"`` or ``"cgmy"`` (or a :class:`ModelSpec`).
    T : float
        Maturity in years, > 0.
    params : dict or sequence
        Model parameters (see :data:`MODELS`).

    Returns
    -------
    tuple of float
        ``(c1, c2, c4)``: mean, variance and fourth cumulant of ``ln(S_T / F_T)``
        (dimensionless; ``sqrt(c2 / T)`` is a vol per sqrt(year)).

    Raises
    ------
    DataError
        An unknown model, bad parameters, or ``T`` not finite and > 0.

    Examples
    --------
    Merton without jumps is Black-Scholes: ``c1 = -sigma^2 T / 2``, ``c2 = sigma^2 T``, ``c4 = 0``.

    >>> c1, c2, c4 = cumulants("merton", 2.0, (0.2, 0.0, 0.0, 0.1))
    >>> round(c1, 12), round(c2, 12), c4
    (-0.04, 0.08, 0.0)
    """
    spec = get_model(model)
    p = spec.as_array(params)
    T = float(T)
    if not (math.isfinite(T) and T > 0.0):
        raise DataError(f"T must be > 0, got {T}")
    c1, c2, c4 = _cumulants(spec.model_id, T, p)
    return float(c1), float(c2), float(c4)


# Scalar numba kernels shared with the Fourier pricers (core.pricing.fourier); no validation.
# ``model`` is a model id (HESTON, BATES, ...), ``p`` the float64 parameter array of
# :data:`MODELS`, ``T`` in years.
#: ``logcf_kernel(model, u, T, p)`` -> complex ln phi(u) of ``ln(S_T / F_T)``.
logcf_kernel = _logcf
#: ``dlogcf_kernel(model, u, T, p, out)``: gradient of ln phi(u) in the parameters into ``out``.
dlogcf_kernel = _dlogcf
#: ``cumulants_kernel(model, T, p)`` -> (c1, c2, c4) as :func:`cumulants`, from a model id.
cumulants_kernel = _cumulants
__all__ += ["logcf_kernel", "dlogcf_kernel", "cumulants_kernel"]
