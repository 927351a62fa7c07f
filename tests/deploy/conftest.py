"""Fixtures of the deployment tests: the app served by gunicorn exactly as ``make run`` serves it."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


class Served:
    def __init__(self, url: str, proc: subprocess.Popen, log: Path, data_dir: Path):
        self.url, self.proc, self.log, self.data_dir = url, proc, log, data_dir

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def start_gunicorn(tmp_path: Path, ready: str = "/_dash-layout", **env) -> Served:
    """``gunicorn -c gunicorn.conf.py`` (the ``make run`` command) on a free loopback port,
    once ``ready`` answers 200 (``/login`` with ``PARITY_AUTH=1``)."""
    port = free_port()
    data = tmp_path / "var"
    full_env = {**os.environ, "PARITY_HOST": "127.0.0.1", "PARITY_PORT": str(port),
                "PARITY_DATA_DIR": str(data), **env}
    log = tmp_path / "gunicorn.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([str(GUNICORN), "-c", "gunicorn.conf.py"], cwd=ROOT, env=full_env,
                                stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while True:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited:\n" + log.read_text())
        try:
            if requests.get(url + ready, timeout=5).status_code == 200:
                break
        except requests.RequestException:
            pass
        if time.time() > deadline:
            proc.kill()
            raise RuntimeError("gunicorn did not answer:\n" + log.read_text())
        time.sleep(0.3)
    return Served(url, proc, log, data)


def kept_payload(ref: dict, data_dir: Path, redis_url: str | None = None) -> dict:
    """The whole Calibration payload a job answered as a reference (``callbacks.calibration.keep``):
    its drawn arrays read back from the web's own cache (the same ``cache_config``: the file-system
    cache under ``data_dir``, or Redis), by the reference's token. Raises ``ParityError`` when the
    cache does not hold them (the job's reference carries no run ids to rebuild them from)."""
    import flask

    from callbacks.cache import cache, cache_config
    from callbacks.calibration import HEAVY, kept

    assert not any(k in ref for k in HEAVY), "the store should hold a reference, not the arrays"
    assert not ref.get("run_ids"), "a job's reference has no runs: the arrays must come from the cache"
    app = flask.Flask("deploy-test-reader")
    cache.init_app(app, config=cache_config(str(data_dir), redis_url))
    with app.app_context():
        return kept(ref)


def stop(served: Served) -> None:
    served.proc.terminate()
    try:
        served.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        served.proc.kill()
        served.proc.wait(timeout=10)


@pytest.fixture
def gunicorn_app(tmp_path):
    served = start_gunicorn(tmp_path)
    yield served
    stop(served)
