"""A book of positions (options, stock or index units, cash) and its CSV layouts.

Canonical CSV layout (what :meth:`Book.to_csv` writes; header names are case-insensitive)::

    symbol,quantity,trade_price,multiplier
    SPX 2011-03-19 1250 P,-10,31.40,100
    SPXW 180216P02600000,5,12.10,100
    SPX,2,1290.59,1
    CASH,100000,1,1

* ``symbol``: an option as ``ROOT YYYY-MM-DD STRIKE C|P`` (the readable form) or an OCC symbol
  ``ROOT YYMMDD C|P STRIKE*1000`` with the strike on 8 digits (``SPXW 180216P02600000``, spaces
  optional); a bare ticker (``SPX``, ``SPY``) is units of the underlying; ``CASH`` or ``USD`` is
  cash in currency.
* ``quantity``: contracts (options), units (stock) or currency (cash); negative is short.
* ``trade_price``: per unit of the instrument (option premium per share of the underlying, stock
  price), currency. Optional: empty means "unknown" (the P/L since trade is then not shown).
* ``multiplier``: optional; default 100 for options, 1 otherwise.

A broker export is read as well: any file with a symbol column (``symbol``, ``contract``,
``description``, ``instrument``), a quantity column (``quantity``, ``qty``, ``position``,
``pos``) and optionally a price column (``trade_price``, ``price``, ``avg_price``,
``average cost``, ``cost``). Rows that cannot be read become messages (1-based data row numbers,
saying what to fix); the rest of the book is kept.
"""
from __future__ import annotations

import base64
import datetime as _dt
import io
import math
import os
import re
from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd

from core.errors import DataError
from core._typing import DateLike, SourceLike
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # names used in annotations only
    from core.strategies.legs import Leg

__all__ = ["Position", "Book", "parse_symbol", "read_rows", "KINDS"]

KINDS = ("call", "put", "stock", "cash")
_OCC = re.compile(r"^(?P<root>[A-Z0-9.^]{1,6}?)\s*(?P<ymd>\d{6})(?P<cp>[CP])(?P<strike>\d{8})$")
_READABLE = re.compile(r"^(?P<root>[A-Z0-9.^]{1,6})\s+(?P<date>\d{4}-\d{2}-\d{2})\s+"
                       r"(?P<strike>\d+(?:\.\d+)?)\s*(?P<cp>C|P|CALL|PUT)$")
_TICKER = re.compile(r"^[A-Z][A-Z0-9.^]{0,9}$")
_CASH = ("CASH", "USD", "$")
_SYMBOL_COLS = ("symbol", "contract", "description", "instrument", "contractsymbol", "occsymbol")
_QTY_COLS = ("quantity", "qty", "position", "pos", "amount")
_PRICE_COLS = ("tradeprice", "price", "avgprice", "averageprice", "averagecost", "cost",
               "entryprice")
_MULT_COLS = ("multiplier", "mult", "contractsize")


@dataclass(frozen=True, slots=True)
class Position:
    """One line of a book.

    Attributes
    ----------
    kind : str
        'call', 'put', 'stock' (units of an underlying or index) or 'cash'.
    quantity : float
        Contracts, units or currency; negative is short.
    underlying : str
        Root or ticker ('SPX'); options on SPXW/SPX both value off the same market.
    strike : float
        Currency (NaN for stock and cash).
    expiry : datetime.date or None
        Expiry date of an option.
    multiplier : float
        Units of the underlying per contract (100 for listed index options).
    trade_price : float
        Price paid per unit (NaN when unknown).
    """

    kind: str
    quantity: float
    underlying: str = "SPX"
    strike: float = math.nan
    expiry: _dt.date | None = None
    multiplier: float = 1.0
    trade_price: float = math.nan

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise DataError(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        q = _num(self.quantity, "quantity")
        if q == 0:
            raise DataError("quantity is 0: enter a non-zero quantity (negative = short) or "
                            "delete the row")
        object.__setattr__(self, "quantity", q)
        m = _num(self.multiplier, "multiplier")
        if m <= 0:
            raise DataError(f"multiplier must be > 0, got {self.multiplier}")
        object.__setattr__(self, "multiplier", m)
        tp = self.trade_price
        tp = math.nan if tp is None or (isinstance(tp, str) and not tp.strip()) else tp
        tp = _num(tp, "trade_price", allow_nan=True)
        if math.isfinite(tp) and tp < 0:
            raise DataError(f"trade_price must be >= 0, got {tp}")
        object.__setattr__(self, "trade_price", tp)
        if self.kind in ("call", "put"):
            k = _num(self.strike, "strike")
            if not k > 0:
                raise DataError(f"strike must be > 0, got {self.strike}")
            object.__setattr__(self, "strike", k)
            if not isinstance(self.expiry, _dt.date):
                raise DataError("an option needs an expiry date (YYYY-MM-DD)")
            if isinstance(self.expiry, _dt.datetime):
                object.__setattr__(self, "expiry", self.expiry.date())
        else:
            object.__setattr__(self, "strike", math.nan)
            object.__setattr__(self, "expiry", None)

    @property
    def is_option(self) -> bool:
        """True for calls and puts."""
        return self.kind in ("call", "put")

    @property
    def symbol(self) -> str:
        """Readable symbol: ``SPX 2011-03-19 1250 P``, ``SPX`` or ``CASH``."""
        if self.kind == "cash":
            return "CASH"
        if self.kind == "stock":
            return self.underlying
        return (f"{self.underlying} {self.expiry.isoformat()} {self.strike:g} "
                f"{'C' if self.kind == 'call' else 'P'}")

    def to_dict(self) -> dict:
        """JSON-ready dict.

        Returns
        -------
        dict
            The fields as plain Python data (what crosses a ``dcc.Store``); :meth:`from_dict`
            reads it back.
        """
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["expiry"] = None if self.expiry is None else self.expiry.isoformat()
        for key in ("strike", "trade_price"):
            d[key] = None if not math.isfinite(d[key]) else d[key]
        return d

    @classmethod
    def from_dict(cls, data: dict) -> Position:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        Position
        """
        d = dict(data)
        d["expiry"] = None if d.get("expiry") in (None, "") else _dt.date.fromisoformat(d["expiry"])
        for key in ("strike", "trade_price"):
            d[key] = math.nan if d.get(key) is None else d[key]
        return cls(**d)


def _num(value, name: str, *, allow_nan: bool = False) -> float:
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace("$", "")
        if text.startswith("(") and text.endswith(")"):      # broker negative: (10)
            text = "-" + text[1:-1]
        value = text
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise DataError(f"{name} {value!r} is not a number: enter a plain number") from None
    if math.isnan(x) and allow_nan:
        return x
    if not math.isfinite(x):
        raise DataError(f"{name} is empty or not finite ({value!r}): enter a number")
    return x


def parse_symbol(symbol: str) -> dict:
    """Read a symbol into ``kind, underlying, strike, expiry``.

    Accepts OCC (``SPXW 180216P02600000``), readable (``SPX 2011-02-19 1300 P``), a bare ticker
    (stock or index units) and ``CASH``/``USD``. Raises :class:`DataError` saying which forms
    are accepted.

    Parameters
    ----------
    symbol : str
        The symbol as typed (case and spacing are normalised).

    Returns
    -------
    dict
        ``kind`` ('call', 'put', 'stock' or 'cash') and ``underlying``; options also ``strike``
        (index points) and ``expiry`` (``datetime.date``).

    Raises
    ------
    DataError
        An empty or unreadable symbol, or an impossible date.
    """
    s = re.sub(r"\s+", " ", str(symbol or "").strip().upper())
    if not s:
        raise DataError("symbol is empty: enter e.g. 'SPX 2011-03-19 1250 P', an OCC symbol "
                        "'SPXW 180216P02600000', a ticker or CASH")
    if s in _CASH:
        return {"kind": "cash", "underlying": "USD"}
    m = _OCC.match(s.replace(" ", "")) or _OCC.match(s)
    if m:
        ymd = m["ymd"]
        try:
            expiry = _dt.date(2000 + int(ymd[:2]), int(ymd[2:4]), int(ymd[4:]))
        except ValueError:
            raise DataError(f"symbol {symbol!r}: {ymd} is not a valid YYMMDD date") from None
        return {"kind": "call" if m["cp"] == "C" else "put", "underlying": m["root"],
                "strike": int(m["strike"]) / 1000.0, "expiry": expiry}
    m = _READABLE.match(s)
    if m:
        try:
            expiry = _dt.date.fromisoformat(m["date"])
        except ValueError:
            raise DataError(f"symbol {symbol!r}: {m['date']} is not a valid date") from None
        return {"kind": "call" if m["cp"].startswith("C") else "put", "underlying": m["root"],
                "strike": float(m["strike"]), "expiry": expiry}
    if _TICKER.match(s):
        return {"kind": "stock", "underlying": s}
    raise DataError(f"symbol {symbol!r} is not recognised: use 'ROOT YYYY-MM-DD STRIKE C|P' "
                    f"(e.g. 'SPX 2011-03-19 1250 P'), OCC 'SPXW 180216P02600000', a ticker, "
                    f"or CASH")


def _key(name) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def _read(source) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        return source.reset_index(drop=True)
    if isinstance(source, (list, tuple)):
        return pd.DataFrame(list(source))
    if isinstance(source, str) and source.startswith("data:"):
        try:
            source = base64.b64decode(source.split(",", 1)[1])
        except (IndexError, ValueError):
            raise DataError("the upload is not a readable data URL: upload a CSV file") from None
    if isinstance(source, (bytes, bytearray)):
        if b"\x00" in bytes(source[:4096]):
            raise DataError("the file is not CSV text (binary content): upload a CSV book")
        text = bytes(source).decode("utf-8-sig", errors="replace")
    elif isinstance(source, (str, os.PathLike)) and "\n" not in str(source) \
            and os.path.isfile(str(source)):
        with open(source, encoding="utf-8-sig", errors="replace") as fh:
            text = fh.read()
    elif isinstance(source, str):
        text = source
    elif hasattr(source, "read"):
        raw = source.read()
        text = raw.decode("utf-8-sig", errors="replace") if isinstance(raw, bytes) else raw
    else:
        raise DataError(f"source must be a path, CSV text, bytes or a DataFrame, got "
                        f"{type(source).__name__}")
    if not text.strip():
        raise DataError("the book file is empty: expected a header row "
                        "'symbol,quantity,trade_price[,multiplier]' and one row per position")
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                           skipinitialspace=True)
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataError(f"could not read the book as CSV ({str(exc).splitlines()[-1][:120]}): "
                        f"check the delimiter and the number of fields per row") from None


def _col(keys: dict, names) -> str | None:
    for n in names:
        if n in keys:
            return keys[n]
    return None


def _blank(v) -> bool:
    if v is None:
        return True
    if isinstance(v, str):
        return not v.strip() or v.strip().lower() in ("nan", "none")
    return isinstance(v, float) and math.isnan(v)


def _row_position(row: dict, cols: dict) -> Position:
    sym_col, kind_col = cols["symbol"], cols["kind"]
    if sym_col is not None and not _blank(row.get(sym_col)):
        info = parse_symbol(row[sym_col])
    elif kind_col is not None:
        kind = str(row.get(kind_col) or "").strip().lower()
        kind = {"c": "call", "p": "put", "s": "stock"}.get(kind, kind)
        info = {"kind": kind, "underlying": str(row.get(cols["underlying"]) or "SPX").strip()
                .upper() or "SPX"}
        if kind in ("call", "put"):
            info["strike"] = _num(row.get(cols["strike"]), "strike")
            try:
                info["expiry"] = pd.Timestamp(str(row.get(cols["expiry"]))).date()
            except (ValueError, TypeError):
                raise DataError(f"expiry {row.get(cols['expiry'])!r} is not a date: use "
                                f"YYYY-MM-DD") from None
    else:
        raise DataError("symbol is empty")
    if cols["quantity"] is None:
        raise DataError("no quantity")
    qty = row.get(cols["quantity"])
    if _blank(qty):
        raise DataError("quantity is empty: enter a non-zero number (negative = short)")
    mult = row.get(cols["multiplier"]) if cols["multiplier"] else None
    if _blank(mult):
        mult = 100.0 if info["kind"] in ("call", "put") else 1.0
    price = row.get(cols["price"]) if cols["price"] else None
    price = math.nan if _blank(price) else price
    return Position(quantity=qty, multiplier=mult, trade_price=price, **info)


def read_rows(source: SourceLike) -> list[dict] | None:
    """The rows of a book file as typed, in the canonical keys ``symbol, quantity,
    trade_price, multiplier`` (any accepted header spelling), so bad rows can be shown and
    fixed; None when the file has no symbol column (the kind/strike/expiry layout).

    Parameters
    ----------
    source : str, os.PathLike, bytes, file-like or pandas.DataFrame
        A book file as :meth:`Book.from_csv` accepts it.

    Returns
    -------
    list of dict or None
        One dict per file row with keys ``symbol``, ``quantity``, ``trade_price`` and
        ``multiplier`` (cells as typed, not validated); ``None`` for the kind/strike/expiry
        layout.
    """
    frame = _read(source)
    keys = {_key(c): c for c in frame.columns}
    cols = {"symbol": _col(keys, _SYMBOL_COLS), "quantity": _col(keys, _QTY_COLS),
            "trade_price": _col(keys, _PRICE_COLS), "multiplier": _col(keys, _MULT_COLS)}
    if cols["symbol"] is None or cols["quantity"] is None:
        return None
    def cell(key, v):
        if _blank(v):
            return None
        if key == "symbol":
            return str(v).strip()
        try:
            return _num(v, key)
        except DataError:
            return v
    return [{k: cell(k, row.get(c)) if c is not None else None for k, c in cols.items()}
            for row in frame.to_dict("records")]


@dataclass(frozen=True, slots=True)
class Book:
    """An ordered collection of :class:`Position`, with the messages of rows left out.

    Attributes
    ----------
    positions : tuple of Position
    errors : tuple of str
        One message per input row that could not be read ("Row 3: ... — left out").
    name : str
    row_numbers : tuple of int
        The 1-based input row of each position (from :meth:`from_rows`), for messages.

    Examples
    --------
    >>> book = Book.from_csv("symbol,quantity,trade_price\\n"
    ...                      "SPX,10,2500\\n"
    ...                      "SPX 2019-03-15 2500 P,-2,80\\n")
    >>> [(p.kind, p.quantity, p.strike, p.multiplier) for p in book.positions]
    [('stock', 10.0, nan, 1.0), ('put', -2.0, 2500.0, 100.0)]
    >>> book.positions[1].expiry.isoformat()
    '2019-03-15'
    >>> Book.from_csv(book.to_csv()) == book
    True
    """

    positions: tuple[Position, ...] = ()
    errors: tuple[str, ...] = ()
    name: str = ""
    row_numbers: tuple[int, ...] = field(default=(), repr=False, compare=False)
    _arrays: dict = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        pos = tuple(self.positions)
        for i, p in enumerate(pos):
            if not isinstance(p, Position):
                raise DataError(f"positions[{i}] must be a Position, got {type(p).__name__}")
        object.__setattr__(self, "positions", pos)
        object.__setattr__(self, "errors", tuple(self.errors))
        object.__setattr__(self, "_arrays", self._build_arrays())

    def __len__(self) -> int:
        return len(self.positions)

    # -- arrays for vectorised valuation ----------------------------------------------------
    def arrays(self) -> dict[str, np.ndarray]:
        """Column arrays (computed once, read-only): kind, underlying, symbol (object),
        quantity, multiplier, strike, trade_price, expiry (datetime64[D], NaT for non-options),
        is_call, is_option.

        Returns
        -------
        dict of str to numpy.ndarray
            One array per name above, length ``len(book)``; strikes and prices in currency.
        """
        return self._arrays

    def _build_arrays(self) -> dict[str, np.ndarray]:
        p = self.positions
        kind = np.array([x.kind for x in p], dtype=object)
        return {
            "kind": kind,
            "quantity": np.array([x.quantity for x in p], dtype=np.float64),
            "multiplier": np.array([x.multiplier for x in p], dtype=np.float64),
            "strike": np.array([x.strike for x in p], dtype=np.float64),
            "trade_price": np.array([x.trade_price for x in p], dtype=np.float64),
            "expiry": np.array([np.datetime64(x.expiry, "D") if x.expiry else np.datetime64("NaT")
                                for x in p], dtype="datetime64[D]"),
            "is_call": kind == "call",
            "is_option": (kind == "call") | (kind == "put"),
            "underlying": np.array([x.underlying for x in p], dtype=object),
            "symbol": np.array([x.symbol for x in p], dtype=object),
        }

    def frame(self) -> pd.DataFrame:
        """One row per position: symbol, kind, underlying, expiry, strike, quantity,
        multiplier, trade_price.

        Returns
        -------
        pandas.DataFrame
        """
        return pd.DataFrame([{"symbol": p.symbol, **p.to_dict()} for p in self.positions],
                            columns=["symbol", "kind", "quantity", "underlying", "strike",
                                     "expiry", "multiplier", "trade_price"])

    # -- constructors -----------------------------------------------------------------------
    @classmethod
    def from_rows(cls, rows: pd.DataFrame | Sequence[Mapping[str, Any]], *, name: str = "") -> Book:
        """Build from a table (DataFrame or list of dicts) in the canonical or broker layout,
        keeping the rows that parse and a message for each that does not.

        Parameters
        ----------
        rows : pandas.DataFrame or sequence of mappings
            Book rows (header spellings as in the module docstring).
        name : str
            The book's name.

        Returns
        -------
        Book
            The parsed positions; rows that did not parse are in :attr:`errors`.

        Raises
        ------
        DataError
            Without a symbol (or kind/strike/expiry) or quantity column.
        """
        frame = _read(rows)
        keys = {_key(c): c for c in frame.columns}
        cols = {"symbol": _col(keys, _SYMBOL_COLS), "quantity": _col(keys, _QTY_COLS),
                "price": _col(keys, _PRICE_COLS), "multiplier": _col(keys, _MULT_COLS),
                "kind": _col(keys, ("kind", "type", "putcall", "right")),
                "strike": _col(keys, ("strike",)), "expiry": _col(keys, ("expiry", "expiration")),
                "underlying": _col(keys, ("underlying", "root"))}
        if cols["quantity"] is None or (cols["symbol"] is None and cols["kind"] is None):
            raise DataError(f"the book needs a symbol column and a quantity column (found "
                            f"{', '.join(map(str, frame.columns)) or 'none'}): use the header "
                            f"'symbol,quantity,trade_price[,multiplier]'")
        positions, errors, numbers = [], [], []
        for i, row in enumerate(frame.to_dict("records"), start=1):
            if all(_blank(v) for v in row.values()):
                continue
            try:
                positions.append(_row_position(row, cols))
                numbers.append(i)
            except DataError as exc:
                label = str(row.get(cols["symbol"]) or "").strip() if cols["symbol"] else ""
                errors.append(f"Row {i}{f' ({label})' if label else ''}: {exc} — left out.")
        return cls(tuple(positions), tuple(errors), name, tuple(numbers))

    def label(self, i: int) -> str:
        """'Row n' (input row) or 'Position n' of position ``i`` (0-based).

        Parameters
        ----------
        i : int
            Position index, 0-based.

        Returns
        -------
        str
        """
        if len(self.row_numbers) == len(self.positions):
            return f"Row {self.row_numbers[i]}"
        return f"Position {i + 1}"

    @classmethod
    def from_csv(cls, source: SourceLike, *, name: str = "") -> Book:
        """Read a book from a path, CSV text/bytes, a ``dcc.Upload`` data URL or a DataFrame
        (layouts in the module docstring). Bad rows become :attr:`errors`; a missing symbol or
        quantity column raises :class:`DataError`.

        Parameters
        ----------
        source : str, os.PathLike, bytes, file-like or pandas.DataFrame
            The book file.
        name : str
            The book's name.

        Returns
        -------
        Book
        """
        return cls.from_rows(source, name=name)

    def to_csv(self) -> str:
        """The canonical CSV (``symbol,quantity,trade_price,multiplier``); ``from_csv`` reads
        it back to an equal book.

        Returns
        -------
        str
            CSV text with a header line.
        """
        out = io.StringIO()
        out.write("symbol,quantity,trade_price,multiplier\n")
        for p in self.positions:
            price = "" if not math.isfinite(p.trade_price) else repr(p.trade_price)
            out.write(f"{p.symbol},{p.quantity!r},{price},{p.multiplier!r}\n")
        return out.getvalue()

    @classmethod
    def from_legs(cls, legs: Sequence[Leg], expiry_dates: Sequence[DateLike | None], *,
                  underlying: str = "SPX", multiplier: float = 100.0, contracts: float = 1.0,
                  name: str = "") -> Book:
        """A book from strategy legs (``core.strategies.Leg``-like objects with ``kind``,
        ``strike``, ``qty``, ``price``) and one expiry date per leg (ignored for stock legs).
        ``contracts`` scales every quantity.

        Parameters
        ----------
        legs : sequence of Leg
            Strategy legs (strikes and prices per unit, currency).
        expiry_dates : sequence of date-like or None
            One expiry date per leg.
        underlying : str
            Option root of the symbols, e.g. ``"SPX"``.
        multiplier : float
            Contract multiplier of the options.
        contracts : float
            Contracts per unit of leg quantity.
        name : str
            The book's name.

        Returns
        -------
        Book
        """
        positions = []
        for leg, exp in zip(legs, expiry_dates):
            if leg.kind == "stock":
                positions.append(Position("stock", leg.qty * contracts * multiplier,
                                          underlying, trade_price=leg.price))
            else:
                d = pd.Timestamp(exp).date()
                positions.append(Position(leg.kind, leg.qty * contracts, underlying,
                                          float(leg.strike), d, multiplier, leg.price))
        return cls(tuple(positions), name=name)

    @classmethod
    def from_weights(cls, weights: dict, prices: dict, notional: float, *,
                     name: str = "") -> Book:
        """Share counts ``weight * notional / price`` for each ticker (Portfolio page).

        Parameters
        ----------
        weights : dict
            Ticker -> weight, fraction of ``notional``.
        prices : dict
            Ticker -> price per share, currency.
        notional : float
            Capital allocated, currency, > 0.
        name : str
            The book's name.

        Returns
        -------
        Book
            Stock positions at the given prices.

        Raises
        ------
        DataError
            A notional that is not a positive number, or a ticker without a positive price.
        """
        if not (math.isfinite(notional) and notional > 0):
            raise DataError(f"notional must be > 0, got {notional}")
        positions = []
        for ticker, w in weights.items():
            if abs(float(w)) < 1e-12:
                continue
            px = float(prices[ticker])
            if not px > 0:
                raise DataError(f"price of {ticker} must be > 0, got {px}")
            positions.append(Position("stock", float(w) * notional / px, str(ticker).upper(),
                                      trade_price=px))
        return cls(tuple(positions), name=name)

    def with_positions(self, extra: Book | Sequence[Position]) -> Book:
        """This book with more positions appended (e.g. hedge trades).

        Parameters
        ----------
        extra : Book or sequence of Position
            Positions to append.

        Returns
        -------
        Book
            A new book (errors and name kept).
        """
        more = extra.positions if isinstance(extra, Book) else tuple(extra)
        return Book(self.positions + tuple(more), self.errors, self.name)

    def to_dict(self) -> dict:
        """JSON-ready dict.

        Returns
        -------
        dict
            The fields as plain Python data (what crosses a ``dcc.Store``); :meth:`from_dict`
            reads it back.
        """
        return {"positions": [p.to_dict() for p in self.positions], "errors": list(self.errors),
                "name": self.name}

    @classmethod
    def from_dict(cls, data: dict) -> Book:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        Book
        """
        return cls(tuple(Position.from_dict(p) for p in data.get("positions", ())),
                   tuple(data.get("errors", ())), data.get("name", ""))
