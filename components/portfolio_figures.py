"""Figures of the portfolio optimizer, built from :func:`portfolio_view` of an allocation.

All returns and volatilities are drawn in percent per year; weights in percent of capital.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from components.figures import FigureDraft, themed, with_source
from core.portfolio.allocation import OBJECTIVES

__all__ = ["portfolio_view", "frontier_figure", "weights_figure", "bl_figure", "backtest_figure"]


def portfolio_view(alloc) -> dict:
    """What the figures and the summary draw from a :class:`core.portfolio.allocation.Allocation`
    (read from the object, no computation beyond picking the tangency point of the frontier).

    Parameters
    ----------
    alloc : Allocation
        The allocation result.

    Returns
    -------
    dict
        Plain data: tickers, weights and risk contributions (fractions), expected return,
        volatility (decimals per year), Sharpe ratio, exposure, window, methods, the frontier
        (risks and returns, decimals per year), Black-Litterman prior/posterior and the backtest.
    """
    w = alloc.weights
    tickers = [str(t) for t in w.index]
    cov = alloc.cov.loc[tickers, tickers].to_numpy()
    f = alloc.frontier
    i = int(f.max_sharpe_index(alloc.spec.rf))
    bt = alloc.backtest
    ex = alloc.exposure
    dates = pd.to_datetime(bt.dates).strftime("%Y-%m-%d").tolist()
    return {
        "tickers": tickers, "weights": w.to_numpy().tolist(),
        "risk_contrib": alloc.risk_contributions.reindex(w.index).to_numpy().tolist(),
        "ret": alloc.expected_return, "vol": alloc.volatility, "sharpe": alloc.sharpe,
        "div_ratio": alloc.diversification_ratio, "rf": alloc.spec.rf,
        "invested": float(w.sum()), "objective": alloc.spec.objective,
        "objective_label": OBJECTIVES.get(alloc.spec.objective, alloc.spec.objective),
        "exposure": {"long": ex.long, "short": ex.short, "gross": ex.gross, "net": ex.net},
        "window": {"start": alloc.spec.start, "end": alloc.spec.end,
                   "first": dates[0] if dates else None, "last": dates[-1] if dates else None},
        "methods": {"returns": alloc.spec.returns_method, "risk": alloc.spec.risk_method},
        "frontier": {"risks": np.asarray(f.risks).tolist(), "returns": np.asarray(f.returns).tolist()},
        "tangency": {"vol": float(f.risks[i]), "ret": float(f.returns[i])},
        "assets": {"tickers": tickers, "mu": alloc.mu.reindex(w.index).to_numpy().tolist(),
                   "vol": np.sqrt(np.diag(cov)).tolist()},
        "prior": None if alloc.prior is None else alloc.prior.reindex(w.index).to_numpy().tolist(),
        "posterior": None if alloc.posterior is None else alloc.posterior.reindex(w.index).to_numpy().tolist(),
        "backtest": {"dates": dates, "equity": np.asarray(bt.equity).tolist(),
                     "benchmark": np.asarray(bt.benchmark).tolist(),
                     "stats": bt.stats.to_dict(), "benchmark_stats": bt.benchmark_stats.to_dict(),
                     "rule": {"M": "monthly", "Q": "quarterly"}.get(bt.rebalance, bt.rebalance),
                     "cost_bps": alloc.spec.cost * 1e4, "universe": len(tickers)},
        "notes": list(alloc.notes) + list(bt.notes),
    }

_CHOSEN = "#dc3545"


#: The frontier's plot area in pixels on a half-width card (the smallest it is drawn), and a
#: 10 px label's size: what :func:`label_mask` keeps apart.
_PLOT_PX = (330.0, 190.0)
_LABEL_PX = (6.2, 13.0)   # width per character, height


def label_mask(x, y, names: list[str], priority, *, x_span: float, y_span: float,
               plot_px: tuple[float, float] = _PLOT_PX) -> list[bool]:
    """Which points keep a text label so that no two labels overlap: the most important first
    (``priority``, e.g. the weight held; then the points farthest from the crowd), a label is
    dropped when its box would overlap one already kept. Dropped labels stay in the hover.

    Parameters
    ----------
    x, y : array_like
        The points, in axis units.
    names : list of str
        The labels.
    priority : array_like
        Larger first.
    x_span, y_span : float
        The axes' spans, in axis units (how axis units map to pixels).
    plot_px : tuple of float, optional
        The plot area (width, height) in pixels.

    Returns
    -------
    list of bool
        One per point: whether its label is drawn.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    px = x / (x_span or 1.0) * plot_px[0]
    py = y / (y_span or 1.0) * plot_px[1]
    crowd = np.hypot(px - np.nanmedian(px), py - np.nanmedian(py))
    order = sorted(range(len(names)), key=lambda i: (-float(priority[i]), -float(crowd[i])))
    kept: list[int] = []
    for i in order:
        if not (np.isfinite(px[i]) and np.isfinite(py[i])):
            continue
        wi = _LABEL_PX[0] * len(names[i])
        if all(abs(px[i] - px[j]) * 2 >= wi + _LABEL_PX[0] * len(names[j]) or abs(py[i] - py[j]) >= _LABEL_PX[1]
               for j in kept):
            kept.append(i)
    keep = set(kept)
    return [i in keep for i in range(len(names))]


def frontier_figure(p: dict, *, theme: str = "light", source: str | None = None) -> go.Figure:
    """Efficient frontier, the assets, the capital market line and the chosen portfolio.

    Parameters
    ----------
    p : dict
        :func:`portfolio_view` output.
    theme : {"light", "dark"}
        The page theme.
    source : str, optional
        The data the chart shows, named under the title.

    Returns
    -------
    plotly.graph_objects.Figure
        Expected return (% a year) against volatility (% a year).
    """
    risks = np.asarray(p["frontier"]["risks"]) * 100
    rets = np.asarray(p["frontier"]["returns"]) * 100
    fig = FigureDraft()
    fig.add_trace(dict(type="scatter", x=risks, y=rets, mode="lines", name="efficient frontier",
                       line=dict(width=3, color="#0d6efd"),
                       hovertemplate="vol %{x:.2f}%<br>return %{y:.2f}%<extra>frontier</extra>"))
    a = p["assets"]
    ax, ay = np.asarray(a["vol"]) * 100, np.asarray(a["mu"]) * 100
    rf = p["rf"] * 100
    t = p["tangency"]
    x_end = max(float(risks.max()), t["vol"] * 100) * 1.1
    slope = (t["ret"] * 100 - rf) / (t["vol"] * 100) if t["vol"] > 0 else 0.0
    xs = np.concatenate([ax, risks, [0.0, x_end]])
    ys = np.concatenate([ay, rets, [rf, rf + slope * x_end]])
    held = dict(zip(p.get("tickers", []), np.abs(np.asarray(p.get("weights", []), dtype=float))))
    shown = label_mask(ax, ay, list(a["tickers"]), [held.get(n, 0.0) for n in a["tickers"]],
                       x_span=float(np.ptp(xs[np.isfinite(xs)])), y_span=float(np.ptp(ys[np.isfinite(ys)])))
    fig.add_trace(dict(type="scatter", x=ax, y=ay, mode="markers+text",
                       text=[n if keep else "" for n, keep in zip(a["tickers"], shown)],
                       customdata=list(a["tickers"]), textposition="top center",
                       name="assets", marker=dict(size=8, color="#6c757d"), textfont=dict(size=10),
                       hovertemplate="%{customdata}<br>vol %{x:.2f}%<br>return %{y:.2f}%<extra></extra>"))
    if t["vol"] > 0:
        fig.add_trace(dict(type="scatter", x=[0, x_end], y=[rf, rf + slope * x_end], mode="lines",
                           name=f"capital market line (rf {rf:g}%)",
                           line=dict(dash="dash", color="#198754"), hoverinfo="skip"))
    fig.add_trace(dict(type="scatter", x=[float(risks[0])], y=[float(rets[0])], mode="markers",
                       name="minimum variance", marker=dict(size=11, symbol="diamond", color="#0d6efd"),
                       hovertemplate="vol %{x:.2f}%<br>return %{y:.2f}%<extra>min variance</extra>"))
    fig.add_trace(dict(type="scatter", x=[p["vol"] * 100], y=[p["ret"] * 100], mode="markers",
                       name=f"chosen: {p['objective_label']}",
                       marker=dict(size=16, symbol="star", color=_CHOSEN, line=dict(width=1, color="white")),
                       hovertemplate="vol %{x:.2f}%<br>return %{y:.2f}%<extra>chosen</extra>"))
    fig.update_layout(title=dict(text="Efficient frontier (annualised)", x=0.01),
                      legend=dict(orientation="h", y=-0.18))
    fig.update_xaxes(title_text="Volatility (% per year)", rangemode="tozero")
    fig.update_yaxes(title_text="Expected return (% per year)")
    return _done(fig, theme, source)


def weights_figure(p: dict, *, theme: str = "light", source: str | None = None) -> go.Figure:
    """Weights and risk contributions per asset, largest weight first.

    Parameters
    ----------
    p : dict
        :func:`portfolio_view` output.
    theme : {"light", "dark"}
        The page theme.
    source : str, optional
        The data the chart shows, named under the title.

    Returns
    -------
    plotly.graph_objects.Figure
        Bars in % of capital and % of risk.
    """
    w = np.asarray(p["weights"]) * 100
    rc = np.asarray(p["risk_contrib"]) * 100
    order = np.argsort(-np.abs(w))
    names = [p["tickers"][i] for i in order]
    fig = FigureDraft()
    fig.add_trace(dict(type="bar", x=names, y=w[order], name="weight (% of capital)", marker=dict(color="#0d6efd"),
                       hovertemplate="%{x}: %{y:.2f}%<extra>weight</extra>"))
    fig.add_trace(dict(type="bar", x=names, y=rc[order], name="risk contribution (% of variance)",
                       marker=dict(color="#fd7e14"),
                       hovertemplate="%{x}: %{y:.2f}%<extra>risk contribution</extra>"))
    fig.update_layout(title=dict(text="Weights and risk contributions", x=0.01), barmode="group",
                      legend=dict(orientation="h", y=-0.22, yanchor="top", x=0))
    fig.update_yaxes(title_text="Percent")
    return _done(fig, theme, source)


def bl_figure(p: dict, *, theme: str = "light", source: str | None = None) -> go.Figure:
    """Black-Litterman prior (equilibrium) vs posterior expected returns per asset.

    Parameters
    ----------
    p : dict
        :func:`portfolio_view` output.
    theme : {"light", "dark"}
        The page theme.
    source : str, optional
        The data the chart shows, named under the title.

    Returns
    -------
    plotly.graph_objects.Figure
        Expected returns, % a year (an explanatory note when the objective is not BL).
    """
    fig = FigureDraft()
    if p.get("prior") is None:
        fig.add_annotation(text="Choose the Black-Litterman objective<br>to see prior vs posterior.",
                           showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
    else:
        fig.add_trace(dict(type="bar", x=list(p["tickers"]), y=np.asarray(p["prior"]) * 100,
                           name="prior (equilibrium)", marker=dict(color="#adb5bd"),
                           hovertemplate="%{x}: %{y:.2f}%<extra>prior</extra>"))
        fig.add_trace(dict(type="bar", x=list(p["tickers"]), y=np.asarray(p["posterior"]) * 100, name="posterior",
                           marker=dict(color="#6f42c1"),
                           hovertemplate="%{x}: %{y:.2f}%<extra>posterior</extra>"))
        fig.update_yaxes(title_text="Expected return (% per year)")
        fig.update_xaxes(title_text="Asset")
    fig.update_layout(title=dict(text="Black-Litterman: prior vs posterior returns", x=0.01),
                      barmode="group", legend=dict(orientation="h", y=-0.2))
    return _done(fig, theme, source)


def backtest_figure(p: dict, *, theme: str = "light", source: str | None = None) -> go.Figure:
    """Growth of 1 for the chosen weights and equal weight, rebalanced periodically.

    Parameters
    ----------
    p : dict
        :func:`portfolio_view` output.
    theme : {"light", "dark"}
        The page theme.
    source : str, optional
        The data the chart shows, named under the title.

    Returns
    -------
    plotly.graph_objects.Figure
        Growth of 1 above, drawdown (%) below.
    """
    b = p["backtest"]
    fig = FigureDraft()
    ew = f"equal weight ({b.get('universe', 'all')} assets)"
    for key, name, color in (("equity", "chosen portfolio", _CHOSEN), ("benchmark", ew, "#6c757d")):
        eq = np.asarray(b[key])
        fig.add_trace(dict(type="scatter", x=list(b["dates"]), y=eq, mode="lines", name=name, line=dict(color=color),
                           hovertemplate="%{x|%Y-%m-%d}: %{y:.3f}<extra>" + name + "</extra>",
                           xaxis="x", yaxis="y"))
        dd = (eq / np.maximum.accumulate(eq) - 1) * 100
        fig.add_trace(dict(type="scatter", x=list(b["dates"]), y=dd, mode="lines", name=f"{name} drawdown",
                           line=dict(color=color, width=1), showlegend=False, fill="tozeroy",
                           hovertemplate="%{x|%Y-%m-%d}: %{y:.1f}%<extra>drawdown</extra>",
                           xaxis="x2", yaxis="y2"))
    top = 0.28 * 0.95  # the lower row's height: row_heights [0.72, 0.28] of the space left by the gap
    fig.update_layout(
        xaxis=dict(anchor="y", domain=[0.0, 1.0], matches="x2", showticklabels=False),
        xaxis2=dict(anchor="y2", domain=[0.0, 1.0], title=dict(text="Date")),
        yaxis=dict(anchor="x", domain=[top + 0.05, 1.0], title=dict(text="Growth of 1")),
        yaxis2=dict(anchor="x2", domain=[0.0, top], title=dict(text="Drawdown (%)")),
        title=dict(text=f"In-sample backtest ({b['rule']} rebalancing, {b['cost_bps']:g} bp costs)", x=0.01),
        legend=dict(orientation="h", y=1.08, x=1, xanchor="right"))
    return _done(fig, theme, source)


def _done(fig: FigureDraft, theme: str, source: str | None) -> go.Figure:
    """Theme, the data-source line, and the figure (made once, unvalidated: the tests compare it
    with plotly's validated construction)."""
    return with_source(themed(fig, theme), source).figure()
