"""Test configuration: headless Debian chromium for dash.testing, scratch folders for browsers."""
from __future__ import annotations

import os
import shutil
import tempfile

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1400,1000"]
_profiles: list[str] = []


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
