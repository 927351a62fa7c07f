"""Section 5 of issue 9 (store faults): a runs database deleted while the app runs is reported,
not silently recreated empty; a failed save says why; a locked database is retried with backoff."""
from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from core.store import StoreError, open_store


def _add(store):
    return store.add_run("fit", "svi", "", {"a": 1.0}, {"rmse": 0.1}, {}, 0.5)


def _delete_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def test_database_deleted_while_in_use_is_reported_not_recreated(tmp_path):
    path = tmp_path / "var" / "parity.db"
    url = f"sqlite:///{path}"
    store = open_store(url)
    rid = _add(store)
    assert store.get_run(rid).id == rid
    _delete_db(path)
    # the store object the app holds: its next call says what happened
    with pytest.raises(StoreError, match="was deleted while Parity was using it") as info:
        store.list_runs()
    assert "Restore the file from a backup" in str(info.value)
    # a worker opening the URL afresh (what callbacks do) is told the same, and creates nothing
    with pytest.raises(StoreError, match="was deleted while Parity was using it"):
        open_store(url)
    with pytest.raises(StoreError, match="was deleted"):
        _add(store)
    assert not path.exists()
    # the way out the message names: remove the marker to start an empty registry
    Path(f"{path}.created").unlink()
    fresh = open_store(url)
    assert fresh.count() == 0 and path.exists()


def test_first_open_creates_database_and_marker_and_reopening_keeps_runs(tmp_path):
    path = tmp_path / "p.db"
    rid = _add(open_store(f"sqlite:///{path}"))
    assert Path(f"{path}.created").is_file()
    assert open_store(f"sqlite:///{path}").get_run(rid).params == {"a": 1.0}


def test_database_from_before_markers_gets_one(tmp_path):
    path = tmp_path / "old.db"
    rid = _add(open_store(f"sqlite:///{path}"))
    Path(f"{path}.created").unlink()
    assert open_store(f"sqlite:///{path}").get_run(rid).id == rid
    assert Path(f"{path}.created").is_file()


def test_locked_database_is_retried_with_backoff_until_the_lock_goes(tmp_path, caplog):
    path = tmp_path / "busy.db"
    store = open_store(f"sqlite:///{path}", busy_timeout=5)
    blocker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(0.8, lambda: blocker.execute("ROLLBACK"))
    release.start()
    t0 = time.monotonic()
    with caplog.at_level(logging.INFO, logger="core.store.sqlite"):
        rid = _add(store)
    took = time.monotonic() - t0
    release.join()
    blocker.close()
    assert 0.7 < took < 3.0                   # waited for the lock, then wrote
    assert store.get_run(rid).id == rid
    attempts = [r for r in caplog.records if "lock taken after" in r.getMessage()]
    assert attempts and int(attempts[0].getMessage().split("after ")[1].split()[0]) > 2


def test_lock_held_past_the_timeout_says_how_long_and_how_often(tmp_path):
    path = tmp_path / "busy.db"
    store = open_store(f"sqlite:///{path}", busy_timeout=0.6)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        t0 = time.monotonic()
        with pytest.raises(StoreError, match=r"stayed locked by another writer for more than 0.6 s "
                                             r"\(\d+ attempts with backoff\)"):
            _add(store)
        assert 0.3 < time.monotonic() - t0 < 2.0
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


def test_failed_save_on_the_calibration_page_gives_the_reason(tmp_path):
    """The page's "could not be saved" message carries the store's reason."""
    from app import Settings, create_app
    from callbacks.calibration import save_runs

    app = create_app(Settings(data_dir=str(tmp_path / "var"), warm_numba=False))
    db = Path(app.server.config["PARITY_SETTINGS"].database_url.removeprefix("sqlite:///"))
    open_store(f"sqlite:///{db}")
    _delete_db(db)
    payload = {"token": "abcdef123456", "results": {"vg": {"model": "vg"}}}
    with app.server.app_context():
        out = save_runs(payload)
    span = out["saved"]
    text = str(span.children)
    assert "could not be saved" in text and "was deleted while Parity was using it" in text


def test_database_deleted_with_its_folder_is_reported_not_recreated(tmp_path):
    """The marker sits beside the file, so deleting the folder takes it too: the process still
    knows it opened that file, and neither the store it holds nor a fresh open recreates it."""
    import shutil

    folder = tmp_path / "var"
    path = folder / "parity.db"
    url = f"sqlite:///{path}"
    store = open_store(url)
    rid = _add(store)
    assert store.get_run(rid).id == rid
    shutil.rmtree(folder)
    with pytest.raises(StoreError, match="deleted while Parity was using it, together with its folder"):
        store.list_runs()
    with pytest.raises(StoreError, match="together with its folder") as info:
        open_store(url)
    assert "restart Parity" in str(info.value)
    assert not folder.exists()       # nothing was recreated behind the user's back


def test_a_new_database_in_a_missing_folder_is_still_a_first_start(tmp_path):
    path = tmp_path / "never" / "opened.db"
    assert open_store(f"sqlite:///{path}").count() == 0 and path.exists()
