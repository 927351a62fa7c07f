"""The portfolio page's URL state: universe, window, estimators, objective, constraints, views."""
from __future__ import annotations

from urllib.parse import urlencode

from components.url_state import number

__all__ = ["OBJECTIVE_KEYS", "OBJECTIVE_LABELS", "SAMPLE_TICKERS", "DEFAULTS", "from_query", "to_query", "views_to_text", "views_from_text",
           "DEFAULT_VIEWS"]

# The embedded sample: skfolio's 20 S&P 500 stocks (core.data.sample_prices(); a test keeps
# this tuple equal to its columns, since components do not import core).
SAMPLE_TICKERS = ("AAPL", "AMD", "BAC", "BBY", "CVX", "GE", "HD", "JNJ", "JPM", "KO", "LLY", "MRK",
                  "MSFT", "PEP", "PFE", "PG", "RRC", "UNH", "WMT", "XOM")
INDEX_TICKERS = ("SP500", "NASDAQ")
OBJECTIVE_KEYS = ("max_sharpe", "min_variance", "target_return", "target_risk", "risk_parity",
                  "hrp", "kelly", "min_cvar", "black_litterman")
#: Short labels of the objectives for the page's controls.
OBJECTIVE_LABELS = {"max_sharpe": "Maximum Sharpe", "min_variance": "Minimum variance",
                    "target_return": "Target return", "target_risk": "Target volatility",
                    "risk_parity": "Risk parity", "hrp": "Hierarchical risk parity",
                    "kelly": "Fractional Kelly", "min_cvar": "Minimum CVaR (95%)",
                    "black_litterman": "Black-Litterman (max Sharpe)"}
DEFAULT_VIEWS = [{"asset": "AAPL", "vs": "", "view": 12.0, "confidence": 60.0},
                 {"asset": "XOM", "vs": "RRC", "view": 3.0, "confidence": 40.0}]
DEFAULTS = dict(universe=list(SAMPLE_TICKERS), start="2015-01-02", end="2018-12-31", ret="mean",
                risk="ledoit_wolf", obj="max_sharpe", target=15.0, kelly=0.5, rf=2.0, wmin=0.0,
                wmax=25.0, lev=None, caps="", turnover=None, rebal="M", cost=10.0,
                views="AAPL:12:60;XOM-RRC:3:40")


def views_to_text(rows: list[dict]) -> str:
    """Views grid rows -> compact URL text ``AAPL:12:60;XOM-RRC:3:40`` (view %, confidence %).

    Parameters
    ----------
    rows : list of dict
        Views grid rows (``asset``, ``view`` in % a year, ``confidence`` in %).

    Returns
    -------
    str
    """
    out = []
    for r in rows or []:
        if not r.get("asset") or r.get("view") in (None, ""):
            continue
        name = r["asset"] + (f"-{r['vs']}" if r.get("vs") else "")
        out.append(f"{name}:{float(r['view']):g}:{float(r.get('confidence') or 50):g}")
    return ";".join(out)


def views_from_text(text: str) -> list[dict]:
    """Inverse of :func:`views_to_text`; unreadable parts are skipped.

    Parameters
    ----------
    text : str
        As written by :func:`views_to_text`.

    Returns
    -------
    list of dict
        Views grid rows.
    """
    rows = []
    for part in (text or "").split(";"):
        bits = part.split(":")
        if len(bits) != 3:
            continue
        asset, _, vs = bits[0].partition("-")
        try:
            rows.append({"asset": asset, "vs": vs, "view": float(bits[1]), "confidence": float(bits[2])})
        except ValueError:
            continue
    return rows


def _num(query, key, lo, hi, allow_none=False):
    return number(query, key, DEFAULTS[key], lo, hi, allow_none=allow_none)


def from_query(query: dict) -> dict:
    """Page state from the URL query; junk falls back to defaults.

    Parameters
    ----------
    query : dict
        The URL query, key -> text.

    Returns
    -------
    dict
        Page state, keys of :data:`DEFAULTS`.
    """
    uni = [t for t in str(query.get("universe", "")).split(",") if t] or list(DEFAULTS["universe"])
    pick = lambda k, allowed: (str(query.get(k, DEFAULTS[k])) if str(query.get(k, DEFAULTS[k])) in allowed
                               else DEFAULTS[k])
    return dict(
        universe=uni, start=str(query.get("start", DEFAULTS["start"]))[:10],
        end=str(query.get("end", DEFAULTS["end"]))[:10],
        ret=pick("ret", ("mean", "ema", "capm")),
        risk=pick("risk", ("sample", "ledoit_wolf", "ewma", "semicovariance")),
        obj=pick("obj", OBJECTIVE_KEYS), target=_num(query, "target", -100, 500),
        kelly=_num(query, "kelly", 0.01, 1.0), rf=_num(query, "rf", -5, 20),
        wmin=_num(query, "wmin", -100, 100), wmax=_num(query, "wmax", 0, 100),
        lev=_num(query, "lev", 1, 10, allow_none=True), caps=str(query.get("caps", ""))[:300],
        turnover=_num(query, "turnover", 0, 200, allow_none=True),
        rebal=pick("rebal", ("M", "Q")), cost=_num(query, "cost", 0, 500),
        views=str(query.get("views", DEFAULTS["views"]))[:500],
    )


def to_query(state: dict) -> str:
    """Query string (with '?') of a state.

    Parameters
    ----------
    state : dict
        Page state (lists joined by commas, ``None`` written empty).

    Returns
    -------
    str
    """
    flat = {k: (",".join(v) if isinstance(v, list) else ("" if v is None else v))
            for k, v in state.items()}
    return "?" + urlencode(flat)
