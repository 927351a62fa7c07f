"""The backtest lab in a real browser: run the default rule on the real SPXW sample as a
background job, open a trade's replay, step a day, run a walk-forward, follow the saved link."""
from __future__ import annotations

import os
import time

import pytest

from tests.conftest import shared_file

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("PARITY_SHOTS")          # folder: save light and dark screenshots there


def _wait_url(driver, part, seconds=10):
    deadline = time.time() + seconds
    while part not in driver.current_url and time.time() < deadline:
        time.sleep(0.1)
    return driver.current_url


def _wait_played(dash_duo, seconds: float = 30.0) -> int:
    """The replay title shows a day before the last (play restarted), whichever the timer reached."""
    import re
    import time

    deadline = time.time() + seconds
    while time.time() < deadline:
        m = re.search(r"day (\d+) of 21", dash_duo.find_element("#bt-payoff .gtitle").text)
        if m and int(m.group(1)) < 21:
            return int(m.group(1))
        time.sleep(0.05)
    raise AssertionError("the replay did not restart from day 1 when Play was pressed")


def _click(dash_duo, css):
    el = dash_duo.find_element(css)
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", el)


def test_backtest_replay_and_walk_forward(dash_duo, parity, settings):
    shared_file("spxw_2018-01_02.csv")
    dash_duo.start_server(parity)
    dash_duo.driver.get(dash_duo.server_url + "/backtest")
    dash_duo.wait_for_contains_text("#bt-data-info", "40 quote dates, 2018-01-02 to 2018-02-28", timeout=30)
    _click(dash_duo, "#bt-run")
    dash_duo.wait_for_contains_text("#bt-saved", "Saved to the", timeout=120)   # first job: a cold process
    dash_duo.wait_for_contains_text("#bt-equity .gtitle", "Equity and drawdown vs buy-and-hold", timeout=20)
    dash_duo.wait_for_contains_text("#bt-metrics", "Sharpe", timeout=10)
    dash_duo.wait_for_contains_text("#bt-trades", "2018-01-02", timeout=10)
    # replay: the largest trade is picked and shown on its exit day; play restarts from day 1
    dash_duo.wait_for_contains_text("#bt-payoff .gtitle", "day 21 of 21", timeout=30)
    dash_duo.wait_for_contains_text("#bt-attr .gtitle", "P&L attribution", timeout=10)
    from tests.browser.test_workspace_jobs_browser import REQUESTS   # logs each callback's bytes

    dash_duo.driver.execute_script(REQUESTS)
    _click(dash_duo, "#bt-play")
    _wait_played(dash_duo)             # restarted from day 1 and moving (any day before the last)
    _click(dash_duo, "#bt-play")       # pause
    # issue 16 §5: a day step sends the day and the kept replay's reference, not the result
    # (~19 kB) or the replay (~57 kB), which stay on the server
    steps = [r for r in dash_duo.driver.execute_script("return window.__req") if "bt-payoff.figure" in r["out"]]
    assert steps, "no day was drawn while playing"
    assert max(r["sent"] for r in steps) < 2_000, sorted(r["sent"] for r in steps)
    # walk-forward on the default grid: saved in the registry, its id in the page's link
    _click(dash_duo, "#bt-wf-run")
    dash_duo.wait_for_contains_text("#bt-wf-pbo .gtitle", "Probability of backtest overfitting", timeout=120)
    dash_duo.wait_for_contains_text("#bt-wf-summary", "Deflated Sharpe", timeout=10)
    dash_duo.wait_for_contains_text("#bt-wf-saved", "Walk-forward saved to the", timeout=20)
    link = _wait_url(dash_duo.driver, "wf=")
    assert "run=" in link and "wf=" in link and "strategy=iron_condor" in link
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        dash_duo.driver.set_window_size(1400, 3900)
        time.sleep(1.5)
        dash_duo.driver.save_screenshot(os.path.join(SHOTS, "backtest-light.png"))
        dash_duo.driver.execute_script("document.getElementById('app-theme-switch').click()")
        time.sleep(8)                 # every figure redrawn in the dark template
        dash_duo.driver.save_screenshot(os.path.join(SHOTS, "backtest-dark.png"))
    logs = [e for e in dash_duo.get_logs() if e.get("level") == "SEVERE"]
    assert logs == []
    dash_duo.driver.get(link)                       # the saved link brings the backtest back
    dash_duo.wait_for_contains_text("#bt-saved", "Loaded from the", timeout=30)
    dash_duo.wait_for_contains_text("#bt-trades", "2018-01-02", timeout=10)
    dash_duo.wait_for_contains_text("#bt-wf-saved", "Walk-forward loaded from the", timeout=30)
    dash_duo.wait_for_contains_text("#bt-wf-summary", "Deflated Sharpe", timeout=10)
    from core.store import open_store
    assert open_store(settings.database_url).count(kind="backtest") == 1
    assert open_store(settings.database_url).count(kind="walkforward") == 1
    assert [e for e in dash_duo.get_logs() if e.get("level") == "SEVERE"] == []
    # an edit made after the run is in the address, so F5 keeps it (the run's other fields stay)
    train = dash_duo.find_element("#bt-wf-train")
    assert train.get_attribute("value") == "15"
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", train)
    train.send_keys("\b\b20\t")
    assert "wf_train=20" in _wait_url(dash_duo.driver, "wf_train=20")
    dash_duo.driver.refresh()
    dash_duo.wait_for_contains_text("#bt-wf-saved", "Walk-forward loaded from the", timeout=30)
    time.sleep(1.0)                                  # the run's form has been applied by now
    assert dash_duo.find_element("#bt-wf-train").get_attribute("value") == "20"
    assert dash_duo.find_element("#bt-wf-test").get_attribute("value") == "8"
    assert [e for e in dash_duo.get_logs() if e.get("level") == "SEVERE"] == []
