"""Calibration of Heston, Bates, Merton, VG and CGMY to an option chain.

:func:`calibrate` fits a model to the chain's out-of-the-money quotes with strikes in
``[lo, hi] x forward`` (default 0.6-1.4), each priced with its own expiry's forward and discount
factor, by weighted least squares in implied volatility:

1. **Residuals.** By default (``weights="iv"``) the residual of a quote is its exact
   implied-vol error (model implied vol - market implied vol; Jacobian divided by the model
   vega), so the least-squares objective is the reported IV RMSE itself. ``"vega"`` uses
   ``(model price - market mid) / vega`` at the market implied vol, a first-order implied-vol
   error that needs no inversion (the fast scheme; its optimum differs from the exact-IV one by
   a few hundredths of a vol point on SPX). ``"spread"`` divides the vega
   residuals by each quote's bid-ask implied-vol spread (relative to the median), ``"price"``
   uses price residuals over spot, and an array gives per-quote weights on the vega residuals.
2. **Prices and Jacobian** come from one COS quadrature per expiry
   (:mod:`core.pricing.fourier`): the derivative of each price in the parameters is the same
   cosine sum applied to ``d phi / d p`` - analytic for Heston (the gradient of Cui, del Bano
   Rollin & Germano 2017, in the little-trap form), Bates, Merton and VG, and central
   differences of ``ln phi`` for CGMY.
3. **Global stage.** The defaults, a data-informed start (variances from the chain's at-the-money
   vols) and a scrambled Sobol sample of the model's start box (fixed seed: deterministic) are
   evaluated with a cheaper COS tolerance; the best ``n_local`` distinct points start
4. **Levenberg-Marquardt** runs (scipy ``least_squares``, trust-region reflective with bounds,
   ``x_scale="jac"``); the lowest cost wins. A warm start (``start=``) skips the global stage
   and runs from the given parameters (falling back to the global stage if that run fails).
   With exact-IV residuals from a cold start, the global stage and the first run use the vega
   residuals (smoother away from the optimum: exact-IV residuals from a poor start led Bates
   into a Heston-like local minimum, 1.49 vol pts against 1.16) and an exact-IV run polishes
   the result, so ``"iv"`` is never worse than ``"vega"`` in IV RMSE from the same start.

Confidence intervals (:attr:`CalibrationResult.intervals`) are built on a domain-respecting
scale and warnings (:attr:`CalibrationResult.warnings`) flag bounds, weak identification and
implausible dynamics (:mod:`core.calibration.uncertainty`).

Standard errors use ``cov = s^2 (J^T J)^-1`` at the optimum, ``s^2 = sum(r^2)/(n - p)``.
The reported RMSE is always the exact implied-vol RMSE of the fitted model.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields

import numpy as np

from core.calibration.uncertainty import fit_warnings, transformed_intervals
from core.calibration.objective import (N_MAX_FIT as _N_MAX_FIT, TOL_FIT as _TOL_FIT,
                                        TOL_GLOBAL as _TOL_GLOBAL, model_iv as _model_iv,
                                        Objective as _Objective, model_prices as _prices,
                                        select_quotes as _select_quotes,
                                        quote_weights as _weights)
from core.errors import CalibrationError, DataError
from core.pricing.charfuncs import ModelSpec, get_model
from core.pricing.fourier import COS_L, COS_TOL
from core._typing import ArrayLike
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names used in annotations only
    from core.data.chain import Chain

__all__ = ["calibrate", "CalibrationResult"]


def _num(x):
    """float for JSON: NaN and infinities become None."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _back(x):
    return math.nan if x is None else float(x)


@dataclass(frozen=True, slots=True)
class CalibrationResult:
    """A calibrated model and how well it fits.

    Attributes
    ----------
    model : str
        Model name (``"heston"``, ``"bates"``, ``"merton"``, ``"vg"``, ``"cgmy"``).
    params : dict of str to float
        Calibrated parameters in the model's order (variances in vol^2, rates per year).
    stderr : dict of str to float
        Asymptotic standard errors from the Jacobian at the optimum,
        ``cov = s^2 (J^T J)^-1`` with ``s^2 = sum(r^2) / (n - p)``; NaN when not identifiable.
    correlations : tuple of tuple of float
        Parameter correlation matrix from the same covariance, in :attr:`param_names` order.
    param_names : tuple of str
        Order of :attr:`correlations` rows and columns.
    rmse_iv : float
        Root-mean-square implied-vol error over the quotes used, in vol (0.01 = 1 vol point).
    rmse_iv_by_expiry : dict of str to float
        The same per expiry, keyed by ISO date.
    n_quotes : int
        Number of quotes fitted.
    iterations : int
        Levenberg-Marquardt iterations (Jacobian evaluations), summed over the local runs.
    evaluations : int
        Model surface evaluations, global stage included.
    elapsed : float
        Wall time of the calibration, seconds.
    feller : bool or None
        Heston/Bates: whether ``2 kappa theta > sigma^2``; None for the other models.
    feller_value : float or None
        ``2 kappa theta - sigma^2`` (Heston/Bates), else None.
    fingerprint : str
        Hash of the quotes used (maturities, strikes, types, mids, forwards, discounts) and the
        selection, so a stored result can be matched to its data.
    settings : dict
        Selection, weighting, solver and pricer settings used (JSON-ready).
    cost : float
        Final least-squares cost ``0.5 sum(r^2)`` of the weighted residuals.
    message : str
        Solver message of the best local run.
    intervals : dict of str to (float, float)
        95% confidence intervals built on a scale where the parameter is unbounded (log for
        positive parameters, logit / atanh for bounded ones; see
        :mod:`core.calibration.uncertainty`), so they never contain impossible values; one-sided
        from the bound for a parameter at a calibration bound; ``(nan, nan)`` if not identified.
    warnings : tuple of str
        Plain-language warnings: parameters at a bound, unidentified or loosely determined
        parameters, collinear pairs / an ill-conditioned fit, implausible Heston/Bates dynamics.
    """

    model: str
    params: dict
    stderr: dict
    correlations: tuple
    param_names: tuple
    rmse_iv: float
    rmse_iv_by_expiry: dict
    n_quotes: int
    iterations: int
    evaluations: int
    elapsed: float
    feller: bool | None
    feller_value: float | None
    fingerprint: str
    settings: dict = field(default_factory=dict)
    cost: float = math.nan
    message: str = ""
    intervals: dict = field(default_factory=dict)
    warnings: tuple = ()

    @property
    def rmse_vol_points(self) -> float:
        """:attr:`rmse_iv` in vol points (1.0 = one percentage point of vol)."""
        return 100.0 * self.rmse_iv

    @property
    def correlation_matrix(self) -> np.ndarray:
        """:attr:`correlations` as a float array."""
        return np.array(self.correlations, dtype=np.float64)

    def summary(self) -> list[str]:
        """Human-readable lines for the UI.

        Returns
        -------
        list of str
            The parameters with their 95% intervals; the IV RMSE (vol points), quote count,
            iterations and wall time (seconds); the Feller value for Heston/Bates; then one
            ``"Warning: ..."`` line per warning.
        """
        def ci(k):
            lo, hi = self.intervals.get(k, (math.nan, math.nan))
            return f"95% {lo:.3g} to {hi:.3g}" if math.isfinite(lo) and math.isfinite(hi) \
                else "interval n/a"

        ps = ", ".join(f"{k}={v:.4g} ({ci(k)})" for k, v in self.params.items())
        out = [f"{self.model}: {ps}",
               f"IV RMSE {100 * self.rmse_iv:.2f} vol pts over {self.n_quotes} quotes, "
               f"{self.iterations} iterations, {self.elapsed:.2f} s"]
        if self.feller is not None:
            out.append(f"Feller 2*kappa*theta - sigma^2 = {self.feller_value:.4g} "
                       f"({'satisfied' if self.feller else 'violated'})")
        out.extend(f"Warning: {w}" for w in self.warnings)
        return out

    def to_dict(self) -> dict:
        """JSON-ready dict (NaN as None).

        Returns
        -------
        dict
            Every field (tuples as lists, intervals as ``[lo, hi]``) and ``kind ==
            "CalibrationResult"``; read back by :meth:`from_dict`.
        """
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name in ("params", "stderr", "rmse_iv_by_expiry"):
                v = {k: _num(x) for k, x in v.items()}
            elif f.name == "correlations":
                v = [[_num(x) for x in row] for row in v]
            elif f.name in ("param_names", "warnings"):
                v = list(v)
            elif f.name == "intervals":
                v = {k: [_num(a), _num(b)] for k, (a, b) in v.items()}
            elif f.name in ("rmse_iv", "elapsed", "cost", "feller_value"):
                v = _num(v)
            out[f.name] = v
        out["kind"] = "CalibrationResult"
        return out

    @classmethod
    def from_dict(cls, data: dict) -> CalibrationResult:
        """Inverse of :meth:`to_dict`; raises :class:`DataError` on a malformed dict.

        Parameters
        ----------
        data : dict
            The output of :meth:`to_dict` (possibly through JSON; ``None`` read back as NaN).
            ``kind`` may be absent.

        Returns
        -------
        CalibrationResult

        Raises
        ------
        DataError
            ``data`` is not a dict or has another ``kind``, or a field is missing or malformed.
        """
        kind = data.get("kind", "CalibrationResult") if isinstance(data, dict) else None
        if kind != "CalibrationResult":
            raise DataError("not a CalibrationResult dict (expected CalibrationResult.to_dict())")
        try:
            kw = {f.name: data[f.name] for f in fields(cls) if f.name in data}
            for name in ("params", "stderr", "rmse_iv_by_expiry"):
                kw[name] = {str(k): _back(x) for k, x in kw[name].items()}
            kw["correlations"] = tuple(tuple(_back(x) for x in row) for row in kw["correlations"])
            kw["param_names"] = tuple(kw["param_names"])
            for name in ("rmse_iv", "elapsed"):
                kw[name] = _back(kw[name])
            if "cost" in kw:
                kw["cost"] = _back(kw["cost"])
            if kw.get("feller_value") is not None:
                kw["feller_value"] = float(kw["feller_value"])
            kw["settings"] = dict(kw.get("settings") or {})
            kw["intervals"] = {str(k): (_back(a), _back(b))
                               for k, (a, b) in (kw.get("intervals") or {}).items()}
            kw["warnings"] = tuple(str(w) for w in kw.get("warnings") or ())
            return cls(**kw)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DataError(f"malformed CalibrationResult dict: {exc!r}") from exc


def _inside(spec: ModelSpec, x) -> np.ndarray:
    lo, hi = np.array(spec.lower), np.array(spec.upper)
    pad = 1e-9 * (hi - lo)
    return np.clip(np.asarray(x, dtype=np.float64), lo + pad, hi - pad)


def _candidates(spec: ModelSpec, chain, n_starts: int) -> np.ndarray:
    """Defaults, a data-informed start and a Sobol sample of the start box."""
    from scipy.stats import qmc

    pts = [np.array(spec.defaults)]
    ex = chain.expiries
    atm = ex["atm_iv"].to_numpy(np.float64) if "atm_iv" in ex else np.array([])
    atm = atm[np.isfinite(atm)]
    if atm.size:
        informed = np.array(spec.defaults)
        names = spec.param_names
        if "v0" in names:
            informed[names.index("v0")] = atm[0] ** 2
            informed[names.index("theta")] = atm[-1] ** 2
        elif spec.name in ("merton", "vg"):
            informed[0] = atm[-1]
        pts.append(informed)
    if n_starts > 0:
        sob = qmc.Sobol(spec.n_params, scramble=True, seed=20110124)
        m = max(1, int(math.ceil(math.log2(n_starts))))
        u = sob.random_base2(m)[:n_starts]
        lo, hi = np.array(spec.start_lower), np.array(spec.start_upper)
        pts.extend(lo + u * (hi - lo))
    return np.array([_inside(spec, p) for p in pts])


def calibrate(chain: Chain, model: str, *, progress: Callable[[float, str], None] | None = None,
              start: Mapping[str, float] | CalibrationResult | None = None,
              weights: str | ArrayLike = "iv", should_stop: Callable[[], bool] | None = None,
              lo: float = 0.6, hi: float = 1.4, exclude_wide: bool = False, t_min: float = 0.0,
              n_starts: int = 32, n_local: int = 1, max_nfev: int = 200) -> CalibrationResult:
    """Calibrate a characteristic-function model to a chain's OTM implied-vol surface.

    Parameters
    ----------
    chain : core.data.Chain
        The option chain; its OTM quotes with ``lo <= K/F <= hi`` and a finite ``iv`` are fitted,
        each with its expiry's forward and discount factor.
    model : str
        ``"heston"``, ``"bates"``, ``"merton"``, ``"vg"`` or ``"cgmy"``.
    progress : callable(fraction, message), optional
        Called during the fit with a fraction in [0, 1].
    start : dict or CalibrationResult, optional
        Warm start (e.g. a previous result's ``params``): skips the global stage.
    weights : {"iv", "vega", "spread", "price"} or array_like
        Residual weighting (module docstring; default exact implied vol); an array holds one
        weight per quote used (on the vega residuals).
    should_stop : callable() -> bool, optional
        Polled at every model evaluation; True cancels with ``CalibrationError("cancelled")``.
    lo, hi : float
        Moneyness window ``K / F``.
    exclude_wide : bool
        Also drop quotes flagged as wide spread.
    t_min : float
        Only expiries with ``T > t_min`` (years) are fitted (e.g. 0.02 drops the last week).
    n_starts : int
        Sobol points of the global stage (0 for defaults and the data-informed start only).
    n_local : int
        Levenberg-Marquardt runs from the best global points.
    max_nfev : int
        Cap on model evaluations per local run.

    Returns
    -------
    CalibrationResult

    Raises
    ------
    DataError
        Unknown model, invalid weights or start, bad selection bounds.
    CalibrationError
        Too few quotes, no finite fit, or cancelled (message ``"cancelled"``).

    Examples
    --------
    Heston prices of three expiries (r = 2%, q = 1%) calibrate back to the parameters that made
    them (a few seconds):


    >>> import numpy as np, pandas as pd
    >>> from core.data import load_chain
    >>> from core.pricing import heston_price
    >>> true = dict(v0=0.04, kappa=1.5, theta=0.04, sigma=0.5, rho=-0.7)
    >>> rows = []
    >>> for expiry in ("2024-04-02", "2024-07-02", "2025-01-02"):
    ...     T = (pd.Timestamp(expiry) - pd.Timestamp("2024-01-02")).days / 365
    ...     K = np.arange(70.0, 135.0, 5.0)
    ...     for cp in "CP":
    ...         prices = heston_price(100.0, K, T, 0.02, 0.01, *true.values(), cp == "C")
    ...         rows += [dict(quote_date="2024-01-02", expiry=expiry, strike=k, type=cp,
    ...                       bid=p - 0.01, ask=p + 0.01, spot=100.0) for k, p in zip(K, prices)]
    >>> result = calibrate(load_chain(pd.DataFrame(rows)), "heston", n_starts=8)
    >>> {name: round(value, 3) for name, value in result.params.items()} == true
    True
    >>> result.rmse_iv < 1e-6
    True
    """
    from scipy.optimize import least_squares

    t0 = time.perf_counter()
    spec = get_model(model)
    report = progress if progress is not None else (lambda f, m: None)
    report(0.0, f"Selecting quotes for {spec.label}")
    t_min = float(t_min)
    if not (math.isfinite(t_min) and t_min >= 0.0):
        raise DataError(f"t_min must be a finite number of years >= 0, got {t_min!r}")
    q = _select_quotes(chain, lo, hi, exclude_wide, t_min)
    n = q.T.size
    if n < spec.n_params + 2:
        raise CalibrationError(f"{spec.label} has {spec.n_params} parameters but only {n} "
                               f"usable OTM quotes in {lo:g}-{hi:g} x forward")
    mode, sw = _weights(weights, q)
    warm = None
    if start is not None:
        params = start.params if isinstance(start, CalibrationResult) else start
        warm = _inside(spec, spec.as_array(params))
    n_starts, n_local = max(int(n_starts), 0), max(int(n_local), 1)

    stage = {"base": 0.0, "span": 0.0, "evals": 0}

    def on_eval():
        if should_stop is not None and should_stop():
            raise CalibrationError("cancelled")
        stage["evals"] += 1
        if stage["span"] and stage["evals"] % 4 == 0:
            frac = stage["base"] + stage["span"] * (1.0 - math.exp(-stage["evals"] / 20.0))
            report(min(frac, 0.96), f"{stage['msg']}: {stage['evals']} model evaluations")

    fit = _Objective(spec, q, mode, sw, _TOL_FIT, _N_MAX_FIT, on_eval)
    # exact-IV fits from a cold start search (global stage + first LM) on the first-order vega
    # residuals, whose landscape is smoother away from the optimum, then polish in exact IV
    two_stage = mode == "iv" and warm is None
    search = _Objective(spec, q, "vega", sw, _TOL_FIT, _N_MAX_FIT, on_eval) if two_stage else fit
    bounds = (np.array(spec.lower), np.array(spec.upper))
    runs, failures, iterations, n_global = [], [], 0, 0

    def local(x0, base, span, label, obj=fit, keep=True):
        nonlocal iterations
        stage.update(base=base, span=span, evals=0, msg=label)
        report(base, label)
        try:
            res = least_squares(obj.residuals, x0, jac=obj.jacobian, bounds=bounds, method="trf",
                                x_scale="jac", ftol=1e-10, xtol=1e-10, gtol=1e-10,
                                max_nfev=max_nfev)
        except (ValueError, np.linalg.LinAlgError) as exc:
            failures.append(f"{label}: {exc}")
            return None
        iterations += int(res.njev or 0)
        if not np.all(np.isfinite(res.x)) or not math.isfinite(res.cost):
            failures.append(f"{label}: non-finite parameters or cost")
            return None
        if keep:
            runs.append((res, x0))
        return res

    if warm is not None:
        local(warm, 0.05, 0.9, "Levenberg-Marquardt from the warm start")
    if not runs:
        cands = _candidates(spec, chain, n_starts)
        coarse = _Objective(spec, q, search.mode, sw, _TOL_GLOBAL, 1024, lambda: None)
        costs = np.empty(len(cands))
        for i, x in enumerate(cands):
            if should_stop is not None and should_stop():
                raise CalibrationError("cancelled")
            costs[i] = coarse.cost(x)
            if i % 8 == 0:
                report(0.02 + 0.2 * i / len(cands), f"Global search {i + 1}/{len(cands)}")
        n_global = coarse.n_eval
        costs[~np.isfinite(costs)] = np.inf
        if not np.isfinite(costs).any():
            raise CalibrationError(f"{spec.label}: the model could not be evaluated at any start")
        order = np.argsort(costs)
        chosen = []
        scale = np.array(spec.upper) - np.array(spec.lower)
        for i in order:
            if len(chosen) == n_local or not np.isfinite(costs[i]):
                break
            if all(np.max(np.abs(cands[i] - cands[j]) / scale) > 0.05 for j in chosen):
                chosen.append(i)
        width = 0.7 / len(chosen)
        for k, i in enumerate(chosen):
            label = f"Levenberg-Marquardt run {k + 1}/{len(chosen)}"
            base = 0.25 + width * k
            if not two_stage:
                local(cands[i], base, width, label)
                continue
            first = local(cands[i], base, 0.6 * width, label + " (vega residuals)", obj=search,
                          keep=False)
            if first is not None:
                local(np.clip(first.x, *bounds), base + 0.6 * width, 0.4 * width,
                      f"Exact implied-vol polish {k + 1}/{len(chosen)}")
    if not runs:
        raise CalibrationError(f"{spec.label}: no local fit converged to finite parameters "
                               f"({'; '.join(failures) or 'no start'})")
    best, x0 = min(runs, key=lambda run: run[0].cost)
    stage.update(span=0.0)              # the statistics below evaluate the model once more
    report(0.97, "Standard errors and fit statistics")
    evaluations = fit.n_eval + n_global + (search.n_eval if two_stage else 0)
    return _result(spec, q, fit, best, mode, weights, iterations, evaluations,
                   time.perf_counter() - t0, dict(
                       lo=lo, hi=hi, exclude_wide=exclude_wide, t_min=t_min, n_starts=n_starts,
                       n_local=n_local, max_nfev=max_nfev, warm_start=warm is not None,
                       start=spec.params_dict(x0),
                       search="vega residuals, then exact implied vol" if two_stage
                       else mode),
                   report)


def _result(spec, q, fit, best, mode, weights, iterations, evaluations, elapsed, sel, report):
    x = best.x
    r = fit.residuals(x)
    J = fit.jacobian(x)
    n, k = J.shape
    dof = max(n - k, 1)
    s2 = float(r @ r) / dof
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = s2 * np.linalg.pinv(J.T @ J, rcond=1e-13)
        sd = np.sqrt(np.where(np.diag(cov) >= 0, np.diag(cov), np.nan))
        corr = cov / np.outer(sd, sd)
    price, _ = _prices(spec, x, q, 0, COS_TOL, _N_MAX_FIT)
    err = _model_iv(price, q) - q.iv
    ok = np.isfinite(err)
    if not ok.any():
        raise CalibrationError(f"{spec.label}: the fitted model gives no finite implied vols")
    rmse = float(np.sqrt(np.mean(err[ok] ** 2)))
    by_exp = {}
    for e in dict.fromkeys(q.expiry):
        m = (q.expiry == e) & ok
        by_exp[str(e)] = float(np.sqrt(np.mean(err[m] ** 2))) if m.any() else math.nan
    params = spec.params_dict(x)
    intervals = transformed_intervals(spec, x, sd)
    warns = fit_warnings(spec, x, sd, corr, intervals, first_expiry=float(q.Tu[0]))
    feller = feller_value = None
    if "kappa" in params:
        feller_value = 2.0 * params["kappa"] * params["theta"] - params["sigma"] ** 2
        feller = bool(feller_value > 0.0)
    settings = dict(sel, weights=weights if isinstance(weights, str) else "custom",
                    residuals=mode, method="trf", cos_L=COS_L, cos_tol=COS_TOL,
                    cos_n_max=_N_MAX_FIT, n_failed_iv=int((~ok).sum()),
                    jacobian="analytic" if spec.name != "cgmy" else "cf central differences")
    report(1.0, "Done")
    return CalibrationResult(
        model=spec.name, params=params,
        stderr={nm: float(v) for nm, v in zip(spec.param_names, sd)},
        correlations=tuple(tuple(float(v) for v in row) for row in corr),
        param_names=spec.param_names, rmse_iv=rmse, rmse_iv_by_expiry=by_exp, n_quotes=int(n),
        iterations=int(iterations), evaluations=int(evaluations), elapsed=float(elapsed),
        feller=feller, feller_value=feller_value, fingerprint=q.fingerprint, settings=settings,
        cost=float(best.cost), message=str(best.message), intervals=intervals,
        warnings=tuple(warns))
