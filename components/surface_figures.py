"""Figures of the volatility surface studio: fitted surface, smiles, residuals, term structure.

Inputs are a :class:`core.data.Chain`, fitted :class:`core.surface.SurfaceFit` objects and their
diagnostics (:class:`core.surface.views.SurfaceComparison`, computed once by the callback): these
builders draw, they compute no analysis. Vols are drawn in vol points (percent). What is drawn is
downsampled for large chains; what is fitted never is.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from components.figures import themed

__all__ = ["MODEL_LABELS", "MODEL_COLORS", "surface_figure", "smiles_figure",
           "residual_figure", "term_structure_figure", "default_expiries", "MAX_POINTS_3D"]

MODEL_LABELS = {"svi": "SVI", "ssvi": "SSVI", "essvi": "eSSVI", "sabr": "SABR"}
MODEL_COLORS = {"svi": "#0d6efd", "ssvi": "#d63384", "essvi": "#20c997", "sabr": "#fd7e14"}
MAX_POINTS_3D = 3000
MAX_SMILES = 12


def default_expiries(expiries: list[str], n: int = 9) -> list[str]:
    """Up to ``n`` expiries spread evenly over the list (first and last included).

    Parameters
    ----------
    expiries : list of str
        Expiry labels (ISO dates), in order.
    n : int
        Most expiries to keep (default 9).

    Returns
    -------
    list of str
        All of ``expiries`` when there are at most ``n``, else about ``n`` of them at evenly
        spaced positions, in order.

    Examples
    --------
    >>> default_expiries(["a", "b", "c", "d", "e"], n=3)
    ['a', 'c', 'e']
    """
    if len(expiries) <= n:
        return list(expiries)
    idx = np.unique(np.round(np.linspace(0, len(expiries) - 1, n)).astype(int))
    return [expiries[i] for i in idx]


def _label(model: str, fit=None) -> str:
    """The model's display name (``"eSSVI"``, not ``"ESSVI"``; ``"SVI (joint)"`` for a joint
    calendar-aware SVI fit)."""
    joint = fit is not None and getattr(fit, "options", {}).get("calendar") == "joint"
    return MODEL_LABELS.get(model, model.upper()) + (" (joint)" if joint else "")


def _market(chain, lo: float = 0.6, hi: float = 1.4) -> pd.DataFrame:
    q = chain.otm_quotes(lo, hi)
    q = q.assign(expiry_s=pd.to_datetime(q["expiry"]).dt.strftime("%Y-%m-%d"))
    return q


def surface_figure(chain, fit, *, theme: str = "light", n: int = 40, view=None) -> go.Figure:
    """3D fitted IV surface over strike and days to expiry, market OTM mids as points, and the
    arbitrage violations located in ``view`` (a :class:`core.surface.views.FitView`) as red
    crosses (butterfly) and orange diamonds (calendar).

    Parameters
    ----------
    chain : Chain
        The option chain; its OTM quotes with ``K/F`` in [0.6, 1.4] are drawn (at most
        :data:`MAX_POINTS_3D`, sampled with a fixed seed).
    fit : SurfaceFit
        The fitted surface, drawn between its first and last expiry for ``ln(K/F)`` in
        [-0.5, 0.35].
    theme : str
        ``"light"`` or ``"dark"``.
    n : int
        Grid points per axis of the drawn surface (default 40).
    view : FitView, optional
        Arbitrage locations to mark; none when omitted.

    Returns
    -------
    plotly.graph_objects.Figure
        Axes: strike (currency), days to expiry, IV (percent).
    """
    q = _market(chain)
    T = np.linspace(fit.expiries[0], fit.expiries[-1], n)
    k = np.linspace(-0.5, 0.35, n)
    K = fit.forward(T)[:, None] * np.exp(k[None, :])
    iv = fit.implied_vol(K, T[:, None]) * 100
    days = T * 365
    fig = go.Figure(go.Surface(
        x=K, y=np.broadcast_to(days[:, None], K.shape), z=iv, colorscale="Viridis", opacity=0.9,
        colorbar=dict(title=dict(text="IV (%)", side="right"), len=0.7), name="fit",
        hovertemplate="Strike %{x:,.0f}<br>Days %{y:,.0f}<br>Fitted IV %{z:.2f}%<extra></extra>"))
    if len(q) > MAX_POINTS_3D:
        q = q.sample(MAX_POINTS_3D, random_state=0)
    fig.add_trace(go.Scatter3d(
        x=q["strike"], y=q["T"] * 365, z=q["iv"] * 100, mode="markers", name="market (OTM mid)",
        marker=dict(size=2.5, color="#212529", opacity=0.8),
        hovertemplate="Strike %{x:,.0f}<br>Days %{y:,.0f}<br>Market IV %{z:.2f}%<extra></extra>"))
    pts = None if view is None else view.points
    if pts is not None and pts.butterfly_strike.size:
        fig.add_trace(go.Scatter3d(
            x=pts.butterfly_strike, y=pts.butterfly_days, z=pts.butterfly_iv * 100,
            mode="markers", name="butterfly arbitrage (g < 0)",
            marker=dict(size=4, color="#dc3545", symbol="x")))
    if pts is not None and pts.calendar_strike.size:
        fig.add_trace(go.Scatter3d(
            x=pts.calendar_strike, y=pts.calendar_days, z=pts.calendar_iv * 100, mode="markers",
            name="calendar arbitrage (w falls with T)",
            marker=dict(size=3, color="#fd7e14", symbol="diamond")))
    fig.update_layout(
        title=dict(text=f"{_label(fit.model, fit)} implied volatility surface", x=0.01),
        scene=dict(xaxis_title="Strike", yaxis_title="Days to expiry", zaxis_title="IV (%)",
                   camera=dict(eye=dict(x=-1.6, y=-1.6, z=0.8))),
        legend=dict(orientation="h", y=0.02, x=0.01))
    if theme == "dark":
        fig.update_traces(selector=dict(name="market (OTM mid)"), marker_color="#f8f9fa")
    return themed(fig, theme)


def smiles_figure(chain, fits: dict, expiries: list[str], *, theme: str = "light") -> go.Figure:
    """Small multiples, one per expiry: market mid IV with bid/ask IV error bars, each model's
    fitted smile, against strike.

    Parameters
    ----------
    chain : Chain
        The option chain (OTM quotes with ``K/F`` in [0.6, 1.4]).
    fits : dict
        Model name (a key of :data:`MODEL_LABELS`) -> :class:`~core.surface.SurfaceFit`.
    expiries : list of str
        ISO dates to draw (the first :data:`MAX_SMILES`); empty: :func:`default_expiries` of
        the chain's.
    theme : str
        ``"light"`` or ``"dark"``.

    Returns
    -------
    plotly.graph_objects.Figure
        Three panels a row; x strike (currency), y IV (percent).
    """
    q = _market(chain)
    expiries = list(expiries)[:MAX_SMILES] or default_expiries(sorted(q["expiry_s"].unique()))
    cols = 3
    rows = max(1, math.ceil(len(expiries) / cols))
    Ts = q.groupby("expiry_s")["T"].first()
    titles = [f"{e}  ({Ts.get(e, float('nan')) * 365:.0f} d)" for e in expiries]
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, horizontal_spacing=0.06,
                        vertical_spacing=0.12 if rows > 1 else 0.2)
    for i, e in enumerate(expiries):
        r, c = divmod(i, cols)
        s = q[q["expiry_s"] == e].sort_values("strike")
        if s.empty:
            continue
        up = (s["iv_ask"] - s["iv"]).clip(lower=0) * 100
        dn = (s["iv"] - s["iv_bid"]).clip(lower=0) * 100
        fig.add_trace(go.Scatter(
            x=s["strike"], y=s["iv"] * 100, mode="markers", name="market mid (bid/ask bars)",
            legendgroup="market", showlegend=i == 0, marker=dict(size=5, color="#6c757d"),
            error_y=dict(type="data", array=up.fillna(0), arrayminus=dn.fillna(0), thickness=1,
                         width=0, color="#adb5bd"),
            hovertemplate="K %{x:,.0f}: %{y:.2f}%<extra>market</extra>"), row=r + 1, col=c + 1)
        K = np.linspace(s["strike"].min(), s["strike"].max(), 120)
        T = float(s["T"].iloc[0])
        for model, fit in fits.items():
            fig.add_trace(go.Scatter(
                x=K, y=fit.implied_vol(K, T) * 100, mode="lines", name=_label(model, fit),
                legendgroup=model, showlegend=i == 0, line=dict(color=MODEL_COLORS[model], width=2),
                hovertemplate=f"K %{{x:,.0f}}: %{{y:.2f}}%<extra>{_label(model, fit)}</extra>"),
                row=r + 1, col=c + 1)
    fig.update_yaxes(title_text="IV (%)", col=1)
    fig.update_xaxes(title_text="Strike", row=rows)
    fig.update_layout(title=dict(text="Smiles by expiry: market vs fitted", x=0.01),
                      height=max(380, 290 * rows + 60), margin=dict(t=110),
                      legend=dict(orientation="h", yref="container", y=1.0, yanchor="top",
                                  x=0.0, xanchor="left", borderwidth=0))
    fig.update_annotations(font_size=12)
    fig = themed(fig, theme)
    # the title sits 44 px from the top (a top-anchored title of two lines, with its
    # data line, was pushed above the figure), the legend under it
    fig.update_layout(margin=dict(t=120), title=dict(y=1.0 - 44 / fig.layout.height, yref="container",
                                                     yanchor="bottom"),
                      legend=dict(y=1.0 - 68 / fig.layout.height))
    return fig


def residual_figure(fit, *, theme: str = "light", k_step: float = 0.05) -> go.Figure:
    """Heatmap of mean fit error (fitted − market, vol points) by expiry and moneyness bucket.

    Parameters
    ----------
    fit : SurfaceFit
        The fit whose :meth:`~core.surface.SurfaceFit.residuals` (the quotes used) are drawn.
    theme : str
        ``"light"`` or ``"dark"``.
    k_step : float
        Width of the log-moneyness buckets (default 0.05 in ``ln(K/F)``).

    Returns
    -------
    plotly.graph_objects.Figure
        x log-moneyness bucket, y expiry (ISO date), colour the mean error in vol points,
        symmetric about 0.
    """
    res = fit.residuals()
    res = res[res["used"]] if "used" in res.columns else res
    res = res.assign(expiry_s=pd.to_datetime(res["expiry"]).dt.strftime("%Y-%m-%d"),
                     bucket=np.round(res["k"] / k_step) * k_step)
    table = res.pivot_table(index="expiry_s", columns="bucket", values="error", aggfunc="mean") * 100
    lim = float(np.nanmax(np.abs(table.to_numpy()))) if table.size else 1.0
    fig = go.Figure(go.Heatmap(
        x=table.columns.to_numpy(), y=table.index.to_list(), z=table.to_numpy(),
        colorscale="RdBu", reversescale=True, zmid=0, zmin=-lim, zmax=lim,
        colorbar=dict(title=dict(text="vol pts", side="right")),
        hovertemplate="ln(K/F) %{x:.2f}<br>%{y}<br>fit − market %{z:.2f} vol pts<extra></extra>"))
    fig.update_layout(title=dict(text=f"{_label(fit.model, fit)} residuals (fitted − market IV)", x=0.01))
    fig.update_xaxes(title_text="Log-moneyness ln(K/F)")
    fig.update_yaxes(title_text="Expiry", type="category")
    return themed(fig, theme)


def term_structure_figure(chain, comparison, *, theme: str = "light",
                          labels: dict | None = None) -> go.Figure:
    """ATM (K = F) implied vol against days to expiry: the market estimate per expiry and each
    fit's term structure from ``comparison`` (a :class:`core.surface.views.SurfaceComparison`).

    Parameters
    ----------
    chain : Chain
        The option chain; its per-expiry ``atm_iv`` (decimal) is drawn when present.
    comparison : SurfaceComparison
        One view per fitted model, with ``term_days`` and ``term_atm_vol`` (decimal).
    theme : str
        ``"light"`` or ``"dark"``.
    labels : dict, optional
        Legend names by model key where they differ from ``MODEL_LABELS`` (e.g. SVI fitted
        jointly as ``"SVI (joint)"``).

    Returns
    -------
    plotly.graph_objects.Figure
        x days to expiry, y ATM IV (percent).
    """
    labels = {**MODEL_LABELS, **(labels or {})}
    fig = go.Figure()
    ex = chain.expiries
    if "atm_iv" in ex.columns:
        fig.add_trace(go.Scatter(x=ex["T"] * 365, y=ex["atm_iv"] * 100, mode="markers",
                                 name="market ATM (interpolated)", marker=dict(size=8, color="#6c757d"),
                                 hovertemplate="%{x:.0f} d: %{y:.2f}%<extra>market</extra>"))
    for v in comparison.views:
        model = v.model
        fig.add_trace(go.Scatter(x=v.term_days, y=v.term_atm_vol * 100, mode="lines",
                                 name=labels[model], line=dict(color=MODEL_COLORS[model]),
                                 hovertemplate="%{x:.0f} d: %{y:.2f}%<extra>" + labels[model] + "</extra>"))
    fig.update_layout(title=dict(text="ATM volatility term structure", x=0.01),
                      legend=dict(orientation="h", y=-0.25))
    fig.update_xaxes(title_text="Days to expiry")
    fig.update_yaxes(title_text="ATM IV (%)")
    return themed(fig, theme)
