"""Figures of the strategy builder: P/L curves, the P/L heatmap over (date, price), and the
Monte Carlo distribution of the change in value. They draw a
:class:`core.strategies.PositionAnalysis`; P/L is per unit of quantity, premiums included, in $.

Arrays go to the browser as float32 (plotly sends numpy arrays as typed binary), the Monte Carlo
histogram as bin counts computed on the server from every path: the update stays small.
"""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from components.figures import themed

__all__ = ["payoff_figure", "pnl_heatmap_figure", "mc_figure", "theme_patch", "STRIKE_COLORS"]

#: One colour per strike line (colour-blind-safe Okabe-Ito order, without the curve colours).
STRIKE_COLORS = ("#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#D55E00", "#F0E442", "#999999")
_CURVE_COLORS = ("#fd7e14", "#d63384", "#6f42c1")
_MODEBAR = dict(orientation="v")  # the toolbar sits down the right edge, clear of the title


def _f32(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float32)


def payoff_figure(a, *, name: str = "strategy", theme: str = "light") -> go.Figure:
    """P/L at expiry and before it (today, the what-if date, midway), breakevens, strikes (one
    colour each), max profit and max loss on the stated range, and the shifted spot."""
    fig = go.Figure()
    S = _f32(a.S)
    fig.add_trace(go.Scatter(x=S, y=_f32(a.pnl_expiry), mode="lines", name=f"at expiry ({a.expiry_days:.0f} d)",
                             line=dict(width=3, color="#0d6efd"),
                             hovertemplate="S $%{x:,.2f}: P/L $%{y:,.2f}<extra>expiry</extra>"))
    for curve, color, dash in zip(a.curves, _CURVE_COLORS, ("solid", "dash", "dot")):
        fig.add_trace(go.Scatter(x=S, y=_f32(curve["pnl"]), mode="lines", name=curve["label"],
                                 line=dict(width=2, dash=dash, color=color),
                                 hovertemplate="S $%{x:,.2f}: P/L $%{y:,.2f}<extra>" + curve["label"] + "</extra>"))
    fig.add_hline(y=0, line_color="gray", line_width=1)
    for k, color in zip(a.strategy.strikes, STRIKE_COLORS * 4):
        fig.add_vline(x=k, line_dash="dot", line_color=color, line_width=1.5)
    if a.strategy.strikes:
        fig.add_trace(go.Scatter(x=list(a.strategy.strikes), y=[None] * len(a.strategy.strikes), mode="markers",
                                 name="strikes (dotted)", marker=dict(color=STRIKE_COLORS[0]),
                                 hoverinfo="skip", visible="legendonly"))
    if a.breakevens:
        fig.add_trace(go.Scatter(x=list(a.breakevens), y=[0] * len(a.breakevens), mode="markers+text",
                                 name="breakevens", text=[f"${b:,.2f}" for b in a.breakevens],
                                 textposition="top center", marker=dict(size=9, color="#6c757d", symbol="x"),
                                 hovertemplate="breakeven $%{x:,.2f}<extra></extra>"))
    for v, label, color in ((a.max_profit, "max profit", "#198754"), (a.max_loss, "max loss", "#dc3545")):
        if math.isfinite(v) and v > 0:
            fig.add_hline(y=v if label == "max profit" else -v, line_dash="dash", line_color=color, line_width=1,
                          annotation_text=f"{label} ${v:,.2f}", annotation_position="top left")
    fig.add_vline(x=a.spot, line_color="#6c757d", line_width=1, line_dash="dashdot",
                  annotation_text=f"spot ${a.spot:,.2f}", annotation_position="bottom right")
    sub = f"day {a.at_days:.0f} of {a.expiry_days:.0f}; ×{a.scale:g} for the position"
    fig.update_layout(title=dict(text=f"P/L of {name} ($ per unit, premiums included)<br><sup>{sub}</sup>", x=0.01),
                      legend=dict(orientation="h", y=-0.22), hovermode="x unified", modebar=_MODEBAR)
    fig.update_xaxes(title_text="Underlying price at valuation ($)", tickprefix="$")
    fig.update_yaxes(title_text="P/L per unit ($)", tickprefix="$")
    return themed(fig, theme)


def pnl_heatmap_figure(a, *, theme: str = "light") -> go.Figure:
    """P/L over calendar days from today (y) and underlying price (x), zero in the middle of a
    diverging scale; the spot line and its label follow the theme's ink colour."""
    h = a.heatmap
    z = _f32(h["pnl"])
    lim = float(np.nanmax(np.abs(z))) if z.size else 1.0
    fig = go.Figure(go.Heatmap(x=_f32(h["S"]), y=_f32(h["days"]), z=z, colorscale="RdYlGn", zmid=0,
                               zmin=-lim, zmax=lim, colorbar=dict(title=dict(text="P/L ($)", side="right"),
                                                                  tickprefix="$"),
                               hovertemplate="S $%{x:,.2f}<br>day %{y:.0f}<br>P/L $%{z:,.2f}<extra></extra>"))
    # lines and labels sit on the coloured cells, not on the page: black on a light label box
    # reads on either theme
    fig.add_vline(x=a.spot, line_color="#000000", line_width=1.5, line_dash="dot",
                  annotation_text=f"spot ${a.spot:,.0f}", annotation_position="top right",
                  annotation_font_color="#000000", annotation_bgcolor="rgba(255,255,255,0.8)")
    if a.at_days > 0:
        fig.add_hline(y=a.at_days, line_color="#000000", line_width=1, line_dash="dash",
                      annotation_text=f"day {a.at_days:.0f}", annotation_position="top left",
                      annotation_font_color="#000000", annotation_bgcolor="rgba(255,255,255,0.8)")
    fig.update_layout(title=dict(text="P/L by date and underlying price ($ per unit)", x=0.01), modebar=_MODEBAR)
    fig.update_xaxes(title_text="Underlying price ($)", tickprefix="$")
    fig.update_yaxes(title_text="Days from today")
    return themed(fig, theme)


def mc_figure(a, *, theme: str = "light") -> go.Figure:
    """Histogram (binned on the server from every path) of the simulated change in value over the
    VaR horizon, with VaR, CVaR and the mean marked."""
    m = a.var
    fig = go.Figure()
    if m["counts"]:
        e = np.asarray(m["edges"], dtype=float)
        fig.add_trace(go.Bar(x=_f32(0.5 * (e[1:] + e[:-1])), y=np.asarray(m["counts"], dtype=np.int32),
                             width=float(e[1] - e[0]), marker_color="#6f42c1", opacity=0.85, name="paths",
                             hovertemplate="change $%{x:,.2f}<br>paths %{y:,}<extra></extra>"))
        for key, label, color, pos in (("var", f"VaR {m['alpha']:.0%}", "#dc3545", "top left"),
                                       ("cvar", f"CVaR {m['alpha']:.0%}", "#b02a37", "bottom left")):
            fig.add_vline(x=-m[key], line_color=color, line_dash="dash",
                          annotation_text=f"{label} ${m[key]:,.2f}", annotation_position=pos)
        fig.add_vline(x=m["mean"], line_color="#198754", annotation_text=f"mean ${m['mean']:,.2f}",
                      annotation_position="bottom right")
    else:
        fig.add_annotation(text=m.get("note") or "no horizon left", showarrow=False, x=0.5, y=0.5,
                           xref="paper", yref="paper")
    fig.update_layout(title=dict(text=f"Change in value over {m['horizon_days']:.1f} days from day {a.at_days:.0f}"
                                      f"<br><sup>all {m['n']:,} GBM paths binned, σ {m['sigma'] * 100:.1f}%, "
                                      f"$ per unit</sup>", x=0.01), showlegend=False, bargap=0.02, modebar=_MODEBAR)
    fig.update_xaxes(title_text="Change in mark-to-model value ($ per unit)", tickprefix="$")
    fig.update_yaxes(title_text="Paths")
    return themed(fig, theme)


def theme_patch(patch, theme: str):
    """A ``dash.Patch`` that restyles a figure on screen for ``theme`` (no data re-sent)."""
    patch["layout"]["template"] = pio.templates["plotly_dark" if theme == "dark" else "plotly_white"]
    return patch
