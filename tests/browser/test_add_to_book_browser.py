""""Add to book" in a real browser: Strategies' SPX legs open /risk with those legs in the book
grid and the totals valued with them (issue 14)."""
from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

pytestmark = pytest.mark.browser


def test_add_to_book_from_strategies_lands_on_risk_with_the_legs(dash_duo, parity):
    from callbacks.risk import default_rows, evaluate
    from components.risk_figures import money
    from components.risk_state import BUILDER_FIELDS, LIMIT_FIELDS, rows_from_text

    dash_duo.start_server(parity)
    dash_duo.driver.get(dash_duo.server_url + "/strategies?template=iron_condor&source=spx")
    dash_duo.wait_for_contains_text("#st-payoff .gtitle", "Iron condor", timeout=40)
    dash_duo.wait_for_contains_text("#st-payoff .gtitle", "Modelled chain for", timeout=20)
    button = dash_duo.find_element("#st-add-to-book")
    href = ""
    for _ in range(100):
        href = button.get_attribute("href") or ""
        if "/risk?add=" in href:
            break
        dash_duo.driver.implicitly_wait(0.1)
    assert "/risk?add=" in href
    added = rows_from_text(parse_qs(urlparse(href).query)["add"][0])
    assert len(added) == 4 and all(r["symbol"].startswith("SPX 20") for r in added)
    dash_duo.driver.execute_script("arguments[0].click();", button)
    dash_duo.wait_for_contains_text("#risk-ladder-graph .gtitle", "Risk matrix", timeout=60)
    assert urlparse(dash_duo.driver.current_url).path == "/risk"
    for r in added:
        dash_duo.wait_for_contains_text("#risk-grid", r["symbol"], timeout=30)
    # the totals are those of the example book (fresh session) plus the four legs
    want = evaluate(default_rows() + added, "strike", dict(LIMIT_FIELDS),
                    {k: v[2] for k, v in BUILDER_FIELDS.items()})["report"]["greeks"]["totals"]
    dash_duo.wait_for_text_to_equal("#risk-card-7", str(want["n_valued"]), timeout=30)
    dash_duo.wait_for_text_to_equal("#risk-card-0", money(want["value"]), timeout=30)
    assert [e for e in dash_duo.get_logs() if e.get("level") == "SEVERE"] == []
