"""The strategy builder's URL state: market, template, the legs themselves and the what-if view.

Legs travel as ``C:100:30:1:2.35:20;P:95:30:-1:1.1:22`` (type, strike, days to expiry, quantity,
entry price, vol in %; an empty vol means the market vol).
"""
from __future__ import annotations

from urllib.parse import urlencode

from components.url_state import RowCodec, number

__all__ = ["DEFAULTS", "from_query", "to_query", "rows_to_text", "rows_from_text", "LEG_FIELDS",
           "VAR_HORIZON_OPTIONS", "UNDERLYING_OPTIONS", "template_options"]

LEG_FIELDS = ("type", "strike", "days", "qty", "price", "vol")
DEFAULTS = dict(template="iron_condor", source="flat", S=100.0, vol=20.0, r=3.0, q=1.0, days=30.0,
                width=5.0, dS=0.0, dvol=0.0, dfwd=0.0, volmode="legs", varh="expiry", und="index",
                mult=100.0, lots=1.0, legs="")
VAR_HORIZON_OPTIONS = (("1d", "1 day"), ("10d", "10 days"), ("expiry", "to expiry"))
UNDERLYING_OPTIONS = (("index", "Broad-based index (15% naked rule)"),
                      ("equity", "Equity (20% naked rule)"))


def _cell(v) -> str:
    return f"{v:.6g}" if isinstance(v, (int, float)) else str(v).replace(":", "").replace(";", "")


_LEGS = RowCodec(LEG_FIELDS, ":", _cell, {"type": lambda b: b.strip().upper()[:1]})


def rows_to_text(rows: list[dict]) -> str:
    """Grid rows -> compact URL text; incomplete rows are kept as typed so nothing is lost.

    Parameters
    ----------
    rows : list of dict
        Leg grid rows (keys of :data:`LEG_FIELDS`).

    Returns
    -------
    str
        ``type:strike:days:qty:price:vol`` per leg, legs joined by ``;``.
    """
    return _LEGS.to_text(rows)


def rows_from_text(text: str) -> list[dict]:
    """Inverse of :func:`rows_to_text`; numbers are parsed where they parse.

    Parameters
    ----------
    text : str
        As written by :func:`rows_to_text`.

    Returns
    -------
    list of dict
        Leg grid rows.
    """
    return _LEGS.from_text(text)


def _num(query, key, lo, hi):
    return number(query, key, DEFAULTS[key], lo, hi)


def from_query(query: dict, templates=()) -> dict:
    """Page state from the URL query; junk falls back to defaults.

    Parameters
    ----------
    query : dict
        The URL query, key -> text.
    templates : sequence of str
        Accepted template names (empty: any).

    Returns
    -------
    dict
        Page state, keys of :data:`DEFAULTS` (percent inputs in %, days in calendar days).
    """
    template = str(query.get("template", DEFAULTS["template"]))
    source = str(query.get("source", DEFAULTS["source"]))
    return dict(
        template=template if (not templates or template in templates or template == "custom")
        else DEFAULTS["template"],
        source=source if source in ("flat", "spx") else "flat",
        S=_num(query, "S", 1e-6, 1e9), vol=_num(query, "vol", 0.1, 300), r=_num(query, "r", -20, 50),
        q=_num(query, "q", -20, 50), days=_num(query, "days", 1, 3650), width=_num(query, "width", 0.5, 50),
        dS=_num(query, "dS", -50, 50), dvol=_num(query, "dvol", -50, 100), dfwd=_num(query, "dfwd", 0, 3650),
        volmode=str(query.get("volmode", "legs")) if str(query.get("volmode", "legs")) in ("legs", "strike", "delta")
        else "legs",
        varh=_pick(query, "varh", [k for k, _ in VAR_HORIZON_OPTIONS]),
        und=_pick(query, "und", [k for k, _ in UNDERLYING_OPTIONS]),
        mult=_num(query, "mult", 1e-6, 1e6), lots=_num(query, "lots", 1e-6, 1e6),
        legs=str(query.get("legs", ""))[:2000],
    )


def _pick(query, key, allowed):
    v = str(query.get(key, DEFAULTS[key]))
    return v if v in allowed else DEFAULTS[key]


def to_query(state: dict) -> str:
    """The query string (with leading '?') of a state, keys of :data:`DEFAULTS`.

    Parameters
    ----------
    state : dict
        Page state.

    Returns
    -------
    str
    """
    return "?" + urlencode({k: state[k] for k in DEFAULTS if state.get(k) not in (None,)})


def template_options() -> list[dict]:
    """Dropdown options: every catalogue template by label, then 'Custom (edited legs)'.

    Returns
    -------
    list of dict
        ``{"label", "value"}`` dropdown options.
    """
    from core.strategies import catalog, strategy_info

    out = [{"label": strategy_info(n)["label"], "value": n} for n in catalog()]
    return out + [{"label": "Custom (edited legs)", "value": "custom"}]
