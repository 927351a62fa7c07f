"""The browser's upload guard uses the server's PARITY_MAX_UPLOAD_MB (one setting) and measures
the file's decoded size, not the length of its base64 data URL (issue 9)."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

LIMIT = 10 * 1024          # bytes: the app below is set to 10 KiB


@pytest.fixture
def small_limit_app(tmp_path):
    from app import Settings, create_app

    return create_app(Settings(data_dir=str(tmp_path / "var"), warm_numba=False,
                               max_upload_mb=LIMIT / (1024 * 1024)))


def _file(tmp_path, name, size):
    path = tmp_path / name
    line = b"expiry,strike,type,bid,ask\n"
    path.write_bytes((line * (size // len(line) + 1))[:size])
    assert path.stat().st_size == size
    return path


def test_upload_guard_follows_the_server_setting_on_the_decoded_size(dash_duo, small_limit_app, tmp_path):
    dash_duo.start_server(small_limit_app)
    dash_duo.driver.get(dash_duo.server_url + "/surface")
    dash_duo.wait_for_element("#surface-upload input[type=file]", timeout=30)
    over = _file(tmp_path, "over.csv", LIMIT + 40)
    dash_duo.find_element("#surface-upload input[type=file]").send_keys(str(over))
    dash_duo.wait_for_contains_text("#surface-upload-info", "the limit is 10.0 kB", timeout=20)
    assert "over.csv is 10.0 kB" in dash_duo.find_element("#surface-upload-info").text
    # 10 bytes under the limit: its data URL (21-character header + 13,640 base64) has 13,661
    # characters, whose 3/4
    # (10,245) is over 10,240, so the old length check refused it; the decoded size passes and
    # the server reads it (and says it is no option chain)
    under = _file(tmp_path, "under.csv", LIMIT - 10)
    dash_duo.find_element("#surface-upload input[type=file]").send_keys(str(under))
    dash_duo.wait_for_contains_text("#surface-load-alert", "under.csv", timeout=30)
    assert dash_duo.find_element("#surface-upload-info").text == ""
    assert [e for e in dash_duo.get_logs() if e.get("level") == "SEVERE"] == []
