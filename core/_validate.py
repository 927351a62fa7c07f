"""Argument validation shared by the public entry points of ``core``."""
from __future__ import annotations

import math

import numpy as np

from core.errors import DataError
from core._typing import ArrayLike

__all__ = ["as_float_array", "as_bool_array", "check_finite", "check_range", "positive_scalar"]


def as_float_array(name: str, value: ArrayLike) -> np.ndarray:
    """Return ``value`` as a float64 array, raising :class:`DataError` naming ``name``.

    Parameters
    ----------
    name : str
        Argument name used in the error message.
    value : array_like
        Numbers (scalars, lists, arrays, pandas objects).
    """
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be numeric, got {_show(value)}") from exc
    return arr


def as_bool_array(name: str, value: ArrayLike) -> np.ndarray:
    """Return ``value`` as a boolean array; accepts bools, 0/1 and 'C'/'P' strings."""
    arr = np.asarray(value)
    if arr.dtype == np.bool_:
        return arr
    if arr.dtype.kind in "iuf":
        if not np.all(np.isin(arr, (0, 1))):
            raise DataError(f"{name} must be boolean (True for calls), got {_show(value)}")
        return arr.astype(bool)
    if arr.dtype.kind in "UO" or arr.dtype.kind == "T":
        up = np.char.upper(np.char.strip(arr.astype(str)))
        ok = np.isin(up, ("C", "P", "CALL", "PUT"))
        if not np.all(ok):
            raise DataError(f"{name} must be boolean or 'C'/'P', got {_show(value)}")
        return np.isin(up, ("C", "CALL"))
    raise DataError(f"{name} must be boolean (True for calls), got {_show(value)}")


def check_finite(name: str, arr: np.ndarray) -> None:
    """Raise :class:`DataError` if ``arr`` holds NaN or infinity."""
    if not np.all(np.isfinite(arr)):
        bad = arr[~np.isfinite(arr)].ravel()[0]
        raise DataError(f"{name} must be finite, got {bad}")


def check_range(name: str, arr: np.ndarray, *, lo: float | None = None,
                strict: bool = True) -> None:
    """Raise :class:`DataError` unless every element is ``> lo`` (or ``>= lo``)."""
    if lo is None:
        return
    bad = arr <= lo if strict else arr < lo
    if np.any(bad):
        op = ">" if strict else ">="
        raise DataError(f"{name} must be {op} {lo:g}, got {arr[bad].ravel()[0]:g}")


def positive_scalar(name: str, value: float | str) -> float:
    """Return ``value`` as a finite float > 0, or raise :class:`DataError` naming ``name``."""
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be a positive number, got {_show(value)}") from exc
    if not (math.isfinite(v) and v > 0):
        raise DataError(f"{name} must be a positive number, got {_show(value)}")
    return v


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
