"""The surface fitters :func:`fit_svi`, :func:`fit_ssvi`, :func:`fit_sabr`, plus
:func:`surface_from_params` and :func:`warm_kernels`. The model formulas and per-slice solvers
they call live beside their models (:mod:`core.surface.svi`, :mod:`core.surface.ssvi`,
:mod:`core.surface.sabr_fit`); the result type in :mod:`core.surface.result`.

Every fit selects the chain's out-of-the-money quotes with ``0.6 <= K/F <= 1.4`` (by default
without wide-spread quotes; see :mod:`core.surface.quotes`), fits in total variance against
``k = ln(K/F)`` with spread-aware weights, skips expiries with fewer than ``min_quotes`` usable
quotes (with the reason), and raises :class:`~core.errors.CalibrationError` only when no expiry
at all can be fitted.
"""
from __future__ import annotations

import dataclasses
import math
import time

import numpy as np
import pandas as pd

from core._validate import positive_scalar
from core.errors import CalibrationError, DataError
from core.surface.quotes import MIN_QUOTES, prepare
from core.surface.result import (PARAM_NAMES, Progress, SurfaceFit, day_label, finish_fit,
                                 fit_options, make_fit, nothing_fitted)
from core.surface.sabr_fit import fit_sabr_slice
from core.surface.ssvi import fit_ssvi_arrays, isotonic, shape_limited_note, ssvi_to_raw
from core.surface.svi import fit_svi_slice
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # names used in annotations only
    from core.data.chain import Chain

__all__ = ["fit_svi", "fit_ssvi", "fit_essvi", "fit_sabr", "surface_from_params", "warm_kernels"]


def fit_svi(chain: Chain, *, lo: float = 0.6, hi: float = 1.4, exclude_wide: bool = True,
            min_quotes: int = MIN_QUOTES, calendar: bool | str = False,
            progress: Progress = None) -> SurfaceFit:
    """Raw SVI smile per expiry (Gatheral 2004) by the quasi-explicit method (Zeliade 2009).

    Parameters
    ----------
    chain : core.data.Chain
        A loaded chain (forwards and OTM implied vols are taken from it).
    lo, hi : float
        Moneyness range ``lo <= K/F <= hi`` of the quotes used.
    exclude_wide : bool
        Leave wide-spread quotes (flagged by the loader) out of the fit; they stay in
        :meth:`SurfaceFit.residuals` with ``used = False``.
    min_quotes : int
        Expiries with fewer usable quotes are skipped (listed in ``skipped``).
    calendar : bool or "joint"
        ``"joint"``: all slices' parameters optimised together, from the independent fits'
        objective, under calendar (``k`` in ``[-1.5, 1.5]``) and butterfly (``g >= 0`` on
        ``[-3, 3]``, ``w >= 0``) constraints (:func:`core.surface.svi_joint.joint_refit`); a
        note says whether every constraint holds. ``True``: sequential calendar-aware fit: slices are refitted nearest first so that none crosses the one
        before on ``k`` in ``[-1.5, 1.5]`` (:func:`core.surface.svi_refit.calendar_refit`); each stays free
        of butterfly arbitrage. Default False (independent slices): on daily expiries the
        ordering that far into the wings costs several vol points on later slices.
    progress : callable, optional
        ``progress(fraction, message)`` after each expiry (and, for ``"joint"``, after each
        block of the joint fit).

    Returns
    -------
    SurfaceFit
        ``params`` columns ``a, b, rho, m, sigma`` (raw SVI of total variance ``w(k)``) and
        ``method`` ('quasi-explicit'; 'penalised' or 'ssvi-slice' when a refit free of
        butterfly arbitrage was needed, see :func:`~core.surface.svi.fit_svi_slice`),
        ``arbitrage_free``, ``min_g`` (smallest Durrleman g on ``[-3, 3]``) and ``min_w``
        (minimum total variance). Each slice has ``min_w >= 0`` and ``g >= 0`` on ``[-3, 3]``;
        a slice for which no such fit was found has ``arbitrage_free = False`` and a note says
        so and by how much. Slices are fitted independently, so they may cross (calendar arbitrage),
        typically in the wings beyond the quotes: :meth:`SurfaceFit.arbitrage` reports where;
        :func:`~core.surface.fit_ssvi` and :func:`~core.surface.fit_essvi` give surfaces free of
        both (eSSVI: an SSVI slice per expiry with its own ``rho``, fast on dense short chains
        where ``calendar=True`` is slow).

    Raises
    ------
    CalibrationError
        When no expiry can be fitted. Invalid arguments raise :class:`DataError`.

    Examples
    --------
    A chain quoted at a flat 20% vol (see :func:`core.data.load_chain`) is fitted flat and free of
    arbitrage:


    >>> import numpy as np, pandas as pd
    >>> from core.data import load_chain
    >>> from core.pricing import bs_price
    >>> T, K = 182 / 365, np.arange(80.0, 125.0, 5.0)
    >>> prices = {cp: bs_price(100.0, K, T, 0.02, 0.01, 0.2, cp == "C") for cp in "CP"}
    >>> rows = [dict(quote_date="2024-01-02", expiry="2024-07-02", strike=k, type=cp,
    ...              bid=p - 0.05, ask=p + 0.05, spot=100.0)
    ...         for cp in "CP" for k, p in zip(K, prices[cp])]
    >>> fit = fit_svi(load_chain(pd.DataFrame(rows)))
    >>> np.round(fit.implied_vol([90.0, 100.0, 110.0], T), 6)
    array([0.2, 0.2, 0.2])
    >>> fit.arbitrage().butterfly_free
    True
    """
    if not (isinstance(calendar, (bool, np.bool_)) or calendar == "joint"):
        raise DataError(f"calendar must be True, False or 'joint', got {calendar!r}")
    t0 = time.perf_counter()
    P = prepare(chain, lo=lo, hi=hi, exclude_wide=exclude_wide, min_quotes=min_quotes)
    if not P.slices:
        raise nothing_fitted("SVI", P)
    rows, skipped, penalised, failed, used = [], list(P.skipped), [], [], []
    for i, s in enumerate(P.slices):
        day = day_label(s.expiry)
        r = fit_svi_slice(s.k, s.total_variance, s.w_weight ** 2)
        params = [r[c] for c in PARAM_NAMES["svi"]]
        if not all(math.isfinite(x) for x in params):
            skipped.append((day, "SVI fit did not converge (non-finite parameters)"))
            continue
        rows.append({"expiry": s.expiry, "T": s.T, "forward": s.forward,
                     **dict(zip(PARAM_NAMES["svi"], params)), "method": r["method"],
                     "arbitrage_free": r["arbitrage_free"], "min_g": r["min_g"],
                     "min_w": r["min_w"]})
        used.append(s)
        if r["method"] != "quasi-explicit":
            penalised.append(f"{day} ({r['method']})")
        if not r["arbitrage_free"]:
            failed.append(f"{day}: min g = {r['min_g']:.3g}, min total variance = "
                          f"{r['min_w']:.3g}")
        if progress is not None:
            share = 0.2 if calendar == "joint" else 1.0
            progress(share * (i + 1) / len(P.slices), f"SVI: fitted expiry {day}")
    if not rows:
        raise CalibrationError("no expiry could be fitted with SVI: " +
                               "; ".join(f"{e}: {r}" for e, r in skipped[:4]))
    notes = []
    if calendar == "joint":
        notes.append(_joint(rows, used, progress))
    elif calendar:
        from core.surface.svi import min_g, min_total_variance
        from core.surface.svi_refit import calendar_refit

        names = PARAM_NAMES["svi"]
        done = calendar_refit(used, [tuple(row[c] for c in names) for row in rows])
        refit, crossed = [], []
        for row, (params, what) in zip(rows, done):
            if what == "kept":
                continue
            if what == "calendar refit":
                row.update(dict(zip(names, params)), method=f"{row['method']}+calendar")
                row["min_g"], row["min_w"] = min_g(params)[0], min_total_variance(params)
                row["arbitrage_free"] = bool(row["min_g"] >= 0.0 and row["min_w"] >= 0.0)
                refit.append(day_label(row["expiry"]))
            else:
                crossed.append(f"{day_label(row['expiry'])} ({what})")
        notes.append("Calendar-aware fit: no slice below the previous expiry's on k in "
                     "[-1.5, 1.5]"
                     + (f"; refitted: {', '.join(refit)}" if refit else "")
                     + (f"; NOT achieved for {', '.join(crossed)}" if crossed else "") + ".")
    if penalised:
        notes.append(f"Refitted free of butterfly arbitrage (the quasi-explicit fit had g(k) < 0 "
                     f"or a negative minimum variance): {', '.join(penalised)}.")
    if failed:
        notes.append(f"NOT free of butterfly arbitrage on k in [-3, 3] (no arbitrage-free refit "
                     f"was found; the least violating is shown): {'; '.join(failed)}.")
    return finish_fit("svi", rows, P, t0, skipped, {},
                      fit_options("svi", lo, hi, exclude_wide, min_quotes,
                                  calendar=calendar if calendar == "joint"
                                  else bool(calendar)), notes)


def _joint(rows: list[dict], used: list, progress: Progress = None) -> str:
    """Replace the independent SVI rows by the joint calendar-aware fit (in place); the note."""
    from core.surface.svi import min_g, min_total_variance
    from core.surface.svi_joint import joint_refit

    names = PARAM_NAMES["svi"]
    fits = [tuple(row[c] for c in names) for row in rows]
    start, origin = None, "the eSSVI slices"
    if all(math.isfinite(s.atm_vol) for s in used):
        from core.surface.essvi import essvi_to_raw, fit_essvi_slices

        fitted = fit_essvi_slices(used)
        if all(x["ok"] for x in fitted):
            start = [tuple(float(c) for c in essvi_to_raw(x["theta"], x["rho"], x["psi"]))
                     for x in fitted]
    r = None
    step = None if progress is None else (lambda f, m: progress(0.2 + 0.8 * f, m))
    if start is not None:
        r = joint_refit(used, fits, start, progress=step)
    if r is None or (r.iterations == 0 and not r.message.startswith("already")):
        from core.surface.svi_refit import calendar_refit

        origin = "the sequential calendar refit"
        r = joint_refit(used, fits, [p for p, _ in calendar_refit(used, fits)], progress=step)
    if r.message.startswith("already"):
        return ("Joint calendar-aware fit: the independent slices already have no calendar "
                "arbitrage on k in [-1.5, 1.5] and no butterfly arbitrage: kept unchanged.")
    for row, p in zip(rows, r.params):
        row.update(dict(zip(names, p)), method=f"{row['method']}+joint")
        row["min_g"], row["min_w"] = min_g(p)[0], min_total_variance(p)
        row["arbitrage_free"] = bool(row["min_g"] >= 0.0 and row["min_w"] >= 0.0)
    head = (f"Joint calendar-aware fit of {len(rows)} slices (block SLSQP from {origin}, "
            f"{r.iterations} iterations, {r.message}; objective {r.objective:.4g} against "
            f"{r.objective_start:.4g} for the independent fits, which cross)")
    if r.feasible:
        return head + (": every slice above the previous on k in [-1.5, 1.5], g >= 0 on "
                       "[-3, 3] and total variance >= 0 (dense checks).")
    return head + (f": constraints NOT all met: largest calendar shortfall {r.max_crossing:.3g}, "
                   f"smallest g {r.min_g:.3g}, smallest total variance {r.min_w:.3g}.")


def fit_ssvi(chain: Chain, *, lo: float = 0.6, hi: float = 1.4, exclude_wide: bool = True,
             min_quotes: int = MIN_QUOTES, fit_theta: bool = True,
             progress: Progress = None) -> SurfaceFit:
    """SSVI surface (Gatheral & Jacquier 2014) with the power-law ``phi``, free of static arbitrage.

    Parameters
    ----------
    chain : core.data.Chain
    lo, hi, exclude_wide, min_quotes
        As in :func:`fit_svi`; expiries whose quotes do not straddle the forward are skipped too
        (their ATM variance is unknown).
    fit_theta : bool
        Refine the ATM total variances ``theta`` jointly with ``(rho, eta, gamma)`` (kept
        non-decreasing); if False they stay at the isotonic ATM estimates.
    progress : callable, optional
        ``progress(fraction, message)``.

    Returns
    -------
    SurfaceFit
        ``global_params`` ``rho, eta, gamma``; ``params`` per expiry ``theta`` and the equivalent
        raw SVI ``a, b, rho, m, sigma``. Constrained to
        ``eta <= ssvi_eta_max(rho, gamma)`` (Gatheral-Jacquier's Theorem 4.2 bounds for every
        ``theta > 0``, looser than their sufficient ``eta (1 + |rho|) <= 2``),
        ``0 < gamma <= 0.5``, ``theta`` non-decreasing: no butterfly or calendar arbitrage.
    """
    t0 = time.perf_counter()
    P = prepare(chain, lo=lo, hi=hi, exclude_wide=exclude_wide, min_quotes=min_quotes,
                need_atm=True)
    if not P.slices:
        raise nothing_fitted("SSVI", P)
    S = P.slices
    theta0 = isotonic(np.array([s.atm_vol ** 2 * s.T for s in S]))
    theta0 = np.maximum(theta0, 1e-8)
    idx = np.concatenate([np.full(s.k.size, j) for j, s in enumerate(S)])
    if progress is not None:
        progress(0.1, f"SSVI: fitting {len(S)} expiries")
    r = fit_ssvi_arrays(np.concatenate([s.k for s in S]),
                        np.concatenate([s.total_variance for s in S]),
                        np.concatenate([s.w_weight for s in S]), idx, theta0,
                        fit_theta=fit_theta)
    if not all(math.isfinite(r[c]) for c in ("rho", "eta", "gamma")) \
            or not np.all(np.isfinite(r["theta"])):
        raise CalibrationError("SSVI fit did not converge (non-finite parameters)")
    raw = ssvi_to_raw(r["theta"], r["rho"], r["eta"], r["gamma"])
    rows = [{"expiry": s.expiry, "T": s.T, "forward": s.forward, "theta": float(r["theta"][j]),
             **{name: float(raw[i][j]) for i, name in enumerate(("a", "b", "rho", "m", "sigma"))}}
            for j, s in enumerate(S)]
    if progress is not None:
        progress(1.0, "SSVI: done")
    glob = {"rho": r["rho"], "eta": r["eta"], "gamma": r["gamma"]}
    from core.surface.ssvi import ssvi_eta_max

    eta_max = ssvi_eta_max(r["rho"], r["gamma"])
    notes = [f"eta = {r['eta']:.4f} <= {eta_max:.4f} (the largest eta with theta phi (1 + |rho|) "
             f"< 4 and theta phi^2 (1 + |rho|) <= 4 for every theta > 0 at rho = "
             f"{r['rho']:.3f}, gamma = {r['gamma']:.3f} <= 0.5): no butterfly arbitrage "
             f"(Gatheral-Jacquier Theorem 4.2); theta non-decreasing: no calendar arbitrage."]
    fit = finish_fit("ssvi", rows, P, t0, P.skipped, glob,
                     fit_options("ssvi", lo, hi, exclude_wide, min_quotes,
                                 fit_theta=bool(fit_theta)), notes)
    shape = shape_limited_note(S, fit)
    if shape:
        fit = dataclasses.replace(fit, notes=fit.notes + (shape,))
    return fit


def fit_essvi(chain: Chain, *, lo: float = 0.6, hi: float = 1.4, exclude_wide: bool = True,
              min_quotes: int = MIN_QUOTES, progress: Progress = None) -> SurfaceFit:
    """Extended SSVI (Hendriks & Martini 2019): an SSVI slice per expiry with its own
    ``theta, rho, psi``, fitted nearest expiry first, free of static arbitrage.

    Parameters
    ----------
    chain : core.data.Chain
    lo, hi, exclude_wide, min_quotes, progress
        As in :func:`fit_ssvi` (expiries whose quotes do not straddle the forward are skipped).

    Returns
    -------
    SurfaceFit
        ``model = "essvi"``; ``params`` per expiry ``theta`` (ATM total variance), ``psi``
        (``theta phi``) and the equivalent raw SVI ``a, b, rho, m, sigma``; total variance is
        interpolated linearly in ``T`` at fixed ``k`` as for SVI. Each slice meets Gatheral and
        Jacquier's Theorem 4.2 bounds (no butterfly arbitrage for any ``k``) and lies above the
        previous one on ``k`` in ``[-1.5, 1.5]`` with non-decreasing ``theta`` and wing slopes
        (no calendar arbitrage; :mod:`core.surface.essvi`). A slice for which no such fit was
        found is named in ``notes``. Three parameters per slice: where the smile needs SVI's five,
        a note says so (as for :func:`fit_ssvi`).
    """
    from core.surface.essvi import essvi_to_raw, fit_essvi_slices

    t0 = time.perf_counter()
    P = prepare(chain, lo=lo, hi=hi, exclude_wide=exclude_wide, min_quotes=min_quotes,
                need_atm=True)
    if not P.slices:
        raise nothing_fitted("eSSVI", P)
    S = P.slices
    if progress is not None:
        progress(0.1, f"eSSVI: fitting {len(S)} expiries")
    fitted = fit_essvi_slices(S)
    rows, bad = [], []
    for s, x in zip(S, fitted):
        a, b, rho, m, sigma = essvi_to_raw(x["theta"], x["rho"], x["psi"])
        rows.append({"expiry": s.expiry, "T": s.T, "forward": s.forward, "theta": x["theta"],
                     "psi": x["psi"], "a": a, "b": b, "rho": rho, "m": m, "sigma": sigma})
        if not x["ok"]:
            bad.append(day_label(s.expiry))
    if progress is not None:
        progress(1.0, "eSSVI: done")
    notes = ["eSSVI slices within psi (1 + |rho|) <= 4 and psi^2 (1 + |rho|) <= 4 theta (no "
             "butterfly arbitrage, Gatheral-Jacquier Theorem 4.2); theta and both wing slopes "
             "non-decreasing and each slice above the previous on k in [-1.5, 1.5] (no calendar "
             "arbitrage)."]
    if bad:
        notes.append("NO slice meeting every constraint was found for " + ", ".join(bad)
                     + ": the previous slice, lifted 1% in theta, is shown there.")
    fit = finish_fit("essvi", rows, P, t0, P.skipped, {},
                     fit_options("essvi", lo, hi, exclude_wide, min_quotes), notes)
    shape = shape_limited_note(S, fit)
    if shape:
        fit = dataclasses.replace(fit, notes=fit.notes + (shape,))
    return fit


def fit_sabr(chain: Chain, beta: float = 0.5, *, lo: float = 0.6, hi: float = 1.4,
             exclude_wide: bool = True, min_quotes: int = MIN_QUOTES,
             progress: Progress = None) -> SurfaceFit:
    """Hagan et al. (2002) lognormal SABR smile per expiry with a user-chosen ``beta``.

    Parameters
    ----------
    chain : core.data.Chain
    beta : float
        CEV exponent in [0, 1], the same for every expiry (0.5 by default; 1 lognormal).
    lo, hi, exclude_wide, min_quotes, progress
        As in :func:`fit_svi` (expiries whose quotes do not straddle the forward are skipped).

    Returns
    -------
    SurfaceFit
        ``params`` columns ``alpha, beta, rho, nu`` per expiry; ``global_params = {"beta": beta}``.
        The smile is fitted in implied vol (weighted by ``1 / band``) and stored as total variance
        ``sabr_vol(F, F e^k, T, ...)^2 T`` for interpolation.
    """
    try:
        beta = float(beta)
    except (TypeError, ValueError) as exc:
        raise DataError(f"beta must be a number in [0, 1], got {beta!r}") from exc
    if not (0.0 <= beta <= 1.0):
        raise DataError(f"beta must be in [0, 1], got {beta}")
    t0 = time.perf_counter()
    P = prepare(chain, lo=lo, hi=hi, exclude_wide=exclude_wide, min_quotes=min_quotes,
                need_atm=True)
    if not P.slices:
        raise nothing_fitted("SABR", P)
    rows, skipped = [], list(P.skipped)
    for i, s in enumerate(P.slices):
        r = fit_sabr_slice(s.forward, s.T, s.strike, s.iv, s.weight, s.atm_vol, beta)
        if not all(math.isfinite(r[c]) for c in ("alpha", "rho", "nu")) or r["alpha"] <= 0:
            skipped.append((day_label(s.expiry),
                            "SABR fit did not converge (non-finite parameters)"))
            continue
        rows.append({"expiry": s.expiry, "T": s.T, "forward": s.forward,
                     **{c: r[c] for c in PARAM_NAMES["sabr"]}})
        if progress is not None:
            progress((i + 1) / len(P.slices), f"SABR: fitted expiry {day_label(s.expiry)}")
    if not rows:
        raise CalibrationError("no expiry could be fitted with SABR: " +
                               "; ".join(f"{e}: {r}" for e, r in skipped[:4]))
    return finish_fit("sabr", rows, P, t0, skipped, {"beta": beta},
                   fit_options("sabr", lo, hi, exclude_wide, min_quotes, beta=beta), [])


def _check_params(model: str, frame: pd.DataFrame, glob: dict) -> None:
    def bad(name, cond, what):
        values = frame[name].to_numpy(dtype=np.float64)
        wrong = ~cond(values)
        if wrong.any():
            raise DataError(f"{name} must be {what}, got {values[wrong][0]:g}")

    bad("T", lambda v: np.isfinite(v) & (v > 0), "> 0 (years)")
    bad("forward", lambda v: np.isfinite(v) & (v > 0), "> 0")
    if np.unique(frame["T"].to_numpy()).size != len(frame):
        raise DataError("T must hold distinct expiries")
    if model == "essvi":
        bad("theta", lambda v: np.isfinite(v) & (v > 0), "> 0")
        bad("psi", lambda v: np.isfinite(v) & (v > 0), "> 0")
        bad("rho", lambda v: np.abs(v) < 1, "in (-1, 1)")
    elif model == "svi":
        for c in ("a", "m"):
            bad(c, np.isfinite, "finite")
        bad("b", lambda v: np.isfinite(v) & (v >= 0), ">= 0")
        bad("rho", lambda v: np.abs(v) < 1, "in (-1, 1)")
        bad("sigma", lambda v: np.isfinite(v) & (v > 0), "> 0")
    elif model == "sabr":
        bad("alpha", lambda v: np.isfinite(v) & (v > 0), "> 0")
        bad("beta", lambda v: (v >= 0) & (v <= 1), "in [0, 1]")
        bad("rho", lambda v: np.abs(v) < 1, "in (-1, 1)")
        bad("nu", lambda v: np.isfinite(v) & (v >= 0), ">= 0")
    else:
        bad("theta", lambda v: np.isfinite(v) & (v > 0), "> 0")
        for name, ok, what in (("rho", lambda x: abs(x) < 1, "in (-1, 1)"),
                               ("eta", lambda x: x > 0, "> 0"),
                               ("gamma", lambda x: 0 < x <= 1, "in (0, 1]")):
            x = glob.get(name)
            if not isinstance(x, (int, float)) or not math.isfinite(x) or not ok(x):
                raise DataError(f"SSVI global parameter {name} must be {what}, got {x!r}")


def surface_from_params(model: str, params: pd.DataFrame | Sequence[Mapping[str, Any]], *,
                        spot: float, global_params: dict | None = None) -> SurfaceFit:
    """A :class:`SurfaceFit` from given parameters (no quotes): for what-if surfaces and tests.

    Parameters
    ----------
    model : str
        'svi', 'ssvi', 'essvi' or 'sabr'.
    params : pandas.DataFrame or list of dict
        One row per expiry with ``T`` (years), ``forward`` and the model's parameters
        (SVI ``a, b, rho, m, sigma``; SABR ``alpha, rho, nu`` and ``beta`` unless given in
        ``global_params``; SSVI ``theta``; eSSVI ``theta, rho, psi``). ``expiry`` (a date) is
        optional.
    spot : float
        Underlying level (for the forward interpolation at short times).
    global_params : dict, optional
        SSVI ``rho, eta, gamma``; SABR ``beta``.

    Returns
    -------
    SurfaceFit
        A surface over the given expiries, with no quotes.
    """
    if model not in PARAM_NAMES:
        raise DataError(f"model must be one of {', '.join(PARAM_NAMES)}, got {model!r}")
    spot = positive_scalar("spot", spot)
    frame = pd.DataFrame(params).copy()
    glob = {k: float(v) for k, v in (global_params or {}).items()}
    if model == "sabr" and "beta" not in frame.columns and "beta" in glob:
        frame["beta"] = glob["beta"]
    need = ["T", "forward"] + [c for c in PARAM_NAMES[model]
                               if not (model == "ssvi" and c != "theta")
                               and not (model == "essvi" and c not in ("theta", "psi", "rho"))]
    missing = [c for c in need if c not in frame.columns]
    if missing:
        raise DataError(f"{model} parameters lack columns {', '.join(missing)}")
    if len(frame) == 0:
        raise DataError("params must hold at least one expiry")
    _check_params(model, frame, glob)
    if model == "ssvi":
        raw = ssvi_to_raw(frame["theta"].to_numpy(dtype=np.float64), glob["rho"], glob["eta"],
                          glob["gamma"])
        for i, name in enumerate(("a", "b", "rho", "m", "sigma")):
            frame[name] = raw[i]
    if model == "essvi":
        from core.surface.essvi import essvi_to_raw

        raw = [essvi_to_raw(*r) for r in frame[["theta", "rho", "psi"]].to_numpy(dtype=float)]
        for i, name in enumerate(("a", "b", "rho", "m", "sigma")):
            frame[name] = [r[i] for r in raw]
    if "expiry" not in frame.columns:
        frame["expiry"] = pd.NaT
    frame["expiry"] = pd.to_datetime(frame["expiry"]).astype("datetime64[ns]")
    cols = ["expiry", "T", "forward", *PARAM_NAMES[model]]
    return make_fit(model, frame[cols], pd.DataFrame(), spot=spot, global_params=glob,
                    options={"model": model, "source": "parameters"})


def warm_kernels() -> float:
    """Compile (or load from cache) every numba kernel of the surface fits; returns seconds.

    Returns
    -------
    float
        Wall time of the warm-up in seconds (large on the first run, small from the cache).
    """
    from core.pricing.sabr import sabr_vol
    from core.surface.svi import CHECK_K as _CHECK_K, penalised_lm as _pen_lm

    t0 = time.perf_counter()
    k = np.linspace(-0.3, 0.2, 9)
    v = 0.04 + 0.1 * (np.sqrt((k + 0.05) ** 2 + 0.01) - 0.5 * (k + 0.05)) - 0.01
    W = np.ones_like(k)
    fit_svi_slice(k, v, W)
    _pen_lm(np.array([0.01, 0.0, 0.0, 0.0, -2.0]), k, v, W, _CHECK_K.copy(), 10.0, 1e-6, 2)
    K = 100.0 * np.exp(k)
    vol = np.sqrt(v)
    fit_sabr_slice(100.0, 1.0, K, vol, W, float(vol[6]), 0.5)
    sabr_vol(100.0, K, 1.0, 2.0, 0.5, -0.3, 0.5)
    return time.perf_counter() - t0
