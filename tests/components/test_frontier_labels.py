"""The frontier's asset labels do not overlap (issue 13 §4): on the sample's default allocation
the crowded middle had a dozen labels drawn over each other."""
from __future__ import annotations

import numpy as np

from components.portfolio_figures import _LABEL_PX, _PLOT_PX, frontier_figure, label_mask


def _boxes(fig):
    """The drawn labels' boxes in pixels, from the figure's own axis ranges as plotly computes
    them from the data (x from 0), not from the mask's arguments."""
    tr = next(t for t in fig.data if t.name == "assets")
    xs = np.concatenate([np.asarray(t.x, float) for t in fig.data] + [[0.0]])
    ys = np.concatenate([np.asarray(t.y, float) for t in fig.data])
    sx, sy = _PLOT_PX[0] / np.ptp(xs), _PLOT_PX[1] / np.ptp(ys)
    return [(x * sx, y * sy, _LABEL_PX[0] * len(n)) for x, y, n in zip(tr.x, tr.y, tr.text) if n], tr


def test_no_two_drawn_labels_overlap_and_every_asset_keeps_its_hover():
    from callbacks.portfolio import first_result, kept_allocation
    from components.portfolio_figures import portfolio_view
    from components.portfolio_state import DEFAULTS, views_from_text
    from core.portfolio.allocation import Allocation

    result = first_result(None, {**DEFAULTS, "views": views_from_text(DEFAULTS["views"])}, None)["result"]
    p = portfolio_view(Allocation.from_dict(kept_allocation(result)))
    boxes, tr = _boxes(frontier_figure(p))
    for i, (xi, yi, wi) in enumerate(boxes):
        for xj, yj, wj in boxes[i + 1:]:
            assert abs(xi - xj) * 2 >= wi + wj - 1e-9 or abs(yi - yj) >= _LABEL_PX[1] - 1e-9
    assert list(tr.customdata) == list(p["assets"]["tickers"])           # all in the hover
    assert 5 <= len(boxes) < len(tr.x)                                    # some drawn, some dropped
    top = max(zip(np.abs(p["weights"]), p["tickers"]))[1]
    assert top in set(tr.text)                                            # the largest holding first


def test_isolated_points_keep_their_labels_and_a_stack_keeps_one():
    x = [0.0, 10.0, 20.0, 5.0, 5.0, 5.0]
    y = [0.0, 10.0, 20.0, 50.0, 50.0, 50.0]
    keep = label_mask(x, y, ["A", "B", "C", "D", "E", "F"], [0, 0, 0, 0, 1, 0], x_span=20, y_span=50)
    assert keep == [True, True, True, False, True, False]
