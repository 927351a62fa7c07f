"""Charts before a result (page-layout placeholders) read on both themes, and the Greeks chart
names what it is computed from (issue 13)."""
from __future__ import annotations

import pytest

from components.figures import empty_figure


def _luminance(color: str) -> float:
    """WCAG 2.x relative luminance of ``#rrggbb`` or ``rgb(r,g,b)``."""
    if color.startswith("#"):
        rgb = [int(color[i:i + 2], 16) for i in (1, 3, 5)]
    else:
        rgb = [int(float(x)) for x in color[color.index("(") + 1:-1].split(",")[:3]]
    lin = [c / 255 / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


# Bootstrap 5.3's body backgrounds (the cards the charts sit on) in light and dark mode
@pytest.mark.parametrize("page_bg", ["#ffffff", "#212529"])
def test_layout_placeholder_is_clear_and_readable_on_either_theme(page_bg):
    fig = empty_figure("Optimising…")
    lay = fig.layout
    template = lay.template.layout
    assert lay.paper_bgcolor == "rgba(0,0,0,0)"
    assert template.plot_bgcolor == "rgba(0,0,0,0)"   # was white: a white box in dark mode
    ink = lay.annotations[0].font.color or template.font.color
    assert _contrast(ink, page_bg) >= 3.0, (ink, page_bg)   # WCAG AA for large text


def test_a_callback_placeholder_keeps_its_theme():
    assert empty_figure("x", "dark").layout.template.layout.plot_bgcolor == "rgb(17,17,17)"
    assert empty_figure("x", "light").layout.template.layout.plot_bgcolor == "white"


def test_greeks_chart_names_its_source_for_flat_and_per_leg_vols():
    from callbacks.greeks import render
    from components.greeks_state import from_query

    state = from_query({})
    from tests.conftest import one_line

    title = one_line(render(state)["figure"].layout.title.text)
    assert "<br><sup>Data: Black-Scholes at the inputs above (one flat vol; no market data)</sup>" in title
    linked = from_query({"inst": "position", "legs": "+1 C 100, -1 C 110", "lvol": "20,25"})
    title = one_line(render(linked)["figure"].layout.title.text)
    assert "each leg at its own vol" in title, title
