"""Turning uploaded bytes into CSV text: shared by the chain and price loaders."""
from __future__ import annotations

from core.errors import DataError

_BINARY_MAGIC = (b"%PDF", b"PAR1", b"\x89PNG", b"\xff\xd8", b"PK\x03\x04")


def csv_text(data: bytes, *, empty: str, binary: str) -> tuple[str, str]:
    """Decode CSV bytes (UTF-8 with or without BOM, else latin-1) and guess the separator.

    Parameters
    ----------
    data : bytes
        The file's bytes (already decompressed).
    empty, binary : str
        The :class:`DataError` messages for an empty file and for binary content.

    Returns
    -------
    (text, sep)
        The decoded text and the separator (``,`` ``;`` tab or ``|``) most frequent in the first
        non-blank line.
    """
    if not data.strip():
        raise DataError(empty)
    head = data[:8192]
    if b"\x00" in head or head.startswith(_BINARY_MAGIC):
        raise DataError(binary)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    return text, max((",", ";", "\t", "|"), key=first.count)
