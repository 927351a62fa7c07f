"""Reading page state from a URL query: the one number parser every ``*_state.py`` uses, and
the one codec of grid rows as compact URL text.

A link may carry anything (typos, old formats, hand edits); a value that is missing, not a
number, not finite or outside its range falls back to the page's default, so a bad link still
opens a working page.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

__all__ = ["number", "number_or_text", "RowCodec", "link_key", "with_data"]


def number(query: Mapping, key: str, default: float | None, lo: float = -math.inf,
           hi: float = math.inf, *, allow_none: bool = False) -> float | None:
    """``float(query[key])`` when it is a finite number in ``[lo, hi]``, else ``default``.

    With ``allow_none``, an empty value (``""``, ``"none"``) means ``None`` (an unset optional
    input such as "no leverage cap").

    Parameters
    ----------
    query : mapping
        The URL query, key -> text.
    key : str
        The parameter.
    default : float or None
        Returned for a missing or bad value.
    lo, hi : float
        Accepted range, inclusive.
    allow_none : bool
        An empty value means ``None``.

    Returns
    -------
    float or None

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


def number_or_text(text: str) -> float | str | None:
    """A grid cell read back from URL text: ``None`` when blank, a float when it parses, else
    the text as typed (an incomplete row keeps what the user wrote).

    Parameters
    ----------
    text : str
        One cell of a row's URL text.

    Returns
    -------
    float, str or None
        The number, the unparsed text, or ``None`` for an empty cell.

    Examples
    --------
    >>> number_or_text("2.5"), number_or_text(" "), number_or_text("abc")
    (2.5, None, 'abc')
    """
    try:
        return float(text) if text.strip() else None
    except ValueError:
        return text


@dataclass(frozen=True, slots=True)
class RowCodec:
    """Grid rows <-> compact URL text: rows joined by ``;``, cells by ``sep``, in ``fields`` order.

    Parameters
    ----------
    fields : tuple of str
        The row keys, in the order their cells are written.
    sep : str
        Separator of the cells of one row (``,`` or ``:``); ``cell`` must remove it and ``;``.
    cell : callable
        One value -> its text in the URL (``None`` and ``""`` are written as empty before it
        is called).
    readers : mapping of str to callable, optional
        Fields read back by their own function of the cell text; every other field is read by
        :func:`number_or_text`.

    Examples
    --------
    >>> codec = RowCodec(("name", "qty"), ",", str, {"name": str.strip})
    >>> codec.to_text([{"name": "AAPL", "qty": 10}, {"name": "JPM", "qty": None}])
    'AAPL,10;JPM,'
    >>> codec.from_text("AAPL,10;JPM,")
    [{'name': 'AAPL', 'qty': 10.0}, {'name': 'JPM', 'qty': None}]
    """

    fields: tuple[str, ...]
    sep: str
    cell: Callable[[Any], str]
    readers: Mapping[str, Callable[[str], Any]] = field(default_factory=dict)

    def to_text(self, rows: Sequence[Mapping] | None) -> str:
        """Rows -> URL text (cells kept as typed, so an incomplete row is not lost).

        Parameters
        ----------
        rows : sequence of mappings, or None
            Grid rows keyed by :attr:`fields` (missing keys are written empty).

        Returns
        -------
        str
            ``cell<sep>cell;cell<sep>cell`` ; ``""`` for no rows.
        """
        def one(v: Any) -> str:
            return "" if v in (None, "") else self.cell(v)
        return ";".join(self.sep.join(one(r.get(f)) for f in self.fields) for r in rows or [])

    def from_text(self, text: str | None) -> list[dict]:
        """Inverse of :meth:`to_text`: numbers parsed where they parse, blank rows skipped.

        Parameters
        ----------
        text : str or None
            URL text as written by :meth:`to_text` (or typed by hand).

        Returns
        -------
        list of dict
            One dict per non-blank row with every key of :attr:`fields`.
        """
        n = len(self.fields)
        rows = []
        for part in [p for p in (text or "").split(";") if p.strip()]:
            bits = (part.split(self.sep) + [""] * n)[:n]
            rows.append({f: self.readers.get(f, number_or_text)(b) for f, b in zip(self.fields, bits)})
        return rows


def link_key(query: Mapping, name: str = "data") -> str | None:
    """The upload key a page URL carries (``?data=<64 hex>``), or ``None`` (absent or not a key:
    a hand-edited link opens the page's default data).

    Parameters
    ----------
    query : mapping
        The page URL's parsed query.
    name : str
        The parameter holding the key (``data``; Portfolio's sector map uses ``sectors``).

    Returns
    -------
    str or None
        The 64-hex-digit blob key, lower case.

    Examples
    --------
    >>> link_key({"data": "AB" * 32}) == "ab" * 32, link_key({"data": "nope"})
    (True, None)
    """
    value = str(query.get(name) or "").strip().lower()
    return value if len(value) == 64 and all(c in "0123456789abcdef" for c in value) else None


def with_data(query: str, **keys: dict | str | None) -> str:
    """``query`` (``"?a=1"``) with ``name=<key>`` for each upload record (or key) given; a
    ``None`` record removes the parameter. Keeps the other parameters in order.

    Parameters
    ----------
    query : str
        A URL query string, with or without its leading ``?``.
    **keys : dict, str or None
        Parameter name -> upload record ``{"key", "name", "size"}``, a bare key, or ``None``.

    Returns
    -------
    str
        The new query string, starting with ``?``.

    Examples
    --------
    >>> with_data("?vol=20&data=old", data={"key": "k1", "name": "a.csv", "size": 3})
    '?vol=20&data=k1'
    """
    pairs = [(k, v) for k, v in parse_qsl(str(query or "").lstrip("?"), keep_blank_values=True)
             if k not in keys]
    for name, record in keys.items():
        key = record.get("key") if isinstance(record, dict) else record
        if key:
            pairs.append((name, str(key)))
    return "?" + urlencode(pairs)

