"""Section 4/5 of issue 9 (server side): request-body limit before parsing, security headers,
no Python version in ``Server``, 404 for malformed component-suite paths, debug only on request."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
HEADERS = ("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Content-Security-Policy")


@pytest.fixture
def client(tmp_path):
    from app import Settings, create_app

    app = create_app(Settings(data_dir=str(tmp_path / "var"), warm_numba=False, max_upload_mb=1.0))
    return app.server.test_client()


def test_security_headers_on_every_kind_of_response(client):
    for path, status in (("/greeks", 200), ("/_dash-layout", 200), ("/_dash-dependencies", 200),
                         ("/assets/parity.css", 200), ("/_dash-component-suites/dash/nope.exe", 404)):
        r = client.get(path)
        assert r.status_code == status, path
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["X-Frame-Options"] == "SAMEORIGIN"
        assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        csp = dict(d.strip().split(" ", 1) for d in r.headers["Content-Security-Policy"].split(";"))
        assert csp["frame-ancestors"] == "'self'" and csp["object-src"] == "'none'"
        assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]


def test_csp_allows_exactly_the_inline_scripts_the_index_page_carries(client):
    """Every inline <script> Dash writes into the page must be allowed by a hash (else the browser
    blocks it): recompute the hashes from the served HTML, independently of Dash's csp_hashes."""
    import base64
    import hashlib
    import re

    r = client.get("/greeks")
    policy = r.headers["Content-Security-Policy"]
    page = re.sub(r"<!--.*?-->", "", r.get_data(as_text=True), flags=re.S)  # IE-only comments
    scripts = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>(.*?)</script>",
                         page, re.S)
    assert scripts
    for body in scripts:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy, body[:80]


def _update_body(client, size: int) -> bytes:
    """A request for the Calibration callback that receives the upload (the one whose input is
    the upload store), built from the app's own ``/_dash-dependencies`` as the browser builds it,
    so it follows the callback's current outputs and states."""
    from components.ids import Calibration

    changed = f"{Calibration.UPLOAD_STORE}.data"
    deps = client.get("/_dash-dependencies").get_json()
    spec, = [d for d in deps if any(f"{i['id']}.{i['property']}" == changed for i in d["inputs"])
             and not d.get("clientside_function")]
    outs = [dict(zip(("id", "property"), o.rsplit(".", 1))) for o in spec["output"].strip(".").split("...")]
    upload = {"contents": "data:text/csv;base64," + "A" * size, "filename": "big.csv"}
    return json.dumps({"output": spec["output"], "outputs": outs if len(outs) > 1 else outs[0],
                       "inputs": [{**i, "value": upload if f"{i['id']}.{i['property']}" == changed else None}
                                  for i in spec["inputs"]],
                       "state": [{**st, "value": None} for st in spec["state"]],
                       "changedPropIds": [changed]}).encode()


def test_request_body_over_the_limit_is_refused_before_parsing_with_a_readable_413(client):
    from app import request_limit_bytes

    limit = request_limit_bytes(1.0)
    assert limit == int(1024 * 1024 * 4 / 3) + 2 * 1024 * 1024     # 1 MiB file as base64 + room
    big = client.post("/_dash-update-component", data=_update_body(client, limit + 10),
                      content_type="application/json")
    assert big.status_code == 413
    text = big.get_data(as_text=True)
    assert "larger than this server accepts" in text and "1 MB" in text and "Traceback" not in text
    ok = client.post("/_dash-update-component", data=_update_body(client, 1000), content_type="application/json")
    assert ok.status_code == 200                                  # small bodies still answered
    # ... by the callback itself: the unreadable file is a readable message naming it
    text = ok.get_data(as_text=True)
    assert "big.csv" in text and "Traceback" not in text


def test_upload_limit_setting_is_read_from_the_environment():
    from app import Settings

    assert Settings.from_env({}).max_upload_mb == 50.0
    assert Settings.from_env({"PARITY_MAX_UPLOAD_MB": "7.5"}).max_upload_mb == 7.5
    with pytest.raises(ValueError, match="PARITY_MAX_UPLOAD_MB must be a positive number, got '-3'"):
        Settings.from_env({"PARITY_MAX_UPLOAD_MB": "-3"})


def test_debug_only_when_parity_debug_is_1():
    from app import Settings

    assert Settings.from_env({}).debug is False
    assert Settings.from_env({"PARITY_DEBUG": "0"}).debug is False
    assert Settings.from_env({"PARITY_DEBUG": "1"}).debug is True


@pytest.mark.parametrize("path", ["/_dash-component-suites/dash/x.exe",
                                  "/_dash-component-suites/dash/../../app.py",
                                  "/_dash-component-suites/nopackage/x.js",
                                  "/_dash-component-suites/dash/deps/%00.js",
                                  "/_dash-component-suites/plotly/package_data/../../../etc/passwd"])
def test_malformed_component_suite_paths_answer_404(client, path):
    assert client.get(path).status_code == 404


def test_gunicorn_as_make_run_serves_it(gunicorn_app):
    r = requests.get(gunicorn_app.url + "/greeks", timeout=10)
    assert r.status_code == 200
    assert "python" not in r.headers["Server"].lower()
    assert all(h in r.headers for h in HEADERS)
    bad = requests.get(gunicorn_app.url + "/_dash-component-suites/dash/x.exe", timeout=10)
    assert bad.status_code == 404
    log = gunicorn_app.log_text()
    assert "gthread" in log and "development server" not in log


def test_make_run_serves_with_gunicorn_and_its_config():
    out = subprocess.run(["make", "-n", "-o", ".venv/.runtime", "run"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    assert ".venv/bin/gunicorn -c gunicorn.conf.py" in out and "app.py" not in out


def test_development_server_names_no_python_version(tmp_path):
    port = free_port()
    env = {**os.environ, "PARITY_PORT": str(port), "PARITY_DATA_DIR": str(tmp_path / "var")}
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while True:
            try:
                r = requests.get(f"http://127.0.0.1:{port}/_dash-layout", timeout=5)
                break
            except requests.RequestException:
                assert time.time() < deadline and proc.poll() is None, "python app.py did not start"
                time.sleep(0.3)
        assert r.headers["Server"] == "Parity"
        assert all(h in r.headers for h in HEADERS)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_first_requests_at_once_on_fresh_workers_all_answer(tmp_path):
    """Dash sets itself up on its first request with an unguarded check-then-set; in a threaded
    gunicorn worker two first requests at once both ran it, and one answered 500 ("dictionary
    changed size during iteration", seen in CI on /calibration). ``create_app`` now sets Dash up
    before serving. Fresh workers (a restart each round) take a burst of page loads at once."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.deploy.conftest import start_gunicorn

    pages = ["/", "/greeks", "/surface", "/calibration", "/strategies", "/portfolio", "/risk", "/backtest"]
    for round_ in range(2):
        # the readiness probe is a static file: Dash's own routes stay untouched until the burst
        (tmp_path / f"r{round_}").mkdir()
        served = start_gunicorn(tmp_path / f"r{round_}", ready="/assets/parity.css", PARITY_THREADS="8")
        try:
            with ThreadPoolExecutor(16) as pool:
                codes = list(pool.map(lambda p: requests.get(served.url + p, timeout=60).status_code, pages * 2))
            assert codes == [200] * len(codes), list(zip(pages * 2, codes))
            assert "Exception on" not in served.log.read_text()
        finally:
            served.proc.terminate()
            served.proc.wait(timeout=30)
