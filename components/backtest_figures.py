"""Figures of the backtest lab, from the JSON payloads the callbacks pass around
(``BacktestResult.to_dict()``, ``Replay.to_dict()``, ``WalkForwardResult.to_dict()``).
Every figure names its data source in the title line."""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from dash import html
import dash_bootstrap_components as dbc
from plotly.subplots import make_subplots

from components.figures import themed

__all__ = ["equity_figure", "pnl_histogram", "payoff_figure", "attribution_figure",
           "metrics_table", "greeks_table", "wf_equity_figure", "stability_figure", "pbo_figure",
           "source_line"]

BLUE, GREY, GREEN, RED, ORANGE = "#0d6efd", "#6c757d", "#198754", "#dc3545", "#fd7e14"


def _a(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def source_line(label: str, source: str) -> str:
    """The data line shown under every title ("modelled" said wherever modelled data is).

    Parameters
    ----------
    label : str
        The data's label (chain history name, dates).
    source : {"real", "modelled", "upload"}
        Where the data came from (other text is shown as is).

    Returns
    -------
    str
    """
    tag = {"real": "real data", "modelled": "MODELLED data", "upload": "uploaded data"}.get(source, source)
    return f"{label} ({tag})" if label else tag


def _title(text: str, sub: str) -> dict:
    return dict(text=f"{text}<br><sup>{sub}</sup>", x=0.01)


def equity_figure(res: dict, *, theme: str = "light") -> go.Figure:
    """Equity (modelled fills and costs) and the same trades at mid, beside buy-and-hold of the
    underlying, with drawdowns below and, when computed, the daily margin requirement.

    Parameters
    ----------
    res : dict
        ``BacktestResult.to_dict()`` (equity in currency).
    theme : {"light", "dark"}
        The page theme.

    Returns
    -------
    plotly.graph_objects.Figure
        Equity ($) above, drawdown (%) below and margin ($) when computed, by date.
    """
    s = res["series"]
    dates = res["dates"]
    eq, mid, bh = _a(s["equity"]), _a(s["equity_mid"]), _a(s["buy_hold"])
    mg = _a(s["margin"]) if "margin" in s else np.full(eq.shape, np.nan)
    rows = 3 if np.isfinite(mg).any() else 2
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.05,
                        row_heights=[0.5, 0.24, 0.26] if rows == 3 else [0.68, 0.32])
    fill = res["rules"].get("fill", "spread")
    fill_lbl = {"mid": "mid fills", "natural": "natural fills"}.get(
        fill, f"{100 * res['rules'].get('fill_fraction', 0.66):.0f}% of spread")
    for y, name, color, dash in ((eq, f"strategy ({fill_lbl}, costs)", BLUE, "solid"),
                                 (mid, "same trades at mid, no costs", BLUE, "dot"),
                                 (bh, "buy and hold the underlying", GREY, "solid")):
        fig.add_trace(go.Scatter(x=dates, y=y, name=name, line=dict(color=color, dash=dash, width=2),
                                 hovertemplate="%{x}: $%{y:,.0f}<extra>" + name + "</extra>"), row=1, col=1)
        dd = (y / np.maximum.accumulate(y) - 1) * 100
        fig.add_trace(go.Scatter(x=dates, y=dd, name=name, showlegend=False,
                                 line=dict(color=color, dash=dash, width=1.5),
                                 hovertemplate="%{x}: %{y:.1f}%<extra>drawdown</extra>"), row=2, col=1)
    fig.update_yaxes(title_text="Equity ($)", row=1, col=1, tickformat="$,.0f")
    fig.update_yaxes(title_text="Drawdown (%)", row=2, col=1)
    if rows == 3:
        fig.add_trace(go.Scatter(x=dates, y=mg, name="margin requirement (CBOE, daily)",
                                 line=dict(color=ORANGE, width=1.5), fill="tozeroy",
                                 hovertemplate="%{x}: $%{y:,.0f}<extra>margin</extra>"), row=3, col=1)
        fig.update_yaxes(title_text="Margin ($)", row=3, col=1, tickformat="$,.0f")
    fig.update_xaxes(title_text="Quote date", row=rows, col=1)
    fig.update_layout(title=_title("Equity and drawdown vs buy-and-hold", source_line(res["label"], res["source"])),
                      legend=dict(orientation="h", y=-0.18, x=0), margin=dict(t=90))
    return _keep(themed(fig, theme))


def _keep(fig):
    fig.update_layout(margin=dict(t=90))
    return fig


def pnl_histogram(res: dict, *, theme: str = "light") -> go.Figure:
    """Histogram of trade P&L (modelled fills and costs) with the mid-fill P&L outlined.

    Parameters
    ----------
    res : dict
        ``BacktestResult.to_dict()``.
    theme : {"light", "dark"}
        The page theme.

    Returns
    -------
    plotly.graph_objects.Figure
        Trade count per P&L bin ($).
    """
    pnl = [t["pnl"] for t in res["trades"]]
    mid = [t["pnl_mid"] for t in res["trades"]]
    fig = go.Figure()
    fig.add_trace(go.Histogram(x=pnl, name="P&L (modelled fills, costs)", marker_color=BLUE, opacity=0.75,
                               nbinsx=min(40, max(8, len(pnl) // 2))))
    fig.add_trace(go.Histogram(x=mid, name="P&L at mid, no costs", marker=dict(color="rgba(0,0,0,0)",
                               line=dict(color=ORANGE, width=1.5)), nbinsx=min(40, max(8, len(pnl) // 2))))
    fig.add_vline(x=0, line_color=GREY, line_width=1)
    fig.update_layout(barmode="overlay", title=_title(f"Trade P&L ({len(pnl)} trades)",
                                                      source_line(res["label"], res["source"])),
                      legend=dict(orientation="h", y=-0.25, x=0))
    fig.update_xaxes(title_text="P&L per trade ($)", tickformat="$,.0f")
    fig.update_yaxes(title_text="Trades")
    return _keep(themed(fig, theme))


_METRIC_ROWS = (("total_return", "Total return", "pct"), ("cagr", "CAGR", "pct"),
                ("volatility", "Volatility (ann.)", "pct"), ("sharpe", "Sharpe", "num"),
                ("sortino", "Sortino", "num"), ("calmar", "Calmar", "num"),
                ("max_drawdown", "Max drawdown", "pct"), ("max_drawdown_days", "Max drawdown (dates)", "int"),
                ("n_trades", "Trades", "int"), ("win_rate", "Win rate", "pct"),
                ("profit_factor", "Profit factor", "num"), ("avg_win", "Average win", "usd"),
                ("avg_loss", "Average loss", "usd"), ("avg_days_held", "Average days held", "num"),
                ("exposure", "Exposure (dates with a position)", "pct"),
                ("max_margin", "Max margin (CBOE, daily)", "usd"))


def _fmt(v, kind: str) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "∞" if v == math.inf else "–"
    return {"pct": f"{100 * v:.2f}%", "num": f"{v:.2f}", "int": f"{v:.0f}",
            "usd": f"−${-v:,.0f}" if v < 0 else f"${v:,.0f}"}[kind]


def metrics_table(res: dict) -> html.Div:
    """Modelled-fill metrics beside the same trades at mid and buy-and-hold.

    Parameters
    ----------
    res : dict
        ``BacktestResult.to_dict()``.

    Returns
    -------
    dash.html.Div
    """
    fill = res["rules"].get("fill", "spread")
    head = html.Thead(html.Tr([html.Th("Metric"), html.Th(f"Strategy ({fill} fills, costs)"),
                               html.Th("Same trades at mid"), html.Th("Buy and hold")]))
    rows = []
    for key, label, kind in _METRIC_ROWS:
        rows.append(html.Tr([html.Td(label), html.Td(_fmt(res["metrics"].get(key), kind)),
                             html.Td(_fmt(res["metrics_mid"].get(key), kind)),
                             html.Td(_fmt(res["benchmark"].get(key), kind) if key in res["benchmark"] else "")]))
    return html.Div([dbc.Table([head, html.Tbody(rows)], size="sm", class_name="small mb-1", striped=True),
                     html.Div(f"Data: {source_line(res['label'], res['source'])}. Daily returns, "
                              "rf = 0, 252 dates a year.", className="form-text")])


def payoff_figure(rp: dict, day: int, *, theme: str = "light") -> go.Figure:
    """The position's P/L at expiry and on the chosen day (that day's smile vols), spot marked.

    Parameters
    ----------
    rp : dict
        ``Replay.to_dict()`` of one trade (:func:`core.backtest.replay`).
    day : int
        Day index within the trade (clamped).
    theme : {"light", "dark"}
        The page theme.

    Returns
    -------
    plotly.graph_objects.Figure
        P/L ($) against underlying price ($).
    """
    t = rp["trade"]
    day = max(0, min(int(day), len(rp["dates"]) - 1))
    grid = _a(rp["grid"])
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=grid, y=_a(rp["expiry_pnl"]), name="at expiry", line=dict(color=GREY, width=2),
                             hovertemplate="S %{x:,.0f}: $%{y:,.0f}<extra>at expiry</extra>"))
    fig.add_trace(go.Scatter(x=grid, y=_a(rp["curves"][day]), name=f"on {rp['dates'][day]}",
                             line=dict(color=BLUE, width=2.5),
                             hovertemplate="S %{x:,.0f}: $%{y:,.0f}<extra>that day</extra>"))
    S, pnl = rp["spot"][day], rp["pnl"][day]
    fig.add_trace(go.Scatter(x=[S], y=[pnl], mode="markers", name=f"spot {S:,.2f}: P&L ${pnl:,.0f}",
                             marker=dict(size=12, color=RED, symbol="diamond")))
    fig.add_vline(x=S, line_color=RED, line_dash="dot", line_width=1)
    fig.add_hline(y=0, line_color=GREY, line_width=1)
    for leg in t["legs"]:
        if leg["kind"] != "stock":
            fig.add_vline(x=leg["strike"], line_color=GREY, line_dash="dash", line_width=0.7, opacity=0.5)
    fig.update_layout(title=_title(f"Trade {t['id']}: day {day + 1} of {len(rp['dates'])} ({rp['dates'][day]})",
                                   f"{t['entry_date']} → {t['exit_date']} ({t['exit_reason']}); "
                                   f"{rp.get('label') or ''}"),
                      legend=dict(orientation="h", y=-0.22, x=0))
    fig.update_xaxes(title_text="Underlying level (index points)")
    fig.update_yaxes(title_text="P&L ($, entry costs included)", tickformat="$,.0f")
    return _keep(themed(fig, theme))


def attribution_figure(rp: dict, day: int, *, theme: str = "light") -> go.Figure:
    """The chosen day's P&L split (delta, gamma, vega, theta, residual) and the cumulative split
    to that day.

    Parameters
    ----------
    rp : dict
        ``Replay.to_dict()`` of one trade (:func:`core.backtest.replay`).
    day : int
        Day index within the trade (clamped).
    theme : {"light", "dark"}
        The page theme.

    Returns
    -------
    plotly.graph_objects.Figure
        P&L contributions, $.
    """
    day = max(0, min(int(day), len(rp["dates"]) - 1))
    keys = ("delta", "gamma", "vega", "theta", "residual")
    today = [rp["attribution"][k][day] or 0.0 for k in keys]
    cum = [float(np.nansum(_a(rp["attribution"][k][:day + 1]))) for k in keys]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=list(keys), y=today, name="that day", marker_color=BLUE,
                         hovertemplate="%{x}: $%{y:,.0f}<extra>that day</extra>"))
    fig.add_trace(go.Bar(x=list(keys), y=cum, name="since entry", marker_color=ORANGE, opacity=0.8,
                         hovertemplate="%{x}: $%{y:,.0f}<extra>since entry</extra>"))
    fig.update_layout(barmode="group", title=_title("P&L attribution", f"{rp['dates'][day]}; Greeks of the "
                                                    "previous day × that day's moves"),
                      legend=dict(orientation="h", yref="container", y=0.0, yanchor="bottom", x=0))
    fig.update_yaxes(title_text="P&L ($)", tickformat="$,.0f")
    fig.update_xaxes(title_text="Source")
    # the legend sits at the foot of the figure, under the axis title (it was drawn over it)
    return _keep(themed(fig, theme)).update_layout(margin=dict(b=95))


def greeks_table(rp: dict, day: int) -> html.Div:
    """The position's Greeks and P&L on the chosen day.

    Parameters
    ----------
    rp : dict
        ``Replay.to_dict()`` of one trade (:func:`core.backtest.replay`).
    day : int
        Day index within the trade (clamped).

    Returns
    -------
    dash.html.Div
    """
    day = max(0, min(int(day), len(rp["dates"]) - 1))
    g = {k: rp["greeks"][k][day] for k in ("delta", "gamma", "vega", "theta")}
    pnl = rp["pnl"][day]
    cells = [("Spot", f"{rp['spot'][day]:,.2f}"),
             ("P&L to date", f"−${-pnl:,.0f}" if pnl < 0 else f"${pnl:,.0f}")]
    expiry = str((rp.get("trade") or {}).get("expiry") or "")
    if expiry and str(rp["dates"][day])[:10] >= expiry[:10]:
        # on (or after) the expiry the options are settled in cash: no Greeks, not zero Greeks
        cells.append(("Greeks", f"none: settled in cash at the {expiry[:10]} close"))
    else:
        cells += [("Delta ($/pt)", f"{g['delta']:,.1f}"), ("Gamma ($/pt²)", f"{g['gamma']:,.3f}"),
                  ("Vega ($/vol pt)", f"{(g['vega'] or 0) / 100:,.0f}"),
                  ("Theta ($/day)", f"{(g['theta'] or 0) / 365:,.0f}")]
    return dbc.Table(html.Tbody([html.Tr([html.Th(a), html.Td(b)]) for a, b in cells]), size="sm",
                     class_name="small mb-0", bordered=False)


def wf_equity_figure(wf: dict, capital: float, *, label: str, source: str, theme: str = "light") -> go.Figure:
    """Stitched out-of-sample equity, with each window's in-sample equity of the chosen rule
    (rescaled to start where the out-of-sample curve stands at the window's start).

    Parameters
    ----------
    wf : dict
        ``WalkForwardResult.to_dict()``.
    capital : float
        Starting capital, $.
    label : str
        The data's label.
    source : str
        Where the data came from (see :func:`source_line`).
    theme : {"light", "dark"}
        The page theme.

    Returns
    -------
    plotly.graph_objects.Figure
        Equity, $, by date.
    """
    dates = wf["dates"]
    fig = go.Figure()
    c0 = wf["windows"][0][2] - 1
    oos = _a(wf["oos_equity"])
    for k, (a, b, c, d) in enumerate(wf["windows"]):
        eq = _a(wf["is_equity"][k])
        fig.add_trace(go.Scatter(x=dates[a:b], y=eq / eq[0] * capital, name="in sample (chosen rule)",
                                 legendgroup="is", showlegend=k == 0, line=dict(color=GREY, width=1.2),
                                 opacity=0.6, hovertemplate="%{x}: $%{y:,.0f}<extra>in sample, window "
                                                            f"{k + 1}</extra>"))
    fig.add_trace(go.Scatter(x=dates[c0:c0 + len(oos)], y=oos, name="out of sample (stitched)",
                             line=dict(color=BLUE, width=2.5),
                             hovertemplate="%{x}: $%{y:,.0f}<extra>out of sample</extra>"))
    for a, b, c, d in wf["windows"]:
        fig.add_vline(x=dates[c], line_color=GREY, line_dash="dot", line_width=0.8)
    fig.update_layout(title=_title("Walk-forward equity", "in-sample curves rescaled to the capital; "
                                   + source_line(label, source)),
                      legend=dict(orientation="h", y=-0.38, x=0))
    fig.update_yaxes(title_text="Equity ($)", tickformat="$,.0f")
    fig.update_xaxes(title_text="Quote date")
    return _keep(themed(fig, theme))


def stability_figure(wf: dict, *, theme: str = "light") -> go.Figure:
    """In-sample metric of every grid point in every window; the chosen point is marked.

    Parameters
    ----------
    wf : dict
        ``WalkForwardResult.to_dict()``.
    theme : {"light", "dark"}
        The page theme.

    Returns
    -------
    plotly.graph_objects.Figure
        Heatmap: grid point by window.
    """
    z = np.array([_a(r) for r in wf["in_sample"]])
    names = [", ".join(f"{k}={v:g}" if isinstance(v, (int, float)) else f"{k}={v}" for k, v in c.items())
             for c in wf["configs"]]
    rows = [f"window {k + 1}" for k in range(z.shape[0])]
    fig = go.Figure(go.Heatmap(z=z, x=names, y=rows, colorscale="Viridis",
                               colorbar=dict(title=dict(text=wf["metric"], side="right")),
                               hovertemplate="%{y}, %{x}: %{z:.3f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=[names[i] for i in wf["chosen"]], y=rows, mode="markers", name="chosen",
                             marker=dict(symbol="star", size=14, color=RED, line=dict(color="white", width=1))))
    fig.update_layout(title=_title("Parameter stability", f"in-sample {wf['metric']} per window; ★ chosen"),
                      legend=dict(orientation="h", y=-0.35, x=0))
    fig.update_xaxes(title_text="Grid point", tickangle=-30)
    fig.update_yaxes(title_text="Window", autorange="reversed")
    return _keep(themed(fig, theme))


def pbo_figure(wf: dict, *, theme: str = "light") -> go.Figure:
    """Histogram of the CSCV logits of the in-sample best's out-of-sample rank.

    Parameters
    ----------
    wf : dict
        ``WalkForwardResult.to_dict()`` (``pbo`` may be missing).
    theme : {"light", "dark"}
        The page theme.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    p = wf.get("pbo")
    fig = go.Figure()
    if not p:
        fig.add_annotation(text="PBO needs at least 2 grid points and 4 dates per CSCV block",
                           showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
        return themed(fig, theme)
    lam = _a(p["logits"])
    fig.add_trace(go.Histogram(x=lam, nbinsx=40, marker_color=BLUE, name="splits"))
    fig.add_vline(x=0, line_color=RED, line_width=2)
    fig.update_layout(title=_title(f"Probability of backtest overfitting: {100 * p['pbo']:.1f}%",
                                   f"CSCV, {p['n_splits']} blocks, {p['n_combinations']:,} splits, "
                                   f"{p['n_configs']} grid points; share of logits ≤ 0 (left of the red line)"),
                      showlegend=False)
    fig.update_xaxes(title_text="logit of the in-sample best's out-of-sample rank")
    fig.update_yaxes(title_text="Splits")
    return _keep(themed(fig, theme))
