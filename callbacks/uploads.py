"""Uploaded files kept on the server by content hash, in the store's ``blobs`` table.

The one mechanism every page's upload uses (Surface, Calibration, Backtest, Portfolio, Risk):

1. The page's upload callback is the only request that carries the file: it calls :func:`keep`
   (or :func:`keep_many` for a multi-file upload), which stores the bytes once with
   :meth:`~core.store.workspaces.WorkspaceStore.put_blob` and returns the **upload record**
   ``{"key", "name", "size"}`` - the only thing the browser keeps (a ``dcc.Store``; the page's
   ``DATA`` id in :mod:`components.ids`) and what a workspace saves.
2. Every later callback gets the record (or just its key) and calls :func:`fetch` /
   :func:`fetch_many`.
3. Page URLs carry ``data=<key>``; a page opened from a link looks the key up with
   :func:`lookup`. A key that is not in the store (another server, a cleaned database) gives
   ``None`` and the page shows :data:`GONE` and its default data.

The store is the app's ``DATABASE_URL`` (SQLite by default, PostgreSQL across machines),
opened once per process (:func:`core.store.shared_store`). In a background job process there
is no Flask app: :func:`database_url` then reads ``DATABASE_URL`` / ``PARITY_DATA_DIR``, which
the job managers of :mod:`callbacks.jobs` set from the app's settings.

A multi-file upload is stored as each file's blob plus one small JSON *manifest* blob listing
them; its record has the manifest's key, so the record shape is the same on every page.
"""
from __future__ import annotations

import json

from callbacks.settings import current_settings
from core.data.limits import read_bytes
from core.errors import DataError
from core.store import shared_store

__all__ = ["GONE", "RECORD_KEYS", "keep", "keep_many", "fetch", "fetch_many", "lookup",
           "stash", "database_url", "max_upload_bytes", "is_key"]

#: Keys of the upload record the browser keeps.
RECORD_KEYS = ("key", "name", "size")
#: What a page says when its link names an upload this server no longer has.
GONE = ("The linked upload is no longer on this server; upload it again. Showing the default "
        "data instead.")
_MANIFEST = "parity-upload-bundle"
_MANIFEST_MAX = 256 * 1024


def is_key(value) -> bool:
    """``value`` looks like an upload key (64 lower-case hex characters)."""
    return (isinstance(value, str) and len(value) == 64
            and all(c in "0123456789abcdef" for c in value))


def database_url() -> str:
    """The running app's ``DATABASE_URL``; outside a request (a job process), the environment's,
    with :class:`app.Settings`' default (SQLite in ``PARITY_DATA_DIR``, else ``./var``)."""
    return current_settings().database_url


def max_upload_bytes() -> int:
    """The server's upload limit (``PARITY_MAX_UPLOAD_MB``) in bytes."""
    return int(current_settings().max_upload_mb * 2**20)


def _store():
    return shared_store(database_url())


def _record(key: str, name: str, size: int) -> dict:
    return {"key": key, "name": name, "size": int(size)}


def _name(filename) -> str:
    name = str(filename or "upload").replace("\x00", "").strip() or "upload"
    return name[:255]


def stash(data: bytes, name: str) -> str:
    """Store ``data`` (once, by SHA-256) under file ``name``; return its key."""
    return _store().put_blob(data, _name(name))


def keep(contents: str | bytes, filename: str | None) -> dict:
    """Store one upload (a ``dcc.Upload`` data URL, or bytes); return its record.

    Raises
    ------
    DataError
        Not a readable upload, or larger than the server's upload limit.
    """
    if isinstance(contents, str) and not contents.startswith("data:"):
        raise DataError("the upload is not a file (expected a data URL from the upload box)")
    if not isinstance(contents, (str, bytes, bytearray)):
        raise DataError(f"the upload is not a file, got {type(contents).__name__}")
    data = read_bytes(contents, limit=max_upload_bytes(),
                      hint="upload a smaller file or compress it (.gz/.zip)", kind="upload")
    name = _name(filename)
    return _record(stash(data, name), name, len(data))


def keep_many(contents: list, filenames: list) -> dict:
    """Store several files uploaded together; the record's key names a manifest of them."""
    if not contents:
        raise DataError("no file uploaded")
    files = [keep(c, n) for c, n in zip(contents, filenames or [None] * len(contents))]
    if len(files) == 1:
        return files[0]
    manifest = json.dumps({_MANIFEST: files}, sort_keys=True).encode()
    name = _name(", ".join(f["name"] for f in files))
    return _record(stash(manifest, name), name, sum(f["size"] for f in files))


def _key_of(record_or_key) -> str:
    key = record_or_key.get("key") if isinstance(record_or_key, dict) else record_or_key
    if not is_key(key):
        raise DataError(GONE)
    return key


def fetch(record_or_key) -> tuple[bytes, str]:
    """``(bytes, file name)`` of a kept upload; ``DataError(GONE)`` when the store lacks it."""
    key = _key_of(record_or_key)
    store = _store()
    try:
        return store.get_blob(key), store.blob_name(key)[0]
    except DataError:
        raise DataError(GONE) from None


def fetch_many(record_or_key) -> list[tuple[bytes, str]]:
    """The files of an upload kept with :func:`keep_many` (one file: a list of one)."""
    data, name = fetch(record_or_key)
    if data[:2] == b'{"' and _MANIFEST.encode() in data[:64]:
        try:
            files = json.loads(data)[_MANIFEST]
        except (ValueError, KeyError, TypeError):
            return [(data, name)]
        return [fetch(f["key"]) for f in files]
    return [(data, name)]


def lookup(key) -> dict | None:
    """The record of a kept upload (for a page opened from a link), or ``None`` when the key is
    malformed or the upload is not on this server."""
    if not is_key(key):
        return None
    try:
        name, size = _store().blob_name(key)
    except DataError:
        return None
    if size <= _MANIFEST_MAX:  # a small blob may be a multi-file manifest: report its files' total
        size = _manifest_size(key) or size
    return _record(key, name, size)


def _manifest_size(key: str) -> int | None:
    try:
        data = _store().get_blob(key)
    except DataError:
        return None
    if data[:2] != b'{"' or _MANIFEST.encode() not in data[:64]:
        return None
    try:
        return int(sum(f["size"] for f in json.loads(data)[_MANIFEST]))
    except (ValueError, KeyError, TypeError):
        return None
