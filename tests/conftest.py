"""Test configuration: headless Debian chromium for dash.testing, scratch folders for browsers."""
from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import tempfile
import time

import pytest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Real third-party market data lives beside the project (never inside it): ``../shared/data``.
SHARED_DATA = Path(os.environ.get("PARITY_SHARED_DATA", ROOT.parent / "shared" / "data"))


def shared_file(name: str) -> Path:
    """Path of a real data file in ``../shared/data``; fails (never skips) when it is missing."""
    path = SHARED_DATA / name
    if not path.is_file():
        pytest.fail(f"this test needs the real data file {path} (the shared data folder beside "
                    "the project, or PARITY_SHARED_DATA); it is not committed into the project")
    return path


@pytest.fixture(scope="session")
def shared_data():
    """The ``shared_file`` function, as a fixture."""
    return shared_file

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1400,1000"]
_profiles: list[str] = []


def pytest_configure(config):
    """Concurrent test runs on one machine must not race for dash.testing's fixed port range."""
    try:
        from dash.testing.application_runners import BaseDashRunner
    except ImportError:  # pragma: no cover - dash[testing] missing
        return
    BaseDashRunner._next_port = random.Random(os.getpid()).randrange(20000, 40000, 100)


def pytest_setup_options():
    """dash.testing hook, called for each ``dash_duo``: chromium options."""
    from selenium.webdriver.chrome.options import Options

    options = Options()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="dash-chrome-")
    _profiles.append(profile)
    options.add_argument(f"--user-data-dir={profile}")
    return options


def pytest_sessionfinish(session, exitstatus):
    for d in _profiles:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def settings(tmp_path):
    """App settings with a private data folder and no numba warm-up thread."""
    from app import Settings

    return Settings(data_dir=str(tmp_path / "var"), warm_numba=False)


@pytest.fixture
def parity(settings):
    """A fresh Parity app on the embedded defaults (for dash_duo)."""
    from app import create_app

    return create_app(settings)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, seconds: float = 10) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on port {port}")


@pytest.fixture
def redis_url(tmp_path):
    """A real redis-server on a free loopback port, stopped by PID afterwards."""
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("redis-server is not installed (make test installs it)")
    port = free_port()
    proc = subprocess.Popen([exe, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                             "--appendonly", "no", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    yield f"redis://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)
