"""Uploaded files kept on the server by content hash, so links can carry a short key instead of
the data, and the browser is never sent the upload back.

``stash(data, name)`` stores the bytes under ``<data_dir>/uploads/<sha256>`` (the app's
``Settings.data_dir``; every worker process sharing that folder can answer) and returns the key;
``fetch(key)`` returns ``(data, name)`` or raises ``KeyError`` when the upload is gone (a
different machine, a cleaned folder). Pages put ``?data=<key>`` in their URL and say plainly, on
``KeyError``, that the linked upload is no longer on this server.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

__all__ = ["stash", "fetch", "uploads_dir"]

_KEY = re.compile(r"^[0-9a-f]{64}$")


def uploads_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """``<data_dir>/uploads``: the running app's ``Settings.data_dir`` when there is one (inside a
    request), else ``PARITY_DATA_DIR`` or ``./var`` as :class:`app.Settings` defaults."""
    if data_dir is None:
        from callbacks.settings import current_settings

        data_dir = current_settings().data_dir
    folder = Path(data_dir) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def stash(data: bytes, name: str, *, data_dir: str | os.PathLike | None = None) -> str:
    """Store ``data`` (with its file ``name``) and return its sha256 hex key; storing the same
    bytes again returns the same key. Writes are atomic (temp file + rename)."""
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError(f"data must be bytes, got {type(data).__name__}")
    key = hashlib.sha256(data).hexdigest()
    folder = uploads_dir(data_dir)
    blob, meta = folder / key, folder / f"{key}.json"
    if not blob.exists():
        _atomic_write(blob, bytes(data))
    _atomic_write(meta, json.dumps({"name": str(name)}).encode())
    return key


def fetch(key: str, *, data_dir: str | os.PathLike | None = None) -> tuple[bytes, str]:
    """``(data, name)`` of a stashed upload; ``KeyError`` when the key is malformed or gone."""
    if not isinstance(key, str) or not _KEY.match(key):
        raise KeyError(key)
    folder = uploads_dir(data_dir)
    try:
        data = (folder / key).read_bytes()
    except FileNotFoundError:
        raise KeyError(key) from None
    try:
        name = json.loads((folder / f"{key}.json").read_text())["name"]
    except (FileNotFoundError, ValueError, KeyError):
        name = "upload"
    return data, name


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
