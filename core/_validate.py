"""Argument validation shared by the public entry points of ``core``."""
from __future__ import annotations

import math

import numpy as np

from core.errors import DataError
from core._typing import ArrayLike

__all__ = ["as_float_array", "as_bool_array", "check_finite", "check_range", "positive_scalar", "number"]


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


def number(name: str, value: object, *, above: float | None = None, at_least: float | None = None,
           at_most: float | None = None, scale: float = 1.0, unit: str = "") -> float:
    """``value`` as a finite float times ``scale``, or :class:`DataError` in the user's words.

    Messages read like "spot must be a number above 0, got nothing" or "vol must be a number
    of 0% or more, got -5%": ``above`` / ``at_least`` are in the caller's units (before
    ``scale``), ``unit`` is appended to the numbers shown (e.g. ``"%"``).

    Parameters
    ----------
    name : str
        The input as the user knows it (e.g. ``"spot"``, ``"vol"``).
    value : object
        What was entered: a number, a numeric string, ``None`` or ``""`` (nothing entered).
    above, at_least : float, optional
        Strict / inclusive lower bound, in the units the user entered.
    at_most : float, optional
        Inclusive upper bound, in the units the user entered.
    scale : float
        Factor applied to the returned value (``0.01`` turns percent into a decimal).
    unit : str
        Unit shown after the numbers in the message.
    """
    if at_most is not None:
        want = (f"a number above {above:g}{unit} and at most {at_most:g}{unit}" if above is not None
                else f"a number from {at_least:g}{unit} to {at_most:g}{unit}" if at_least is not None
                else f"a number of {at_most:g}{unit} or less")
    else:
        want = "a number" + (f" above {above:g}{unit}" if above is not None else
                             f" of {at_least:g}{unit} or more" if at_least is not None else "")
    if value is None or (isinstance(value, str) and not value.strip()):
        raise DataError(f"{name} must be {want}, got nothing: enter a value")
    if isinstance(value, bool):
        raise DataError(f"{name} must be {want}, got {value!r}")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise DataError(f"{name} must be {want}, got {_show(value)}") from None
    if not math.isfinite(v) or (above is not None and not v > above) or \
            (at_least is not None and v < at_least) or (at_most is not None and v > at_most):
        raise DataError(f"{name} must be {want}, got {v:g}{unit}")
    return v * scale


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
