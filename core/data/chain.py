"""The loaded option chain (:class:`Chain`) and what cleaning did to it (:class:`CleaningReport`).

Both are frozen result objects with ``to_dict()/from_dict()`` so they can travel through a
``dcc.Store`` as plain JSON (dates as ISO strings, NaN as ``None``).

A :class:`Chain` holds pandas frames privately and hands out shallow copies; under pandas'
copy-on-write a caller who edits the returned frame edits its own copy, never the chain, so a
chain is safe to cache and share between requests.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd

from core._frames import frame_from_dict, frame_to_dict
from core.errors import DataError

__all__ = ["Chain", "CleaningReport", "QUOTE_COLUMNS", "EXPIRY_COLUMNS"]

#: Columns of :attr:`Chain.quotes`, in order.
QUOTE_COLUMNS: tuple[str, ...] = (
    "expiry", "T", "strike", "type", "bid", "ask", "mid", "spread", "forward", "discount",
    "log_moneyness", "otm", "wide", "iv", "iv_bid", "iv_ask",
)
#: Columns of :attr:`Chain.expiries`, in order.
EXPIRY_COLUMNS: tuple[str, ...] = (
    "expiry", "T", "forward", "discount", "r_implied", "q_implied", "n_quotes", "n_otm",
    "n_pairs", "method", "atm_iv",
)
_DATE_COLUMNS = ("expiry",)
_BOOL_COLUMNS = ("otm", "wide")
_STR_COLUMNS = ("type", "method")
_INT_COLUMNS = ("n_quotes", "n_otm", "n_pairs")

# Reason keys of CleaningReport, with the wording used in lines().
_DROP_REASONS: tuple[tuple[str, str], ...] = (
    ("dropped_other_date", "quotes of other quote dates"),
    ("dropped_missing", "missing or non-numeric values"),
    ("dropped_expired", "expired or same-day expiry"),
    ("dropped_zero_bid", "zero or negative bid"),
    ("dropped_crossed", "crossed quote (bid > ask)"),
    ("dropped_other_root", "another option root on the same expiry (e.g. AM-settled SPX "
                           "beside PM-settled SPXW)"),
    ("dropped_duplicate", "duplicate (expiry, strike, type)"),
)


@dataclass(frozen=True, slots=True)
class CleaningReport:
    """What the loader read, dropped, flagged and inferred.

    Attributes
    ----------
    source_format : str
        Human label of the detected file layout (e.g. ``"CBOE DataShop end-of-day"``).
    rows_read, rows_kept : int
        Data rows in the input, and rows left in :attr:`Chain.quotes`.
    dropped_other_date, dropped_missing, dropped_expired, dropped_zero_bid, dropped_crossed, \
dropped_duplicate : int
        Rows dropped per reason; each row is counted once, under the first reason that applies
        (in that order).
    wide : int
        Kept rows flagged as wide spread (``ask - bid > WIDE_SPREAD_REL * mid``); flagged, not dropped.
    notes : tuple of str
        General notes: format, where the quote date and spot came from, the wide-spread rule.
    expiry_notes : tuple of str
        One or more notes per expiry: how its forward was found, or why it was dropped.
    dropped_other_root : int
        Rows of a second option root on an expiry (one root is kept per expiry; see notes).
    rate_fallbacks : tuple of str
        One sentence per expiry whose parity fit implied an implausible rate or dividend
        yield, saying what was found and what was used instead (for the UI to show).
    """

    source_format: str
    rows_read: int
    rows_kept: int
    dropped_other_date: int = 0
    dropped_missing: int = 0
    dropped_expired: int = 0
    dropped_zero_bid: int = 0
    dropped_crossed: int = 0
    dropped_duplicate: int = 0
    wide: int = 0
    notes: tuple[str, ...] = ()
    expiry_notes: tuple[str, ...] = ()
    dropped_other_root: int = 0
    rate_fallbacks: tuple[str, ...] = ()

    @property
    def dropped(self) -> dict[str, int]:
        """Rows dropped per reason, as ``{reason label: count}`` (reasons with 0 rows omitted)."""
        return {label: getattr(self, key) for key, label in _DROP_REASONS if getattr(self, key)}

    @property
    def rows_dropped(self) -> int:
        """Total rows dropped."""
        return sum(getattr(self, key) for key, _ in _DROP_REASONS)

    def lines(self) -> list[str]:
        """Human-readable summary, one sentence per line, for the UI.

        Returns
        -------
        list of str
        """
        out = [f"Read {self.rows_read:,} rows ({self.source_format}); kept {self.rows_kept:,}."]
        for label, count in self.dropped.items():
            out.append(f"Dropped {count:,} rows: {label}.")
        if self.wide:
            out.append(f"Flagged {self.wide:,} kept rows as wide spread.")
        out.extend(self.notes)
        out.extend(self.rate_fallbacks)
        out.extend(self.expiry_notes)
        return out

    def to_dict(self) -> dict:
        """JSON-ready dict (tuples become lists).

        Returns
        -------
        dict
            The fields as plain Python data (what crosses a ``dcc.Store``); :meth:`from_dict`
            reads it back.
        """
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, data: dict) -> CleaningReport:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        CleaningReport
        """
        try:
            kwargs = {}
            for f in fields(cls):
                if f.name not in data:
                    continue
                value = data[f.name]
                kwargs[f.name] = (tuple(str(v) for v in value) if isinstance(value, (list, tuple))
                                  else value)
            return cls(**kwargs)
        except TypeError as exc:
            raise DataError(f"not a CleaningReport dict: {exc}") from exc


@dataclass(frozen=True, slots=True, eq=False)
class Chain:
    """A cleaned option chain of one underlying on one quote date.

    Construct with :func:`core.data.load_chain` or :func:`core.data.sample_chain`.

    Attributes
    ----------
    quotes : pandas.DataFrame
        One row per kept quote, sorted by expiry, strike, type; columns :data:`QUOTE_COLUMNS`:
        ``expiry`` (datetime64), ``T`` (years, ACT/365 from the quote date), ``strike``,
        ``type`` ('C'/'P'), ``bid``, ``ask``, ``mid``, ``spread`` (ask - bid), ``forward``,
        ``discount`` (per expiry), ``log_moneyness`` (ln K/F), ``otm`` (call with K > F or put
        with K <= F), ``wide`` (wide-spread flag), ``iv`` (Black-Scholes implied vol of the mid,
        OTM rows only, else NaN; NaN also where the mid is outside no-arbitrage bounds),
        ``iv_bid``, ``iv_ask`` (implied vols of bid and ask on the same OTM rows, for error bars).
    expiries : pandas.DataFrame
        One row per expiry; columns :data:`EXPIRY_COLUMNS`: ``expiry``, ``T``, ``forward``,
        ``discount``, ``r_implied``, ``q_implied`` (continuously compounded, from
        r = -ln(DF)/T and q = r - ln(F/S)/T), ``n_quotes``, ``n_otm`` (OTM quotes with a
        finite iv), ``n_pairs`` (put-call pairs used in the parity fit; 0 when interpolated),
        ``method`` ('parity' or 'interpolated'), ``atm_iv`` (OTM mid iv interpolated at K = F).
    spot : float
        Underlying level used for r/q and the implied vols.
    quote_date : datetime.date
    report : CleaningReport
    spot_source : str
        'file', 'argument' or 'forward' (nearest-expiry forward used as spot).
    label : str
        Where the chain comes from, for pages to show; ``""`` for an upload, e.g.
        ``"modelled chain for 2018-12-31, from the S&P 500 close and VIX"`` for
        :func:`core.data.modelled_chain`.
    """

    _quotes: pd.DataFrame = field(repr=False)
    _expiries: pd.DataFrame = field(repr=False)
    spot: float
    quote_date: _dt.date
    report: CleaningReport
    spot_source: str = "file"
    label: str = ""

    def __post_init__(self) -> None:
        # Detach from the caller's frames (cheap under copy-on-write).
        object.__setattr__(self, "_quotes", self._quotes.copy(deep=False))
        object.__setattr__(self, "_expiries", self._expiries.copy(deep=False))
        object.__setattr__(self, "spot", float(self.spot))

    # -- views ---------------------------------------------------------------------------------
    @property
    def quotes(self) -> pd.DataFrame:
        """All kept quotes (a copy-on-write copy: editing it never changes the chain)."""
        return self._quotes.copy(deep=False)

    @property
    def expiries(self) -> pd.DataFrame:
        """Per-expiry table (a copy-on-write copy)."""
        return self._expiries.copy(deep=False)

    @property
    def n_quotes(self) -> int:
        """Number of kept quotes."""
        return len(self._quotes)

    def otm_quotes(self, lo: float = 0.6, hi: float = 1.4, *, exclude_wide: bool = False
                   ) -> pd.DataFrame:
        """Out-of-the-money quotes with ``lo <= strike/forward <= hi`` and a finite ``iv``.

        Parameters
        ----------
        lo, hi : float
            Bounds on strike / forward (moneyness), inclusive.
        exclude_wide : bool
            Also drop quotes flagged as wide spread.

        Returns
        -------
        pandas.DataFrame
            Rows of :attr:`quotes` flagged ``otm`` (same columns), in moneyness range.

        Raises
        ------
        DataError
            Unless ``0 <= lo < hi``, both finite.
        """
        if not (np.isfinite(lo) and np.isfinite(hi) and 0 <= lo < hi):
            raise DataError(f"need 0 <= lo < hi, got lo={lo}, hi={hi}")
        q = self._quotes
        m = q["strike"].to_numpy() / q["forward"].to_numpy()
        keep = q["otm"].to_numpy() & np.isfinite(q["iv"].to_numpy()) & (m >= lo) & (m <= hi)
        if exclude_wide:
            keep &= ~q["wide"].to_numpy()
        return q.loc[keep].reset_index(drop=True)

    def __repr__(self) -> str:
        return (f"Chain(quote_date={self.quote_date.isoformat()}, spot={self.spot:g}, "
                f"expiries={len(self._expiries)}, quotes={len(self._quotes)})")

    # -- serialisation ---------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """JSON-ready dict: frames as column lists, dates as ISO strings, NaN as ``None``.

        Returns
        -------
        dict
            The fields as plain Python data (what crosses a ``dcc.Store``); :meth:`from_dict`
            reads it back.
        """
        return {
            "kind": "Chain",
            "version": 1,
            "quote_date": self.quote_date.isoformat(),
            "spot": self.spot,
            "spot_source": self.spot_source,
            "label": self.label,
            "report": self.report.to_dict(),
            "quotes": _frame_to_dict(self._quotes),
            "expiries": _frame_to_dict(self._expiries),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Chain:
        """Inverse of :meth:`to_dict`; raises :class:`DataError` on a malformed dict.

        Parameters
        ----------
        data : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        Chain
        """
        if not isinstance(data, dict) or data.get("kind") != "Chain":
            raise DataError("not a Chain dict (expected the output of Chain.to_dict())")
        try:
            return cls(
                _quotes=_frame_from_dict(data["quotes"], QUOTE_COLUMNS),
                _expiries=_frame_from_dict(data["expiries"], EXPIRY_COLUMNS),
                spot=float(data["spot"]),
                quote_date=_dt.date.fromisoformat(data["quote_date"]),
                report=CleaningReport.from_dict(data["report"]),
                spot_source=str(data.get("spot_source", "file")),
                label=str(data.get("label", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, DataError):
                raise
            raise DataError(f"malformed Chain dict: {exc!r}") from exc


def _frame_to_dict(frame: pd.DataFrame) -> dict[str, list]:
    return frame_to_dict(frame, dates=_DATE_COLUMNS, bools=_BOOL_COLUMNS, strings=_STR_COLUMNS, ints=_INT_COLUMNS)


def _frame_from_dict(data: dict[str, list], order: tuple[str, ...]) -> pd.DataFrame:
    return frame_from_dict(data, dates=_DATE_COLUMNS, bools=_BOOL_COLUMNS, strings=_STR_COLUMNS, ints=_INT_COLUMNS, order=order)
