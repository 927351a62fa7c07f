"""Figures of the calibration lab: fitted vs market smiles, residuals, the model-implied
surface and the parameter correlation matrix. Vols are drawn in vol points (percent)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from components.figures import themed

__all__ = ["MODELS", "MODEL_LABELS", "MODEL_COLORS", "fit_smiles_figure", "fit_residual_figure",
           "model_surface_figure", "correlation_figure", "SURFACE_VIEWS"]

#: The models the calibration lab offers, in the order shown.
MODELS = ("heston", "bates", "merton", "vg", "cgmy")
MODEL_LABELS = {"heston": "Heston", "bates": "Bates", "merton": "Merton", "vg": "Variance Gamma",
                "cgmy": "CGMY", "svi": "SVI (reference)"}
MODEL_COLORS = {"heston": "#0d6efd", "bates": "#6f42c1", "merton": "#198754", "vg": "#fd7e14",
                "cgmy": "#d63384", "svi": "#6c757d"}


def _ink(theme: str) -> str:
    """Colour of market points: near-black on light, near-white on dark."""
    return "#f8f9fa" if theme == "dark" else "#212529"


def fit_smiles_figure(fits: dict, *, max_expiries: int = 9, theme: str = "light") -> go.Figure:
    """Market OTM mid IV against strike per expiry with each model's fitted IV at the quotes.

    ``fits`` maps a model name to a DataFrame of :func:`core.calibration.fitted_quotes`
    (``svi`` may map to a frame with ``model_iv`` from the SVI surface for reference).

    Parameters
    ----------
    fits : dict of str to pandas.DataFrame
        Model name -> fitted quotes (expiry, strike, market and model IV as decimals).
    max_expiries : int
        Most expiries drawn (evenly picked when there are more).
    theme : {"light", "dark"}
        The page theme.

    Returns
    -------
    plotly.graph_objects.Figure
        One panel per expiry: IV in % against strike in $.
    """
    first = next(iter(fits.values()))
    expiries = sorted(first["expiry"].unique())
    if len(expiries) > max_expiries:
        idx = np.unique(np.round(np.linspace(0, len(expiries) - 1, max_expiries)).astype(int))
        expiries = [expiries[i] for i in idx]
    cols = 3
    rows = max(1, math.ceil(len(expiries) / cols))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=expiries, horizontal_spacing=0.06,
                        vertical_spacing=0.12 if rows > 1 else 0.2)
    for i, e in enumerate(expiries):
        r, c = divmod(i, cols)
        m = first[first["expiry"] == e].sort_values("strike")
        fig.add_trace(go.Scatter(x=m["strike"], y=m["iv"] * 100, mode="markers", name="market (OTM mid)",
                                 legendgroup="market", showlegend=i == 0, marker=dict(size=5, color=_ink(theme)),
                                 hovertemplate="K %{x:,.0f}: %{y:.2f}%<extra>market</extra>"),
                      row=r + 1, col=c + 1)
        for model, frame in fits.items():
            s = frame[frame["expiry"] == e].sort_values("strike")
            fig.add_trace(go.Scatter(x=s["strike"], y=s["model_iv"] * 100, mode="lines", name=MODEL_LABELS[model],
                                     legendgroup=model, showlegend=i == 0,
                                     line=dict(color=MODEL_COLORS[model], width=2,
                                               dash="dot" if model == "svi" else "solid"),
                                     hovertemplate=f"K %{{x:,.0f}}: %{{y:.2f}}%<extra>{MODEL_LABELS[model]}</extra>"),
                          row=r + 1, col=c + 1)
    fig.update_yaxes(title_text="IV (%)", col=1)
    fig.update_xaxes(title_text="Strike", row=rows)
    fig.update_annotations(font_size=12)
    height = max(380, 280 * rows + 80)
    # bottom-anchored 44 px from the top: a top-anchored title of two lines (with the data line
    # added under it) is pushed above the figure
    fig.update_layout(title=dict(text="Fitted vs market smiles", x=0.01, y=1.0 - 44 / height, yref="container",
                                 yanchor="bottom"),
                      height=height, margin=dict(t=120),
                      legend=dict(orientation="h", yref="container", y=1.0 - 68 / height, yanchor="top", x=0))
    return _keep_margin(themed(fig, theme))


def _keep_margin(fig: go.Figure) -> go.Figure:
    fig.update_layout(margin=dict(t=120))
    return fig


def fit_residual_figure(fits: dict, *, theme: str = "light") -> go.Figure:
    """Model minus market IV (vol points) against log-moneyness, one colour per model.

    Parameters
    ----------
    fits : dict of str to pandas.DataFrame
        Model name -> fitted quotes, as in :func:`fit_smiles_figure` (``svi`` is skipped).
    theme : {"light", "dark"}
        The page theme.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    fig = go.Figure()
    for model, frame in fits.items():
        if model == "svi":
            continue
        k = np.log(frame["strike"] / frame["forward"])
        fig.add_trace(go.Scatter(x=k, y=frame["error_iv"] * 100, mode="markers", name=MODEL_LABELS[model],
                                 marker=dict(size=5, color=MODEL_COLORS[model], opacity=0.7),
                                 text=frame["expiry"],
                                 hovertemplate="k %{x:.3f}, %{text}<br>model − market %{y:.2f} vol pts<extra>"
                                               + MODEL_LABELS[model] + "</extra>"))
    fig.add_hline(y=0, line_color="gray", line_width=1)
    fig.update_layout(title=dict(text="Residuals: model − market IV", x=0.01), legend=dict(orientation="h", y=-0.2))
    fig.update_xaxes(title_text="Log-moneyness ln(K/F)")
    fig.update_yaxes(title_text="IV error (vol pts)")
    return themed(fig, theme)


#: The surface card's views: a 2D heatmap (the page's default: drawn in tens of milliseconds) and
#: the 3D WebGL surface (a WebGL scene costs 0.6-1.8 s to create in a software-rendered browser).
SURFACE_VIEWS = ("heatmap", "3d")


def model_surface_figure(surface: dict, market: pd.DataFrame, model: str, *, theme: str = "light",
                         view: str = "3d") -> go.Figure:
    """The model-implied IV surface (strike x days) with the market OTM mids as points.

    Parameters
    ----------
    surface : dict
        ``strikes`` ($), ``T`` (years) and ``iv`` (decimals, one row per T) of the model.
    market : pandas.DataFrame
        The market OTM quotes (strike, T, iv).
    model : str
        The model's name, for the title.
    theme : {"light", "dark"}
        The page theme.
    view : {"3d", "heatmap"}
        ``"3d"``: a WebGL surface with the market points in 3D; ``"heatmap"``: the same grid
        as a heatmap, the market points as markers coloured on the same IV scale.

    Returns
    -------
    plotly.graph_objects.Figure
        Strike ($) x days to expiry, IV in %.
    """
    if view not in SURFACE_VIEWS:
        raise ValueError(f"view must be one of {SURFACE_VIEWS}, got {view!r}")
    if view == "heatmap":
        return _surface_heatmap(surface, market, model, theme)
    strikes = np.asarray(surface["strikes"], dtype=float)
    days = np.asarray(surface["T"], dtype=float)[:, None] * 365 * np.ones_like(strikes)
    iv = np.asarray(surface["iv"], dtype=float) * 100
    fig = go.Figure(go.Surface(x=strikes, y=days, z=iv, colorscale="Viridis", opacity=0.9,
                               colorbar=dict(title=dict(text="IV (%)", side="right"), len=0.7),
                               hovertemplate="K %{x:,.0f}<br>%{y:.0f} d<br>model IV %{z:.2f}%<extra></extra>"))
    fig.add_trace(go.Scatter3d(x=market["strike"], y=market["T"] * 365, z=market["iv"] * 100, mode="markers",
                               name="market (OTM mid)", marker=dict(size=2.5, color="#dc3545"),
                               hovertemplate="K %{x:,.0f}<br>%{y:.0f} d<br>market IV %{z:.2f}%<extra></extra>"))
    fig.update_layout(title=dict(text=f"{MODEL_LABELS[model]} implied volatility surface", x=0.01),
                      scene=dict(xaxis_title="Strike", yaxis_title="Days to expiry", zaxis_title="IV (%)",
                                 camera=dict(eye=dict(x=-1.6, y=-1.6, z=0.8))),
                      legend=dict(orientation="h", y=0.02))
    return themed(fig, theme)


def _surface_heatmap(surface: dict, market: pd.DataFrame, model: str, theme: str) -> go.Figure:
    """:func:`model_surface_figure`'s 2D view: one heatmap row per expiry (equal heights, so the
    short end is as readable as the long one) over that expiry's own strikes (the grid is in
    forward moneyness: its strikes move with the forward), and the market points on the same
    colour axis, so a point that stands out from the colour under it is a misfit."""
    strikes = np.atleast_2d(np.asarray(surface["strikes"], dtype=float))
    days = np.asarray(surface["T"], dtype=float) * 365
    iv = np.asarray(surface["iv"], dtype=float) * 100
    strikes = np.broadcast_to(strikes, iv.shape)
    labels = [f"{d:.0f}" for d in days]
    if len(set(labels)) < len(labels):
        labels = [f"{d:.2f}" for d in days]
    # row i at y = i (a category axis cannot hold a one-row heatmap), labelled with its days
    fig = go.Figure([go.Heatmap(x=strikes[i], y=[i], z=iv[i:i + 1], coloraxis="coloraxis",
                                name="model IV", showlegend=False,
                                hovertemplate=f"K %{{x:,.0f}}<br>{labels[i]} d<br>model IV %{{z:.2f}}%<extra></extra>")
                     for i in range(len(days))])
    row = np.abs(market["T"].to_numpy(dtype=float)[:, None] * 365 - days[None, :]).argmin(axis=1)
    vols = market["iv"].to_numpy(dtype=float) * 100
    fig.add_trace(go.Scatter(x=market["strike"], y=row, mode="markers",
                             name="market (OTM mid)", customdata=np.column_stack([vols, market["T"] * 365]),
                             marker=dict(size=7, color=vols, coloraxis="coloraxis",
                                         line=dict(width=1, color=_ink(theme))),
                             hovertemplate="K %{x:,.0f}<br>%{customdata[1]:.0f} d<br>"
                                           "market IV %{customdata[0]:.2f}%<extra></extra>"))
    fig.update_layout(title=dict(text=f"{MODEL_LABELS[model]} implied volatility surface", x=0.01),
                      coloraxis=dict(colorscale="Viridis", colorbar=dict(title=dict(text="IV (%)", side="right"),
                                                                         len=0.8)),
                      showlegend=True, legend=dict(orientation="h", x=1, xanchor="right", y=1.02, yanchor="bottom"))
    fig.update_xaxes(title_text="Strike ($)")
    fig.update_yaxes(title_text="Days to expiry", tickmode="array", tickvals=list(range(len(days))),
                     ticktext=labels, range=[-0.5, len(days) - 0.5], showgrid=False, zeroline=False)
    return themed(fig, theme)


def correlation_figure(result: dict, *, theme: str = "light") -> go.Figure:
    """Correlation matrix of the fitted parameters (from the Jacobian at the optimum).

    Parameters
    ----------
    result : dict
        ``CalibrationResult.to_dict()`` (``param_names``, ``correlations``).
    theme : {"light", "dark"}
        The page theme.

    Returns
    -------
    plotly.graph_objects.Figure
        Heatmap, correlations in [-1, 1].
    """
    names = list(result["param_names"])
    corr = np.asarray(result["correlations"], dtype=float)
    fig = go.Figure(go.Heatmap(x=names, y=names, z=corr, zmin=-1, zmax=1, colorscale="RdBu", reversescale=True,
                               text=np.round(corr, 2), texttemplate="%{text}",
                               colorbar=dict(title=dict(text="corr", side="right")),
                               hovertemplate="%{y} vs %{x}: %{z:.3f}<extra></extra>"))
    fig.update_layout(title=dict(text=f"{MODEL_LABELS[result['model']]} parameter correlations", x=0.01))
    fig.update_yaxes(autorange="reversed", title_text="Parameter")
    fig.update_xaxes(title_text="Parameter")
    return themed(fig, theme)
