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

from components.figures import FigureDraft, with_source

__all__ = ["payoff_figure", "pnl_heatmap_figure", "mc_figure", "theme_patch", "theme_props", "STRIKE_COLORS"]

#: One colour per strike line (colour-blind-safe Okabe-Ito order, without the curve colours).
STRIKE_COLORS = ("#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#D55E00", "#F0E442", "#999999")
_CURVE_COLORS = ("#fd7e14", "#d63384", "#6f42c1")
_MODEBAR = dict(orientation="v")  # the toolbar sits down the right edge, clear of the title


# Plotly's built-in templates cost ~0.3 s per figure to build here and ~10 kB each on the wire;
# these charts start from the empty "none" template and set the few colours a theme needs.
_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
_INK = {"light": "#212529", "dark": "#dee2e6"}
_GRID = {"light": "#e3e6ea", "dark": "#3b4148"}
_COLORWAY = ["#0d6efd", "#fd7e14", "#d63384", "#6f42c1", "#198754", "#dc3545", "#20c997"]


def theme_props(theme: str) -> dict:
    """Flat layout paths -> values of a theme (used by the figures, by :func:`theme_patch` and by
    the page's clientside theme switch).

    Parameters
    ----------
    theme : str
        ``"light"`` or ``"dark"``; any other value gets the light colours.

    Returns
    -------
    dict
        ``tuple of str`` layout path (e.g. ``("xaxis", "gridcolor")``) -> CSS colour string:
        the font, legend and title ink and the grid, zero-line, axis-line and tick colours of
        both axes.
    """
    ink, grid = _INK.get(theme, _INK["light"]), _GRID.get(theme, _GRID["light"])
    props = {("font", "color"): ink, ("legend", "font", "color"): ink, ("title", "font", "color"): ink}
    for ax in ("xaxis", "yaxis"):
        props.update({(ax, "gridcolor"): grid, (ax, "zerolinecolor"): grid, (ax, "linecolor"): grid,
                      (ax, "tickcolor"): grid})
    return props


def _new_figure(data=None) -> FigureDraft:
    # a draft: the figure is made once, in _style (plotly re-validates on every update: slow)
    return FigureDraft(data, layout=dict(template="none"))


def _style(fig: FigureDraft, theme: str, source: str | None = None) -> go.Figure:
    layout = dict(paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)", colorway=_COLORWAY,
                  font=dict(family=_FONT, size=13), margin=dict(l=64, r=40, t=74, b=55),
                  hoverlabel=dict(font=dict(family=_FONT)))
    for ax in ("xaxis", "yaxis"):
        layout[ax] = dict(showgrid=True, zeroline=False, showline=True, automargin=True)
    for path, value in theme_props(theme).items():
        node = layout
        for k in path[:-1]:
            node = node.setdefault(k, {})
        node[path[-1]] = value
    fig.update_layout(layout)
    return with_source(fig, source).figure()


def _f32(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float32)


class _Marks:
    """Reference lines and their labels as plain layout shapes/annotations, added in one
    ``update_layout`` (plotly's ``add_vline`` re-validates the figure per line: slow)."""

    def __init__(self):
        self.shapes, self.notes = [], []

    def v(self, x, color, dash="solid", width=1.0, text=None, pos="top right", **font):
        self.shapes.append(dict(type="line", xref="x", yref="paper", x0=x, x1=x, y0=0, y1=1,
                                line=dict(color=color, dash=dash, width=width)))
        if text:
            top, right = pos.startswith("top"), pos.endswith("right")
            self.notes.append(dict(x=x, xref="x", y=1 if top else 0, yref="paper", text=text, showarrow=False,
                                   xanchor="left" if right else "right", yanchor="top" if top else "bottom",
                                   **font))

    def h(self, y, color, dash="solid", width=1.0, text=None, **font):
        self.shapes.append(dict(type="line", xref="paper", yref="y", x0=0, x1=1, y0=y, y1=y,
                                line=dict(color=color, dash=dash, width=width)))
        if text:
            self.notes.append(dict(x=0, xref="paper", y=y, yref="y", text=text, showarrow=False, xanchor="left",
                                   yanchor="bottom", **font))

    def apply(self, fig):
        fig.update_layout(shapes=self.shapes, annotations=self.notes)


def payoff_figure(a, *, name: str = "strategy", theme: str = "light", source: str | None = None) -> go.Figure:
    """P/L at expiry and before it (today, the what-if date, midway), breakevens, strikes (one
    colour each), max profit and max loss on the stated range, and the shifted spot.

    Parameters
    ----------
    a : PositionAnalysis
        The analysed position (price grid ``S``, P/L curves, breakevens, max profit/loss, spot).
    name : str
        The strategy's name, in the title.
    theme : str
        ``"light"`` or ``"dark"``.
    source : str, optional
        The data shown (a ``Data: ...`` line under the title); none when empty.

    Returns
    -------
    plotly.graph_objects.Figure
        x underlying price ($), y P/L per unit of quantity ($, premiums included).
    """
    fig = _new_figure()
    S = _f32(a.S)
    fig.add_trace(dict(type="scatter", x=S, y=_f32(a.pnl_expiry), mode="lines", name=f"at expiry ({a.expiry_days:.0f} d)",
                             line=dict(width=3, color="#0d6efd"),
                             hovertemplate="S $%{x:,.2f}: P/L $%{y:,.2f}<extra>expiry</extra>"))
    for curve, color, dash in zip(a.curves, _CURVE_COLORS, ("solid", "dash", "dot")):
        fig.add_trace(dict(type="scatter", x=S, y=_f32(curve["pnl"]), mode="lines", name=curve["label"],
                                 line=dict(width=2, dash=dash, color=color),
                                 hovertemplate="S $%{x:,.2f}: P/L $%{y:,.2f}<extra>" + curve["label"] + "</extra>"))
    marks = _Marks()
    marks.h(0, "gray")
    for k, color in zip(a.strategy.strikes, STRIKE_COLORS * 4):
        marks.v(k, color, "dot", 1.5)
    if a.strategy.strikes:
        fig.add_trace(dict(type="scatter", x=list(a.strategy.strikes), y=[None] * len(a.strategy.strikes), mode="markers",
                                 name="strikes (dotted)", marker=dict(color=STRIKE_COLORS[0]),
                                 hoverinfo="skip", visible="legendonly"))
    if a.breakevens:
        fig.add_trace(dict(type="scatter", x=list(a.breakevens), y=[0] * len(a.breakevens), mode="markers+text",
                                 name="breakevens", text=[f"${b:,.2f}" for b in a.breakevens],
                                 textposition="top center", marker=dict(size=9, color="#6c757d", symbol="x"),
                                 hovertemplate="breakeven $%{x:,.2f}<extra></extra>"))
    for v, label, color in ((a.max_profit, "max profit", "#198754"), (a.max_loss, "max loss", "#dc3545")):
        if math.isfinite(v) and v > 0:
            marks.h(v if label == "max profit" else -v, color, "dash", 1, f"{label} ${v:,.2f}")
    marks.v(a.spot, "#6c757d", "dashdot", 1, f"spot ${a.spot:,.2f}", "bottom right")
    marks.apply(fig)
    sub = f"day {a.at_days:.0f} of {a.expiry_days:.0f}; ×{a.scale:g} for the position"
    fig.update_layout(title=dict(text=f"P/L of {name} ($ per unit, premiums included)<br><sup>{sub}</sup>", x=0.01),
                      legend=dict(orientation="h", y=-0.22), hovermode="x unified", modebar=_MODEBAR)
    fig.update_xaxes(title_text="Underlying price at valuation ($)", tickprefix="$")
    fig.update_yaxes(title_text="P/L per unit ($)", tickprefix="$")
    return _style(fig, theme, source)


def pnl_heatmap_figure(a, *, theme: str = "light", source: str | None = None) -> go.Figure:
    """P/L over calendar days from today (y) and underlying price (x), zero in the middle of a
    diverging scale; the spot line and its label follow the theme's ink colour.

    Parameters
    ----------
    a : PositionAnalysis
        The analysed position; its ``heatmap`` (``S``, ``days``, ``pnl``) is drawn.
    theme : str
        ``"light"`` or ``"dark"``.
    source : str, optional
        The data shown (a ``Data: ...`` line under the title); none when empty.

    Returns
    -------
    plotly.graph_objects.Figure
        x underlying price ($), y calendar days from today, colour P/L per unit ($), symmetric
        about 0.
    """
    h = a.heatmap
    z = _f32(h["pnl"])
    lim = float(np.nanmax(np.abs(z))) if z.size else 1.0
    fig = _new_figure(dict(type="heatmap", x=_f32(h["S"]), y=_f32(h["days"]), z=z, colorscale="RdYlGn", zmid=0,
                               zmin=-lim, zmax=lim, colorbar=dict(title=dict(text="P/L ($)", side="right"),
                                                                  tickprefix="$"),
                               hovertemplate="S $%{x:,.2f}<br>day %{y:.0f}<br>P/L $%{z:,.2f}<extra></extra>"))
    # lines and labels sit on the coloured cells, not on the page: black on a light label box
    # reads on either theme
    marks = _Marks()
    label = dict(font=dict(color="#000000"), bgcolor="rgba(255,255,255,0.8)")
    marks.v(a.spot, "#000000", "dot", 1.5, f"spot ${a.spot:,.0f}", "top right", **label)
    if a.at_days > 0:
        marks.h(a.at_days, "#000000", "dash", 1, f"day {a.at_days:.0f}", **label)
    marks.apply(fig)
    fig.update_layout(title=dict(text="P/L by date and price<br><sup>$ per unit, premiums included</sup>", x=0.01),
                      modebar=_MODEBAR)
    fig.update_xaxes(title_text="Underlying price ($)", tickprefix="$")
    fig.update_yaxes(title_text="Days from today")
    return _style(fig, theme, source)


def mc_figure(a, *, theme: str = "light", source: str | None = None) -> go.Figure:
    """Histogram (binned on the server from every path) of the simulated change in value over the
    VaR horizon, with VaR, CVaR and the mean marked.

    Parameters
    ----------
    a : PositionAnalysis
        The analysed position; its ``var`` (bin ``edges`` in $, ``counts``, ``var``, ``cvar``,
        ``mean`` in $, ``alpha``, ``horizon_days``, ``n`` paths, ``sigma``) is drawn; a note
        instead of bars when there are no counts.
    theme : str
        ``"light"`` or ``"dark"``.
    source : str, optional
        The data shown (a ``Data: ...`` line under the title); none when empty.

    Returns
    -------
    plotly.graph_objects.Figure
        x change in model value per unit ($), y number of paths.
    """
    m = a.var
    fig = _new_figure()
    if m["counts"]:
        e = np.asarray(m["edges"], dtype=float)
        fig.add_trace(dict(type="bar", x=_f32(0.5 * (e[1:] + e[:-1])), y=np.asarray(m["counts"], dtype=np.int32),
                             width=float(e[1] - e[0]), marker=dict(color="#6f42c1"), opacity=0.85, name="paths",
                             hovertemplate="change $%{x:,.2f}<br>paths %{y:,}<extra></extra>"))
        marks = _Marks()
        for key, label, color, pos in (("var", f"VaR {m['alpha']:.0%}", "#dc3545", "top left"),
                                       ("cvar", f"CVaR {m['alpha']:.0%}", "#b02a37", "bottom left")):
            marks.v(-m[key], color, "dash", 1, f"{label} ${m[key]:,.2f}", pos)
        marks.v(m["mean"], "#198754", "solid", 1, f"mean ${m['mean']:,.2f}", "bottom right")
        marks.apply(fig)
    else:
        fig.add_annotation(text=m.get("note") or "no horizon left", showarrow=False, x=0.5, y=0.5,
                           xref="paper", yref="paper")
    fig.update_layout(title=dict(text=f"Value change in {m['horizon_days']:.1f} days"
                                      f"<br><sup>from day {a.at_days:.0f} · all {m['n']:,} GBM paths · "
                                      f"σ {m['sigma'] * 100:.1f}%</sup>", x=0.01),
                      showlegend=False, bargap=0.02, modebar=_MODEBAR)
    fig.update_xaxes(title_text="Change in model value ($ per unit)", tickprefix="$")
    fig.update_yaxes(title_text="Paths")
    return _style(fig, theme, source)


def theme_patch(patch, theme: str):
    """A ``dash.Patch`` that restyles a figure on screen for ``theme`` (a few colours; no data).

    Parameters
    ----------
    patch : dash.Patch
        A patch of a figure built by this module (its ``layout`` paths of :func:`theme_props`
        exist); changed in place.
    theme : str
        ``"light"`` or ``"dark"``.

    Returns
    -------
    dash.Patch
        ``patch`` itself, with the colours of :func:`theme_props` set.
    """
    for path, value in theme_props(theme).items():
        node = patch["layout"]
        for k in path[:-1]:
            node = node[k]
        node[path[-1]] = value
    return patch
