"""Strategy builder callbacks: template or edited legs -> core.strategies.analyse_position -> figures.

Legs live in the AG Grid's rows; every edit (cell change, row added or deleted) revalues the
whole page. An invalid row is flagged in the user's words and left out, the rest is valued.
"""
from __future__ import annotations

import functools
import json
import logging
import math
from datetime import datetime, timezone
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import Input, Output, State, ctx, html, no_update
from callbacks.registry import callback, clientside_callback
from components.export import safe_csv

from callbacks.browser_js import REPLACE_URL_QUERY
from callbacks.theme import theme_name
from components.figures import data_source, figures_html
from components.greek_units import GREEK_DISPLAY, fmt_greek
from components.ids import App
from components.ids import Strategies as ids
from components.ids import StrategiesDesk as dids
from components.ids import Wiring as wids
from components.strategy_figures import mc_figure, payoff_figure, pnl_heatmap_figure, theme_props
from components.risk_state import rows_to_text as book_text
from components.strategy_state import rows_to_text, to_query
from core.data import sample_chain
from core.errors import ParityError
from core.pricing import GREEK_NAMES, bs_price
from core.strategies import (Leg, PositionAnalysis, Strategy, WhatIf, analyse_position, build,
                             chain_rates, strategy_info)

log = logging.getLogger(__name__)
MC_PATHS = 100_000
VAR_ALPHA = 0.99
_KINDS = {"C": "call", "P": "put", "S": "stock"}
_FIELD_WORDS = {"qty": "quantity", "strike": "strike", "days": "days to expiry", "price": "entry price",
                "vol": "vol (%)"}


# --------------------------------------------------------------------------------------------
# plain functions (tested without a browser)
# --------------------------------------------------------------------------------------------
def data_label(source: str) -> str:
    """What the page is priced on, with its date."""
    if source == "spx":
        c = sample_chain()
        return (f"Data: {chart_source(source)} (listed strikes, mids), quoted {str(c.quote_date)[:10]}, "
                f"spot {c.spot:,.2f}. Uploaded chains are not used on this page.")
    return f"Data: {chart_source(source)} from the inputs above (no chain)."


def chart_source(source: str) -> str:
    """The data source named on every chart: the embedded chain's label, or the flat-vol inputs."""
    if source == "spx":
        return data_source(sample_chain().label) or "Embedded SPX chain"
    return "flat-vol Black-Scholes market"


def template_rows(name: str, *, spot: float, vol: float, r: float, q: float, days: float,
                  width: float, source: str) -> tuple[list[dict], dict]:
    """Grid rows of a catalogue strategy, and the market it was priced in (decimals).

    With ``source == "spx"`` legs snap to the embedded SPX chain's listed strikes and expiries
    and are priced at its mids (spot, r and q then come from the chain: ``market["rates_note"]``
    says which expiry gave r and q).
    """
    if source == "spx":
        chain = sample_chain()
        st = build(name, chain.spot, days / 365, vol=vol, chain=chain, width=width)
        rates = chain_rates(chain, min(st.expiries) if st.expiries else days / 365)
        market = dict(spot=float(chain.spot), vol=vol, r=float(st.r), q=float(st.q),
                      rates_note=rates.note)
    else:
        st = build(name, spot, days / 365, vol=vol, r=r, q=q, width=width)
        market = dict(spot=spot, vol=vol, r=r, q=q)
    rows = [{"type": leg.kind[0].upper(), "strike": round(leg.strike, 4) if leg.kind != "stock" else None,
             "days": round(leg.T * 365, 2) if leg.kind != "stock" else None, "qty": leg.qty,
             "price": round(leg.price, 4), "vol": round(leg.vol * 100, 3) if leg.vol else None}
            for leg in st.legs]
    return rows, market


def legs_from_rows(rows: list[dict], market: dict) -> tuple[list[Leg], list[str]]:
    """Valid legs and a message per invalid row (1-based), in the grid's words. A missing entry
    price is filled with the Black-Scholes value at the leg's vol (or the market vol)."""
    legs, errors = [], []
    for i, row in enumerate(rows or [], start=1):
        try:
            legs.append(_leg(row, market))
        except ParityError as exc:
            errors.append(f"Row {i}: {exc}; this leg is left out.")
    return legs, errors


def _leg(row: dict, market: dict) -> Leg:
    kind = _KINDS.get(str(row.get("type") or "").strip().upper()[:1])
    if kind is None:
        raise ParityError(f"type must be C (call), P (put) or S (stock), got {row.get('type')!r}")
    qty = _number(row, "qty")
    if qty == 0:
        raise ParityError("quantity is 0: enter a number of units, negative for short")
    if kind == "stock":
        price = row.get("price")
        return Leg("stock", 0.0, 0.0, qty, market["spot"] if price in (None, "") else _number(row, "price", 0))
    strike = _number(row, "strike", above=0)
    days = _number(row, "days")
    if days <= 0:
        raise ParityError(f"days to expiry must be above 0, got {days:g} (the expiry is today or past)")
    vol = market["vol"] if row.get("vol") in (None, "") else _number(row, "vol", above=0) / 100
    price = row.get("price")
    if price in (None, ""):
        price = float(bs_price(market["spot"], strike, days / 365, market["r"], market["q"], vol, kind == "call"))
    else:
        price = _number(row, "price", 0)
    return Leg(kind, strike, days / 365, qty, price, vol=vol)


def _number(row: dict, field: str, at_least: float | None = None, *, above: float | None = None) -> float:
    what = _FIELD_WORDS[field]
    value = row.get(field)
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ParityError(f"{what} must be a number, got {'nothing' if value in (None, '') else repr(value)}") from None
    if not math.isfinite(v):
        raise ParityError(f"{what} must be a finite number, got {value!r}")
    if above is not None and not v > above:
        raise ParityError(f"{what} must be above {above:g}, got {v:g}")
    if at_least is not None and v < at_least:
        raise ParityError(f"{what} must be {at_least:g} or more, got {v:g}")
    return v


@functools.lru_cache(maxsize=1)
def _sample_surface():
    from core.surface import fit_svi

    return fit_svi(sample_chain())


def market_from_inputs(spot, vol, rate, div) -> dict:
    """Decimals from the market inputs, or ParityError in the user's words."""
    out = {}
    for key, value, what, scale, positive in (("spot", spot, "Spot", 1.0, True), ("vol", vol, "Vol", 100.0, True),
                                              ("r", rate, "Rate", 100.0, False), ("q", div, "Dividend yield", 100.0, False)):
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise ParityError(f"{what} must be a number{' above 0' if positive else ''}; the box is empty "
                              "or not a number.") from None
        if not math.isfinite(v) or (positive and v <= 0):
            raise ParityError(f"{what} must be a number above 0, got {v:g}.")
        out[key] = v / scale
    return out


def view_spec(view: dict) -> WhatIf:
    """The page's what-if controls (percent, vol points, days) as a core :class:`WhatIf`."""
    def num(key, default, what):
        v = view.get(key)
        if v in (None, ""):
            return default
        try:
            return float(v)
        except (TypeError, ValueError):
            raise ParityError(f"{what} must be a number, got {v!r}.") from None

    return WhatIf(spot_shift=num("dS", 0.0, "Spot shift") / 100, vol_shift=num("dvol", 0.0, "Vol shift") / 100,
                  days_forward=num("dfwd", 0.0, "Days forward"), vol_mode=view.get("vol_mode") or "legs",
                  var_horizon=view.get("var_horizon") or "expiry", var_alpha=VAR_ALPHA, mc_paths=MC_PATHS,
                  underlying=view.get("underlying") or "index",
                  multiplier=num("multiplier", 100.0, "Contract multiplier"), lots=num("lots", 1.0, "Lots"))


def evaluate(rows: list[dict], market: dict, view: dict, *, name: str = "strategy",
             source: str = "flat") -> tuple[PositionAnalysis, list[str]]:
    """The analysis the page draws and the row messages: rows -> legs -> one core call.

    ``view`` holds ``dS`` (% spot shift), ``dvol`` (vol points), ``dfwd`` (days forward),
    ``vol_mode`` ('legs', 'strike', 'delta': SVI surface of the SPX chain), ``var_horizon``
    ('1d', '10d', 'expiry'), ``underlying`` ('index', 'equity'), ``multiplier`` and ``lots``.
    Raises ParityError when no leg is valid or an input is not usable.
    """
    key = json.dumps([rows, market, view, name, source], sort_keys=True, default=str)
    a, errors = _evaluate_cached(key)
    return a, list(errors)


@functools.lru_cache(maxsize=64)
def _evaluate_cached(key: str):
    """Per-process memo of :func:`evaluate` by its JSON inputs (a pure function of them): stepping
    a slider back, or undoing an edit, redraws without revaluing."""
    rows, market, view, name, source = json.loads(key)
    legs, errors = legs_from_rows(rows, market)
    if not legs:
        raise ParityError("No valid legs: " + (" ".join(errors) or "add a leg or pick a template."))
    spec = view_spec(view)
    if spec.vol_mode != "legs" and source != "spx":
        spec = WhatIf.from_dict({**spec.to_dict(), "vol_mode": "legs"})
        errors.append("The SVI-surface vol modes need the SPX chain: each leg's own vol is used.")
    st = Strategy(tuple(legs), name=name, r=market["r"], q=market["q"], spot=market["spot"])
    surface = _sample_surface().implied_vol if source == "spx" else None
    return analyse_position(st, spec, surface=surface, surface_label="the SVI fit of the SPX chain"), tuple(errors)


def display_name(name: str) -> str:
    return strategy_info(name)["label"] if name in _catalog() else "Custom strategy"


@functools.lru_cache(maxsize=1)
def _catalog() -> frozenset:
    from core.strategies import catalog

    return frozenset(catalog())


def greeks_link(a: PositionAnalysis) -> str | None:
    """URL of the Greeks page showing this position at the what-if spot, vols and date: legs with
    their own vols (``lvol``), the shifted spot, and days to expiry counted from the valuation
    date (single-expiry positions only)."""
    legs = a.strategy.legs
    expiries = {round(x.T * 365, 6) for x in legs if x.is_option}
    if len(expiries) != 1:
        return None
    left = expiries.pop() - a.at_days
    text = ", ".join(f"{x.qty:+g} S" if x.kind == "stock" else f"{x.qty:+g} {x.kind[0].upper()} {x.strike:g}"
                     for x in legs)
    vols = [x.vol for x in legs if x.is_option]
    query = dict(inst="position", legs=text, S=f"{a.spot:.6g}", vol=f"{float(np.median(vols)) * 100:.4g}",
                 lvol=",".join("" if not x.is_option else f"{x.vol * 100:.4g}" for x in legs),
                 r=f"{a.strategy.r * 100:.4g}", q=f"{a.strategy.q * 100:.4g}", dlo="0",
                 dhi=f"{max(left, 2):.0f}", greek="gamma", view="heatmap")
    return "/greeks?" + urlencode(query)


def book_link(a: PositionAnalysis, source: str) -> str | None:
    """``/risk?add=<rows>``: the valued legs as book positions (expiry dates counted from the
    chain's quote date, quantities × lots, the contract multiplier), or ``None`` when the legs
    are not on the SPX chain the Risk page values positions on."""
    if source != "spx":
        return None
    from datetime import timedelta

    from callbacks.risk import book_to_rows
    from core.risk import Book

    day = sample_chain().quote_date
    legs = a.strategy.legs
    dates = [day + timedelta(days=round(x.T * 365)) for x in legs]
    book = Book.from_legs(legs, dates, multiplier=a.spec.multiplier, contracts=a.spec.lots)
    return "/risk?" + urlencode({"add": book_text(book_to_rows(book))})


def _fmt(v: float, scale: float = 1.0) -> str:
    # + 0.0 after rounding: a loss of 0.001 reads 0.00, not -0.00
    return "unlimited" if not math.isfinite(v) else f"{round(v * scale, 2) + 0.0:,.2f}"


def where_attained(S, pnl, target: float) -> str:
    """Where on the price grid the expiry P/L reaches ``target`` (its max or min), in words:
    "S $95–$105", or "S ≤ $90 or S ≥ $110" when a region runs to an end of the range checked.

    Parameters
    ----------
    S, pnl : array_like
        The price grid ($) and the expiry P/L on it (per unit, $).
    target : float
        The extreme to locate ($ per unit).

    Returns
    -------
    str
        The regions, or "" when ``target`` is not finite.
    """
    S, pnl = np.asarray(S, dtype=float), np.asarray(pnl, dtype=float)
    if not math.isfinite(target) or not len(S):
        return ""
    hit = np.abs(pnl - target) <= 1e-9 + 1e-7 * max(abs(target), float(np.nanmax(np.abs(pnl))))
    parts, i, n = [], 0, len(S)
    while i < n:
        if not hit[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and hit[j + 1]:
            j += 1
        lo, hi = S[i], S[j]
        if i == 0 and j == n - 1:
            parts.append(f"all S ${lo:,.0f}–${hi:,.0f}")
        elif i == 0:
            parts.append(f"S ≤ ${hi:,.0f}")
        elif j == n - 1:
            parts.append(f"S ≥ ${lo:,.0f}")
        elif hi - lo < 1e-9:
            parts.append(f"S ${lo:,.2f}")
        else:
            parts.append(f"S ${lo:,.0f}–${hi:,.0f}")
        i = j + 1
    return " or ".join(parts)


def _where(a: PositionAnalysis, target: float) -> str:
    lo, hi = a.price_range
    at = where_attained(a.S, a.pnl_expiry, target)
    return f"at expiry, {at} (of S ${lo:,.0f}–${hi:,.0f} checked)" if at else f"at expiry, S ${lo:,.0f}–${hi:,.0f}"


def summary_view(a: PositionAnalysis) -> dbc.Card:
    """Breakevens, extremes on the stated range, premium per unit and per position, probabilities
    of profit with the vol each uses, margin with its rule, VaR at the chosen horizon."""
    k = a.scale
    size = f"{a.spec.lots:g} lot{'s' if a.spec.lots != 1 else ''} × {a.spec.multiplier:g}"
    pop_names = {"lognormal": "Lognormal", "mc": "Monte Carlo (GBM)", "rnd": "Risk-neutral density (SVI smile)"}
    pops = [html.Li([html.B(f"{v.pop:.1%} "), pop_names[m],
                     html.Span(f" — expected P/L {_fmt(v.expected_pnl)} per unit", className="text-body-secondary")])
            for m, v in a.pops.items()]
    lo, hi = a.price_range
    debit = a.net_premium
    v = a.var

    def money(label, x, extra=""):
        return html.Tr([html.Td(label), html.Td(_fmt(x), className="text-end font-monospace"),
                        html.Td(_fmt(x, k), className="text-end font-monospace"), html.Td(extra, className="small")])

    table = dbc.Table([
        html.Thead(html.Tr([html.Th(""), html.Th("per unit ($)", className="text-end"),
                            html.Th(f"position ($, {size})", className="text-end"), html.Th("")])),
        html.Tbody([
            money("Max profit", a.max_profit, _where(a, a.max_profit)),
            money("Max loss", a.max_loss, _where(a, -a.max_loss)),
            money(f"Net premium ({'debit' if debit > 0 else 'credit'})", abs(debit)),
            money(f"VaR {v['alpha']:.0%}", v["var"], f"{v['horizon_days']:.1f} days from day {a.at_days:.0f}"),
            money(f"CVaR {v['alpha']:.0%}", v["cvar"]),
            money("Margin (CBOE)", a.margin.net, "net of premiums received"),
        ]),
    ], size="sm", class_name="mb-1")
    parts = [html.Div([html.B("Breakevens at expiry: "), ", ".join(f"${b:,.2f}" for b in a.breakevens) or "none"]),
             table]
    if a.tail_note:
        parts.append(html.Div(a.tail_note, className="text-danger-emphasis mb-1"))
    if v.get("note"):
        parts.append(html.Div(v["note"], className="text-body-secondary"))
    parts += [html.Div([html.B("Margin rule: "), a.margin.rule, ". Parts: ",
                        "; ".join(f"{lbl} {x:,.2f}" for lbl, x in a.margin.components) or "none"],
                       className="small text-body-secondary mb-1"),
              html.B("Probability of profit at expiry"), html.Ul(pops, className="small mb-1"),
              html.Div(a.vol_note, className="small text-body-secondary")]
    return dbc.Card(dbc.CardBody(parts), class_name="shadow-sm mb-3 small")


def greeks_view(a: PositionAnalysis) -> dbc.Table:
    """Position Greeks per unit and per position, in desk units with significant digits."""
    rows = [html.Tr([html.Td(GREEK_DISPLAY[n].label),
                     html.Td(fmt_greek(a.greeks[n] * GREEK_DISPLAY[n].scale), className="text-end font-monospace"),
                     html.Td(fmt_greek(a.greeks[n] * GREEK_DISPLAY[n].scale * a.scale),
                             className="text-end font-monospace"),
                     html.Td(GREEK_DISPLAY[n].unit, className="small text-body-secondary")]) for n in GREEK_NAMES]
    head = html.Thead(html.Tr([html.Th("Greek"), html.Th("per unit", className="text-end"),
                               html.Th("position", className="text-end"), html.Th("unit")]))
    return dbc.Table([head, html.Tbody(rows)], size="sm", class_name="mb-0")


def view_note(a: PositionAnalysis, market: dict) -> list:
    """What the view changed without being asked, and where r and q came from."""
    out = [html.Div(n) for n in a.notes]
    if market.get("rates_note"):
        out.append(html.Div(f"Rates: {market['rates_note']}.", className="text-body-secondary"))
    return out


def export_context(state: dict, source: str) -> dict:
    """Market inputs, data source, quote date and export time carried by every export."""
    ctx_ = {k: state.get(k) for k in ("template", "S", "vol", "r", "q", "days", "width", "dS", "dvol", "dfwd",
                                       "volmode", "varh", "und", "mult", "lots")}
    ctx_["data_source"] = data_label(source)
    ctx_["quote_date"] = str(sample_chain().quote_date)[:10] if source == "spx" else "n/a (flat-vol inputs)"
    ctx_["exported_at_utc"] = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    ctx_["units"] = "prices $ per unit of underlying; vol % ; rates % continuously compounded; days ACT/365"
    return ctx_


def export_csv(rows: list[dict], context: dict) -> str:
    """Legs as CSV after ``# key: value`` context lines (formula-safe cells, full precision)."""
    fields = ("type", "strike", "days", "qty", "price", "vol")
    frame = pd.DataFrame([[r.get(f) for f in fields] for r in rows or []],
                         columns=["type", "strike", "days", "qty", "price", "vol_pct"])
    return safe_csv(frame, header=context)


# --------------------------------------------------------------------------------------------
# callbacks
# --------------------------------------------------------------------------------------------
def placed_legs(template, source, spot, vol, rate, div, days, width) -> tuple[list[dict], dict]:
    """Grid rows of a template placed at the page's market inputs, and the page's market values
    (percent, as the inputs show them: the chain's spot, r and q for the SPX source). Raises
    ParityError in the user's words."""
    m = market_from_inputs(spot if source != "spx" else 1.0, vol, rate if source != "spx" else 0,
                           div if source != "spx" else 0)
    w = _positive(width, "Width")
    if not 0 < w < 50:
        raise ParityError(f"width must be between 0.5% and 50% of spot, got {w:g}% of spot.")
    new_rows, market = template_rows(template, spot=m["spot"], vol=m["vol"], r=m["r"], q=m["q"],
                                     days=_positive(days, "Target days"), width=w / 100, source=source)
    if source == "spx":
        return new_rows, dict(spot=round(market["spot"], 2), rate=round(market["r"] * 100, 3),
                              div=round(market["q"] * 100, 3))
    return new_rows, dict(spot=spot, rate=rate, div=div)


def _positive(value, what: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ParityError(f"{what} must be a number above 0; the box is empty or not a number.") from None
    if not (math.isfinite(v) and v > 0):
        raise ParityError(f"{what} must be a number above 0, got {v:g}.")
    return v


@callback(output=dict(disabled=Output(ids.VOL, "disabled"), note=Output(ids.MARKET_NOTE, "children"),
                      data=Output(dids.DATA_NOTE, "children")),
          inputs=dict(source=Input(ids.SOURCE, "value")))
def market_note(source):
    if source == "spx":
        note = ("Spot from the chain; rate and dividend yield implied by put-call parity at the expiry nearest "
                "the target days whose discount factor is at most 1; legs priced at mids with their own implied vols.")
        return dict(disabled=True, note=note, data=data_label(source))
    return dict(disabled=False, note="Legs priced with Black-Scholes at the flat vol; strikes placed by moneyness.",
                data=data_label(source))


@callback(output=dict(rows=Output(ids.LEGS, "rowData", allow_duplicate=True),
                      template=Output(ids.TEMPLATE, "value", allow_duplicate=True)),
          inputs=dict(add=Input(ids.ADD_LEG, "n_clicks"), delete=Input(dids.DELETE_LEG, "n_clicks")),
          state=dict(rows=State(ids.LEGS, "rowData"), selected=State(ids.LEGS, "selectedRows"),
                     days=State(ids.DAYS, "value"), spot=State(ids.SPOT, "value")),
          prevent_initial_call=True)
def add_or_delete_leg(add, delete, rows, selected, days, spot):
    rows = list(rows or [])
    if ctx.triggered_id == dids.DELETE_LEG:
        if not rows:
            return dict(rows=no_update, template=no_update)
        drop = list(selected or [])
        if not drop:
            return dict(rows=rows[:-1], template="custom")
        for row in drop:
            if row in rows:
                rows.remove(row)
        return dict(rows=rows, template="custom")
    try:
        strike = round(float(spot))
    except (TypeError, ValueError):
        strike = 100
    return dict(rows=rows + [{"type": "C", "strike": strike, "days": days, "qty": 1, "price": None, "vol": None}],
                template="custom")


_FIGS = ("payoff", "heat", "mc")
_OUT = _FIGS + ("summary", "greeks", "link", "link_off", "leg_errors", "book", "book_off", "view_note", "alert",
                "alert_open", "state", "session", "rows", "template", "spot", "rate", "div")
#: Inputs that re-place a template's legs (a custom position keeps its legs and is revalued).
_PLACING = {ids.TEMPLATE, ids.SOURCE, ids.SPOT, ids.VOL, ids.RATE, ids.DIV, ids.DAYS, ids.WIDTH}


# One callback, one round trip for every change: a template or market input places the legs and
# values them in the same request (it used to be two chained callbacks), a cell edit marks the
# position custom and values the edited grid (it used to wait on two others first).
@callback(
    output=dict(payoff=Output(ids.PAYOFF_GRAPH, "figure"), heat=Output(ids.HEATMAP_GRAPH, "figure"),
                mc=Output(ids.MC_GRAPH, "figure"), summary=Output(ids.SUMMARY, "children"),
                greeks=Output(ids.GREEKS, "children"), link=Output(ids.GREEKS_LINK, "href"),
                link_off=Output(ids.GREEKS_LINK, "disabled"), leg_errors=Output(ids.LEG_ERRORS, "children"),
                book=Output(wids.STRATEGIES_ADD_BOOK, "href"), book_off=Output(wids.STRATEGIES_ADD_BOOK, "disabled"),
                view_note=Output(dids.VIEW_NOTE, "children"), alert=Output(ids.ALERT, "children"),
                alert_open=Output(ids.ALERT, "is_open"), state=Output(ids.STATE, "data"),
                session=Output(dids.SESSION, "data"), rows=Output(ids.LEGS, "rowData"),
                template=Output(ids.TEMPLATE, "value"), spot=Output(ids.SPOT, "value"),
                rate=Output(ids.RATE, "value"), div=Output(ids.DIV, "value")),
    inputs=dict(rows=Input(ids.LEGS, "rowData"), edit=Input(ids.LEGS, "cellValueChanged"),
                dS=Input(ids.SPOT_SHIFT, "value"), dvol=Input(ids.VOL_SHIFT, "value"),
                dfwd=Input(ids.DAYS_FWD, "value"), vol_mode=Input(ids.VOL_MODE, "value"),
                var_horizon=Input(dids.VAR_HORIZON, "value"), underlying=Input(dids.UNDERLYING, "value"),
                multiplier=Input(dids.MULTIPLIER, "value"), lots=Input(dids.LOTS, "value"),
                fresh=Input(dids.FRESH, "data"),
                template=Input(ids.TEMPLATE, "value"), source=Input(ids.SOURCE, "value"),
                spot=Input(ids.SPOT, "value"), vol=Input(ids.VOL, "value"), rate=Input(ids.RATE, "value"),
                div=Input(ids.DIV, "value"), days=Input(ids.DAYS, "value"), width=Input(ids.WIDTH, "value")),
    state=dict(virtual=State(ids.LEGS, "virtualRowData"), dark=State(App.THEME_SWITCH, "value")),
)
def update(rows, edit, dS, dvol, dfwd, vol_mode, var_horizon, underlying, multiplier, lots, fresh,
           template, source, spot, vol, rate, div, days, width, virtual, dark=False):
    out = dict.fromkeys(_OUT, no_update)
    if fresh:  # a query-less visit: the browser first restores this tab's last view (or says there is none)
        return out
    theme = theme_name(dark)
    fired = {p.rsplit(".", 1)[0] for p in (ctx.triggered_prop_ids or {})}
    props = set(ctx.triggered_prop_ids or {})
    if any(p.endswith(".cellValueChanged") for p in props):
        rows, template = (virtual or rows), "custom"  # the edited grid, whatever rowData says yet
        out["template"] = "custom"
    elif template != "custom" and ((fired & _PLACING) or not rows):
        try:
            rows, shown = placed_legs(template, source, spot, vol, rate, div, days, width)
        except ParityError as exc:
            return {**out, "alert": f"Cannot place {display_name(template)}: {str(exc).rstrip('.')}. "
                                    "The charts show the last valid inputs.", "alert_open": True}
        out["rows"] = rows
        if source == "spx":
            spot, rate, div = shown["spot"], shown["rate"], shown["div"]
            out.update(spot=spot, rate=rate, div=div)
    return {**out, **valued(rows, template=template, source=source, spot=spot, vol=vol, rate=rate, div=div,
                            days=days, width=width, theme=theme,
                            view=dict(dS=dS, dvol=dvol, dfwd=dfwd, vol_mode=vol_mode, var_horizon=var_horizon,
                                      underlying=underlying, multiplier=multiplier, lots=lots))}


def valued(rows, *, template, source, spot, vol, rate, div, days, width, theme, view) -> dict:
    """Every output of the page for the legs in ``rows`` under ``view`` (alerts in the user's words)."""
    try:
        market = market_from_inputs(spot, vol, rate, div)
        if source == "spx":
            market["rates_note"] = template_rows_note(days)
        a, errors = evaluate(rows, market, view, name=template, source=source)
    except ParityError as exc:
        return {"alert": f"{str(exc).rstrip('.')}. The charts show the last valid inputs.", "alert_open": True,
                "leg_errors": [html.Div(e) for e in legs_from_rows(rows, _safe_market(spot, vol, rate, div))[1]]}
    except Exception:
        log.exception("strategy evaluation failed")
        return {"alert": "Something went wrong valuing this position; the error was logged.", "alert_open": True}
    state = dict(template=template, source=source, S=spot, vol=vol, r=rate, q=div, days=days, width=width,
                 dS=view["dS"], dvol=view["dvol"], dfwd=view["dfwd"], volmode=view["vol_mode"],
                 varh=view["var_horizon"], und=view["underlying"], mult=view["multiplier"], lots=view["lots"],
                 legs=rows_to_text(rows))
    name = display_name(template)
    link = greeks_link(a)
    book = book_link(a, source)
    query = to_query(state)
    src = chart_source(source)
    return dict(payoff=payoff_figure(a, name=name, theme=theme, source=src),
                heat=pnl_heatmap_figure(a, theme=theme, source=src), mc=mc_figure(a, theme=theme, source=src),
                summary=summary_view(a), greeks=greeks_view(a), link=link or "", link_off=link is None,
                book=book or "", book_off=book is None, leg_errors=[html.Div(e) for e in errors],
                view_note=view_note(a, market), alert="", alert_open=False, state=query, session=query)


def template_rows_note(days) -> str:
    """Which expiry gave the SPX chain's r and q for the target days."""
    try:
        d = float(days)
    except (TypeError, ValueError):
        d = 30.0
    return chain_rates(sample_chain(), max(d, 1.0) / 365).note


def _safe_market(spot, vol, rate, div) -> dict:
    try:
        return market_from_inputs(spot, vol, rate, div)
    except ParityError:
        return dict(spot=100.0, vol=0.2, r=0.0, q=0.0)


@callback(
    output=dict(download=Output(ids.DOWNLOAD, "data")),
    inputs=dict(csv=Input(ids.EXPORT_CSV, "n_clicks"), js=Input(ids.EXPORT_JSON, "n_clicks"),
                html_=Input(ids.EXPORT_HTML, "n_clicks")),
    state=dict(rows=State(ids.LEGS, "rowData"), query=State(ids.STATE, "data"), source=State(ids.SOURCE, "value"),
               payoff=State(ids.PAYOFF_GRAPH, "figure"), heat=State(ids.HEATMAP_GRAPH, "figure"),
               mc=State(ids.MC_GRAPH, "figure")),
    prevent_initial_call=True,
)
def export(csv, js, html_, rows, query, source, payoff, heat, mc):
    from urllib.parse import parse_qsl

    context = export_context(dict(parse_qsl((query or "?")[1:])), source)
    if ctx.triggered_id == ids.EXPORT_CSV:
        return dict(download=dict(content=export_csv(rows, context), filename="parity-position.csv", type="text/csv"))
    if ctx.triggered_id == ids.EXPORT_JSON:
        return dict(download=dict(content=json.dumps({"context": context, "legs": rows}, indent=1),
                                  filename="parity-position.json", type="application/json"))
    figs = [f for f in (payoff, heat, mc) if f]
    head = "".join(f"<li>{html_escape(k)}: {html_escape(v)}</li>" for k, v in context.items())
    return dict(download=dict(content=figures_html(figs, "Parity strategy").replace(
        "<body>", f"<body><h3>Parity strategy</h3><ul>{head}</ul>", 1), filename="parity-strategy.html",
        type="text/html"))


def html_escape(v) -> str:
    import html as _h

    return _h.escape(str(v))


clientside_callback(
    REPLACE_URL_QUERY,
    Output(ids.URL_DUMMY, "children"),
    Input(ids.STATE, "data"),
)

# The theme switch is a pure display change: the browser restyles the three charts itself (the
# colours of ``components.strategy_figures.theme_props``), no request and no data re-sent.
clientside_callback(
    """
    function(dark, payoff, heat, mc) {
        const props = %s[dark ? 'dark' : 'light'];
        const nu = window.dash_clientside.no_update;
        return [payoff, heat, mc].map(function (fig) {
            if (!fig || !fig.layout) { return nu; }
            const layout = JSON.parse(JSON.stringify(fig.layout));
            props.forEach(function (pv) {
                let node = layout;
                pv[0].slice(0, -1).forEach(function (k) {
                    if (typeof node[k] !== 'object' || node[k] === null) { node[k] = {}; }
                    node = node[k];
                });
                node[pv[0][pv[0].length - 1]] = pv[1];
            });
            return Object.assign({}, fig, {layout: layout});
        });
    }
    """ % json.dumps({t: [[list(k), v] for k, v in theme_props(t).items()] for t in ("light", "dark")}),
    Output(ids.PAYOFF_GRAPH, "figure", allow_duplicate=True),
    Output(ids.HEATMAP_GRAPH, "figure", allow_duplicate=True),
    Output(ids.MC_GRAPH, "figure", allow_duplicate=True),
    Input(App.THEME_SWITCH, "value"),
    State(ids.PAYOFF_GRAPH, "figure"), State(ids.HEATMAP_GRAPH, "figure"), State(ids.MC_GRAPH, "figure"),
    prevent_initial_call=True,
)

# Back on the page without a query (navbar link): load the session's last view, so the layout
# rebuilds it exactly as a shared link would. The session Store keeps its data in sessionStorage
# under its id; reading it here does not race the Store's mount. Without a saved view the page
# says it is no longer fresh and ``update`` values the defaults.
clientside_callback(
    """
    function(fresh) {
        if (!fresh) { return window.dash_clientside.no_update; }
        let saved = null;
        try { saved = JSON.parse(window.sessionStorage.getItem('%s')); } catch (e) { saved = null; }
        if (!window.location.search && typeof saved === 'string' && saved.startsWith('?')) {
            window.location.replace(window.location.pathname + saved);
            return window.dash_clientside.no_update;
        }
        return false;
    }
    """ % dids.SESSION,
    Output(dids.FRESH, "data"),
    Input(dids.FRESH, "data"),
)
