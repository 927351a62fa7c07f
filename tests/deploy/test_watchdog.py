"""The job watchdog with the embedded default (gunicorn + DiskcacheManager, ``make run``): a job
process killed mid-job is reported on the page and Run comes back; jobs come from the fork
server, not from the request thread."""
from __future__ import annotations

import base64
import os
import signal
import time

import psutil

from benchmarks._dash_http import DashClient
from tests.deploy.chains import large_chain_csv


def _record(url: str) -> dict:
    """Upload the large chain (kept on the server); the record the page then sends."""
    upload = {"contents": "data:text/csv;base64," + base64.b64encode(large_chain_csv()).decode(),
              "filename": "large.csv"}
    info = DashClient(url, "/calibration").call("cal-data-info", {"cal-upload-store.data": upload},
                                                ["cal-upload-store.data"])
    assert info.status == 200, info.body
    return info.output("cal-upload-record", "data")


def _values(record, models, clicks=1):
    return {"cal-run.n_clicks": clicks, "cal-upload-record.data": record, "cal-models.value": models,
            "cal-weights.value": "vega", "cal-warm.value": [], "cal-result.data": None}


def test_killed_job_process_is_reported_and_the_job_runs_again(gunicorn_app):
    record = _record(gunicorn_app.url)
    client = DashClient(gunicorn_app.url, "/calibration")
    body = client.body(client.dependency("cal-result.data"), _values(record, ["bates", "merton", "cgmy"]),
                       ["cal-run.n_clicks"])
    handles = client.post(body).json()
    pid = int(handles["job"].split("~")[0])          # the signed handle is "<pid>~<signature>"
    job = psutil.Process(pid)
    workers = {p.pid for p in psutil.Process(gunicorn_app.proc.pid).children()}
    assert job.ppid() not in workers                  # forked by the fork server, not a worker
    params = {"cacheKey": handles["cacheKey"], "job": handles["job"]}
    deadline = time.monotonic() + 120
    while True:                                       # running: progress reported
        time.sleep(0.25)
        data = client.post(body, params).json()
        assert "response" not in data, "the job finished before it could be killed"
        if data.get("progress", {}).get("cal-status.children"):
            break
        assert time.monotonic() < deadline
    os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    while True:
        time.sleep(0.25)
        data = client.post(body, params).json()
        if "sideUpdate" in data or "response" in data:
            break
        assert time.monotonic() - killed < 30, "still 'running' 30 s after the job process died"
    print(f"job process killed: the page said so after {time.monotonic() - killed:.1f} s")
    alert = data["sideUpdate"]["cal-alert"]
    assert alert["is_open"] and "stopped" in alert["children"] and "Run it again" in alert["children"]
    again = DashClient(gunicorn_app.url, "/calibration").call(
        "cal-result.data", _values(record, ["vg"], 2), ["cal-run.n_clicks"], wait=240)
    assert again.status == 200 and "sideUpdate" not in again.body
    assert "vg" in again.output("cal-result", "data")["results"]
