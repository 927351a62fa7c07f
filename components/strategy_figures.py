"""Figures of the strategy builder: P/L curves, the P/L heatmap over (date, price), and the
Monte Carlo P/L distribution. P/L is per unit of quantity, premiums included, in currency."""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from components.figures import themed

__all__ = ["payoff_figure", "pnl_heatmap_figure", "mc_figure"]


def payoff_figure(p: dict, *, theme: str = "light") -> go.Figure:
    """P/L at expiry and before it (today and the what-if date), with breakevens, max profit and
    max loss marked, and the current spot."""
    fig = go.Figure()
    S = p["S"]
    fig.add_trace(go.Scatter(x=S, y=p["pnl_expiry"], mode="lines", name=f"at expiry ({p['expiry_days']:.0f} d)",
                             line=dict(width=3, color="#0d6efd"),
                             hovertemplate="S %{x:,.2f}: P/L %{y:,.2f}<extra>expiry</extra>"))
    for curve in p["curves"]:
        fig.add_trace(go.Scatter(x=S, y=curve["pnl"], mode="lines", name=curve["label"],
                                 line=dict(width=2, dash=curve.get("dash", "solid"), color=curve["color"]),
                                 hovertemplate="S %{x:,.2f}: P/L %{y:,.2f}<extra>" + curve["label"] + "</extra>"))
    fig.add_hline(y=0, line_color="gray", line_width=1)
    for be in p["breakevens"]:
        fig.add_vline(x=be, line_dash="dot", line_color="#6c757d")
    if p["breakevens"]:
        fig.add_trace(go.Scatter(x=p["breakevens"], y=[0] * len(p["breakevens"]), mode="markers+text",
                                 name="breakevens", text=[f"{b:,.2f}" for b in p["breakevens"]],
                                 textposition="top center",
                                 marker=dict(size=9, color="#f8f9fa" if theme == "dark" else "#212529", symbol="x"),
                                 hovertemplate="breakeven %{x:,.2f}<extra></extra>"))
    for key, label, color in (("max_profit", "max profit", "#198754"), ("max_loss", "max loss", "#dc3545")):
        v = p[key]
        if v is not None and math.isfinite(v):
            y = v if key == "max_profit" else -v
            fig.add_hline(y=y, line_dash="dash", line_color=color, line_width=1,
                          annotation_text=f"{label} {v:,.2f}", annotation_position="top left")
    fig.add_vline(x=p["spot"], line_color="#6c757d", line_width=1, line_dash="dashdot",
                  annotation_text=f"spot {p['spot']:,.2f}", annotation_position="bottom right")
    fig.update_layout(title=dict(text=f"P/L of {p['name']} (per unit, premiums included)", x=0.01),
                      legend=dict(orientation="h", y=-0.2), hovermode="x unified")
    fig.update_xaxes(title_text="Underlying price at valuation ($)")
    fig.update_yaxes(title_text="P/L ($)")
    return themed(fig, theme)


def pnl_heatmap_figure(p: dict, *, theme: str = "light") -> go.Figure:
    """P/L over calendar days from today (y) and underlying price (x)."""
    h = p["heatmap"]
    z = np.asarray(h["pnl"], dtype=float)
    lim = float(np.nanmax(np.abs(z))) if z.size else 1.0
    fig = go.Figure(go.Heatmap(x=h["S"], y=h["days"], z=z, colorscale="RdYlGn", zmid=0, zmin=-lim, zmax=lim,
                               colorbar=dict(title=dict(text="P/L ($)", side="right")),
                               hovertemplate="S %{x:,.2f}<br>day %{y:.0f}<br>P/L %{z:,.2f}<extra></extra>"))
    fig.add_vline(x=p["spot"], line_color="#212529", line_width=1, line_dash="dot")
    fig.update_layout(title=dict(text="P/L by date and underlying price", x=0.01))
    fig.update_xaxes(title_text="Underlying price ($)")
    fig.update_yaxes(title_text="Days from today")
    return themed(fig, theme)


def mc_figure(p: dict, *, theme: str = "light") -> go.Figure:
    """Histogram of simulated P/L at the horizon with VaR and CVaR marked."""
    m = p["mc"]
    fig = go.Figure(go.Histogram(x=m["pnl"], nbinsx=80, name="simulated P/L", marker_color="#6f42c1",
                                 opacity=0.8, hovertemplate="P/L %{x}<br>paths %{y}<extra></extra>"))
    for key, label, color, pos in (("var", f"VaR {m['alpha']:.0%}", "#dc3545", "top left"),
                                   ("cvar", f"CVaR {m['alpha']:.0%}", "#842029", "bottom left")):
        fig.add_vline(x=-m[key], line_color=color, line_dash="dash",
                      annotation_text=f"{label} {m[key]:,.2f}", annotation_position=pos)
    fig.add_vline(x=m["mean"], line_color="#198754", annotation_text=f"mean {m['mean']:,.2f}",
                  annotation_position="bottom right")
    fig.update_layout(title=dict(text=f"Monte Carlo P/L in {m['horizon_days']:.0f} days<br><sup>{m['n']:,} GBM "
                                      f"paths, vol {m['vol'] * 100:.1f}%</sup>", x=0.01), showlegend=False, bargap=0.02)
    fig.update_xaxes(title_text="P/L at horizon ($)")
    fig.update_yaxes(title_text="Paths")
    return themed(fig, theme)
