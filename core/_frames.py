"""DataFrame <-> JSON-ready dict of column lists: the one converter every ``to_dict`` uses.

Dates become ISO strings (``None`` for NaT), booleans ``bool``, strings ``str``, integers
``int``, everything else float with ``None`` for NaN/inf, so ``json.dumps`` needs no
``default=``. Column kinds come from the names given, else from the dtype (to a dict) or the
values (from a dict); give the names when a frame can be empty.
"""
from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = ["frame_to_dict", "frame_from_dict"]


def _kind(col: str, dates, bools, strings, ints) -> str | None:
    for kind, names in (("date", dates), ("bool", bools), ("str", strings), ("int", ints)):
        if col in names:
            return kind
    return None


def frame_to_dict(frame: pd.DataFrame, *, dates: Collection[str] = ("expiry",),
                  bools: Collection[str] = (), strings: Collection[str] = (),
                  ints: Collection[str] = ()) -> dict[str, list]:
    """Columns of ``frame`` as JSON-ready lists (see the module docstring).

    Examples
    --------
    >>> frame_to_dict(pd.DataFrame({"expiry": pd.to_datetime(["2018-02-16"]), "iv": [float("nan")]}))
    {'expiry': ['2018-02-16'], 'iv': [None]}
    """
    out: dict[str, list] = {}
    for col in frame.columns:
        s = frame[col]
        kind = _kind(col, dates, bools, strings, ints)
        if kind is None:
            kind = ("bool" if s.dtype == bool else
                    "str" if s.dtype.kind in "OUT" or str(s.dtype) in ("str", "string") else
                    "int" if s.dtype.kind in "iu" else "date" if s.dtype.kind == "M" else "float")
        if kind == "date":
            out[col] = [None if pd.isna(d) else pd.Timestamp(d).date().isoformat() for d in s]
        elif kind == "bool":
            out[col] = [bool(v) for v in s.to_numpy()]
        elif kind == "str":
            out[col] = [str(v) for v in s.to_numpy()]
        elif kind == "int":
            out[col] = [int(v) for v in s.to_numpy()]
        else:
            out[col] = [None if not math.isfinite(v) else float(v)
                        for v in s.to_numpy(dtype=np.float64)]
    return out


def frame_from_dict(data: Mapping[str, list], *, dates: Collection[str] = ("expiry",),
                    bools: Collection[str] = (), strings: Collection[str] = (),
                    ints: Collection[str] = (), order: Sequence[str] = ()) -> pd.DataFrame:
    """Inverse of :func:`frame_to_dict`; ``order`` puts those columns first.

    Examples
    --------
    >>> frame_from_dict({"expiry": ["2018-02-16"], "iv": [None]}).dtypes.astype(str).tolist()
    ['datetime64[ns]', 'float64']
    """
    cols = {}
    for col, values in data.items():
        kind = _kind(col, dates, bools, strings, ints)
        if kind is None and values:
            kind = ("bool" if all(isinstance(v, bool) for v in values) else
                    "str" if all(isinstance(v, str) for v in values) else
                    "int" if all(isinstance(v, int) and not isinstance(v, bool) for v in values)
                    else None)
        if kind == "date":
            cols[col] = pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[ns]")
        elif kind == "bool":
            cols[col] = np.asarray(values, dtype=bool)
        elif kind == "str":
            cols[col] = pd.Series(values, dtype="str")
        elif kind == "int":
            cols[col] = np.asarray(values, dtype=np.int64)
        else:
            cols[col] = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    frame = pd.DataFrame(cols)
    if order:
        first = [c for c in order if c in frame.columns]
        frame = frame[first + [c for c in frame.columns if c not in first]]
    return frame
