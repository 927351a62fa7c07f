"""Figures and small HTML blocks of the Risk page. Pure functions of the ``RiskReport`` dict."""
from __future__ import annotations

import math

import dash_bootstrap_components as dbc
import numpy as np
import plotly.graph_objects as go
from dash import html

from components.figures import empty_figure, sup_lines, themed, title_margin

__all__ = ["ladder_figure", "scenario_figure", "drill_figure", "explain_figure", "bucket_figure",
           "cards", "limits_block", "var_block", "scenario_table", "hedge_block", "stocks_block",
           "money"]

_SRC = "Source: "
_GREEKS = (("delta", "$ delta"), ("gamma", "$ gamma / 1%"), ("vega", "$ / vol pt"),
           ("theta", "$ / day"))


def money(x, digits: int = 0) -> str:
    """``$1,234`` style (None -> '–').

    Parameters
    ----------
    x : float or None
        An amount, currency.
    digits : int
        Decimals shown.

    Returns
    -------
    str
        E.g. ``"-$1,234"``; ``"–"`` for None or a non-finite number.
    """
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return f"{'-' if x < 0 else ''}${abs(x):,.{digits}f}"


def _title(fig, text, sub):
    """Title with a smaller second line (the data source, or context)."""
    sub = sup_lines(sub, escape=False)
    fig.update_layout(title=dict(text=f"{text}<br>{sub}", x=0.01), margin=dict(t=title_margin(f"{text}<br>{sub}")))


def ladder_figure(rep: dict, theme: str = "light") -> go.Figure:
    """The risk matrix: P/L over spot moves (x) and vol shifts (y), full revaluation.

    Parameters
    ----------
    rep : dict
        ``RiskReport.to_dict()`` (P/L in currency).
    theme : {"light", "dark"}
        The page theme.

    Returns
    -------
    plotly.graph_objects.Figure
        Heatmap, spot moves (%) by vol shifts (vol points), P/L in $.
    """
    lad = rep["ladder"]
    z = np.array(lad["pnl"], dtype=float).T           # rows: vols, cols: spots
    x = [f"{s:+.0%}" for s in lad["spots"]]
    y = [f"{v * 100:+.1f}" for v in lad["vols"]]
    lim = float(np.nanmax(np.abs(z))) or 1.0
    fig = go.Figure(go.Heatmap(z=z, x=x, y=y, colorscale="RdYlGn", zmid=0, zmin=-lim,
                               zmax=lim, colorbar=dict(title="P/L ($)"),
                               hovertemplate="spot %{x}, vol %{y} pts: %{z:$,.0f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=[x[10]], y=[y[4]], mode="markers", showlegend=False,
                             marker=dict(symbol="x", size=10, color="black"), hoverinfo="skip"))
    fig.update_layout(xaxis_title="Spot move", yaxis_title="Parallel vol shift (vol points)",
                      xaxis=dict(tickmode="array", tickvals=x[::2]),
                      yaxis=dict(tickmode="array", tickvals=y[::2]))
    _title(fig, "Risk matrix: P/L by spot move and vol shift ($)",
           _SRC + f"{rep['market']['source']}, sticky {rep['market']['sticky']}; full "
                  "revaluation, 21 x 21; x = today")
    return themed(fig, theme)


def _set(rep: dict, which: str) -> dict | None:
    return rep.get(which) if which != "custom" else rep.get("custom")


def scenario_figure(rep: dict, which: str, theme: str = "light") -> go.Figure:
    """P/L by scenario of one set (bars; losses red).

    Parameters
    ----------
    rep : dict
        ``RiskReport.to_dict()``.
    which : str
        The scenario set: ``"historical"``, ``"span"``, ``"pm"`` or ``"custom"``.
    theme : {"light", "dark"}
        The page theme.

    Returns
    -------
    plotly.graph_objects.Figure
        P/L per scenario, $.
    """
    st = _set(rep, which)
    if not st:
        return empty_figure("Set the scenario builder's shocks to see a custom scenario", theme)
    rows = st["table"]
    names = [r["name"] for r in rows]
    pnl = [r["pnl"] for r in rows]
    colors = ["#dc3545" if (p or 0) < 0 else "#198754" for p in pnl]
    fig = go.Figure(go.Bar(x=names, y=pnl, marker_color=colors,
                           customdata=[[r["source"], r["arbitrage"]] for r in rows],
                           hovertemplate="%{x}<br>P/L %{y:$,.0f}<br>%{customdata[0]}<br>"
                                         "arbitrage: %{customdata[1]}<extra></extra>"))
    title = {"historical": "P/L in historical scenarios", "span": "P/L in the 16 SPAN scenarios",
             "pm": "P/L on the portfolio-margin grid", "custom": "P/L in the custom scenario"}
    extra = ""
    if "margin" in st:
        extra = f" — {'SPAN' if which == 'span' else 'PM'} requirement {money(st['margin'])}"
    fig.update_layout(yaxis_title="P/L ($)", xaxis=dict(tickangle=-30, automargin=True,
                                                        title="Scenario"))
    srcs = sorted({r["source"].split(";")[0] for r in rows})
    _title(fig, title[which] + extra,
           _SRC + (srcs[0] if len(srcs) == 1 else
                   "arch.data S&P 500 + VIX daily closes, SPXW 2018-02-02/05 SVI fits, "
                   "published closes (2010, 2020)" if which == "historical" else "; ".join(srcs)))
    return themed(fig, theme)


def drill_figure(rep: dict, which: str, index: int, theme: str = "light") -> go.Figure:
    """P/L by position for one scenario (worst first).

    Parameters
    ----------
    rep : dict
        ``RiskReport.to_dict()``.
    which : str
        The scenario set, as in :func:`scenario_figure`.
    index : int
        Scenario index within the set.
    theme : {"light", "dark"}
        The page theme.

    Returns
    -------
    plotly.graph_objects.Figure
        P/L per position, $.
    """
    st = _set(rep, which)
    if not st or not st["by_position"]["symbols"]:
        return empty_figure("No scenario selected", theme)
    bp = st["by_position"]
    index = max(0, min(index, len(bp["names"]) - 1))
    vals = np.array(bp["pnl"][index], dtype=float)
    order = np.argsort(vals)
    syms = [bp["symbols"][i] for i in order]
    fig = go.Figure(go.Bar(x=vals[order], y=syms, orientation="h",
                           marker_color=["#dc3545" if v < 0 else "#198754" for v in vals[order]],
                           hovertemplate="%{y}: %{x:$,.0f}<extra></extra>"))
    fig.update_layout(xaxis_title="P/L ($)", yaxis=dict(automargin=True))
    ga = st["greeks_after"][index]
    _title(fig, f"By position: {bp['names'][index]}",
           f"Greeks after: $Δ {ga['delta']:,.0f}, $Γ/1% {ga['gamma']:,.0f}, "
           f"vega/pt {ga['vega']:,.0f}, θ/day {ga['theta']:,.0f}")
    return themed(fig, theme)


def explain_figure(rep: dict, theme: str = "light") -> go.Figure:
    """Full revaluation vs the Taylor estimate over spot moves (one day passing).

    Parameters
    ----------
    rep : dict
        ``RiskReport.to_dict()``.
    theme : {"light", "dark"}
        The page theme.

    Returns
    -------
    plotly.graph_objects.Figure
        P/L in $ over spot moves in %.
    """
    e = rep["explain"]
    x = [float(n.split()[1].rstrip("%,")) for n in e["names"]]
    fig = go.Figure()
    for key, name in (("delta", "delta"), ("gamma", "gamma"), ("theta", "theta")):
        fig.add_trace(go.Bar(x=x, y=e[key], name=f"{name} term", opacity=0.55))
    taylor = np.sum([e[k] for k in ("delta", "gamma", "vega", "theta", "rho")], axis=0)
    fig.add_trace(go.Scatter(x=x, y=taylor, name="Taylor (Δ+Γ+ν+Θ)", mode="lines+markers",
                             line=dict(dash="dash")))
    fig.add_trace(go.Scatter(x=x, y=e["full"], name="Full revaluation", mode="lines+markers"))
    _title(fig, "P/L explain: full revaluation vs Greeks",
           "Taylor terms from today's Greeks; the gap is what they miss")
    fig.update_layout(barmode="relative", xaxis_title="Spot move (%), vol unchanged, 1 day",
                      yaxis_title="P/L ($)",
                      legend=dict(orientation="h", yref="container", y=0.0, yanchor="bottom", x=0))
    # the legend (two or three rows on a half-width chart) at the figure's foot, under the axis
    # title it was drawn over
    return themed(fig, theme).update_layout(margin=dict(b=125))


def bucket_figure(rep: dict, by: str, theme: str = "light") -> go.Figure:
    """Desk Greeks per expiry or moneyness bucket (one subplot row of bars per Greek).

    Parameters
    ----------
    rep : dict
        ``RiskReport.to_dict()``.
    by : {"expiry", "moneyness"}
        The bucketing.
    theme : {"light", "dark"}
        The page theme.

    Returns
    -------
    plotly.graph_objects.Figure
        Greeks in desk units per bucket.
    """
    from plotly.subplots import make_subplots
    rows = rep["greeks"]["by_expiry" if by == "expiry" else "by_moneyness"]
    if not rows:
        return empty_figure("No positions valued", theme)
    b = [r["bucket"] for r in rows]
    fig = make_subplots(rows=1, cols=4, subplot_titles=[lab for _, lab in _GREEKS])
    for j, (k, lab) in enumerate(_GREEKS, start=1):
        fig.add_trace(go.Bar(x=b, y=[r[k] for r in rows], name=lab, showlegend=False,
                             hovertemplate="%{x}: %{y:,.0f}<extra>" + lab + "</extra>"), 1, j)
    fig.update_layout(title=dict(text=f"Greeks by {'expiry' if by == 'expiry' else 'moneyness K/S'}"
                                      " (desk units)", x=0.01), margin=dict(t=90))
    fig.update_xaxes(tickangle=-45, type="category")
    return themed(fig, theme)


def cards(rep: dict) -> dbc.Row:
    """Totals as cards.

    Parameters
    ----------
    rep : dict
        ``RiskReport.to_dict()``.

    Returns
    -------
    dash_bootstrap_components.Row
    """
    t = rep["greeks"]["totals"]
    items = [("Value", money(t["value"]), "model, off the surface"),
             ("P/L since trade", money(t["pnl"]), "where trade prices are known"),
             ("$ Delta", money(t["delta"]), f"shadow {money(t['shadow_delta'])}"),
             ("$ Gamma / 1%", money(t["gamma"]), f"shadow {money(t['shadow_gamma'])}"),
             ("Vega / vol pt", money(t["vega"]), ""),
             ("Theta / day", money(t["theta"]), ""),
             ("Rho / 1%", money(t["rho"]), ""),
             ("Positions", f"{t['n_valued']}", _positions_note(rep))]
    return dbc.Row([dbc.Col(dbc.Card(dbc.CardBody([
        html.Div(lab, className="small text-body-secondary"),
        html.Div(val, className="fs-5 fw-semibold", id=f"risk-card-{i}"),
        html.Div(sub, className="small text-body-secondary")], class_name="py-2"),
        class_name="shadow-sm"), xs=6, md=3, xl=True, class_name="mb-2")
        for i, (lab, val, sub) in enumerate(items)], class_name="g-2")


def _positions_note(rep: dict) -> str:
    stocks = len((rep.get("stocks") or {}).get("tickers", []))
    note = f"{len(rep['messages'])} rows left out"
    return note + (f"; {stocks} stocks on the stock side" if stocks else "")


def limits_block(rep: dict) -> html.Div:
    """Utilisation bars, red when breached.

    Parameters
    ----------
    rep : dict
        ``RiskReport.to_dict()``.

    Returns
    -------
    dash.html.Div
    """
    out = []
    for r in rep["limits"]:
        u = r["utilisation"] or 0.0
        color = "danger" if r["breach"] else ("warning" if u > 0.8 else "success")
        bound = r["hi"] if r["value"] >= 0 or r["lo"] is None else r["lo"]
        out.append(html.Div([
            html.Div([html.Span(r["metric"].upper(), className="fw-semibold"),
                      html.Span(f" {money(r['value'])} of {money(bound)}"
                                + ("  BREACH" if r["breach"] else ""),
                                className="text-danger fw-semibold" if r["breach"] else "")],
                     className="small"),
            dbc.Progress(value=min(u, 1.0) * 100, color=color, label=f"{u:.0%}",
                         style={"height": "14px"}, class_name="mb-2")]))
    return html.Div(out)


def var_block(rep: dict) -> html.Div:
    """VaR/ES per method.

    Parameters
    ----------
    rep : dict
        ``RiskReport.to_dict()`` (VaR/ES in currency).

    Returns
    -------
    dash.html.Div
    """
    v = rep["var"]
    if not v:
        return html.Div("No positions valued.")
    rows = [html.Tr([html.Td(m), html.Td(money(v[m]["var"])), html.Td(money(v[m]["es"]))])
            for m in ("historical", "parametric", "mc")]
    return html.Div([dbc.Table([html.Thead(html.Tr([html.Th("Method"), html.Th("VaR 99%"),
                                                    html.Th("ES 99%")])), html.Tbody(rows)],
                               size="sm", bordered=False, class_name="mb-1"),
                     html.Div(v["historical"]["source"] + "; MC: 20,000 bivariate-normal draws; "
                              "parametric: delta-gamma-vega normal.", className="form-text")])


def scenario_table(rep: dict, which: str) -> html.Div:
    """Scenario rows: shocks, P/L, arbitrage check of the shocked surface.

    Parameters
    ----------
    rep : dict
        ``RiskReport.to_dict()``.
    which : str
        The scenario set, as in :func:`scenario_figure`.

    Returns
    -------
    dash.html.Div
    """
    st = _set(rep, which)
    if not st:
        return html.Div()
    head = ["Scenario", "Spot", "Vol pts", "Skew", "Days", "P/L", "Arbitrage", "Source"]
    body = [html.Tr([html.Td(r["name"]), html.Td(f"{r['spot']:+.2%}"),
                     html.Td(f"{r['vol'] * 100:+.1f}"), html.Td(f"{r['skew'] * 100:+.1f}"),
                     html.Td(f"{r['days']:g}"), html.Td(money(r["pnl"])),
                     html.Td(r["arbitrage"]), html.Td(r["source"], className="text-body-secondary")])
            for r in st["table"]]
    return html.Div(dbc.Table([html.Thead(html.Tr([html.Th(h) for h in head])),
                               html.Tbody(body)], size="sm", hover=True, responsive=True),
                    style={"maxHeight": "260px", "overflowY": "auto"})


def hedge_block(h: dict) -> html.Div:
    """Trades, Greeks before/after and cost.

    Parameters
    ----------
    h : dict
        ``Hedge.to_dict()`` (or ``{"error": message}``).

    Returns
    -------
    dash.html.Div
    """
    if not h:
        return html.Div()
    if "error" in h:
        return dbc.Alert(h["error"], color="warning", class_name="py-1 mb-0")
    trades = h["trades"]["positions"]
    rows = [html.Tr([html.Td(_sym(p)), html.Td(f"{p['quantity']:,.2f}"),
                     html.Td(f"{p['trade_price']:,.2f}")]) for p in trades]
    greeks = [html.Tr([html.Td(lab), html.Td(money(h["before"][k])), html.Td(money(h["after"][k]))])
              for k, lab in _GREEKS]
    return html.Div([
        html.Div(f"Cost (spread paid): {money(h['cost'], 2)} — {h['status']}", id="risk-hedge-cost"),
        dbc.Table([html.Thead(html.Tr([html.Th("Trade"), html.Th("Qty"), html.Th("Price")])),
                   html.Tbody(rows)], size="sm", class_name="mb-1"),
        dbc.Table([html.Thead(html.Tr([html.Th("Greek"), html.Th("Before"), html.Th("After")])),
                   html.Tbody(greeks)], size="sm", class_name="mb-0")])


def stocks_block(rep: dict) -> html.Div:
    """Stock side: factor stress through betas and VaR/ES under correlation breakdown.

    Parameters
    ----------
    rep : dict
        ``RiskReport.to_dict()``.

    Returns
    -------
    dash.html.Div
    """
    st = rep.get("stocks")
    if not st or not st.get("tickers"):
        return html.Div("No single-stock positions: add rows such as 'AAPL,100' to see the "
                        "factor stress and correlation breakdown.", className="small")
    betas = ", ".join(f"{b['ticker']} β(S&P) {b['sp500']:.2f} β(NDX) {b['nasdaq']:.2f}"
                      for b in st["betas"])
    fs = [html.Tr([html.Td(r["name"]), html.Td(f"{r['sp500']:+.1%}"),
                   html.Td(f"{r['nasdaq']:+.1%}"), html.Td(money(r["pnl"]))])
          for r in st["factor_stress"]]
    corr = []
    for label, rows in st["correlation"].items():
        for r in rows:
            corr.append(html.Tr([html.Td(label), html.Td(r["method"]),
                                 html.Td(f"{money(r['var_before'])} → {money(r['var_after'])}"),
                                 html.Td(f"{money(r['es_before'])} → {money(r['es_after'])}")]))
    return html.Div([
        html.Div(f"{', '.join(st['tickers'])} at closes of {st['asof']}; {betas}.",
                 className="small mb-1"),
        dbc.Row([
            dbc.Col(dbc.Table([html.Thead(html.Tr([html.Th("Factor shock"), html.Th("S&P 500"),
                                                   html.Th("NASDAQ"), html.Th("P/L")])),
                               html.Tbody(fs)], size="sm", class_name="small mb-1"), xl=6),
            dbc.Col(dbc.Table([html.Thead(html.Tr([html.Th("Correlation stress"),
                                                   html.Th("Method"), html.Th("VaR 99% 1-day"),
                                                   html.Th("ES 99% 1-day")])),
                               html.Tbody(corr)], size="sm", class_name="small mb-1"), xl=6)]),
        html.Div(st["source"] + "; correlation stress against the last two years.",
                 className="form-text")])


def _sym(p: dict) -> str:
    if p["kind"] == "cash":
        return "CASH"
    if p["kind"] == "stock":
        return p["underlying"]
    return f"{p['underlying']} {p['expiry']} {p['strike']:g} {'C' if p['kind'] == 'call' else 'P'}"
