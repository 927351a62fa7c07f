"""Sign-in as deployed: ``gunicorn -c gunicorn.conf.py`` (2 worker processes) with
``PARITY_AUTH=1``, users made by ``python -m tools.users``; plain HTTP and a real browser.

The rate-limit test sends each attempt on a new connection, so gunicorn may hand the attempts
to either worker: the count lives in the store and holds across both.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.deploy.conftest import start_gunicorn, stop

ROOT = Path(__file__).resolve().parents[2]
SECRET = "deploy-test-secret-" + "k" * 32
USERS = {"bob": ("editor", "bob-password-1"), "cat": ("viewer", "cat-password-1")}
HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options",
           "Referrer-Policy")
SHOTS = os.environ.get("PARITY_SCREENSHOTS")     # a folder: keep the login screenshots there


def _make_users(data: Path) -> None:
    env = {**os.environ, "PARITY_DATA_DIR": str(data)}
    env.pop("DATABASE_URL", None)
    for name, (role, password) in USERS.items():
        done = subprocess.run([sys.executable, "-m", "tools.users", "add", name, "--role", role],
                              input=password + "\n", text=True, capture_output=True, cwd=ROOT,
                              env=env, timeout=120)
        assert done.returncode == 0 and f"added {name} ({role})" in done.stdout, done.stderr


@pytest.fixture
def served(tmp_path):
    _make_users(tmp_path / "var")
    app = start_gunicorn(tmp_path, ready="/login", PARITY_AUTH="1", PARITY_SECRET_KEY=SECRET,
                         PARITY_LOGIN_ATTEMPTS="3", PARITY_WORKERS="2")
    yield app
    stop(app)


def _headers(r):
    assert [h for h in HEADERS if h not in r.headers] == [], (r.url, r.status_code)


def _sign_in(url, name, password, **kw):
    s = requests.Session()
    page = s.get(url + "/login", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = s.post(url + "/login", data={"username": name, "password": password, "csrf_token": token,
                                     "next": "/strategies"}, allow_redirects=False, timeout=30,
               **kw)
    return s, r


def test_login_flow_under_gunicorn(served):
    url = served.url
    r = requests.get(url + "/strategies", headers={"Accept": "text/html"}, allow_redirects=False,
                     timeout=10)
    assert r.status_code == 302 and r.headers["Location"] == "/login?next=/strategies"
    _headers(r)
    r = requests.get(url + "/_dash-layout", timeout=10)
    assert r.status_code == 401
    _headers(r)
    r = requests.post(url + "/login", data={"username": "bob", "password": USERS["bob"][1]},
                      timeout=10)
    assert r.status_code == 400 and "CSRF token is missing" in r.text
    _headers(r)
    s, r = _sign_in(url, "bob", USERS["bob"][1])
    assert r.status_code == 302 and r.headers["Location"] == "/strategies"
    assert "HttpOnly" in r.headers["Set-Cookie"] and "SameSite=Lax" in r.headers["Set-Cookie"]
    _headers(r)
    for _ in range(4):                     # the signed cookie is valid on every worker
        assert s.get(url + "/_dash-layout", timeout=30).status_code == 200
    page = s.get(url + "/strategies", timeout=30)
    assert page.status_code == 200 and "_csrf_token" in s.cookies
    # rate limit across workers: three failures, then 429 even for the right password
    for i in range(3):
        _, r = _sign_in(url, "cat", "wrong-password", headers={"Connection": "close"})
        assert r.status_code == 401, i
    _, r = _sign_in(url, "cat", USERS["cat"][1], headers={"Connection": "close"})
    assert r.status_code == 429 and r.headers["Retry-After"] == "900"
    _headers(r)
    assert "Traceback" not in served.log_text()


@pytest.mark.browser
def test_a_browser_signs_in_and_reaches_a_working_page(dash_duo, served, tmp_path):
    driver = dash_duo.driver
    shots = Path(SHOTS) if SHOTS else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    driver.set_window_size(1280, 800)
    driver.get(served.url + "/strategies")
    dash_duo.wait_for_element("#login-submit", timeout=30)
    assert driver.current_url.endswith("/login?next=/strategies")
    assert driver.find_element("css selector", "html").get_attribute("data-bs-theme") == "light"
    driver.save_screenshot(str(shots / "login_light.png"))
    # dark when the system prefers it (and no theme was chosen in the app yet)
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {
        "features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    driver.refresh()
    dash_duo.wait_for_element("#login-submit", timeout=30)
    assert driver.find_element("css selector", "html").get_attribute("data-bs-theme") == "dark"
    # a wrong password first: the message is on the page
    driver.find_element("css selector", "#username").send_keys("bob")
    driver.find_element("css selector", "#password").send_keys("wrong-password")
    driver.find_element("css selector", "#login-submit").click()
    dash_duo.wait_for_contains_text("#login-error", "Wrong user name or password", timeout=30)
    driver.save_screenshot(str(shots / "login_dark_error.png"))
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    driver.find_element("css selector", "#password").send_keys(USERS["bob"][1])
    driver.find_element("css selector", "#login-submit").click()
    # the page and its callbacks work (their POSTs carry the CSRF header from the cookie)
    dash_duo.wait_for_element("#_pages_content", timeout=30)
    dash_duo.wait_for_element("#st-payoff .main-svg", timeout=60)
    assert driver.current_url.startswith(served.url + "/strategies?template=")  # callbacks ran
    assert not dash_duo.find_elements(".dash-fe-error__title")
    severe = [e for e in dash_duo.get_logs() if e.get("level") == "SEVERE"
              and "/login" not in e.get("message", "")]      # the wrong password's 401
    assert severe == [], severe
    # a background callback (job process, progress polling) works signed in, and files a run
    driver.get(served.url + "/calibration?models=merton&show=merton")
    dash_duo.wait_for_element("#cal-run", timeout=30)
    dash_duo.wait_for_contains_text("#cal-data-info", "Modelled chain", timeout=120)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();",
                          dash_duo.find_element("#cal-run"))
    dash_duo.wait_for_contains_text("#cal-params", "Merton", timeout=120)
    dash_duo.wait_for_contains_text("#cal-saved", "Saved 1 run", timeout=30)
    # the app's own theme switch decides the sign-in page's theme once chosen
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();",
                          dash_duo.find_element("#app-theme-switch"))
    dash_duo.wait_for_element("html[data-bs-theme=dark]", timeout=10)
    driver.execute_script("localStorage.setItem('parity.draft.bob', '{\"items\": []}');"
                          "localStorage.setItem('parity.pages', '{\"/risk\": \"?book=x\"}');"
                          "localStorage.setItem('ws-current', '{\"id\": \"w1\"}');"
                          "sessionStorage.setItem('risk-rows', '[{\"symbol\": \"SPX\"}]');")
    theme_key = "_dash_persistence.app-theme-switch.value.true"
    assert driver.execute_script("return localStorage.getItem(arguments[0])", theme_key)
    driver.get(served.url + "/logout")
    dash_duo.wait_for_element("#logout-submit", timeout=30)
    assert driver.find_element("css selector", "html").get_attribute("data-bs-theme") == "dark"
    driver.save_screenshot(str(shots / "logout_dark.png"))
    driver.find_element("css selector", "#logout-submit").click()
    dash_duo.wait_for_element("#login-submit", timeout=30)
    assert "You are signed out" in driver.find_element("css selector", "main").text
    # the report draft kept in this browser goes with the session
    assert driver.execute_script("return localStorage.getItem('parity.draft.bob');") is None
    # and so does the rest of what this browser kept of bob's session; the theme stays
    assert driver.execute_script("return [localStorage.getItem('parity.pages'), localStorage.getItem("
                                 "'ws-current'), sessionStorage.length]") == [None, None, 0]
    assert driver.execute_script("return localStorage.getItem(arguments[0])", theme_key)
    driver.get(served.url + "/strategies")
    dash_duo.wait_for_element("#login-submit", timeout=30)
