"""Turning uploaded bytes into CSV text, and reading numbers: shared by the chain and price loaders.

:func:`csv_text` decodes (UTF-8 with or without BOM, UTF-16/32 with a BOM or recognisable by
its zero bytes, else latin-1), guesses the separator and applies the shape caps of
:mod:`core.data.limits` before any parsing. :func:`numbers` reads a column of cells as floats,
understanding decimal commas (``1234,56`` and ``1.234,56``), thousands separators and
currency/percent signs, and says what it found (spreadsheet formulas, decimal commas).
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from core.data.limits import MAX_ROWS, check_shape, short
from core.errors import DataError

__all__ = ["csv_text", "numbers", "detect_decimal_comma", "formula_cells", "check_fields"]

_BINARY_MAGIC = (b"%PDF", b"PAR1", b"\x89PNG", b"\xff\xd8", b"PK\x03\x04", b"\xd0\xcf\x11\xe0")
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
         (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
#: 1234,56 or -0,5 or 1.234.567,89 (a decimal comma, optional dot thousands groups).
_DEC_COMMA = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+),\d+$")
#: 1,234 or 1,234,567.5 (comma thousands groups).
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def _utf16_guess(head: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when every other byte of ``head`` is zero (ASCII text in UTF-16)."""
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def csv_text(data: bytes, *, empty: str, binary: str, max_columns: int, max_rows: int = MAX_ROWS,
             what: str = "columns") -> tuple[str, str, tuple[str, ...]]:
    """Decode CSV bytes, guess the separator and check the shape caps before parsing.

    Parameters
    ----------
    data : bytes
        The file's bytes (already decompressed).
    empty, binary : str
        The :class:`DataError` messages for an empty file and for binary content.
    max_columns, max_rows : int
        Caps on header fields and rows (see :func:`core.data.limits.check_shape`).
    what : str
        What the header's fields are ("columns", "tickers") for the message.

    Returns
    -------
    (text, sep, notes)
        The decoded text, the separator (``,`` ``;`` tab or ``|``) most frequent in the first
        non-blank line, and notes on the decoding (e.g. "Read as UTF-16 text.").
    """
    notes: list[str] = []
    encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), None)
    encoding = encoding or _utf16_guess(data[:8192])
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise DataError(f"the file looks like {encoding.upper()} text but does not decode "
                            f"({exc.reason} at byte {exc.start:,}): save it as UTF-8 CSV") from exc
        text = text.lstrip("\ufeff")
        notes.append(f"Read as {encoding.upper().replace('-LE', '').replace('-BE', '')} text.")
        data = text.encode("utf-8")
    if not data.strip():
        raise DataError(empty)
    head = data[:8192]
    if b"\x00" in head or head.startswith(_BINARY_MAGIC):
        raise DataError(binary)
    start = len(data) - len(data.lstrip())
    end = data.find(b"\n", start, start + 65536)
    first = data[start:end if end >= 0 else start + 65536].decode("utf-8", "replace")
    sep = max((",", ";", "\t", "|"), key=first.count)
    check_shape(data, sep, max_columns=max_columns, max_rows=max_rows, what=what)
    if encoding is None:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
            notes.append("Read as Latin-1 text (not valid UTF-8).")
    return text, sep, tuple(notes)


def check_fields(frame: pd.DataFrame, max_chars: int, *, cells: bool = True) -> None:
    """Refuse a parsed table with a column name or a text cell over ``max_chars`` characters.

    ``cells=False`` checks the column names only: without quote characters in the text no cell
    can be longer than a line, which :func:`core.data.limits.check_shape` has bounded."""
    for col in frame.columns:
        if len(str(col)) > max_chars:
            raise DataError(f"a column name is {len(str(col)):,} characters long "
                            f"({short(str(col), 40)}); the limit is {max_chars:,}: check the "
                            f"header row")
    if not cells:
        return
    for col in frame.columns:
        s = frame[col]
        if s.dtype.kind in "fiubM":
            continue
        lengths = s.astype("str").str.len()
        if len(lengths) and lengths.max() > max_chars:
            i = int(lengths.to_numpy().argmax())
            raise DataError(f"column {short(str(col), 40)} row {i + 1:,} holds "
                            f"{int(lengths.iloc[i]):,} characters; the limit is {max_chars:,} "
                            f"per cell: check the quoting of that row")


def formula_cells(s: pd.Series) -> str | None:
    """The first cell of ``s`` that is a spreadsheet formula (``=...``), else None."""
    if s.dtype.kind in "fiubM":
        return None
    txt = s.dropna().astype("str").str.lstrip()
    hit = txt[txt.str.startswith("=")]
    return None if hit.empty else str(hit.iloc[0])


def detect_decimal_comma(cells: pd.Series, sep: str) -> bool:
    """True when the text cells read as numbers with a decimal comma (``1234,56``).

    A cell like ``1,234`` is ambiguous; it counts as a decimal comma only when the file is not
    comma-separated and no cell reads as comma thousands with a decimal point (``1,234.5``).
    """
    txt = cells.dropna().astype("str").str.strip()
    txt = txt[txt.str.contains(",", regex=False)]
    if txt.empty:
        return False
    dec = txt.str.match(_DEC_COMMA)
    thou = txt.str.match(_THOUSANDS)
    if (thou & txt.str.contains(".", regex=False)).any():
        return False
    unambiguous = dec & ~thou          # 1234,56 or 0,5: not a thousands group
    if unambiguous.any():
        return True
    return bool(dec.all() and sep != ",")


def numbers(s: pd.Series, *, decimal_comma: bool = False) -> np.ndarray:
    """Cells as float64 (NaN where not a number): strips spaces, ``$``, ``%`` and thousands
    separators; reads ``1234,56`` as 1234.56 when ``decimal_comma``."""
    if s.dtype.kind in "fiub":
        return s.to_numpy(dtype=np.float64, na_value=np.nan)
    txt = s.astype("str").str.strip()
    if decimal_comma:
        txt = txt.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        txt = txt.str.replace(",", "", regex=False)
    txt = txt.str.replace(r"[\s$€£]", "", regex=True)
    return pd.to_numeric(txt, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
