"""Portfolio constraints: the public frozen :class:`Constraints` and the keyword form every
optimizer accepts. Parsing, feasibility checks, cvxpy constraints and infeasibility diagnosis are
in :mod:`core.portfolio.spec` (re-exported here).

Every optimizer takes the same keyword arguments, parsed by :func:`build_spec`:

``bounds``
    ``(lo, hi)`` scalars for every asset (default ``(0, 1)``: long-only), ``(lo_array,
    hi_array)``, a sequence of per-asset ``(lo, hi)`` pairs, or a dict ticker -> ``(lo, hi)``
    (unlisted tickers get ``(0, 1)``). ``None`` in a bound means unbounded. A negative lower
    bound allows shorting.
``sectors``, ``sector_caps``
    ``sectors`` maps ticker -> sector (or lists one sector per asset); ``sector_caps`` maps
    sector -> the largest total (net) weight of that sector. Assets without a sector are
    uncapped.
``leverage``
    Gross leverage cap L: ``sum |w| <= L`` (only binds when shorting is allowed).
``current_weights``, ``turnover``
    Turnover limit τ against the current weights w0: ``sum |w - w0| <= τ`` (decimals of
    capital; a full switch from one asset to another is a turnover of 2).

Weights always sum to one (fully invested).

The six arguments travel together as one public, validated, frozen :class:`Constraints`
(``constraints=Constraints(...)`` on every optimizer; the separate keywords still work).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from core.errors import DataError
from core.portfolio._inputs import finite_scalar
from core._typing import BoundsLike, SectorsLike, WeightsLike
from core.portfolio.spec import (GROUPS, Spec, build_spec, cvx_constraints, diagnose, max_return,
                                 parse_bounds, solver_failure)

__all__ = ["Constraints", "resolve_constraints", "constraint_spec", "solver_failure", "Spec", "build_spec", "parse_bounds", "cvx_constraints", "max_return", "diagnose",
           "GROUPS"]

# --------------------------------------------------------------------------------------------
# the public constraints object
# --------------------------------------------------------------------------------------------
_DEFAULT_BOUNDS = (0.0, 1.0)


def _frozen(value):
    """An immutable copy of a bounds / sectors / weights argument: mappings become read-only
    mappings (ticker order kept), arrays and lists become tuples (nested for pairs)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if hasattr(value, "to_dict") and hasattr(value, "index"):          # pandas Series
        value = value.to_dict()
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): _frozen(v) for k, v in value.items()})
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, Sequence):
        return tuple(_frozen(v) for v in value)
    raise DataError(f"expected a number, a sequence or a mapping, got {type(value).__name__}")


def _plain(value):
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class Constraints:
    """The constraints every optimizer of this package accepts, validated and frozen.

    Parameters
    ----------
    bounds : tuple or mapping, optional
        Per-asset weight bounds (decimals of capital): ``(lo, hi)`` for every asset (default
        ``(0, 1)``, long-only), ``(lo_array, hi_array)``, per-asset ``(lo, hi)`` pairs, or
        ticker -> ``(lo, hi)``. ``None`` in a bound means unbounded; a negative lower bound
        allows shorting.
    sectors : mapping or sequence, optional
        Ticker -> sector, or one sector per asset.
    sector_caps : mapping, optional
        Sector -> largest total net weight of that sector (decimal).
    leverage : float, optional
        Gross leverage cap ``sum |w| <= leverage`` (> 0; binds only when shorting).
    current_weights : mapping, Series or sequence, optional
        Current portfolio (decimals of capital), needed with ``turnover``.
    turnover : float, optional
        Turnover limit ``sum |w - w0| <= turnover`` (>= 0, decimals of capital).

    Raises
    ------
    DataError
        Malformed values: a negative turnover, a non-positive leverage, caps without sectors,
        a turnover limit without current weights. Checks that need the assets (unknown
        tickers, bounds that cannot sum to one, conflicting caps) run when an optimizer applies
        the constraints (:meth:`spec`), raising ``DataError`` or
        :class:`~core.errors.InfeasibleError`.

    Examples
    --------
    >>> c = Constraints(bounds=(-0.2, 0.6), leverage=1.5)
    >>> c.leverage
    1.5
    >>> Constraints.from_dict(c.to_dict()) == c
    True
    >>> Constraints(turnover=0.1)
    Traceback (most recent call last):
    ...
    core.errors.DataError: a turnover limit needs current_weights
    """

    bounds: Any = _DEFAULT_BOUNDS
    sectors: Any = None
    sector_caps: Any = None
    leverage: float | None = None
    current_weights: Any = None
    turnover: float | None = None

    def __post_init__(self) -> None:
        put = object.__setattr__
        put(self, "bounds", _frozen(self.bounds))
        put(self, "sectors", _frozen(self.sectors))
        caps = _frozen(self.sector_caps)
        if caps is not None and not isinstance(caps, Mapping):
            raise DataError(f"sector_caps must map sector -> cap, got {self.sector_caps!r:.60}")
        put(self, "sector_caps", caps if caps else None)
        put(self, "current_weights", _frozen(self.current_weights))
        if self.leverage is not None:
            put(self, "leverage", finite_scalar("leverage", self.leverage, lo=0, strict=True))
        if self.turnover is not None:
            put(self, "turnover", finite_scalar("turnover", self.turnover, lo=0))
            if self.current_weights is None:
                raise DataError("a turnover limit needs current_weights")
        if self.sector_caps is not None and self.sectors is None:
            raise DataError("sector_caps need sectors (a dict ticker -> sector)")
        if self.bounds is not None and not isinstance(self.bounds, (tuple, Mapping)):
            raise DataError(f"bounds must be (lo, hi), per-asset pairs or a dict by ticker, "
                            f"got {self.bounds!r:.60}")

    def spec(self, n: int, tickers: tuple[str, ...] | None) -> "Spec":
        """The constraints applied to ``n`` assets (with their tickers), checked for conflicts.

        Parameters
        ----------
        n : int
            Number of assets.
        tickers : tuple of str, optional
            Asset names, for constraints given by ticker.

        Returns
        -------
        Spec

        Raises
        ------
        DataError, InfeasibleError
            As :func:`build_spec`.
        """
        w0 = self.current_weights
        return build_spec(n, tickers, bounds=self.bounds, sectors=self.sectors,
                          sector_caps=None if self.sector_caps is None else dict(self.sector_caps),
                          leverage=self.leverage,
                          current_weights=dict(w0) if isinstance(w0, Mapping) else w0,
                          turnover=self.turnover)

    def to_dict(self) -> dict:
        """JSON-ready form (mappings stay dicts, tuples become lists); :meth:`from_dict`
        inverts it.

        Returns
        -------
        dict
            The fields as plain Python data (what crosses a ``dcc.Store``); :meth:`from_dict`
            reads it back.
        """
        return {f: _plain(getattr(self, f)) for f in
                ("bounds", "sectors", "sector_caps", "leverage", "current_weights", "turnover")}

    @classmethod
    def from_dict(cls, d: Mapping) -> "Constraints":
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        d : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        Constraints
        """
        return cls(bounds=d.get("bounds", _DEFAULT_BOUNDS), sectors=d.get("sectors"),
                   sector_caps=d.get("sector_caps"), leverage=d.get("leverage"),
                   current_weights=d.get("current_weights"), turnover=d.get("turnover"))


def resolve_constraints(constraints: 'Constraints | None' = None, *,
                        bounds: BoundsLike = _DEFAULT_BOUNDS, sectors: SectorsLike | None = None,
                        sector_caps: Mapping[str, float] | None = None,
                        leverage: float | None = None, current_weights: WeightsLike | None = None,
                        turnover: float | None = None) -> 'Constraints':
    """One :class:`Constraints` from an optimizer's arguments: ``constraints=`` or the keywords.

    Parameters
    ----------
    constraints : Constraints, optional
        All constraints in one object.
    bounds, sectors, sector_caps, leverage, current_weights, turnover
        The older keyword form, as the fields of :class:`Constraints` (weights as fractions of
        capital).

    Returns
    -------
    Constraints
        ``constraints`` itself when given, else one built (and validated) from the keywords.

    Raises
    ------
    DataError
        When both ``constraints`` and any of the separate keywords are given.
    """
    if constraints is None:
        return Constraints(bounds=bounds, sectors=sectors, sector_caps=sector_caps,
                           leverage=leverage, current_weights=current_weights, turnover=turnover)
    if not isinstance(constraints, Constraints):
        raise DataError(f"constraints must be a core.portfolio.Constraints, got "
                        f"{type(constraints).__name__}")
    given = [name for name, v, d in (("bounds", bounds, _DEFAULT_BOUNDS), ("sectors", sectors, None),
                                     ("sector_caps", sector_caps, None), ("leverage", leverage, None),
                                     ("current_weights", current_weights, None),
                                     ("turnover", turnover, None))
             if not (v is d or (name == "bounds" and isinstance(v, tuple) and v == _DEFAULT_BOUNDS))]
    if given:
        raise DataError(f"pass either constraints= or the keywords, not both (got constraints "
                        f"and {', '.join(given)})")
    return constraints


def constraint_spec(n: int, tickers: tuple[str, ...] | None, bounds: BoundsLike = _DEFAULT_BOUNDS,
                    sectors: SectorsLike | None = None,
                    sector_caps: Mapping[str, float] | None = None, leverage: float | None = None,
                    current_weights: WeightsLike | None = None, turnover: float | None = None,
                    constraints: Constraints | None = None) -> Spec:
    """An optimizer's constraints (``constraints=`` or the six keywords) applied to its ``n``
    assets: the parsed, conflict-checked :class:`Spec` the cvxpy problems are built from.

    Parameters
    ----------
    n : int
        Number of assets.
    tickers : tuple of str, optional
        Asset names (labelled inputs), so that bounds and weights given by ticker line up.
    bounds, sectors, sector_caps, leverage, current_weights, turnover
        The keyword form of :class:`Constraints` (weights as fractions of capital).
    constraints : Constraints, optional
        All constraints in one object (not together with the keywords).

    Returns
    -------
    Spec
        Bound arrays, sector membership and caps, leverage, current weights and turnover for
        ``n`` assets, checked for conflicts.
    """
    c = resolve_constraints(constraints, bounds=bounds, sectors=sectors, sector_caps=sector_caps,
                            leverage=leverage, current_weights=current_weights, turnover=turnover)
    return c.spec(n, tickers)
