"""The market a book is valued in: spot, per-expiry forwards and discount factors, a fitted
implied-volatility surface, and the chain's listed options (for hedging).

Conventions
-----------
* Time: ``T = (expiry - valuation_date).days / 365`` (ACT/365), as the chain loader does. The
  valuation date defaults to the chain's quote date; a later one (``valuation_date=``) values
  the book as if that many days had passed with the surface, forwards and rates unchanged in
  time-to-expiry terms (each contract rolls down the term structure).
* Rates: ``r(T) = -ln DF(T) / T`` and ``q(T) = r(T) - ln(F(T)/S) / T`` with ``ln DF`` and
  ``ln(F/S)`` interpolated linearly in ``T`` between the chain's expiries (through 0 at
  ``T = 0``), flat rates before the first and beyond the last expiry ("flat forward").
* Vols: :meth:`SurfaceFit.implied_vol` (total variance linear in ``T`` at fixed log-moneyness
  between fitted expiries; flat vol before the first and beyond the last). Every point outside
  the fitted region is **flagged** (:meth:`Market.vol_flags`): before the first expiry, beyond
  the last, or a strike outside the moneyness range of the quotes used in the fit.
* Smile dynamics under a spot move (``sticky``): ``"strike"`` keeps each strike's vol;
  ``"moneyness"`` (sticky moneyness / sticky delta) keeps the vol at a fixed ``K/S``, i.e. the
  option of strike ``K`` takes the vol today quoted at ``K S0 / S``.
"""
from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.errors import DataError
from core.surface import fit_sabr, fit_ssvi, fit_svi
from core.surface.result import SurfaceFit
from core._typing import DateLike, DatesLike, FloatLike
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names used in annotations only
    from core.data.chain import Chain

__all__ = ["Market", "STICKY", "SURFACES", "UNDERLYING_ALIASES"]

STICKY = ("strike", "moneyness")
SURFACES = {"svi": fit_svi, "ssvi": fit_ssvi, "sabr": fit_sabr}
#: Roots valued off an S&P 500 chain (AM and PM settled index options, index units).
UNDERLYING_ALIASES = {"SPX": ("SPX", "SPXW", "SPXPM", "^GSPC", "GSPC", "SPX.X", "$SPX")}
#: Hard limits beyond which a position is left out with a message (K/F and T / last expiry).
FAR_MONEYNESS = (0.25, 4.0)
FAR_T_FACTOR = 4.0


@dataclass(frozen=True, slots=True, eq=False)
class Market:
    """A valuation market built by :meth:`from_chain`.

    Attributes
    ----------
    spot : float
        Underlying level, currency.
    valuation_date : datetime.date
    surface : SurfaceFit
        The fitted implied-vol surface.
    curve : pandas.DataFrame
        Per expiry: ``expiry, T, forward, discount`` (from the chain's put-call parity).
    listed : pandas.DataFrame
        Listed options usable as hedges: ``expiry, T, strike, type, bid, ask, mid``.
    underlying : str
        Root of the chain ('SPX'); positions on its aliases are valued here.
    sticky : str
        Smile dynamics under spot moves, 'strike' or 'moneyness'.
    k_range : (float, float)
        Log-moneyness range of the quotes used in the fit (outside it a vol is extrapolated).
    source : str
        Where the market came from (chain date and surface model).
    """

    spot: float
    valuation_date: _dt.date
    surface: SurfaceFit
    curve: pd.DataFrame = field(repr=False)
    listed: pd.DataFrame = field(repr=False)
    underlying: str = "SPX"
    sticky: str = "strike"
    k_range: tuple[float, float] = (-0.5, 0.3)
    source: str = ""

    def __post_init__(self) -> None:
        if self.sticky not in STICKY:
            raise DataError(f"sticky must be one of {', '.join(STICKY)}, got {self.sticky!r}")
        if not (math.isfinite(self.spot) and self.spot > 0):
            raise DataError(f"spot must be > 0, got {self.spot}")
        c = self.curve.sort_values("T").reset_index(drop=True)
        object.__setattr__(self, "curve", c)

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def from_chain(cls, chain: Chain, surface: str = "svi", *, sticky: str = "strike",
                   underlying: str = "SPX", max_listed_T: float = 1.5,
                   valuation_date: DateLike | None = None) -> Market:
        """Fit ``surface`` ('svi', 'ssvi' or 'sabr') to ``chain`` and take its spot, forwards,
        discount factors and listed quotes.

        Parameters
        ----------
        chain : core.data.Chain
        surface : str
        sticky : str
            'strike' or 'moneyness' (see the module docstring).
        underlying : str
            Root the chain quotes (positions on its aliases are valued here).
        max_listed_T : float
            Listed options up to this expiry (years) are offered as hedges.
        valuation_date : date-like, optional
            On or after the chain's quote date (default: the quote date); see the module
            docstring. Listed hedge options keep their expiry dates.

        Returns
        -------
        Market
        """
        if surface not in SURFACES:
            raise DataError(f"surface must be one of {', '.join(SURFACES)}, got {surface!r}")
        fit = SURFACES[surface](chain)
        exp = chain.expiries
        curve = exp[["expiry", "T", "forward", "discount"]].copy()
        q = chain.quotes
        keep = (q["bid"].to_numpy() > 0) & (q["ask"].to_numpy() > q["bid"].to_numpy()) \
            & (q["T"].to_numpy() <= max_listed_T) & q["otm"].to_numpy()
        listed = q.loc[keep, ["expiry", "T", "strike", "type", "bid", "ask", "mid"]]
        res = fit.residuals()
        used = res[res["used"]] if "used" in res else res
        k = used["k"].to_numpy(dtype=np.float64) if len(used) else np.array([-0.3, 0.2])
        vd = chain.quote_date
        if valuation_date is not None:
            try:
                vd = pd.Timestamp(valuation_date).date()
            except (TypeError, ValueError):
                raise DataError(f"valuation_date must be a date, got {valuation_date!r}") from None
            if vd < chain.quote_date:
                raise DataError(f"valuation_date {vd} is before the chain's quote date "
                                f"{chain.quote_date}: choose a date on or after it")
            shift = (vd - chain.quote_date).days / 365.0
            listed = listed.assign(T=listed["T"] - shift)
            listed = listed[listed["T"] > 0]
        named = (chain.label[:1].upper() + chain.label[1:]) if chain.label else \
            f"{underlying.upper()} chain of {chain.quote_date.isoformat()}"
        src = f"{named}, {surface.upper()} surface" + (f", valued on {vd.isoformat()}"
                                              if vd != chain.quote_date else "")
        return cls(spot=float(chain.spot), valuation_date=vd, surface=fit,
                   curve=curve, listed=listed.reset_index(drop=True),
                   underlying=underlying.upper(), sticky=sticky,
                   k_range=(float(np.min(k)), float(np.max(k))), source=src)

    def with_sticky(self, sticky: str) -> Market:
        """The same market with other smile dynamics.

        Parameters
        ----------
        sticky : str
            'strike' or 'moneyness'.

        Returns
        -------
        Market
        """
        return Market(self.spot, self.valuation_date, self.surface, self.curve, self.listed,
                      self.underlying, sticky, self.k_range, self.source)

    # -- curves -----------------------------------------------------------------------------
    def year_fraction(self, expiry: DatesLike) -> np.ndarray:
        """ACT/365 years from the valuation date to ``expiry`` (datetime64[D] array).

        Parameters
        ----------
        expiry : date-like or array of them
            Expiry dates.

        Returns
        -------
        numpy.ndarray
            Years (ACT/365), negative for dates before the valuation date.
        """
        e = np.asarray(expiry, dtype="datetime64[D]")
        days = (e - np.datetime64(self.valuation_date, "D")).astype(np.float64)
        return days / 365.0

    def rates(self, T: FloatLike) -> tuple[np.ndarray, np.ndarray]:
        """Continuously compounded ``(r, q)`` to time ``T`` (years); see the module docstring.

        Parameters
        ----------
        T : float or array_like
            Times to expiry, years.

        Returns
        -------
        r, q : numpy.ndarray
            Rate and dividend yield, decimals per year, shape of ``T``.
        """
        T = np.asarray(T, dtype=np.float64)
        Ts = self.curve["T"].to_numpy(dtype=np.float64)
        lndf = np.log(self.curve["discount"].to_numpy(dtype=np.float64))
        lnfs = np.log(self.curve["forward"].to_numpy(dtype=np.float64) / self.spot)
        r_end, c_end = -lndf[-1] / Ts[-1], lnfs[-1] / Ts[-1]
        r_0, c_0 = -lndf[0] / Ts[0], lnfs[0] / Ts[0]
        Te = np.maximum(T, 1e-8)
        x = np.concatenate([[0.0], Ts])
        rT = np.interp(Te, x, np.concatenate([[0.0], -lndf]))
        cT = np.interp(Te, x, np.concatenate([[0.0], lnfs]))
        r = np.where(Te > Ts[-1], r_end, np.where(Te < Ts[0], r_0, rT / Te))
        carry = np.where(Te > Ts[-1], c_end, np.where(Te < Ts[0], c_0, cT / Te))
        return r, r - carry

    def forward(self, T: FloatLike, spot: float | None = None) -> np.ndarray:
        """Forward ``S e^{(r - q) T}`` with the market's curves.

        Parameters
        ----------
        T : float or array_like
            Times to expiry, years.
        spot : float, optional
            Spot to carry forward (currency); default the market's.

        Returns
        -------
        numpy.ndarray
            Forwards, currency, shape of ``T``.
        """
        r, q = self.rates(T)
        return (self.spot if spot is None else spot) * np.exp((r - q) * np.asarray(T))

    # -- vols ---------------------------------------------------------------------------------
    def vol(self, K: FloatLike, T: FloatLike) -> np.ndarray:
        """Surface vol (decimal) at strike ``K`` and time ``T`` > 0 (extrapolated where needed;
        see :meth:`vol_flags`).

        Parameters
        ----------
        K : float or array_like
            Strikes, currency.
        T : float or array_like
            Times to expiry, years (floored at 1e-6).

        Returns
        -------
        numpy.ndarray
            Implied vols, decimals, of the broadcast shape.
        """
        K, T = np.broadcast_arrays(np.asarray(K, dtype=np.float64),
                                   np.asarray(T, dtype=np.float64))
        return self.surface.implied_vol(K, np.maximum(T, 1e-6))

    def vol_flags(self, K: FloatLike, T: FloatLike, *, k: FloatLike | None = None) -> list[str]:
        """Per point: '' inside the fitted region, else why the vol is extrapolated (``k``:
        the points' ``ln(K/F)`` when already known).

        Parameters
        ----------
        K : float or array_like
            Strikes, currency.
        T : float or array_like
            Times to expiry, years.
        k : float or array_like, optional
            Log-moneyness ``ln(K/F)`` of the points, when already computed.

        Returns
        -------
        list of str
            One entry per broadcast point.
        """
        K, T = np.broadcast_arrays(np.asarray(K, dtype=np.float64),
                                   np.asarray(T, dtype=np.float64))
        Ts = self.surface.expiries
        k = (np.log(K / self.forward(T)) if k is None else np.asarray(k, dtype=np.float64)).ravel()
        t = T.ravel()
        before = t < Ts[0] - 1e-9
        beyond = t > Ts[-1] + 1e-9
        outside = (k < self.k_range[0] - 1e-9) | (k > self.k_range[1] + 1e-9)
        out = [""] * t.size
        for i in np.flatnonzero(before | beyond | outside):
            why = []
            if before[i]:
                why.append(f"expiry before the first fitted one ({Ts[0] * 365:.0f} d): flat vol")
            elif beyond[i]:
                why.append(f"expiry beyond the last fitted one ({Ts[-1] * 365:.0f} d): "
                           f"flat forward vol")
            if outside[i]:
                why.append(f"strike outside the quoted moneyness (K/F = {math.exp(k[i]):.2f}, "
                           f"quotes {math.exp(self.k_range[0]):.2f}–"
                           f"{math.exp(self.k_range[1]):.2f})")
            out[i] = "extrapolated: " + "; ".join(why)
        return out

    def check_position(self, K: float, T: float) -> str | None:
        """A reason to leave an option out (expired, or far outside the surface), else None.

        Parameters
        ----------
        K : float
            Strike, currency.
        T : float
            Time to expiry from the valuation date, years.

        Returns
        -------
        str or None
            The message to show, or ``None`` when the option can be valued.
        """
        if not T > 0:
            return "the option has expired (expiry on or before the valuation date " \
                   f"{self.valuation_date.isoformat()}): remove it or roll it"
        Ts = self.surface.expiries
        if T > FAR_T_FACTOR * Ts[-1]:
            return (f"expiry {T:.1f} years away is far beyond the surface (last fitted expiry "
                    f"{Ts[-1]:.1f} y): check the date")
        m = K / float(self.forward(T))
        if not FAR_MONEYNESS[0] <= m <= FAR_MONEYNESS[1]:
            return (f"strike {K:g} is far outside the surface (K/F = {m:.2f}; valued range "
                    f"{FAR_MONEYNESS[0]}–{FAR_MONEYNESS[1]}): check the strike")
        return None

    def covers(self, underlying: str) -> bool:
        """True when positions on ``underlying`` are valued in this market.

        Parameters
        ----------
        underlying : str
            A position's underlying symbol (any case).

        Returns
        -------
        bool
        """
        u = underlying.upper()
        return u == self.underlying or u in UNDERLYING_ALIASES.get(self.underlying, ())

    # -- serialisation -----------------------------------------------------------------------
    def to_dict(self) -> dict:
        """JSON-ready dict.

        Returns
        -------
        dict
            The fields as plain Python data (what crosses a ``dcc.Store``); :meth:`from_dict`
            reads it back.
        """
        def frame(df):
            d = df.copy()
            d["expiry"] = [pd.Timestamp(e).date().isoformat() for e in d["expiry"]]
            return d.to_dict("list")
        return {"spot": self.spot, "valuation_date": self.valuation_date.isoformat(),
                "surface": self.surface.to_dict(), "curve": frame(self.curve),
                "listed": frame(self.listed), "underlying": self.underlying,
                "sticky": self.sticky, "k_range": list(self.k_range), "source": self.source}

    @classmethod
    def from_dict(cls, data: dict) -> Market:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        Market
        """
        def frame(d):
            df = pd.DataFrame(d)
            df["expiry"] = pd.to_datetime(df["expiry"])
            return df
        return cls(float(data["spot"]), _dt.date.fromisoformat(data["valuation_date"]),
                   SurfaceFit.from_dict(data["surface"]), frame(data["curve"]),
                   frame(data["listed"]), data["underlying"], data["sticky"],
                   tuple(data["k_range"]), data.get("source", ""))
