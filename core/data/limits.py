"""Caps on uploaded files, checked before anything is parsed, and bounded reading.

Every uploaded source goes through :func:`read_bytes` (at most ``limit`` bytes are read from a
stream or a path), :func:`decompress` (gzip and zip are inflated in bounded steps: a member
that claims to be small but inflates without end stops at ``limit``, whatever its header says)
and :func:`check_shape`, which looks only at line breaks and the header line — before pandas
sees the text — and refuses a file with too many columns, too many rows or a line too long to
be a row of quotes. Messages that quote the file's content go through :func:`short`, so a
40 MB column name is never echoed back.
"""
from __future__ import annotations

import base64
import binascii
import gzip
import io
import os
import zipfile
import zlib
from pathlib import Path

import numpy as np

from core.errors import DataError
from typing import Any, IO

__all__ = ["MAX_BYTES", "MAX_ROWS", "MAX_COLUMNS", "MAX_LINE_BYTES", "MAX_FIELD_CHARS",
           "MAX_TICKERS", "short", "plain", "read_bytes", "decompress", "check_shape", "byte_limit"]

#: Largest accepted source in bytes, before and after decompression, when the caller gives no
#: ``max_bytes`` (the app passes its ``PARITY_MAX_UPLOAD_MB`` setting).
MAX_BYTES: int = 50 * 1024 * 1024
#: Largest accepted number of data rows.
MAX_ROWS: int = 2_000_000
#: Most columns an option-chain file may have (vendor files have about 30).
MAX_COLUMNS: int = 500
#: Most tickers in a price file (one column each, or distinct tickers of a long layout).
MAX_TICKERS: int = 2000
#: Longest accepted line, in bytes (a row of 2,000 prices is about 25 kB).
MAX_LINE_BYTES: int = 256 * 1024
#: Longest accepted cell, in characters.
MAX_FIELD_CHARS: int = 1000
_SHORT = 60


def byte_limit(max_bytes: Any, default: int) -> int:
    """``max_bytes`` checked (a whole number of bytes > 0), or ``default`` when it is ``None``.

    Parameters
    ----------
    max_bytes : int or None
        The caller's limit, bytes.
    default : int
        The module's limit used when ``max_bytes`` is ``None``, bytes.

    Returns
    -------
    int
        The limit to apply, bytes.

    Raises
    ------
    DataError
        ``max_bytes`` is not a positive whole number.
    """
    if max_bytes is None:
        return int(default)
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, (int, np.integer)) or max_bytes <= 0:
        raise DataError(f"max_bytes must be a whole number of bytes > 0, got {max_bytes!r}")
    return int(max_bytes)


def short(value: Any, n: int = _SHORT) -> str:
    """``repr(value)`` cut to about ``n`` characters, for error messages that quote a file.

    Parameters
    ----------
    value : Any
        What to quote (a string is cut to ``n + 1`` characters before ``repr``, so a huge
        one is never copied whole).
    n : int, optional
        Longest result, characters; default 60.

    Returns
    -------
    str
        ``repr(value)``, or its first ``n - 1`` characters followed by ``"…"`` when longer
        than ``n``.
    """
    text = repr(value) if not isinstance(value, str) else repr(value[: n + 1])
    if len(text) > n:
        text = text[: n - 1] + "…"
    return text


def plain(value: Any, n: int = _SHORT) -> str:
    """:func:`short` without the quotes, for names inside a sentence.

    Parameters
    ----------
    value : Any
        What to name (``str(value)`` is quoted).
    n : int, optional
        Longest quoted form, characters (see :func:`short`); default 60.

    Returns
    -------
    str
        ``str(value)`` cut to at most ``n - 1`` characters (ending ``"…"`` when cut), without
        the surrounding quotes.
    """
    return short(str(value), n)[1:].rstrip("'")


def _mb(size: float) -> str:
    return f"{size / 2**20:.1f} MB"


def _too_big(size: int, what: str, limit: int, hint: str) -> DataError:
    return DataError(f"{what} is {_mb(size)}; the limit is {limit / 2**20:.0f} MB — {hint}")


def read_bytes(source: str | os.PathLike | bytes | bytearray | memoryview | IO, *, limit: int,
               hint: str, kind: str = "file") -> bytes:
    """The bytes of ``source``, reading at most ``limit + 1`` of them.

    Parameters
    ----------
    source : str, os.PathLike, bytes, bytearray, memoryview or file-like
        A path; CSV text (a ``str`` holding a newline); a ``data:...;base64,`` URL as produced
        by ``dcc.Upload``; raw bytes; or a binary/text file object.
    limit : int
        Largest accepted size in bytes.
    hint : str
        What to do when the source is too big (ends the message).
    kind : str
        What the file is, for "not found" messages.

    Returns
    -------
    bytes
        The content, at most ``limit`` bytes (text sources encoded as UTF-8; a base64 data
        URL decoded).

    Raises
    ------
    DataError
        The source is larger than ``limit`` bytes (the message ends with ``hint``); a path
        that does not exist, is not a file or cannot be read; a stream that cannot be read;
        invalid base64 in a data URL; or an unsupported ``source`` type.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        if len(source) > limit:
            raise _too_big(len(source), "the upload", limit, hint)
        return bytes(source)
    if isinstance(source, str):
        if source.startswith("data:"):
            return _data_url(source, limit, hint)
        if "\n" in source:
            if len(source) > limit:        # UTF-8 has at least one byte per character
                raise _too_big(len(source), "the text", limit, hint)
            data = source.encode("utf-8")
            if len(data) > limit:          # the limit is in bytes: non-ASCII text is longer
                raise _too_big(len(data), "the text", limit, hint)
            return data
        return _read_path(Path(source), limit, hint, kind)
    if isinstance(source, os.PathLike):
        return _read_path(Path(source), limit, hint, kind)
    if hasattr(source, "read"):
        return _read_stream(source, limit, hint)
    raise DataError(f"source must be a path, bytes, CSV text, a file object or a DataFrame, "
                    f"got {type(source).__name__}")


def _read_path(path: Path, limit: int, hint: str, kind: str) -> bytes:
    name = short(str(path), 200)
    try:
        if not path.exists():
            raise DataError(f"{kind} not found: {name}")
        if not path.is_file():
            raise DataError(f"not a file: {name}")
        size = path.stat().st_size
        if size > limit:
            raise _too_big(size, f"the file {plain(path.name)}", limit, hint)
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise DataError(f"cannot read {name}: {exc.strerror or type(exc).__name__}") from exc
    if len(data) > limit:
        raise DataError(f"the file {short(path.name)} is over {limit / 2**20:.0f} MB, the limit "
                        f"— {hint}")
    return data


def _read_stream(stream, limit: int, hint: str) -> bytes:
    try:
        pos = stream.tell()
        stream.seek(0, os.SEEK_END)
        size = stream.tell() - pos
        stream.seek(pos)
    except (AttributeError, OSError, ValueError, TypeError):
        size = None
    if size is not None and size > limit:
        raise _too_big(size, "the upload", limit, hint)
    try:
        data = stream.read(limit + 1)
    except (OSError, ValueError, TypeError) as exc:
        raise DataError(f"cannot read the upload: {type(exc).__name__}") from exc
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > limit:
        raise DataError(f"the upload is over {limit / 2**20:.0f} MB, the limit — {hint}")
    return bytes(data)


def _data_url(url: str, limit: int, hint: str) -> bytes:
    head, _, payload = url.partition(",")
    estimated = len(payload) * 3 // 4
    if estimated > limit:
        raise _too_big(estimated, "the upload", limit, hint)
    if ";base64" in head[:200]:
        try:
            return base64.b64decode(payload, validate=False)
        except (binascii.Error, ValueError) as exc:
            raise DataError("the upload is not valid base64 data") from exc
    from urllib.parse import unquote
    return unquote(payload).encode("utf-8")


def decompress(data: bytes, *, limit: int) -> bytes:
    """Inflate gzip (any number of members) or a zip holding one CSV, to at most ``limit`` bytes.

    The size a zip member declares is not trusted: inflation stops after ``limit + 1`` bytes
    whatever the header says. Other data is returned unchanged.

    Parameters
    ----------
    data : bytes
        The raw upload; gzip is recognised by ``1f 8b``, zip by ``PK\\x03\\x04``.
    limit : int
        Largest accepted inflated size, bytes.

    Returns
    -------
    bytes
        The inflated content (at most ``limit`` bytes), or ``data`` itself when it is
        neither gzip nor zip.

    Raises
    ------
    DataError
        A corrupt gzip file; a corrupt or encrypted zip, an Excel workbook, or a zip not
        holding exactly one ``.csv``/``.txt`` member; or content inflating past ``limit``.
    """
    if data[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
                out = fh.read(limit + 1)
        except (OSError, EOFError, zlib.error) as exc:
            raise DataError(f"the gzip file is corrupt ({type(exc).__name__}): upload the "
                            f"CSV itself") from exc
        if len(out) > limit:
            raise DataError(f"the gzip file unpacks to over {limit / 2**20:.0f} MB, the limit "
                            f"— upload a smaller file")
        return out
    if data[:4] == b"PK\x03\x04":
        return _unzip(data, limit)
    return data


def _unzip(data: bytes, limit: int) -> bytes:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        names = zf.namelist()
        if any(n.startswith(("xl/", "[Content_Types]")) for n in names):
            raise DataError("this looks like an Excel workbook: save the sheet as CSV "
                            "and upload the CSV")
        members = [i for i in zf.infolist()
                   if not i.is_dir() and i.filename.lower().endswith((".csv", ".txt"))]
        if len(members) != 1:
            found = ", ".join(short(n, 40) for n in names[:5]) or "nothing"
            raise DataError(f"the zip archive holds {len(members)} CSV files; expected "
                            f"exactly one (found: {found})")
        member = members[0]
        if member.file_size > limit:
            raise _too_big(member.file_size, f"{plain(member.filename, 40)} (unpacked)", limit,
                           "upload a smaller file")
        with zf.open(member) as fh:
            out = fh.read(limit + 1)
    except DataError:
        raise
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, ValueError,
            NotImplementedError) as exc:
        raise DataError(f"the file starts like a zip archive (or an Excel workbook) but the zip "
                        f"archive is corrupt or encrypted ({short(str(exc), 80)}): save the "
                        f"sheet as CSV and upload the CSV") from exc
    if len(out) > limit:
        raise DataError(f"the zip archive unpacks to over {limit / 2**20:.0f} MB (its header "
                        f"said {_mb(member.file_size)}), the limit — upload a smaller file")
    return out


def check_shape(data: bytes, sep: str, *, max_columns: int, max_rows: int = MAX_ROWS,
                max_line: int = MAX_LINE_BYTES, what: str = "columns") -> None:
    """Refuse text whose lines, header or row count are out of bounds, before parsing it.

    Parameters
    ----------
    data : bytes
        UTF-8 or single-byte encoded CSV text (``\\n`` line breaks, ``\\r\\n`` allowed).
    sep : str
        The field separator of the header line.
    max_columns, max_rows, max_line : int
        Caps on header fields, line breaks and bytes per line.
    what : str
        What the header's fields are ("columns" or "tickers"), for the message.
    """
    start = len(data) - len(data.lstrip())
    end = data.find(b"\n", start, start + 16 * max_line)
    header = data[start:end if end >= 0 else start + 16 * max_line]
    n_cols = header.count(sep.encode()) + 1
    if n_cols > max_columns:
        more = "" if end >= 0 else " or more"
        raise DataError(f"the header has {n_cols:,}{more} {what}; the limit is {max_columns:,} "
                        f"— is this the right file (one header row, one column per field)?")
    if (end < 0 and len(data) - start > max_line) or end - start > max_line:
        how = "without a line break" if end < 0 else "long"
        raise DataError(f"the first line is over {max_line // 1024} kB {how} "
                        f"({_mb(len(data))} in all): this is not a CSV of rows; upload a "
                        f"comma-separated file with one row per line")
    n_lines = data.count(b"\n")
    if n_lines > max_rows + 1:
        raise DataError(f"the file has about {n_lines:,} rows; the limit is {max_rows:,} — "
                        f"upload a smaller file (e.g. one quote date)")
    if len(data) > max_line:
        breaks = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
        edges = np.concatenate(([-1], breaks, [len(data)]))
        gaps = np.diff(edges) - 1
        worst = int(np.argmax(gaps))
        if gaps[worst] > max_line:
            raise DataError(f"line {worst + 1:,} is {_mb(gaps[worst])} long; the limit is "
                            f"{max_line // 1024} kB per line — a row of quotes is a few hundred "
                            f"bytes: check the file")
