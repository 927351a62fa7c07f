"""Backtest page state: the rules form's fields, their URL query codec and their conversion to
``Rules`` keyword arguments (percent inputs become fractions). No core imports."""
from __future__ import annotations

import math
from urllib.parse import urlencode

from components.ids import Backtest as ids
from components.ids import BacktestMore as more

__all__ = ["FIELDS", "SOURCES", "WF_PARAMS", "defaults", "from_query", "to_query", "rules_kwargs",
           "parse_values", "REAL_LABEL", "MODELLED_SPAN", "ui_values", "sweep_form", "named_keys",
           "WF_METRICS", "WF_KEYS", "wf_defaults", "wf_from_query", "wf_query_items"]

SOURCES = ("real", "upload", "modelled")
REAL_LABEL = "real SPXW end-of-day quotes, 2 Jan – 28 Feb 2018, historicaloptiondata sample"
MODELLED_SPAN = ("2014-01-02", "2018-12-31")

# (query key, component id, Rules field, default, kind, scale); kind: num | int | opt | text;
# scale: UI value * scale = Rules value (percent inputs); None default = empty (off)
FIELDS: tuple[tuple, ...] = (
    ("strategy", ids.STRATEGY, "strategy", "iron_condor", "text", None),
    ("entry", ids.ENTRY, "entry", "daily", "text", None),
    ("dte", ids.DTE, "dte", 30, "int", None),
    ("tol", ids.DTE_TOL, "dte_tolerance", 10, "int", None),
    ("far", more.FAR_DTE, "far_dte", 60, "int", None),
    ("by", ids.SELECT, "select", "delta", "text", None),
    ("delta", ids.DELTA, "delta", 16, "num", 0.01),
    ("mny", ids.MONEYNESS, "moneyness", 3, "num", 0.01),
    ("width", ids.WIDTH, "width", 50, "num", None),
    ("pt", ids.TARGET, "profit_target", 50, "opt", 0.01),
    ("sl", ids.STOP, "stop_loss", None, "opt", 0.01),
    ("basis", ids.STOP_BASIS, "stop_basis", "credit", "text", None),
    ("xdte", ids.EXIT_DTE, "exit_dte", None, "opt", None),
    ("maxd", ids.MAX_DAYS, "max_days", None, "opt", None),
    ("size", ids.SIZING, "sizing", "fixed", "text", None),
    ("n", ids.CONTRACTS, "contracts", 1, "num", None),
    ("risk", ids.RISK_PCT, "risk_pct", 2, "num", 0.01),
    ("maxpos", ids.MAX_POS, "max_positions", 5, "int", None),
    ("cap", ids.CAPITAL, "capital", 100000, "num", None),
    ("fill", ids.FILL, "fill", "spread", "text", None),
    ("ff", ids.FILL_FRACTION, "fill_fraction", 66, "num", 0.01),
    ("comm", ids.COMMISSION, "commission", 0.65, "num", None),
    ("fees", ids.FEES, "fees", 0.0, "num", None),
)
#: Rules fields a walk-forward grid may vary: (field, label, default values text).
WF_PARAMS: tuple[tuple[str, str, str], ...] = (
    ("delta", "Short-strike delta", "0.10, 0.16, 0.25"),
    ("width", "Wing width (points)", "25, 50"),
    ("dte", "Target DTE (days)", "20, 30, 45"),
    ("profit_target", "Profit target (fraction)", "0.25, 0.5, 0.75"),
    ("stop_loss", "Stop loss (fraction of credit)", "1, 2, 3"),
    ("moneyness", "One-step moneyness (fraction)", "0.02, 0.03, 0.05"),
    ("max_positions", "Max positions", "1, 3, 5"),
)


def defaults() -> dict:
    """Default page state: query key -> UI value.

    Returns
    -------
    dict
    """
    return {"source": "real", "start": "2016-01-04", "end": "2016-12-30",
            **{k: d for k, _, _, d, _, _ in FIELDS}}


def _parse(kind: str, text, default):
    if text is None or text == "":
        return None if kind == "opt" else default
    if kind == "text":
        return str(text)[:40]
    try:
        v = float(text)
    except (TypeError, ValueError):
        return default
    if not math.isfinite(v):
        return default
    return int(v) if kind == "int" or (kind == "opt" and v.is_integer()) else v


def from_query(query: dict) -> dict:
    """Page state from a URL query (unknown or malformed values fall back to defaults).

    Parameters
    ----------
    query : dict
        The URL query, key -> text.

    Returns
    -------
    dict
        Page state, keys of :func:`defaults`.
    """
    s = defaults()
    src = query.get("source")
    if src in SOURCES:
        s["source"] = src
    for key in ("start", "end"):
        if query.get(key):
            s[key] = str(query[key])[:10]
    for key, _, _, default, kind, _ in FIELDS:
        if key in query:
            s[key] = _parse(kind, query[key], default)
    return s


def to_query(state: dict, run_id: str | None = None, wf_id: str | None = None) -> str:
    """``?source=...&...`` for the address bar (empty optional fields are written as empty).

    Parameters
    ----------
    state : dict
        Page state.
    run_id : str, optional
        A stored backtest to reopen (``run=``).
    wf_id : str, optional
        A stored walk-forward to reopen (``wf=``).

    Returns
    -------
    str
    """
    items = {k: ("" if v is None else v) for k, v in state.items()}
    if run_id:
        items["run"] = run_id
    if wf_id:
        items["wf"] = wf_id
    return "?" + urlencode(items)


def rules_kwargs(values: dict) -> dict:
    """``Rules`` keyword arguments from UI values keyed by query key (percent -> fraction).

    Parameters
    ----------
    values : dict
        UI values keyed by query key.

    Returns
    -------
    dict
        Keyword arguments of :class:`core.backtest.Rules` (fractions, days, contracts).
    """
    out = {}
    for key, _, field, default, kind, scale in FIELDS:
        v = values.get(key, default)
        if kind != "text":
            v = _parse(kind, v, default)
        if v is not None and scale is not None:
            v = v * scale
        out[field] = v
    return out


def parse_values(text: str, field: str) -> list:
    """A grid axis from text like ``"0.1, 0.16, 0.25"``; whole numbers stay ints for int fields.

    Parameters
    ----------
    text : str
        Comma- (or semicolon-) separated values.
    field : str
        The ``Rules`` field the axis varies.

    Returns
    -------
    list of float or int
        The values (ints for the whole-number fields ``dte`` and ``max_positions``).

    Raises
    ------
    ValueError
        A value that is not a number, or no value at all (the message names the field).
    """
    vals = []
    for part in str(text or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            v = float(part)
        except ValueError as exc:
            raise ValueError(f"{field}: {part!r} is not a number") from exc
        vals.append(int(v) if field in ("dte", "max_positions") and v.is_integer() else v)
    if not vals:
        raise ValueError(f"{field}: give at least one value")
    return vals


def ui_values(rules: dict) -> dict:
    """The rules form's UI values from ``Rules`` fields: the inverse of :func:`rules_kwargs`.

    Parameters
    ----------
    rules : dict
        ``Rules.to_dict()`` (fields by name, fractions for the percent inputs).

    Returns
    -------
    dict
        Query key -> UI value (percent inputs in percent, rounded to 10 decimals so 0.16 shows
        16, not 16.000000000000004); fields ``rules`` does not hold are left out.
    """
    out = {}
    for key, _, field, _, _, scale in FIELDS:
        if field not in rules:
            continue
        v = rules[field]
        if v is not None and scale is not None and isinstance(v, (int, float)):
            v = round(v / scale, 10)
            v = int(v) if float(v).is_integer() else v
        out[key] = v
    return out


def _values_text(values) -> str:
    """A grid axis as the form writes it: ``[0.1, 25.0, 3]`` -> ``"0.1, 25, 3"``."""
    return ", ".join(str(int(v)) if isinstance(v, (int, float)) and float(v).is_integer() else str(v)
                     for v in values)


#: The walk-forward's selection metrics: value -> label.
WF_METRICS: dict[str, str] = {"sharpe": "Sharpe", "total_return": "Total return", "sortino": "Sortino",
                              "calmar": "Calmar"}
#: The walk-forward form's fields in the URL: form key -> query key.
WF_KEYS: dict[str, str] = {"p1": "wf_p1", "v1": "wf_v1", "p2": "wf_p2", "v2": "wf_v2", "train": "wf_train",
                           "test": "wf_test", "metric": "wf_metric", "anchored": "wf_anchored"}


def wf_defaults() -> dict:
    """The walk-forward form on a first visit: a delta × width grid, 15 train and 8 test dates,
    chosen by Sharpe, rolling windows.

    Returns
    -------
    dict
        ``p1, v1, p2, v2`` (grid parameters and their values as text), ``train`` and ``test``
        (quote dates per window), ``metric`` (a :data:`WF_METRICS` key) and ``anchored`` (bool).
    """
    return {"p1": WF_PARAMS[0][0], "v1": WF_PARAMS[0][2], "p2": WF_PARAMS[1][0], "v2": WF_PARAMS[1][2],
            "train": 15, "test": 8, "metric": "sharpe", "anchored": False}


def wf_from_query(query: dict) -> dict:
    """The walk-forward form a link names (``wf_p1=...``), the defaults for what it does not or
    names wrongly (a link is typed by hand as often as copied).

    Parameters
    ----------
    query : dict
        The URL query, key -> text.

    Returns
    -------
    dict
        :func:`wf_defaults`' keys.
    """
    form = wf_defaults()
    names = {f for f, *_ in WF_PARAMS}
    for key, qkey in WF_KEYS.items():
        text = query.get(qkey)
        if text is None:
            continue
        text = str(text)[:200]
        if key == "p1" and text in names:
            form[key] = text
        elif key == "p2" and (text in names or text == ""):
            form[key] = text
        elif key in ("v1", "v2"):
            form[key] = text
        elif key in ("train", "test"):
            try:
                n = int(float(text))
            except ValueError:
                continue
            if 2 <= n <= 10_000:
                form[key] = n
        elif key == "metric" and text in WF_METRICS:
            form[key] = text
        elif key == "anchored":
            form[key] = text.lower() in ("1", "true", "yes", "on")
    return form


def wf_query_items(form: dict) -> dict:
    """The URL items of the walk-forward form as it is on screen (:data:`WF_KEYS`), so edits made
    after a run survive a reload and travel in a copied link.

    Parameters
    ----------
    form : dict
        Form key -> UI value (``None`` for an emptied box).

    Returns
    -------
    dict
        Query key -> text (``anchored`` as ``1`` or ``0``).
    """
    items = {}
    for key, qkey in WF_KEYS.items():
        v = form.get(key)
        items[qkey] = ("1" if v else "0") if key == "anchored" else ("" if v is None else v)
    return items

def named_keys(query: dict) -> list[str]:
    """The page-state keys a link's query names (the form a stored run must not override).

    Parameters
    ----------
    query : dict
        The URL query, key -> text.

    Returns
    -------
    list of str
        The keys of :func:`defaults` present in ``query``, then the walk-forward form keys
        (:data:`WF_KEYS`) it names.
    """
    return [k for k in defaults() if k in query] + [k for k, q in WF_KEYS.items() if q in query]


def sweep_form(payload: dict, named: list | None = None) -> dict:
    """The walk-forward form of a stored walk-forward, for a link that brings it back.

    Parameters
    ----------
    payload : dict
        The stored walk-forward (its ``grid``, ``train``, ``test``, ``anchored``, ``metric``,
        ``rules`` and data ``descriptor``).
    named : list of str, optional
        Page-state keys the link's query names (:func:`named_keys`): those rule, data and
        walk-forward form fields keep the link's value; the others take the run's.

    Returns
    -------
    dict
        ``p1, v1, p2, v2`` (grid parameters and values text), ``train``, ``test``, ``metric``,
        ``anchored``, ``rules`` (query key -> UI value) and ``data`` (``source``, ``start``,
        ``end``; only for real or modelled data, an upload comes back through its ``data=``).
    """
    named = set(named or ())
    grid = list((payload.get("grid") or {}).items())
    (p1, v1), (p2, v2) = (grid + [("", []), ("", [])])[:2]
    form = {"p1": p1 or WF_PARAMS[0][0], "v1": _values_text(v1), "p2": p2, "v2": _values_text(v2),
            "train": payload.get("train"), "test": payload.get("test"),
            "metric": payload.get("metric"), "anchored": bool(payload.get("anchored"))}
    form = {k: v for k, v in form.items() if k not in named}      # the link's own edits win
    form["rules"] = {k: v for k, v in ui_values(payload.get("rules") or {}).items() if k not in named}
    desc = payload.get("descriptor") or {}
    data = {}
    if desc.get("source") in ("real", "modelled") and "source" not in named:
        data["source"] = desc["source"]
        if desc["source"] == "modelled":
            data.update({k: desc[k] for k in ("start", "end") if desc.get(k) and k not in named})
    form["data"] = data
    return form
