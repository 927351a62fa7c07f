"""Strategy builder callbacks: template or edited legs -> core.strategies -> figures.

Legs live in the AG Grid's rows; every evaluation re-reads them, so an invalid row is flagged
and skipped rather than stopping the page.
"""
from __future__ import annotations

import functools
import json
import logging
import math
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
import numpy as np
from dash import Input, Output, State, callback, clientside_callback, ctx, html, no_update

from callbacks.browser_js import REPLACE_URL_QUERY
from callbacks.theme import theme_name
from components.figures import figures_html
from components.greek_units import GREEK_DISPLAY
from components.ids import App
from components.ids import Strategies as ids
from components.strategy_figures import mc_figure, payoff_figure, pnl_heatmap_figure
from components.strategy_state import rows_to_text, to_query
from core.data import sample_chain
from core.errors import ParityError
from core.pricing import GREEK_NAMES, bs_price
from core.pricing.montecarlo import gbm_terminal
from core.risk import var_cvar
from core.strategies import Leg, Strategy, analyse, build, probability_of_profit, strategy_info

log = logging.getLogger(__name__)
MC_PATHS = 100_000
VAR_ALPHA = 0.99
_KINDS = {"C": "call", "P": "put", "S": "stock"}


# --------------------------------------------------------------------------------------------
# plain functions (tested without a browser)
# --------------------------------------------------------------------------------------------
def template_rows(name: str, *, spot: float, vol: float, r: float, q: float, days: float,
                  width: float, source: str) -> tuple[list[dict], dict]:
    """Grid rows of a catalogue strategy, and the market it was priced in (decimals).

    With ``source == "spx"`` legs snap to the embedded SPX chain's listed strikes and expiries
    and are priced at its mids (spot, r and q then come from the chain).
    """
    if source == "spx":
        chain = sample_chain()
        st = build(name, chain.spot, days / 365, vol=vol, chain=chain, width=width)
        market = dict(spot=float(chain.spot), vol=vol, r=float(st.r), q=float(st.q))
    else:
        st = build(name, spot, days / 365, vol=vol, r=r, q=q, width=width)
        market = dict(spot=spot, vol=vol, r=r, q=q)
    rows = [{"type": leg.kind[0].upper(), "strike": round(leg.strike, 4) if leg.kind != "stock" else None,
             "days": round(leg.T * 365, 2) if leg.kind != "stock" else None, "qty": leg.qty,
             "price": round(leg.price, 4), "vol": round(leg.vol * 100, 3) if leg.vol else None}
            for leg in st.legs]
    return rows, market


def legs_from_rows(rows: list[dict], market: dict) -> tuple[list[Leg], list[str]]:
    """Valid legs and a message per invalid row (1-based). A missing entry price is filled with
    the Black-Scholes value at the leg's vol (or the market vol)."""
    legs, errors = [], []
    for i, row in enumerate(rows or [], start=1):
        try:
            legs.append(_leg(row, market))
        except (ParityError, TypeError, ValueError) as exc:
            errors.append(f"Row {i}: {exc} — left out.")
    return legs, errors


def _leg(row: dict, market: dict) -> Leg:
    kind = _KINDS.get(str(row.get("type") or "").strip().upper()[:1])
    if kind is None:
        raise ParityError("type must be C (call), P (put) or S (stock)")
    qty = _float(row.get("qty"), "quantity")
    if qty == 0:
        raise ParityError("quantity is zero")
    if kind == "stock":
        price = row.get("price")
        return Leg("stock", 0.0, 0.0, qty, market["spot"] if price in (None, "") else _float(price, "price"))
    strike = _float(row.get("strike"), "strike")
    days = _float(row.get("days"), "days to expiry")
    if strike <= 0:
        raise ParityError(f"strike must be > 0, got {strike:g}")
    if days <= 0:
        raise ParityError(f"expiry is in the past or today ({days:g} days)")
    vol = row.get("vol")
    vol = market["vol"] if vol in (None, "") else _float(vol, "vol") / 100
    if not vol > 0:
        raise ParityError(f"vol must be > 0, got {vol * 100:g}%")
    price = row.get("price")
    if price in (None, ""):
        price = float(bs_price(market["spot"], strike, days / 365, market["r"], market["q"], vol, kind == "call"))
    return Leg(kind, strike, days / 365, qty, _float(price, "price"), vol=vol)


def _float(value, what: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ParityError(f"{what} must be a number, got {value!r}") from None
    if not math.isfinite(v):
        raise ParityError(f"{what} must be finite")
    return v


@functools.lru_cache(maxsize=1)
def _sample_surface():
    from core.surface import fit_svi

    return fit_svi(sample_chain())


def evaluate(rows: list[dict], market: dict, view: dict, *, name: str = "strategy",
             source: str = "flat") -> dict:
    """Everything the page draws: P/L curves, heatmap, breakevens, extremes, Greeks, PoP three
    ways, margin, Monte Carlo VaR. ``view`` holds ``dS`` (% spot shift), ``dvol`` (vol points),
    ``dfwd`` (days forward) and ``vol_mode``: ``"legs"`` values each leg at its own vol;
    ``"strike"`` / ``"delta"`` value legs before expiry on the SVI surface of the SPX chain
    (``source == "spx"`` only), sticky-strike or sticky-delta when spot moves. Raises
    ParityError when no leg is valid."""
    legs, errors = legs_from_rows(rows, market)
    if not legs:
        raise ParityError("no valid legs: " + (" ".join(errors) or "add a leg or pick a template"))
    dvol = view.get("dvol", 0.0) / 100
    shifted = [Leg(l.kind, l.strike, l.T, l.qty, l.price, vol=None if l.kind == "stock" else max(l.vol + dvol, 1e-4))
               for l in legs]
    st = Strategy(shifted, name=name, r=market["r"], q=market["q"], spot=market["spot"])
    mode = view.get("vol_mode", "legs")
    vol, sticky = None, "strike"
    if mode in ("strike", "delta") and source == "spx":
        surface = _sample_surface()
        vol, sticky = (lambda K, T: surface.implied_vol(K, T) + dvol), mode
    kw = dict(vol=vol, sticky=sticky, spot_ref=market["spot"])
    spot = market["spot"] * (1 + view.get("dS", 0.0) / 100)
    first = st.first_expiry or 30 / 365
    at = min(view.get("dfwd", 0.0) / 365, first)
    an = analyse(st, spot=spot, at_T=at, pop_method="lognormal", vol=vol, sticky=sticky)
    S = an.S
    curves = [{"label": "today", "pnl": st.pnl(S, at_T=0.0, **kw).tolist(), "color": "#fd7e14", "dash": "solid"}]
    if at > 0:
        curves.append({"label": f"in {at * 365:.0f} days", "pnl": st.pnl(S, at_T=at, **kw).tolist(),
                       "color": "#d63384", "dash": "dash"})
    mid = 0.5 * (at + first)
    if first - at > 2 / 365:
        curves.append({"label": f"in {mid * 365:.0f} days", "pnl": st.pnl(S, at_T=mid, **kw).tolist(),
                       "color": "#6f42c1", "dash": "dot"})
    greeks = st.greeks(spot, at_T=at, **kw)
    mc_vol = float(np.median([l.vol for l in shifted if l.vol]) if any(l.vol for l in shifted) else market["vol"])
    horizon = at if at > 0 else first
    ST = gbm_terminal(spot, horizon, market["r"], market["q"], mc_vol, MC_PATHS, rng=0, antithetic=True)
    pnl = st.pnl(ST, at_T=horizon, **kw)
    var, cvar = var_cvar(pnl, VAR_ALPHA)
    pops = {"lognormal": an.pop}
    pops["mc"] = probability_of_profit(st, spot, vol=mc_vol, method="mc", n_paths=MC_PATHS, rng=1)
    if source == "spx":
        pops["rnd"] = probability_of_profit(st, spot, vol=_sample_surface().implied_vol, method="rnd")
    days = np.linspace(0, first * 365, 41)
    Sh = np.linspace(S[0], S[-1], 121)
    heat = [st.pnl(Sh, at_T=d / 365, **kw).tolist() for d in days]
    return {
        "name": strategy_info(name)["label"] if name in _catalog() else "Custom strategy",
        "spot": spot, "S": S.tolist(), "pnl_expiry": an.pnl_expiry.tolist(), "curves": curves,
        "expiry_days": first * 365, "breakevens": list(an.breakevens),
        "max_profit": an.max_profit, "max_loss": an.max_loss, "net_premium": an.net_premium,
        "greeks": {n: float(greeks[n]) for n in GREEK_NAMES}, "at_days": at * 365,
        "pop": {k: {"pop": v.pop, "expected_pnl": v.expected_pnl, "convention": v.convention}
                for k, v in pops.items()},
        "margin": {"initial": an.margin.initial, "net": an.margin.net, "rule": an.margin.rule},
        "heatmap": {"S": Sh.tolist(), "days": days.tolist(), "pnl": heat},
        "mc": {"pnl": np.asarray(pnl[:20000]).tolist(), "var": var, "cvar": cvar, "alpha": VAR_ALPHA,
               "mean": float(np.mean(pnl)), "horizon_days": horizon * 365, "n": MC_PATHS, "vol": mc_vol},
        "errors": errors, "greeks_link": greeks_link(legs, market),
        "vol_source": {"legs": "each leg's own vol", "strike": "SVI surface of the SPX chain, sticky strike",
                       "delta": "SVI surface of the SPX chain, sticky delta"}[mode if vol else "legs"],
    }


@functools.lru_cache(maxsize=1)
def _catalog() -> frozenset:
    from core.strategies import catalog

    return frozenset(catalog())


def greeks_link(legs: list[Leg], market: dict) -> str | None:
    """URL of the Greeks page showing this position (single-expiry positions only)."""
    expiries = {round(l.T * 365, 6) for l in legs if l.kind != "stock"}
    if len(expiries) != 1:
        return None
    days = expiries.pop()
    text = ", ".join(f"{l.qty:+g} S" if l.kind == "stock" else f"{l.qty:+g} {l.kind[0].upper()} {l.strike:g}"
                     for l in legs)
    vols = [l.vol for l in legs if l.vol]
    query = dict(inst="position", legs=text, S=f"{market['spot']:.6g}",
                 vol=f"{(np.mean(vols) if vols else market['vol']) * 100:.4g}",
                 r=f"{market['r'] * 100:.4g}", q=f"{market['q'] * 100:.4g}", dlo="1",
                 dhi=f"{max(days, 2):.0f}", greek="gamma", view="surface")
    return "/greeks?" + urlencode(query)


def _fmt(v: float) -> str:
    return "unlimited" if not math.isfinite(v) else f"{v:,.2f}"


def summary_view(p: dict) -> dbc.Card:
    """Breakevens, extremes, premium, probabilities of profit with conventions, margin, VaR."""
    pop_names = {"lognormal": "Lognormal (forward, flat vol)", "mc": "Monte Carlo (GBM)",
                 "rnd": "Risk-neutral density (SVI fit of the SPX chain)"}
    pops = [html.Li([html.B(f"{v['pop']:.1%} "), pop_names[k],
                     html.Span(f" — {v['convention']}", className="text-body-secondary")]) for k, v in p["pop"].items()]
    debit = p["net_premium"]
    m = p["mc"]
    return dbc.Card(dbc.CardBody([
        html.Div([html.B("Breakevens at expiry: "),
                  ", ".join(f"{b:,.2f}" for b in p["breakevens"]) or "none"]),
        html.Div([html.B("Max profit: "), _fmt(p["max_profit"]), html.B("   Max loss: "), _fmt(p["max_loss"]),
                  html.B("   Net premium: "), f"{abs(debit):,.2f} {'debit' if debit > 0 else 'credit'}"]),
        html.Div([html.B(f"VaR {m['alpha']:.0%}: "), f"{m['var']:,.2f}", html.B(f"   CVaR: "), f"{m['cvar']:,.2f}",
                  f" at {m['horizon_days']:.0f} days"]),
        html.Div([html.B("Valuation vol: "), p["vol_source"]]),
        html.Div([html.B("Margin estimate: "), f"{p['margin']['initial']:,.2f} requirement (premiums included), "
                  f"{p['margin']['net']:,.2f} net of premiums received"]),
        html.Div(p["margin"]["rule"], className="small text-body-secondary mb-1"),
        html.B("Probability of profit"), html.Ul(pops, className="small mb-0"),
    ]), class_name="shadow-sm mb-3 small")


def greeks_view(p: dict) -> dbc.Table:
    rows = [html.Tr([html.Td(GREEK_DISPLAY[n].label), html.Td(f"{p['greeks'][n] * GREEK_DISPLAY[n].scale:,.4f}",
                                                              className="text-end font-monospace"),
                     html.Td(GREEK_DISPLAY[n].unit, className="small text-body-secondary")]) for n in GREEK_NAMES]
    return dbc.Table(html.Tbody(rows), size="sm", class_name="mb-0")


# --------------------------------------------------------------------------------------------
# callbacks
# --------------------------------------------------------------------------------------------
@callback(
    Output(ids.LEGS, "rowData"), Output(ids.SPOT, "value"), Output(ids.RATE, "value"), Output(ids.DIV, "value"),
    Output(ids.ALERT, "children", allow_duplicate=True), Output(ids.ALERT, "is_open", allow_duplicate=True),
    Input(ids.TEMPLATE, "value"), Input(ids.SOURCE, "value"), Input(ids.SPOT, "value"), Input(ids.VOL, "value"),
    Input(ids.RATE, "value"), Input(ids.DIV, "value"), Input(ids.DAYS, "value"), Input(ids.WIDTH, "value"),
    State(ids.LEGS, "rowData"), prevent_initial_call="initial_duplicate",
)
def place_legs(template, source, spot, vol, rate, div, days, width, rows):
    if template == "custom" or (ctx.triggered_id is None and rows):
        return (no_update,) * 6
    try:
        new_rows, market = template_rows(template, spot=float(spot), vol=float(vol) / 100, r=float(rate) / 100,
                                         q=float(div) / 100, days=float(days), width=float(width) / 100,
                                         source=source)
    except (ParityError, TypeError, ValueError) as exc:
        return no_update, no_update, no_update, no_update, f"Cannot place {template}: {exc}", True
    if source == "spx":
        return (new_rows, round(market["spot"], 2), round(market["r"] * 100, 3), round(market["q"] * 100, 3),
                no_update, no_update)
    return new_rows, no_update, no_update, no_update, no_update, no_update


@callback(Output(ids.VOL, "disabled"), Output(ids.MARKET_NOTE, "children"), Input(ids.SOURCE, "value"))
def market_note(source):
    if source == "spx":
        return True, ("Spot from the chain; rate and dividend yield implied by put-call parity at the "
                      "expiry nearest the target days; legs priced at mids with their own implied vols.")
    return False, "Legs priced with Black-Scholes at the flat vol; strikes placed by moneyness."


@callback(Output(ids.TEMPLATE, "value"), Input(ids.LEGS, "cellValueChanged"), prevent_initial_call=True)
def edited(_change):
    return "custom"


@callback(Output(ids.LEGS, "rowData", allow_duplicate=True), Output(ids.TEMPLATE, "value", allow_duplicate=True),
          Input(ids.ADD_LEG, "n_clicks"), State(ids.LEGS, "rowData"), State(ids.DAYS, "value"),
          State(ids.SPOT, "value"), prevent_initial_call=True)
def add_leg(_n, rows, days, spot):
    row = {"type": "C", "strike": round(float(spot or 100)), "days": days, "qty": 1, "price": None, "vol": None}
    return list(rows or []) + [row], "custom"


@callback(
    Output(ids.PAYOFF_GRAPH, "figure"), Output(ids.HEATMAP_GRAPH, "figure"), Output(ids.MC_GRAPH, "figure"),
    Output(ids.SUMMARY, "children"), Output(ids.GREEKS, "children"), Output(ids.GREEKS_LINK, "href"),
    Output(ids.GREEKS_LINK, "disabled"), Output(ids.LEG_ERRORS, "children"),
    Output(ids.ALERT, "children"), Output(ids.ALERT, "is_open"), Output(ids.STATE, "data"),
    Input(ids.LEGS, "rowData"), Input(ids.SPOT_SHIFT, "value"), Input(ids.VOL_SHIFT, "value"),
    Input(ids.DAYS_FWD, "value"), Input(ids.VOL_MODE, "value"), Input(App.THEME_SWITCH, "value"),
    State(ids.TEMPLATE, "value"), State(ids.SOURCE, "value"), State(ids.SPOT, "value"), State(ids.VOL, "value"),
    State(ids.RATE, "value"), State(ids.DIV, "value"), State(ids.DAYS, "value"), State(ids.WIDTH, "value"),
)
def update(rows, dS, dvol, dfwd, vol_mode, dark, template, source, spot, vol, rate, div, days, width):
    theme = theme_name(dark)
    try:
        market = dict(spot=float(spot), vol=float(vol) / 100, r=float(rate) / 100, q=float(div) / 100)
        p = evaluate(rows, market, dict(dS=float(dS or 0), dvol=float(dvol or 0), dfwd=float(dfwd or 0),
                                        vol_mode=vol_mode), name=template, source=source)
    except (ParityError, TypeError, ValueError) as exc:
        return (no_update,) * 8 + (f"{exc}", True, no_update)
    except Exception:
        log.exception("strategy evaluation failed")
        return (no_update,) * 8 + ("Something went wrong valuing this position; the error was logged.", True, no_update)
    state = dict(template=template, source=source, S=spot, vol=vol, r=rate, q=div, days=days, width=width,
                 dS=dS, dvol=dvol, dfwd=dfwd, volmode=vol_mode, legs=rows_to_text(rows))
    errors = [html.Div(e) for e in p["errors"]]
    return (payoff_figure(p, theme=theme), pnl_heatmap_figure(p, theme=theme), mc_figure(p, theme=theme),
            summary_view(p), greeks_view(p), p["greeks_link"] or "", p["greeks_link"] is None, errors,
            "", False, to_query(state))


@callback(
    Output(ids.DOWNLOAD, "data"),
    Input(ids.EXPORT_CSV, "n_clicks"), Input(ids.EXPORT_JSON, "n_clicks"), Input(ids.EXPORT_HTML, "n_clicks"),
    State(ids.LEGS, "rowData"), State(ids.PAYOFF_GRAPH, "figure"), State(ids.HEATMAP_GRAPH, "figure"),
    State(ids.MC_GRAPH, "figure"), prevent_initial_call=True,
)
def export(_c, _j, _h, rows, payoff, heat, mc):
    if ctx.triggered_id == ids.EXPORT_CSV:
        lines = ["type,strike,days,qty,price,vol_pct"] + [
            ",".join("" if r.get(f) is None else str(r.get(f)) for f in ("type", "strike", "days", "qty", "price", "vol"))
            for r in rows or []]
        return dict(content="\n".join(lines) + "\n", filename="parity-position.csv", type="text/csv")
    if ctx.triggered_id == ids.EXPORT_JSON:
        return dict(content=json.dumps({"legs": rows}, indent=1), filename="parity-position.json",
                    type="application/json")
    figs = [f for f in (payoff, heat, mc) if f]
    return dict(content=figures_html(figs, "Parity strategy"), filename="parity-strategy.html",
                type="text/html")


clientside_callback(
    REPLACE_URL_QUERY,
    Output(ids.URL_DUMMY, "children"),
    Input(ids.STATE, "data"),
)
