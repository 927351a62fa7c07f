"""The Risk page's URL state: the book itself, the smile dynamics, the limits and the scenario
builder.

The book travels as ``SPX 2011-03-19 1250 P,-10,31.4,100;SPX,50,1290,1`` (symbol, quantity,
trade price, multiplier; rows separated by ``;``). ``add=<rows>`` appends rows to the saved
book (how other pages send positions here: a link to ``/risk?add=...``).
"""
from __future__ import annotations

from urllib.parse import urlencode

from components.url_state import RowCodec, number

__all__ = ["DEFAULTS", "ROW_FIELDS", "LIMIT_FIELDS", "BUILDER_FIELDS", "from_query", "to_query",
           "rows_to_text", "rows_from_text", "BAD_ROW_JS"]

ROW_FIELDS = ("symbol", "quantity", "trade_price", "multiplier")
LIMIT_FIELDS = {"delta": 500_000.0, "gamma": 100_000.0, "vega": 25_000.0, "theta": 5_000.0,
                "var": 60_000.0, "es": 80_000.0}
#: Scenario builder fields: (label, unit shown, default, min, max); stored in display units.
BUILDER_FIELDS = {"spot": ("Spot move", "%", -10.0, -90, 200),
                  "vol": ("Vol shift", "vol pts", 10.0, -50, 150),
                  "skew": ("Skew tilt", "vol pts / 10%", 2.0, -30, 30),
                  "term": ("Term tilt", "vol pts / year", -2.0, -30, 30),
                  "days": ("Days passing", "days", 1.0, 0, 3650),
                  "rate": ("Rate shift", "bp", 0.0, -1000, 1000)}
DEFAULTS = dict(book="", sticky="strike", set="historical", bucket="expiry", vdays=0.0,
                **{f"l_{k}": v for k, v in LIMIT_FIELDS.items()},
                **{f"s_{k}": v[2] for k, v in BUILDER_FIELDS.items()})
#: AG Grid row condition flagging rows that cannot be a position (the server says why).
BAD_ROW_JS = ("!params.data.symbol || !String(params.data.symbol).trim() || "
              "!(Number(params.data.quantity)) || isNaN(Number(params.data.quantity))")


def _cell(v) -> str:
    if isinstance(v, float):
        return f"{v:.10g}"
    return str(v).replace(",", " ").replace(";", " ").strip()


_ROWS = RowCodec(ROW_FIELDS, ",", _cell, {"symbol": str.strip})


def rows_to_text(rows: list[dict]) -> str:
    """Grid rows -> compact URL text (cells kept as typed).

    Parameters
    ----------
    rows : list of dict
        Book grid rows (keys of :data:`ROW_FIELDS`).

    Returns
    -------
    str
        ``symbol,quantity,trade_price,multiplier`` per row, rows joined by ``;``.
    """
    return _ROWS.to_text(rows)


def rows_from_text(text: str) -> list[dict]:
    """Inverse of :func:`rows_to_text`; numbers parsed where they parse.

    Parameters
    ----------
    text : str
        As written by :func:`rows_to_text`.

    Returns
    -------
    list of dict
        Book grid rows.
    """
    return _ROWS.from_text(text)


def _num(query, key, lo, hi):
    return number(query, key, DEFAULTS[key], lo, hi)


def from_query(query: dict) -> dict:
    """Page state from the URL query; junk falls back to defaults.

    Parameters
    ----------
    query : dict
        The URL query, key -> text.

    Returns
    -------
    dict
        Page state, keys of :data:`DEFAULTS` plus ``add`` (rows handed over by another page).
    """
    s = {"book": str(query.get("book", ""))[:20000], "add": str(query.get("add", ""))[:20000]}
    s["sticky"] = query.get("sticky") if query.get("sticky") in ("strike", "moneyness") else "strike"
    s["set"] = query.get("set") if query.get("set") in ("historical", "span", "pm", "custom") \
        else DEFAULTS["set"]
    s["bucket"] = query.get("bucket") if query.get("bucket") in ("expiry", "moneyness") \
        else "expiry"
    s["vdays"] = float(int(_num(query, "vdays", 0, 365)))
    for k in LIMIT_FIELDS:
        s[f"l_{k}"] = _num(query, f"l_{k}", 0.0, 1e12)
    for k, (_, _, _, lo, hi) in BUILDER_FIELDS.items():
        s[f"s_{k}"] = _num(query, f"s_{k}", lo, hi)
    return s


def to_query(state: dict) -> str:
    """URL query of a page state (defaults left out, except the book).

    Parameters
    ----------
    state : dict
        Page state.

    Returns
    -------
    str
    """
    out = {}
    for k, v in state.items():
        if k == "add" or v in (None, ""):
            continue
        if k != "book" and k in DEFAULTS and v == DEFAULTS[k]:
            continue
        out[k] = v
    return "?" + urlencode(out)
