"""Readable answers to failed uploads: what was received, what was wrong, what to do.

The upload areas accept any file (a browser-side ``accept=`` filter would drop a PNG silently,
leaving the previous message on screen). Every upload callback catches *every* failure (not only the project's own errors) and shows
:func:`upload_failure` as an alert, so a PNG, a spreadsheet or a truncated file never gives an
HTTP 500 or a traceback, and the new message replaces the previous one.
"""
from __future__ import annotations

import base64
import binascii
import logging

from core.errors import ParityError

__all__ = ["describe_upload", "upload_failure", "MAGIC", "record_line"]

#: Leading bytes of common files that are not text tables.
MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"), (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx is one too)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel / Office document"), (b"\x1f\x8b", "a gzip file"),
)


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB" if n >= 1e3 else f"{n} bytes"


def describe_upload(contents: str | None, filename: str | None = None) -> str:
    """``"chart.png (12 kB, a PNG image)"``: the name, size and kind of an uploaded data URL.

    Parameters
    ----------
    contents : str or None
        The ``dcc.Upload`` contents, a ``data:<mime>;base64,<payload>`` URL; only the first
        4 kB of the payload are decoded (to recognise the kind by :data:`MAGIC`).
    filename : str, optional
        The uploaded file's name; ``"the file"`` when missing.

    Returns
    -------
    str
        ``"<name> (<size>, <kind>)"``: the size estimated from the payload length (bytes, kB
        or MB, decimal units), the kind from :data:`MAGIC` or else the MIME type (``"text"``
        for text/CSV); ``"<name> (empty)"`` or ``"<name> (not readable as an upload)"`` when
        there is nothing to decode (invalid base64 gives the latter, not an error).
    """
    name = filename if isinstance(filename, str) and filename else "the file"
    if not isinstance(contents, str):      # a hand-made request can send anything
        return f"{name} (empty)" if not contents else f"{name} (not readable as an upload)"
    if not contents or "," not in contents:
        return f"{name} (empty)"
    head, _, body = contents.partition(",")
    try:
        raw = base64.b64decode(body[:4096 * 4 // 3 + 4] + "=" * (-len(body[:4096 * 4 // 3 + 4]) % 4),
                               validate=False)
    except (binascii.Error, ValueError):
        return f"{name} (not readable as an upload)"
    size = len(body.strip().rstrip("=")) * 3 // 4    # base64 padding is not data
    kind = next((what for magic, what in MAGIC if raw.startswith(magic)), None)
    if kind is None:
        mime = head.removeprefix("data:").split(";")[0]
        kind = "text" if not mime or mime.startswith("text") or mime.endswith("csv") else mime
    return f"{name} ({_size(size)}, {kind})"


def upload_failure(upload: dict | None, exc: BaseException, log: logging.Logger | None = None,
                   *, expected: str = "a CSV option chain (.csv, .txt, .gz or .zip)") -> str:
    """The alert text for a failed upload of ``upload = {"contents", "filename"}``.

    The project's own errors (``ParityError``) carry a readable reason and are shown as they are;
    anything else is logged with its traceback and summarised without it.

    Parameters
    ----------
    upload : dict or None
        ``{"contents": data URL, "filename": str}`` of the failed upload (either may be
        missing).
    exc : BaseException
        What the load raised.
    log : logging.Logger, optional
        Where a non-``ParityError`` is logged with its traceback; not logged when ``None``.
    expected : str, optional
        What the upload area accepts, for the message (default a CSV option chain).

    Returns
    -------
    str
        ``"Could not load <what>: <reason>"`` for a ``ParityError``, else ``"Received <what>,
        which could not be read as <expected>. Nothing was changed."`` (``<what>`` from
        :func:`describe_upload`); no traceback text either way.
    """
    upload = upload if isinstance(upload, dict) else {}
    what = describe_upload(upload.get("contents"), upload.get("filename"))
    if isinstance(exc, ParityError):
        return f"Could not load {what}: {exc}"
    if log is not None:
        log.exception("upload of %s failed", what)
    return f"Received {what}, which could not be read as {expected}. Nothing was changed."


def record_line(record: dict | None) -> str:
    """``"prices.csv (1.2 MB), kept on the server"``: what the page is showing, for its info line.

    Parameters
    ----------
    record : dict or None
        An upload record ``{"key", "name", "size"}`` (``size`` in bytes), as
        :func:`callbacks.uploads.keep` returns; ``None`` when nothing was uploaded.

    Returns
    -------
    str
        The file name (``"upload"`` when it has none) and its size (bytes, kB or MB, decimal
        units), or ``""`` without a record.
    """
    if not record:
        return ""
    return f"{record.get('name') or 'upload'} ({_size(int(record.get('size') or 0))}), kept on the server"
