"""CSV exports that are safe to open in a spreadsheet.

A cell whose text starts with ``=``, ``+``, ``-``, ``@`` (or a tab / carriage return) is read by
Excel, LibreOffice and Google Sheets as a formula: an uploaded ticker or label such as
``=HYPERLINK(...)`` would run when the export is opened (CSV / formula injection, OWASP). Every
CSV the app offers goes through :func:`safe_csv`, which prefixes such *text* cells with a single
quote. Numbers are written as numbers (a negative weight stays ``-0.25``), in full precision
(``repr`` of the float64, so ``5.8e-14`` is not rounded to zero).
"""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

__all__ = ["safe_csv", "escape_cell", "FORMULA_PREFIXES"]

#: Leading characters that make a spreadsheet treat a cell as a formula.
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value):
    """``value`` with a leading ``'`` when it is text that a spreadsheet would run as a formula.

    Parameters
    ----------
    value : object
        A cell value about to be written to CSV or a spreadsheet.

    Returns
    -------
    object
        ``value``, or the text with ``'`` prepended.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_csv(df: pd.DataFrame, *, header: Mapping[str, object] | None = None,
             index: bool = False) -> str:
    """The CSV text of ``df`` with formula-like text cells (and column names) escaped.

    Parameters
    ----------
    df : pandas.DataFrame
        The table to export. Numeric columns are written unchanged at full precision.
    header : mapping, optional
        Context lines written first as ``# key: value`` (objective, window, data source, time
        of export...); their values are escaped too.
    index : bool
        Write the index as the first column (escaped like the cells).

    Returns
    -------
    str
        CSV text (``\\n`` line ends).
    """
    out = df.copy()
    out.columns = [escape_cell(str(c)) for c in out.columns]
    for c in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[c]) or pd.api.types.is_bool_dtype(out[c])):
            out[c] = out[c].map(escape_cell)
    if index:
        out.index = out.index.map(lambda v: escape_cell(str(v)))
    lines = "".join(f"# {escape_cell(str(k))}: {escape_cell(str(v))}\n"
                    for k, v in (header or {}).items())
    return lines + out.to_csv(index=index, lineterminator="\n", float_format=None)
