"""Reading page state from a URL query: the one number parser every ``*_state.py`` uses.

A link may carry anything (typos, old formats, hand edits); a value that is missing, not a
number, not finite or outside its range falls back to the page's default, so a bad link still
opens a working page.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode

__all__ = ["number", "link_key", "with_data"]


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


def link_key(query: Mapping, name: str = "data") -> str | None:
    """The upload key a page URL carries (``?data=<64 hex>``), or ``None`` (absent or not a key:
    a hand-edited link opens the page's default data)."""
    value = str(query.get(name) or "").strip().lower()
    return value if len(value) == 64 and all(c in "0123456789abcdef" for c in value) else None


def with_data(query: str, **keys: dict | str | None) -> str:
    """``query`` (``"?a=1"``) with ``name=<key>`` for each upload record (or key) given; a
    ``None`` record removes the parameter. Keeps the other parameters in order."""
    pairs = [(k, v) for k, v in parse_qsl(str(query or "").lstrip("?"), keep_blank_values=True)
             if k not in keys]
    for name, record in keys.items():
        key = record.get("key") if isinstance(record, dict) else record
        if key:
            pairs.append((name, str(key)))
    return "?" + urlencode(pairs)

