"""Plotly figure builders. Pure functions: data in, ``go.Figure`` out; no callbacks, no I/O."""
from __future__ import annotations

import functools
import textwrap

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import get_colorscale

from components.greek_units import GREEK_DISPLAY

__all__ = ["themed", "TEMPLATES", "FigureDraft", "empty_figure", "greek_figure", "figures_html", "VIEWS",
           "GRAPH_CONFIG", "data_source", "with_source"]

VIEWS = ("surface", "heatmap", "slices")
#: ``dcc.Graph(config=...)`` of every chart: no Plotly logo, PNG export at twice the size.
GRAPH_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2}}
_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


# Plotly's built-in "plotly_white"/"plotly_dark" templates cost ~30 ms to apply per figure (0.3 s the
# first time in a process) and ~7 kB of JSON on the wire each. These two carry only what the app's
# charts use from them (colours of text, grids, axes, 3D scenes, colour bars), built once.
_INK = {"light": "#2a3f5f", "dark": "#f2f5fa"}
_BG = {"light": "white", "dark": "rgb(17,17,17)"}
_GRID = {"light": "#EBF0F8", "dark": "#283442"}
_LINE = {"light": "#EBF0F8", "dark": "#506784"}
_SCENE_GRID = {"light": "#DFE8F3", "dark": "#506784"}
_SCENE_ZERO = {"light": "#EBF0F8", "dark": "#C8D4E3"}
_COLORWAY = ["#636efa", "#EF553B", "#00cc96", "#ab63fa", "#FFA15A", "#19d3f3", "#FF6692", "#B6E880",
             "#FF97FF", "#FECB52"]


def _template(theme: str) -> go.layout.Template:
    ink, bg, grid, line = _INK[theme], _BG[theme], _GRID[theme], _LINE[theme]
    axis = dict(gridcolor=grid, linecolor=line, zerolinecolor=grid, ticks="", automargin=True,
                zerolinewidth=2, title=dict(standoff=15))
    scene_axis = dict(backgroundcolor=bg, gridcolor=_SCENE_GRID[theme], linecolor=line, showbackground=True,
                      ticks="", zerolinecolor=_SCENE_ZERO[theme], gridwidth=2)
    bar = dict(outlinewidth=0, ticks="")
    return go.layout.Template(
        layout=dict(autotypenumbers="strict", colorway=_COLORWAY, font=dict(color=ink), hovermode="closest",
                    hoverlabel=dict(align="left"), paper_bgcolor=bg, plot_bgcolor=bg, xaxis=axis, yaxis=axis,
                    scene=dict(xaxis=scene_axis, yaxis=scene_axis, zaxis=scene_axis),
                    polar=dict(bgcolor=bg, angularaxis=dict(gridcolor=line, linecolor=line, ticks=""),
                               radialaxis=dict(gridcolor=line, linecolor=line, ticks="")),
                    coloraxis=dict(colorbar=bar), shapedefaults=dict(line=dict(color=ink)),
                    annotationdefaults=dict(arrowcolor=ink, arrowhead=0, arrowwidth=1), title=dict(x=0.05)),
        data=dict(heatmap=[dict(colorbar=bar)], surface=[dict(colorbar=bar)], contour=[dict(colorbar=bar)]))


TEMPLATES = {theme: _template(theme) for theme in ("light", "dark")}


def title_margin(title: str) -> int:
    """The top margin (px) a title of ``<br>``-separated lines needs: plotly centres the first
    line in the margin and stacks the others ~22 px apart below it, so the block must fit in the
    margin's lower half plus a little; 70 px for a title and one small line, as every chart had.

    Parameters
    ----------
    title : str
        The title's text (plotly markup).

    Returns
    -------
    int
        Pixels.
    """
    n = 1 + (title or "").count("<br>")
    return max(70, 44 * n - 28)


def themed(fig: go.Figure, theme: str = "light") -> go.Figure:
    """Apply the light or dark template, transparent paper so the figure sits on its card.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        Updated in place.
    theme : {"light", "dark"}
        The page theme.

    Returns
    -------
    plotly.graph_objects.Figure
        ``fig``.
    """
    lay = fig.layout
    if isinstance(lay, dict):                      # a FigureDraft
        t = lay.get("title") or {}
        title = (t.get("text") if isinstance(t, dict) else t) or ""
    else:
        title = lay.title.text or ""
    fig.update_layout(
        template=TEMPLATES["dark" if theme == "dark" else "light"],
        paper_bgcolor="rgba(0,0,0,0)",
        font=dict(family=_FONT, size=13),
        margin=dict(l=60, r=30, t=title_margin(title), b=55),
        hoverlabel=dict(font=dict(family=_FONT)),
    )
    return fig


class FigureDraft:
    """Traces and layout collected as plain data, made into one ``go.Figure`` at the end.

    Plotly's ``add_trace`` / ``update_layout`` / ``update_xaxes`` re-walk and re-validate the
    whole figure on every call: a chart built in ten such steps costs ~50-70 ms here, the same
    chart built in one ``go.Figure(data, layout)`` ~3 ms. The draft takes the same calls (nested
    dicts; ``title_text``-style keys on axes) and merges them the way plotly does: dicts merge,
    anything else (lists, numbers, strings) replaces.
    """

    __slots__ = ("data", "layout")

    def __init__(self, data=None, layout: dict | None = None):
        self.data = [] if data is None else list(data) if isinstance(data, (list, tuple)) else [data]
        self.layout: dict = {}
        if layout:
            self.update_layout(layout)

    def add_trace(self, trace, **_):
        """Append a trace (as ``go.Figure.add_trace``; row/col keywords ignored).

        Parameters
        ----------
        trace : plotly trace or dict
            The trace.
        **_
            Ignored.

        Returns
        -------
        FigureDraft
            ``self``, for chaining.
        """
        self.data.append(trace)
        return self

    def update_layout(self, patch: dict | None = None, **kw):
        """Merge layout settings as ``go.Figure.update_layout`` does (dicts merge, others replace).

        Parameters
        ----------
        patch : dict, optional
            Nested layout settings.
        **kw
            More settings, merged after ``patch``.

        Returns
        -------
        FigureDraft
            ``self``, for chaining.
        """
        _merge(self.layout, {**(patch or {}), **kw})
        return self

    def update_xaxes(self, **kw):
        """Merge x-axis settings (``title_text``-style keys unflattened).

        Parameters
        ----------
        **kw
            Axis settings.

        Returns
        -------
        FigureDraft
            ``self``, for chaining.
        """
        return self.update_layout(xaxis=_unflatten(kw))

    def update_yaxes(self, **kw):
        """Merge y-axis settings (``title_text``-style keys unflattened).

        Parameters
        ----------
        **kw
            Axis settings.

        Returns
        -------
        FigureDraft
            ``self``, for chaining.
        """
        return self.update_layout(yaxis=_unflatten(kw))

    def add_annotation(self, **kw):
        """Append a layout annotation.

        Parameters
        ----------
        **kw
            The annotation's settings (``text``, ``x``, ``y``, ``xref``...).

        Returns
        -------
        FigureDraft
            ``self``, for chaining.
        """
        self.layout.setdefault("annotations", []).append(kw)
        return self

    def figure(self, *, validate: bool = False) -> go.Figure:
        """The figure. Unvalidated by default (plotly's validation copies every array, ~4 ms
        each here): the builders in this package are covered by tests that compare them with
        plotly's own validated construction.

        Parameters
        ----------
        validate : bool
            Build through plotly's validating constructor.

        Returns
        -------
        plotly.graph_objects.Figure
        """
        if not validate:  # what validation would have done that the browser needs: named templates and
            if isinstance(self.layout.get("template"), str):  # scales as the objects/lists they name
                self.layout["template"] = pio.templates[self.layout["template"]]
            for trace in self.data:
                if isinstance(trace, dict) and isinstance(trace.get("colorscale"), str):
                    trace["colorscale"] = _scale(trace["colorscale"])
        return go.Figure(data=self.data, layout=self.layout, _validate=validate)


@functools.lru_cache(maxsize=64)
def _scale_cached(name: str) -> tuple:
    return tuple(tuple(step) for step in get_colorscale(name))


def _scale(name: str) -> list:
    """Plotly's named colour scale as the list the browser needs (plotly.js knows fewer names)."""
    return [list(step) for step in _scale_cached(name)]


def _unflatten(kw: dict) -> dict:
    """``title_text="x"`` -> ``{"title": {"text": "x"}}`` (plotly's magic underscores, one level)."""
    out: dict = {}
    for k, v in kw.items():
        head, _, tail = k.partition("_")
        if tail and head in ("title", "line", "marker", "font", "tickfont"):
            out.setdefault(head, {})[tail] = v
        else:
            out[k] = v
    return out


def _merge(into: dict, patch: dict) -> None:
    for k, v in patch.items():
        if isinstance(v, dict):  # merged into a fresh dict: the caller's dicts are never mutated
            if not isinstance(into.get(k), dict):
                into[k] = {}
            _merge(into[k], v)
        else:
            into[k] = v


#: A page layout's placeholder chart does not know the theme: the light template with a clear plot
#: area and a mid-grey ink that reads on either background (Bootstrap's gray-600).
_PLACEHOLDER = go.layout.Template(TEMPLATES["light"])
_PLACEHOLDER.layout.update(plot_bgcolor="rgba(0,0,0,0)", font=dict(color="#868e96"))


_WRAP = 64  # characters per line of a placeholder message (15 px text on a half-width chart)


def empty_figure(message: str, theme: str | None = None) -> go.Figure:
    """A blank figure that says why it is blank.

    Parameters
    ----------
    message : str
        Shown in the middle of the figure.
    theme : {"light", "dark"} or None
        The page theme when a callback knows it; None (a page layout's placeholder) gives a clear,
        grey figure that reads on either theme.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    fig = go.Figure()
    # plotly does not wrap annotations: a long message would run off both sides of a narrow chart
    lines = [line for part in str(message).split("<br>")
             for line in (textwrap.wrap(part, _WRAP, break_on_hyphens=False, break_long_words=False) or [""])]
    fig.add_annotation(text="<br>".join(lines), showarrow=False, font=dict(size=15), x=0.5, y=0.5,
                       xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    themed(fig, theme or "light")
    if theme is None:
        fig.update_layout(template=_PLACEHOLDER)
    return fig


def figures_html(figs, title: str = "Parity") -> str:
    """One standalone HTML page holding every figure, plotly.js embedded once (no CDN).

    Parameters
    ----------
    figs : iterable of Figure or dict
        The figures, in page order.
    title : str
        The page title.

    Returns
    -------
    str
        The HTML document.
    """
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
                 strikes: tuple[float, ...] = (), source: str | None = None) -> go.Figure:
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
    theme : {"light", "dark"}
        The page theme.
    source : str, optional
        The data the chart shows, named under the title (see :func:`with_source`).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    disp = GREEK_DISPLAY[grid.greek]
    z = grid.z * disp.scale
    x_title = "Strike ($)" if grid.axis == "strike" else "Underlying price ($)"
    z_title = f"{disp.label} ({disp.unit})"
    hover = (f"{x_title.split(' (')[0]} %{{x:,.2f}}<br>Days to expiry %{{y:,.0f}}<br>"
             f"{disp.label} %{{z:,.4f}} {disp.unit}<extra></extra>")
    c = _colors(z)
    # the toolbar runs down the right edge, clear of the title
    fig = FigureDraft(layout=dict(title=dict(text=title, x=0.01, xanchor="left"), modebar=dict(orientation="v")))
    if view == "surface":
        fig.add_trace(dict(
            type="surface", x=grid.x, y=grid.days, z=z, colorscale=c["colorscale"],
            reversescale=c.get("reversescale", False), cmid=c.get("cmid"),
            colorbar=dict(title=dict(text=disp.unit, side="right"), len=0.75),
            hovertemplate=hover, contours=dict(z=dict(show=True, usecolormap=True, width=2,
                                                      project=dict(z=False)))))
        fig.update_layout(scene=dict(
            xaxis=dict(title=dict(text=x_title)), yaxis=dict(title=dict(text="Days to expiry")),
            zaxis=dict(title=dict(text=z_title)),
            camera=dict(eye=dict(x=-1.6, y=-1.6, z=0.9)), aspectmode="manual",
            aspectratio=dict(x=1.2, y=1.2, z=0.7)))
    elif view == "heatmap":
        fig.add_trace(dict(
            type="heatmap", x=grid.x, y=grid.days, z=z, colorscale=c["colorscale"],
            reversescale=c.get("reversescale", False), zmid=c.get("cmid"),
            colorbar=dict(title=dict(text=disp.unit, side="right")), hovertemplate=hover))
        fig.update_layout(xaxis=dict(title=dict(text=x_title), tickprefix="$"),
                          yaxis=dict(title=dict(text="Days to expiry")), **_level_marks(grid, spot, strikes))
    elif view == "slices":
        _slices(fig, grid, z, disp, x_title, z_title, spot, strikes)
    else:
        raise ValueError(f"view must be one of {VIEWS}, got {view!r}")
    fig = themed(fig, theme)
    if view == "slices":              # room for the panels' own titles under the chart's title
        fig.update_layout(margin=dict(t=title_margin(fig.layout["title"].get("text", "")) + 22))
    return with_source(fig, source, width=110).figure()   # a full-width chart


def _level_marks(grid, spot, strikes) -> dict:
    """Spot (strike axis) or the legs' strikes (spot axis) as dotted lines on the first x axis, as
    plain layout shapes: ``add_vline`` re-validates the whole figure per line."""
    xs = [spot] if grid.axis == "strike" and spot is not None else []
    xs += list(strikes) if grid.axis == "spot" else []  # the legs are in the title: lines only
    shapes = [dict(type="line", xref="x", yref="y domain", x0=x, x1=x, y0=0, y1=1,
                   line=dict(dash="dot", color="gray")) for x in xs]
    notes = ([dict(x=spot, xref="x", y=1, yref="y domain", text=f"spot {spot:,.2f}", showarrow=False,
                   xanchor="left", yanchor="top")] if grid.axis == "strike" and spot is not None else [])
    return {**({"shapes": shapes} if shapes else {}), **({"annotations": notes} if notes else {})}


def _slices(fig: FigureDraft, grid, z, disp, x_title, z_title, spot, strikes) -> None:
    """Two side-by-side panels laid out as ``make_subplots(rows=1, cols=2, horizontal_spacing=0.1)``
    does, written directly (``make_subplots`` + ``add_trace(row=, col=)`` cost ~0.2 s here)."""
    what = x_title.split(" (")[0].lower()
    for text, x in ((f"{disp.label} across {what}, by days to expiry", 0.225),
                    (f"{disp.label} across time, by {what}", 0.775)):
        fig.add_annotation(text=text, x=x, y=1.0, xref="paper", yref="paper", xanchor="center",
                           yanchor="bottom", showarrow=False, font=dict(size=16))
    for i in _nearest_indices(grid.days, _nice_days(grid.days)):
        fig.add_trace(dict(type="scatter", x=grid.x, y=z[i], mode="lines", name=f"{grid.days[i]:.0f} d",
                           legendgroup="days", legendgrouptitle=dict(text="Days to expiry"),
                           xaxis="x", yaxis="y",
                           hovertemplate=f"%{{x:,.2f}}: %{{y:,.4f}} {disp.unit}<extra>"
                                         f"{grid.days[i]:.0f} d</extra>"))
    centre = spot if spot is not None else float(np.median(grid.x))
    levels = [centre * f for f in (0.9, 1.0, 1.1)]
    # the three price levels: each its own colour and dash (the colourway cycles after the days
    # lines, so 90% and 110% could come out the same colour)
    styles = (dict(dash="dash", color="#fd7e14"), dict(dash="solid", color="#6f42c1", width=3),
              dict(dash="dot", color="#20c997", width=3))
    for j, style in zip(_nearest_indices(grid.x, levels), styles):
        fig.add_trace(dict(type="scatter", x=grid.days, y=z[:, j], mode="lines", name=f"{grid.x[j]:,.1f}",
                           legendgroup="x", legendgrouptitle=dict(text=x_title), line=style,
                           xaxis="x2", yaxis="y2",
                           hovertemplate=f"%{{x:,.0f}} d: %{{y:,.4f}} {disp.unit}<extra>"
                                         f"{grid.x[j]:,.1f}</extra>"))
    marks = _level_marks(grid, spot, strikes)
    fig.update_layout(
        xaxis=dict(anchor="y", domain=[0.0, 0.45], title=dict(text=x_title), tickprefix="$"),
        yaxis=dict(anchor="x", domain=[0.0, 1.0], title=dict(text=z_title)),
        xaxis2=dict(anchor="y2", domain=[0.55, 1.0], title=dict(text="Days to expiry")),
        yaxis2=dict(anchor="x2", domain=[0.0, 1.0], title=dict(text=z_title)),
        legend=dict(groupclick="toggleitem"), shapes=marks.get("shapes", []),
        annotations=fig.layout["annotations"] + marks.get("annotations", []))


def _nice_days(days: np.ndarray) -> list[float]:
    lo, hi = float(days.min()), float(days.max())
    nice = [d for d in (7, 30, 91, 182, 365, 730, 1095, 1825) if lo <= d <= hi]
    return nice if len(nice) >= 3 else list(np.linspace(lo, hi, 5))


def _nearest_indices(values: np.ndarray, targets) -> list[int]:
    idx = [int(np.argmin(np.abs(values - t))) for t in targets]
    return list(dict.fromkeys(idx))


def data_source(label: str = "", filename: str | None = None) -> str:
    """What a chart's data are: ``"uploaded file <name>"`` for an upload, else the chain's own
    label (e.g. "Modelled chain for 2018-12-31, from the S&P 500 close and VIX").

    Parameters
    ----------
    label : str
        The data's own label (``Chain.label``-style text).
    filename : str, optional
        The uploaded file's name, when the data came from an upload.

    Returns
    -------
    str
        Capitalised text for :func:`with_source`.
    """
    if filename:
        return f"uploaded file {filename}"
    return (label or "")[:1].upper() + (label or "")[1:]


_SOURCE_WRAP = 58  # characters per data line under a title (11 px text on a half-width chart)


def sup_lines(text: str, *, escape: bool = True, width: int = _SOURCE_WRAP) -> str:
    """A title's small second line, wrapped to fit a half-width chart (plotly does not wrap
    titles): ``<sup>…</sup><br><sup>…</sup>``. Words and dates are never cut.

    Parameters
    ----------
    text : str
        The line's text (plain text; escaped after wrapping, so an entity is never cut in two).
    escape : bool
        Escape ``<``, ``>`` and ``&`` (False: ``text`` is already markup-safe).
    width : int
        Characters per line (the default fits a half-width chart; a full-width one takes ~110).

    Returns
    -------
    str
        One ``<sup>`` element per line, joined by ``<br>``.
    """
    import html as _html

    parts = textwrap.wrap(text, width, break_on_hyphens=False, break_long_words=False) or [""]
    return "<br>".join(f"<sup>{_html.escape(p) if escape else p}</sup>" for p in parts)


def _source_title(title: str, top, source: str, width: int = _SOURCE_WRAP) -> tuple[str, int] | None:
    """(title text with its ``Data:`` line, top margin), or None when it names its data already."""
    if "Data: " in title:
        return None
    data = sup_lines(f"Data: {source}", width=width)
    text = f"{title}<br>{data}" if title else data
    return text, max(top or 0, title_margin(text))


def with_source(fig: go.Figure | FigureDraft, source: str | None, *,
                width: int = _SOURCE_WRAP) -> go.Figure | FigureDraft:
    """Name the data a chart shows on a line of its own under the title (``Data: <source>``); the
    source is escaped, so an uploaded file's name is shown as text, never as markup.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure or FigureDraft
        A figure with a title; updated in place (a draft is cheaper: no plotly validation).
    source : str or None
        What the data are; nothing is added when empty.
    width : int
        Characters per line of the data line (the default fits a half-width chart).

    Returns
    -------
    plotly.graph_objects.Figure or FigureDraft
        ``fig``.
    """
    if not source:
        return fig
    if isinstance(fig, FigureDraft):
        title = fig.layout.get("title") or {}
        title = title if isinstance(title, dict) else {"text": title}
        done = _source_title(title.get("text") or "", (fig.layout.get("margin") or {}).get("t"), source, width)
        if done:
            fig.update_layout(title=dict(text=done[0]), margin=dict(t=done[1]))
        return fig
    done = _source_title(fig.layout.title.text or "", fig.layout.margin.t, source, width)
    if done:
        fig.update_layout(title_text=done[0], margin=dict(t=done[1]))
    return fig
