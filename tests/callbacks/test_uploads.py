"""Uploads kept server-side by content hash (callbacks.uploads)."""
from __future__ import annotations

import hashlib

import pytest

from callbacks.uploads import fetch, stash, uploads_dir


def test_stash_and_fetch_round_trip_by_sha256(tmp_path):
    data = b"expiry,strike,type,bid,ask\n2018-01-19,2700,C,10,11\n"
    key = stash(data, "chain.csv", data_dir=tmp_path)
    assert key == hashlib.sha256(data).hexdigest()            # independent hash
    assert (tmp_path / "uploads" / key).read_bytes() == data
    assert fetch(key, data_dir=tmp_path) == (data, "chain.csv")
    assert stash(data, "chain.csv", data_dir=tmp_path) == key  # same bytes, same key


def test_fetch_raises_key_error_when_gone_or_malformed(tmp_path):
    key = stash(b"x", "a.csv", data_dir=tmp_path)
    (tmp_path / "uploads" / key).unlink()
    with pytest.raises(KeyError):
        fetch(key, data_dir=tmp_path)
    for bad in ("../../etc/passwd", "abc", None):
        with pytest.raises(KeyError):
            fetch(bad, data_dir=tmp_path)
    with pytest.raises(TypeError):
        stash("text", "a.csv", data_dir=tmp_path)


def test_inside_the_app_the_settings_data_dir_is_used(parity, settings):
    with parity.server.app_context():
        key = stash(b"abc", "b.csv")
        assert uploads_dir() == __import__("pathlib").Path(settings.data_dir) / "uploads"
        assert fetch(key) == (b"abc", "b.csv")
