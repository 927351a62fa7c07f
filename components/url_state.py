"""Reading page state from a URL query: the one number parser every ``*_state.py`` uses.

A link may carry anything (typos, old formats, hand edits); a value that is missing, not a
number, not finite or outside its range falls back to the page's default, so a bad link still
opens a working page.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

__all__ = ["number"]


def number(query: Mapping, key: str, default: float | None, lo: float = -math.inf,
           hi: float = math.inf, *, allow_none: bool = False) -> float | None:
    """``float(query[key])`` when it is a finite number in ``[lo, hi]``, else ``default``.

    With ``allow_none``, an empty value (``""``, ``"none"``) means ``None`` (an unset optional
    input such as "no leverage cap").

    Examples
    --------
    >>> number({"vol": "25"}, "vol", 20.0, 0, 500), number({"vol": "abc"}, "vol", 20.0, 0, 500)
    (25.0, 20.0)
    >>> number({"lev": ""}, "lev", 1.5, 1, 10, allow_none=True) is None
    True
    """
    raw = query.get(key)
    if allow_none and raw is not None and str(raw).strip().lower() in ("", "none"):
        return None
    if raw is None:
        return default
    try:
        v = float(raw)
    except (TypeError, ValueError):
        return default
    return v if math.isfinite(v) and lo <= v <= hi else default
