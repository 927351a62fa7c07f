"""Parsed portfolio constraints (:class:`Spec`) and what is done with them: parsing the keyword
form (:func:`build_spec`, :func:`parse_bounds`), feasibility checks before solving, cvxpy
constraints, the largest attainable return, and naming the conflicting constraints when a solver
reports infeasibility (:func:`diagnose`, :func:`solver_failure`).

The public, frozen constraints object built from the same keywords is
:class:`core.portfolio.constraints.Constraints`, which re-exports everything here.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.errors import DataError, InfeasibleError, ParityError
from core.portfolio._inputs import as_weights, finite_scalar, solve, solved
from core._typing import ArrayLike, BoundsLike, SectorsLike, WeightsLike


__all__ = ["Spec", "GROUPS", "build_spec", "parse_bounds", "cvx_constraints", "max_return",
           "diagnose", "solver_failure"]

#: Constraint groups, in the order they are reported.
GROUPS = ("bounds", "sector caps", "leverage cap", "turnover limit")
_TOL = 1e-9


@dataclass(frozen=True, slots=True)
class Spec:
    """Parsed constraint set for ``n`` assets (arrays are read-only by convention)."""

    n: int
    tickers: tuple[str, ...] | None
    lo: np.ndarray
    hi: np.ndarray
    sector_names: tuple[str, ...] = ()
    sector_matrix: np.ndarray | None = None      # (k, n) 0/1 membership of capped sectors
    caps: np.ndarray | None = None               # (k,) max net weight per capped sector
    leverage: float | None = None
    w0: np.ndarray | None = None
    turnover: float | None = None

    @property
    def long_only(self) -> bool:
        """True when no lower bound allows a short weight.
        """
        return bool(np.all(self.lo >= 0))

    @property
    def groups(self) -> tuple[str, ...]:
        """The constraint groups that are present (for diagnosis)."""
        out = []
        if np.isfinite(self.lo).any() or np.isfinite(self.hi).any():
            out.append("bounds")
        if self.caps is not None:
            out.append("sector caps")
        if self.leverage is not None and not self.long_only:
            out.append("leverage cap")
        if self.turnover is not None:
            out.append("turnover limit")
        return tuple(out)

    def describe(self, group: str) -> str:
        """The constraint group ``group`` in words, for conflict messages.

        Parameters
        ----------
        group : str
            One of :data:`GROUPS`.

        Returns
        -------
        str
            E.g. ``"the per-asset bounds"``.
        """
        if group == "bounds":
            return "the per-asset bounds"
        if group == "sector caps":
            caps = ", ".join(f"{s} ≤ {c:g}" for s, c in zip(self.sector_names, self.caps))
            return f"the sector caps ({caps})"
        if group == "leverage cap":
            return f"the gross leverage cap {self.leverage:g}"
        if group == "turnover limit":
            return f"the turnover limit {self.turnover:g}"
        return group

    def name(self, i: int) -> str:
        """Ticker of asset ``i`` (or ``"asset i"`` without tickers).

        Parameters
        ----------
        i : int
            Asset index, 0-based.

        Returns
        -------
        str
        """
        return self.tickers[i] if self.tickers else f"asset {i}"


def solver_failure(status: str, s: Spec, extra: Sequence[tuple[str, Callable]] = (),
                   what: str = 'optimisation') -> Exception:
    """The error to raise for a solver status: the named conflict when infeasible, else a
    :class:`~core.errors.ParityError` with the status.

    Parameters
    ----------
    status : str
        The cvxpy problem status after the solve.
    s : Spec
        The constraints the problem was built from.
    extra : sequence of (label, make) pairs
        Further constraint groups of the problem, as in :func:`diagnose`.
    what : str
        What failed, for the message (e.g. ``"max-Sharpe optimisation"``).

    Returns
    -------
    Exception
        An :class:`~core.errors.InfeasibleError` naming the conflicting groups when the status is
        infeasible, else a :class:`~core.errors.ParityError` quoting the status.
    """
    if status in ("infeasible", "infeasible_inaccurate"):
        return diagnose(s, extra)
    return ParityError(f"the {what} failed (solver status: {status})")


# --------------------------------------------------------------------------------------------
# parsing
# --------------------------------------------------------------------------------------------
def _bound_value(v, default: float) -> float:
    if v is None:
        return default
    x = float(v)
    if math.isnan(x):
        raise DataError("bounds must not be NaN (use None for unbounded)")
    return x


def parse_bounds(bounds: BoundsLike, n: int,
                 tickers: tuple[str, ...] | None) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bound arrays (±inf where unbounded) from any accepted ``bounds``.

    Parameters
    ----------
    bounds : tuple, sequence of pairs, mapping or None
        ``(lo, hi)`` for every asset, one pair per asset, or ``{ticker: (lo, hi)}``; ``None``
        for either side means unbounded; ``None`` alone means no bounds. Fractions of capital.
    n : int
        Number of assets.
    tickers : tuple of str, optional
        Asset names, required for a mapping.

    Returns
    -------
    lo, hi : numpy.ndarray
        float64 arrays of length ``n``, fractions of capital, ``-inf``/``inf`` where unbounded.

    Raises
    ------
    DataError
        Bounds of another shape or count, unknown tickers, or bounds by ticker without labelled
        inputs.
    """
    if bounds is None:
        return np.full(n, -np.inf), np.full(n, np.inf)
    try:
        if isinstance(bounds, Mapping):
            if tickers is None:
                raise DataError("bounds given by ticker need pandas mu/cov with tickers")
            unknown = sorted(str(k) for k in bounds if str(k) not in tickers)
            if unknown:
                raise DataError(f"bounds name unknown ticker(s): {', '.join(unknown[:5])}")
            d = {str(k): v for k, v in bounds.items()}
            pairs = [d.get(t, (0.0, 1.0)) for t in tickers]
        elif (isinstance(bounds, Sequence) and len(bounds) == n and n != 2
              or isinstance(bounds, Sequence) and n == 2 and len(bounds) == 2
              and all(isinstance(b, Sequence) and len(b) == 2 for b in bounds)):
            pairs = list(bounds)
        elif isinstance(bounds, Sequence) and len(bounds) == 2:
            lo, hi = bounds
            lo_a = np.array([_bound_value(v, -np.inf) for v in np.broadcast_to(
                np.asarray(lo, dtype=object), (n,))])
            hi_a = np.array([_bound_value(v, np.inf) for v in np.broadcast_to(
                np.asarray(hi, dtype=object), (n,))])
            return lo_a, hi_a
        else:
            raise DataError(f"bounds must be (lo, hi), per-asset pairs or a dict by ticker, "
                            f"got {bounds!r:.60}")
        lo_a = np.array([_bound_value(p[0], -np.inf) for p in pairs])
        hi_a = np.array([_bound_value(p[1], np.inf) for p in pairs])
    except (TypeError, ValueError, IndexError) as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(f"bounds must be (lo, hi), per-asset pairs or a dict by ticker, "
                        f"got {bounds!r:.60}") from exc
    return lo_a, hi_a


def _parse_sectors(sectors, sector_caps, n, tickers):
    if sector_caps is None or len(sector_caps) == 0:
        return (), None, None
    if sectors is None:
        raise DataError("sector_caps need sectors (a dict ticker -> sector)")
    if isinstance(sectors, Mapping):
        if tickers is None:
            raise DataError("sectors given by ticker need pandas mu/cov with tickers; "
                            "otherwise pass one sector per asset")
        labels = [sectors.get(t) for t in tickers]
    else:
        labels = list(sectors)
        if len(labels) != n:
            raise DataError(f"sectors lists {len(labels)} sectors for {n} assets")
    names = tuple(str(s) for s in sector_caps)
    known = {str(s) for s in labels if s is not None}
    unknown = [s for s in names if s not in known]
    if unknown:
        raise DataError(f"sector_caps names sector(s) no asset belongs to: "
                        f"{', '.join(unknown)} (sectors present: {', '.join(sorted(known))})")
    caps = np.array([finite_scalar(f"sector cap for {s}", sector_caps[s0])
                     for s, s0 in zip(names, sector_caps)])
    mat = np.array([[1.0 if (lab is not None and str(lab) == s) else 0.0 for lab in labels]
                    for s in names])
    return names, mat, caps


def build_spec(n: int, tickers: tuple[str, ...] | None, *, bounds: BoundsLike = (0.0, 1.0),
               sectors: SectorsLike | None = None, sector_caps: Mapping[str, float] | None = None,
               leverage: float | None = None, current_weights: WeightsLike | None = None,
               turnover: float | None = None) -> Spec:
    """Parse the constraint arguments and check them for conflicts before any solve.

    Parameters
    ----------
    n : int
        Number of assets.
    tickers : tuple of str, optional
        Asset names (labelled inputs).
    bounds : tuple, sequence of pairs, mapping or None
        Weight bounds, fractions of capital (see :func:`parse_bounds`).
    sectors : mapping or sequence, optional
        Ticker -> sector (or one sector per asset).
    sector_caps : mapping of str to float, optional
        Sector -> largest net weight, fraction of capital.
    leverage : float, optional
        Largest gross exposure sum(|w|), e.g. 1.5 for 150%.
    current_weights : array_like or mapping, optional
        Today's weights, fractions of capital (needed for ``turnover``).
    turnover : float, optional
        Largest sum(|w - w0|), fraction of capital.

    Returns
    -------
    Spec
        The parsed constraint set.

    Raises
    ------
    DataError
        Malformed arguments (NaN bounds, unknown tickers or sectors, negative turnover).
    InfeasibleError
        Constraint sets that cannot hold, with the conflict named, e.g. "lower bounds sum to
        1.2 > 1" or "sector caps sum to 0.8 < 1 with long-only weights".
    """
    lo, hi = parse_bounds(bounds, n, tickers)
    names, mat, caps = _parse_sectors(sectors, sector_caps, n, tickers)
    lev = None if leverage is None else finite_scalar("leverage", leverage, lo=0, strict=True)
    tau = w0 = None
    if turnover is not None:
        tau = finite_scalar("turnover", turnover, lo=0)
        if current_weights is None:
            raise DataError("a turnover limit needs current_weights")
    if current_weights is not None:
        w0 = as_weights("current_weights", current_weights, tickers, n, fill=0.0)
    spec = Spec(n=n, tickers=tickers, lo=lo, hi=hi, sector_names=names, sector_matrix=mat,
                caps=caps, leverage=lev, w0=w0, turnover=tau)
    _precheck(spec)
    return spec


def _precheck(s: Spec) -> None:
    bad = np.flatnonzero(s.lo > s.hi + _TOL)
    if bad.size:
        i = bad[0]
        raise InfeasibleError(f"bounds for {s.name(i)}: lower {s.lo[i]:g} > upper {s.hi[i]:g}")
    if s.lo.sum() > 1 + _TOL:
        raise InfeasibleError(f"lower bounds sum to {s.lo.sum():.4g} > 1 (weights sum to one)")
    if s.hi.sum() < 1 - _TOL:
        raise InfeasibleError(f"upper bounds sum to {s.hi.sum():.4g} < 1 (weights sum to one)")
    if s.caps is not None:
        for k, sec in enumerate(s.sector_names):
            members = s.sector_matrix[k] > 0
            lo_sum = s.lo[members].sum()
            if lo_sum > s.caps[k] + _TOL:
                raise InfeasibleError(f"lower bounds of the {sec} assets sum to {lo_sum:.4g} "
                                      f"> its sector cap {s.caps[k]:g}")
        capped = s.sector_matrix.sum(axis=0) > 0
        room = sum(min(c, s.hi[m > 0].sum()) for c, m in zip(s.caps, s.sector_matrix))
        total = room + s.hi[~capped].sum()
        if total < 1 - _TOL:
            if not capped.all() or s.caps.sum() >= 1:
                raise InfeasibleError(f"sector caps and upper bounds allow at most "
                                      f"{total:.4g} in total < 1 (weights sum to one)")
            how = "with long-only weights" if s.long_only else "(every asset is capped)"
            raise InfeasibleError(f"sector caps sum to {s.caps.sum():.4g} < 1 {how}")
    if s.leverage is not None:
        if s.leverage < 1 - _TOL:
            raise InfeasibleError(f"gross leverage cap {s.leverage:g} < 1: fully invested "
                                  f"weights have sum |w| >= 1")
        forced = np.sum(np.maximum(s.lo, 0) - np.minimum(s.hi, 0))
        if forced > s.leverage + _TOL:
            raise InfeasibleError(f"bounds force a gross exposure of {forced:.4g} > the "
                                  f"leverage cap {s.leverage:g}")
    if s.turnover is not None:
        # buys B and sells S satisfy B - S = g = 1 - sum(w0) and turnover = B + S
        tau = s.turnover
        g = 1.0 - s.w0.sum()
        if abs(g) > tau + _TOL:
            raise InfeasibleError(f"current weights sum to {s.w0.sum():.4g}, so reaching "
                                  f"weights that sum to one needs turnover >= {abs(g):.4g} > "
                                  f"the limit {tau:g}")
        buy = np.sum(np.maximum(s.lo - s.w0, 0))
        sell = np.sum(np.maximum(s.w0 - s.hi, 0))
        need = max(buy + sell, 2 * buy - g, 2 * sell + g)
        if need > tau + _TOL:
            raise InfeasibleError(f"moving the current weights inside the bounds needs "
                                  f"turnover >= {need:.4g} > the limit {tau:g}")
        if s.caps is not None:
            excess = np.sum(np.maximum(s.sector_matrix @ s.w0 - s.caps, 0))
            need = max(excess, 2 * excess + g)
            if need > tau + _TOL:
                raise InfeasibleError(f"moving the current weights inside the sector caps "
                                      f"needs turnover >= {need:.4g} > the limit {tau:g}")


# --------------------------------------------------------------------------------------------
# cvxpy
# --------------------------------------------------------------------------------------------
def cvx_constraints(s: Spec, w: Any, kappa: ArrayLike | None = None,
                    groups: Sequence[str] = GROUPS) -> list:
    """cvxpy constraints on ``w`` (or on y = κ·w when ``kappa`` is a cvxpy scalar variable).

    The homogeneous form (every right-hand side times κ) is the change of variables of the
    max-Sharpe problem; with ``kappa=None`` the budget is ``sum(w) == 1``.

    Parameters
    ----------
    s : Spec
        Parsed constraints.
    w : cvxpy.Variable
        The weights (or y = κ·w in the homogeneous form), length ``s.n``.
    kappa : cvxpy.Variable, optional
        The scale κ of the max-Sharpe change of variables; ``None`` for the plain form.
    groups : sequence of str
        Which constraint groups to include (default all of :data:`GROUPS`).

    Returns
    -------
    list
        cvxpy constraints: budget, bounds, sector caps, leverage and turnover, as asked.
    """
    import cvxpy as cp

    one = 1.0 if kappa is None else kappa
    cons = [cp.sum(w) == one]
    if kappa is not None:
        cons.append(kappa >= 0)
    if "bounds" in groups:
        for arr, sign in ((s.lo, 1), (s.hi, -1)):
            fin = np.isfinite(arr)
            if sign < 0 and s.long_only:
                fin &= arr < 1.0            # w <= 1 is implied by w >= 0 and sum(w) == 1
            if not fin.any():
                continue
            lhs = w if fin.all() else w[np.flatnonzero(fin)]
            rhs = arr if fin.all() else arr[fin]
            cons.append(lhs >= rhs * one if sign > 0 else lhs <= rhs * one)
    if "sector caps" in groups and s.caps is not None:
        cons.append(s.sector_matrix @ w <= s.caps * one)
    if "leverage cap" in groups and s.leverage is not None and not s.long_only:
        cons.append(cp.norm1(w) <= s.leverage * one)
    if "turnover limit" in groups and s.turnover is not None:
        cons.append(cp.norm1(w - s.w0 * one) <= s.turnover * one)
    return cons


def _feasible(s: Spec, groups, extra) -> bool:
    import cvxpy as cp

    w = cp.Variable(s.n)
    cons = cvx_constraints(s, w, groups=groups)
    for label, make in extra:
        if label in groups:
            cons += make(w)
    status = solve(cp.Problem(cp.Minimize(0), cons))
    return solved(status)


def diagnose(s: Spec, extra: Sequence[tuple[str, Callable]] = (), *,
             lead: str = 'no portfolio satisfies all constraints') -> InfeasibleError:
    """Name the conflicting constraint groups (a deletion filter over feasibility LPs).

    Parameters
    ----------
    s : Spec
    extra : sequence of (label, make) pairs
        Additional constraint groups, ``make(w) -> list`` of cvxpy constraints, e.g.
        ``("the target return 12%", lambda w: [mu @ w >= 0.12])``.
    lead : str
        The message's opening words before the named conflict.

    Returns
    -------
    InfeasibleError
        To raise, with a message like "the sector caps (...) and the turnover limit 0.1 cannot
        hold together (weights sum to one)".
    """
    labels = list(s.groups) + [label for label, _ in extra]
    if not labels:
        return InfeasibleError(f"{lead}: weights summing to one are infeasible")
    if _feasible(s, tuple(labels), extra):
        return InfeasibleError(f"{lead}: the solver reported infeasibility but a feasibility "
                               f"check passed — the problem is numerically ill-posed")
    keep = list(labels)
    for g in labels:
        trial = [x for x in keep if x != g]
        if trial and not _feasible(s, tuple(trial), extra):
            keep = trial
    names = [s.describe(g) for g in keep]
    if len(names) == 1:
        return InfeasibleError(f"{lead}: {names[0]} cannot hold with weights summing to one")
    joined = ", ".join(names[:-1]) + " and " + names[-1]
    return InfeasibleError(f"{lead}: {joined} cannot hold together (weights sum to one)")


def max_return(mu: np.ndarray, s: Spec) -> tuple[float, np.ndarray]:
    """Highest attainable expected return under the constraints (an LP), and its weights.

    Parameters
    ----------
    mu : numpy.ndarray
        Expected returns, decimals per year, one per asset.
    s : Spec
        The constraints.

    Returns
    -------
    r_max : float
        Highest expected return, decimal per year.
    w : numpy.ndarray
        Weights reaching it, fractions of capital.

    Raises
    ------
    InfeasibleError
        When no portfolio satisfies the constraints (conflict named).
    DataError
        When the return is unbounded (shorting without bounds or a leverage cap).
    """
    import cvxpy as cp

    w = cp.Variable(s.n)
    prob = cp.Problem(cp.Maximize(mu @ w), cvx_constraints(s, w))
    status = solve(prob)
    if status in ("unbounded", "unbounded_inaccurate"):
        raise DataError("the expected return is unbounded: with shorting, set finite bounds "
                        "or a leverage cap")
    if not solved(status):
        raise diagnose(s)
    return float(mu @ w.value), np.asarray(w.value, dtype=np.float64)
