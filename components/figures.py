"""Plotly figure builders. Pure functions: data in, ``go.Figure`` out; no callbacks, no I/O."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from components.greek_units import GREEK_DISPLAY

__all__ = ["themed", "empty_figure", "greek_figure", "figures_html", "VIEWS", "GRAPH_CONFIG",
           "data_source", "with_source"]

VIEWS = ("surface", "heatmap", "slices")
#: ``dcc.Graph(config=...)`` of every chart: no Plotly logo, PNG export at twice the size.
GRAPH_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2}}
_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


def themed(fig: go.Figure, theme: str = "light") -> go.Figure:
    """Apply the light or dark template, transparent paper so the figure sits on its card."""
    dark = theme == "dark"
    fig.update_layout(
        template="plotly_dark" if dark else "plotly_white",
        paper_bgcolor="rgba(0,0,0,0)",
        font=dict(family=_FONT, size=13),
        margin=dict(l=60, r=30, t=70, b=55),
        hoverlabel=dict(font=dict(family=_FONT)),
    )
    return fig


def empty_figure(message: str, theme: str = "light") -> go.Figure:
    """A blank figure that says why it is blank."""
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, font=dict(size=15), x=0.5, y=0.5,
                       xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return themed(fig, theme)


def figures_html(figs, title: str = "Parity") -> str:
    """One standalone HTML page holding every figure, plotly.js embedded once (no CDN)."""
    parts = [go.Figure(f).to_html(full_html=False, include_plotlyjs=(i == 0)) for i, f in enumerate(figs)]
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body>{''.join(parts)}</body></html>")


def _colors(z: np.ndarray) -> dict:
    """Diverging scale centred at zero for signed data, sequential otherwise."""
    finite = z[np.isfinite(z)]
    if finite.size and finite.min() < 0 < finite.max():
        return dict(colorscale="RdBu", reversescale=True, cmid=0.0)
    return dict(colorscale="Viridis")


def greek_figure(grid, view: str, *, title: str, theme: str = "light", spot: float | None = None,
                 strikes: tuple[float, ...] = ()) -> go.Figure:
    """Figure of a :class:`core.pricing.GreekGrid` as a 3D surface, a heatmap or 2D slices.

    Parameters
    ----------
    grid : GreekGrid
        The Greek in core units; it is scaled to desk units (see ``GREEK_DISPLAY``).
    view : {"surface", "heatmap", "slices"}
        How to draw it.
    title : str
        Figure title (instrument and market inputs).
    spot : float, optional
        Marked on the strike axis of heatmaps and slices.
    strikes : tuple of float
        A position's strikes, marked on the spot axis.
    """
    disp = GREEK_DISPLAY[grid.greek]
    z = grid.z * disp.scale
    x_title = "Strike ($)" if grid.axis == "strike" else "Underlying price ($)"
    z_title = f"{disp.label} ({disp.unit})"
    hover = (f"{x_title.split(' (')[0]} %{{x:,.2f}}<br>Days to expiry %{{y:,.0f}}<br>"
             f"{disp.label} %{{z:,.4f}} {disp.unit}<extra></extra>")
    if view == "surface":
        c = _colors(z)
        fig = go.Figure(go.Surface(
            x=grid.x, y=grid.days, z=z, colorscale=c["colorscale"],
            reversescale=c.get("reversescale", False), cmid=c.get("cmid"),
            colorbar=dict(title=dict(text=disp.unit, side="right"), len=0.75),
            hovertemplate=hover, contours=dict(z=dict(show=True, usecolormap=True, width=2,
                                                      project=dict(z=False)))))
        fig.update_layout(scene=dict(
            xaxis_title=x_title, yaxis_title="Days to expiry", zaxis_title=z_title,
            camera=dict(eye=dict(x=-1.6, y=-1.6, z=0.9)), aspectmode="manual",
            aspectratio=dict(x=1.2, y=1.2, z=0.7)))
    elif view == "heatmap":
        c = _colors(z)
        fig = go.Figure(go.Heatmap(
            x=grid.x, y=grid.days, z=z, colorscale=c["colorscale"],
            reversescale=c.get("reversescale", False), zmid=c.get("cmid"),
            colorbar=dict(title=dict(text=disp.unit, side="right")), hovertemplate=hover))
        fig.update_xaxes(title_text=x_title)
        fig.update_yaxes(title_text="Days to expiry")
        _mark_levels(fig, grid, spot, strikes)
    elif view == "slices":
        fig = _slices(grid, z, disp, x_title, z_title, spot, strikes)
    else:
        raise ValueError(f"view must be one of {VIEWS}, got {view!r}")
    fig.update_layout(title=dict(text=title, x=0.01, xanchor="left"))
    return themed(fig, theme)


def _mark_levels(fig, grid, spot, strikes, **kw):
    if grid.axis == "strike" and spot is not None:
        fig.add_vline(x=spot, line_dash="dot", line_color="gray",
                      annotation_text=f"spot {spot:,.2f}", **kw)
    for k in strikes if grid.axis == "spot" else ():  # the legs are in the title: lines only
        fig.add_vline(x=k, line_dash="dot", line_color="gray", **kw)


def _slices(grid, z, disp, x_title, z_title, spot, strikes) -> go.Figure:
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1, subplot_titles=(
        f"{disp.label} across {x_title.split(' (')[0].lower()}, by days to expiry",
        f"{disp.label} across time, by {x_title.split(' (')[0].lower()}"))
    days_pick = _nearest_indices(grid.days, _nice_days(grid.days))
    for i in days_pick:
        fig.add_trace(go.Scatter(x=grid.x, y=z[i], mode="lines", name=f"{grid.days[i]:.0f} d",
                                 legendgroup="days", legendgrouptitle_text="Days to expiry",
                                 hovertemplate=f"%{{x:,.2f}}: %{{y:,.4f}} {disp.unit}<extra>"
                                               f"{grid.days[i]:.0f} d</extra>"),
                      row=1, col=1)
    centre = spot if spot is not None else float(np.median(grid.x))
    levels = [centre * f for f in (0.9, 1.0, 1.1)]
    for j in _nearest_indices(grid.x, levels):
        fig.add_trace(go.Scatter(x=grid.days, y=z[:, j], mode="lines", name=f"{grid.x[j]:,.1f}",
                                 legendgroup="x", legendgrouptitle_text=x_title,
                                 line=dict(dash="dash"),
                                 hovertemplate=f"%{{x:,.0f}} d: %{{y:,.4f}} {disp.unit}<extra>"
                                               f"{grid.x[j]:,.1f}</extra>"),
                      row=1, col=2)
    fig.update_xaxes(title_text=x_title, row=1, col=1)
    fig.update_xaxes(title_text="Days to expiry", row=1, col=2)
    fig.update_yaxes(title_text=z_title, row=1, col=1)
    fig.update_yaxes(title_text=z_title, row=1, col=2)
    _mark_levels(fig, grid, spot, strikes, row=1, col=1)
    fig.update_layout(legend=dict(groupclick="toggleitem"))
    return fig


def _nice_days(days: np.ndarray) -> list[float]:
    lo, hi = float(days.min()), float(days.max())
    nice = [d for d in (7, 30, 91, 182, 365, 730, 1095, 1825) if lo <= d <= hi]
    return nice if len(nice) >= 3 else list(np.linspace(lo, hi, 5))


def _nearest_indices(values: np.ndarray, targets) -> list[int]:
    idx = [int(np.argmin(np.abs(values - t))) for t in targets]
    return list(dict.fromkeys(idx))


def data_source(label: str = "", filename: str | None = None) -> str:
    """What a chart's data are: ``"uploaded file <name>"`` for an upload, else the chain's own
    label (e.g. "Modelled chain for 2018-12-31, from the S&P 500 close and VIX")."""
    if filename:
        return f"uploaded file {filename}"
    return (label or "")[:1].upper() + (label or "")[1:]


def with_source(fig: go.Figure, source: str | None) -> go.Figure:
    """Name the data a chart shows on a line of its own under the title (``Data: <source>``); the
    source is escaped, so an uploaded file's name is shown as text, never as markup."""
    if not source:
        return fig
    import html as _html

    line = f"Data: {_html.escape(str(source))}"
    title = fig.layout.title.text or ""
    if "Data: " in title:
        return fig
    lines = 1 + title.count("<br>") + 1
    text = f"{title}<br><sup>{line}</sup>" if title else f"<sup>{line}</sup>"
    top = fig.layout.margin.t
    fig.update_layout(title_text=text, margin=dict(t=max(top or 0, 60 + 15 * lines)))
    return fig
