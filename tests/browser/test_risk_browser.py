"""The Risk page in a real browser: upload a book (one bad row flagged, the rest valued), see
the totals, the risk matrix (ladder) and a historical scenario with its drill-down, hedge delta;
no errors in the browser console. With RISK_SCREENSHOTS=<dir> it saves light/dark PNGs."""
from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.browser



def _book_csv() -> str:
    """Two listed options of the page's market (whatever chain it embeds): one readable
    symbol, one OCC symbol; a bad row; index units."""
    from callbacks.risk import market
    m = market()
    L = m.listed
    e1, e2 = sorted(set(L["expiry"]))[1:3]
    p = L[(L["expiry"] == e1) & (L["type"] == "P")].iloc[0]
    c = L[(L["expiry"] == e2) & (L["type"] == "C")].iloc[-1]
    occ = f"SPXW {e2:%y%m%d}C{int(round(c['strike'] * 1000)):08d}"
    return ("symbol,quantity,trade_price,multiplier\n"
            f"SPX {e1:%Y-%m-%d} {p['strike']:g} P,-10,{p['mid']:.2f},100\n"
            f"{occ},20,,\n"
            "NOT A SYMBOL,1,2,\n"
            f"SPX,200,{m.spot:.2f},1\n")


def test_risk_flow(dash_duo, parity, tmp_path):
    dash_duo.start_server(parity)
    dash_duo.driver.get(dash_duo.server_url + "/risk")
    dash_duo.wait_for_contains_text("#risk-ladder-graph .gtitle", "Risk matrix", timeout=60)
    dash_duo.wait_for_contains_text("#risk-card-7", "7", timeout=30)       # example book

    path = tmp_path / "book.csv"
    path.write_text(_book_csv())
    dash_duo.find_element("#risk-upload input[type=file]").send_keys(str(path))
    dash_duo.wait_for_contains_text("#risk-alert", "Uploaded 3 positions", timeout=30)
    dash_duo.wait_for_contains_text("#risk-row-errors", "Row 3 (NOT A SYMBOL)", timeout=30)
    dash_duo.wait_for_contains_text("#risk-card-7", "3", timeout=30)
    delta = dash_duo.find_element("#risk-card-2").text
    assert delta.startswith("$") or delta.startswith("-$")

    # the ladder is drawn; the historical set shows with its worst scenario drilled down
    dash_duo.wait_for_contains_text("#risk-scenario-graph .gtitle", "historical", timeout=30)
    dash_duo.wait_for_contains_text("#risk-drill-graph .gtitle", "By position", timeout=30)
    bars = dash_duo.driver.find_elements("css selector", "#risk-scenario-graph .bars .point")
    assert len(bars) == 10
    dash_duo.driver.execute_script(
        "arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", bars[5])
    dash_duo.wait_for_contains_text("#risk-scenario-table", "Volmageddon", timeout=10)

    # hedge delta
    dash_duo.driver.execute_script("arguments[0].click();", dash_duo.find_element("#risk-hedge-run"))
    dash_duo.wait_for_contains_text("#risk-hedge-cost", "Cost", timeout=60)
    assert "SPX" in dash_duo.find_element("#risk-hedge-out").text

    shots = os.environ.get("RISK_SCREENSHOTS")
    if shots:
        dash_duo.driver.set_window_size(1500, 2900)
        dash_duo.driver.execute_script("window.sessionStorage.clear();")
        dash_duo.driver.get(dash_duo.server_url + "/risk")
        dash_duo.wait_for_contains_text("#risk-ladder-graph .gtitle", "Risk matrix", timeout=60)
        dash_duo.wait_for_contains_text("#risk-drill-graph .gtitle", "By position", timeout=30)
        dash_duo.driver.save_screenshot(os.path.join(shots, "risk-light.png"))
        dash_duo.driver.execute_script("arguments[0].click();",
                                       dash_duo.find_element("#app-theme-switch"))
        import time
        time.sleep(3)
        dash_duo.driver.save_screenshot(os.path.join(shots, "risk-dark.png"))
    assert [e for e in dash_duo.get_logs() if e.get("level") == "SEVERE"] == []
