"""Reading an option-chain source into a table, and recognising its layout.

:func:`read_table` turns a path, bytes, text, data URL, file-like object or DataFrame into a
``DataFrame``. Before pandas parses anything, :mod:`core.data.limits` caps the bytes (also after
gzip/zip inflation, whatever a zip header claims), the header's columns, the rows and the line
length; binaries and Excel workbooks are refused, UTF-16 is decoded. :func:`normalise`
recognises the column layout and maps it onto the canonical columns
``expiry, strike, type, bid, ask[, quote_date, spot, root, last_trade]``:

=================  ===========================================================================
format             recognised by (column names, case/space/underscore-insensitive)
=================  ===========================================================================
``cboe``           ``bid_eod``/``ask_eod`` (CBOE DataShop): end-of-day bid/ask, spot = mid of
                   ``underlying_bid_eod``/``_ask_eod``; a file with only ``bid_1545``/``ask_1545``
                   uses the 15:45 snapshot (and its underlying bid/ask), and says so
``vendor``         ``contractSymbol`` (yfinance-like); missing ``option_type``, ``expiration``
                   or ``strike`` are read from the OCC symbol; ``lastTradeDate`` gives the quote
                   date (its latest day) when there is no quote date
``sample``         ``PBid``/``PAsk``/``dtExpiry`` (the embedded pyql SPX sample)
``hod``            ``underlying_last`` (historicaloptiondata): spot = ``underlying_last``,
                   quote date ``quotedate``, root from ``optionroot``
``l3``             ``DataDate`` (historicaloptiondata L3): spot = ``UnderlyingPrice``
``optionmetrics``  ``cp_flag``/``best_offer``: ``strike_price`` is strike x 1000 (the loader
                   detects the scale from put-call parity and divides)
``canonical``      ``expiry, strike, type, bid, ask[, quote_date, spot, root]`` (and aliases;
                   ``underlying`` is the spot only when it holds numbers)
=================  ===========================================================================
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.data._text import check_fields, csv_text, numbers
from core.data.limits import (MAX_BYTES, byte_limit, MAX_COLUMNS, MAX_FIELD_CHARS, MAX_ROWS, decompress,
                              plain, read_bytes)
from core.errors import DataError
from core._typing import SourceLike

__all__ = ["MAX_BYTES", "MAX_ROWS", "FORMATS", "read_table", "normalise", "Normalised"]

_OCC = re.compile(r"^\s*(?P<root>[A-Za-z0-9.^]{1,6}?)\s*(?P<ymd>\d{6})(?P<cp>[CcPp])"
                  r"(?P<strike>\d{8})\s*$")


#: The root at the start of an option symbol: SPXW180131C01200000, 'SPX 240621C100000'.
_SYMBOL_ROOT = re.compile(r"^([A-Z0-9.^]{1,6}?)\s*\d{6}[CP]\d+")


def _key(name) -> str:
    """Normalised column key: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


@dataclass(frozen=True)
class _Format:
    name: str
    label: str
    required: dict[str, tuple[str, ...]]   # canonical column -> accepted keys (first = display)
    optional: dict[str, tuple[str, ...]]
    signature: tuple[str, ...]              # any of these keys present -> this format
    display: str                            # expected columns, as shown in messages


_ROOT = ("root", "option_root", "optionroot", "option_symbol", "optionsymbol", "occ_symbol")
_UNDERLYING = ("underlying_symbol", "underlying", "underlyingsymbol", "ticker", "symbol")
_SPOT = ("spot", "spot_price", "underlying_last", "underlying_price", "underlying_close",
         "active_underlying_price", "underlying")

FORMATS: tuple[_Format, ...] = (
    _Format(
        "cboe", "CBOE DataShop end-of-day",
        required={"expiry": ("expiration",), "strike": ("strike",),
                  "type": ("option_type",), "bid": ("bid_eod",), "ask": ("ask_eod",)},
        optional={"quote_date": ("quote_date",), "_ubid": ("underlying_bid_eod",),
                  "_uask": ("underlying_ask_eod",), "_underlying": ("underlying_symbol",),
                  "root": ("root",)},
        signature=("bideod", "askeod", "underlyingbideod", "bid1545"),
        display="underlying_symbol, quote_date, root, expiration, strike, option_type, ..., "
                "bid_eod, ask_eod (or bid_1545, ask_1545), underlying_bid_eod, "
                "underlying_ask_eod (CBOE DataShop)"),
    _Format(
        "vendor", "vendor (contractSymbol) layout",
        required={"_symbol": ("contractSymbol",), "bid": ("bid",), "ask": ("ask",)},
        optional={"strike": ("strike",), "type": ("option_type", "type", "optionType"),
                  "expiry": ("expiration", "expiry", "expirationDate"),
                  "quote_date": ("quote_date",), "spot": ("underlyingPrice", "spot"),
                  "last_trade": ("lastTradeDate", "last_trade_date")},
        signature=("contractsymbol",),
        display="contractSymbol, strike, bid, ask[, option_type, expiration, lastTradeDate] "
                "(vendor)"),
    _Format(
        "sample", "pyql sample layout",
        required={"bid": ("PBid",), "ask": ("PAsk",), "type": ("Type",),
                  "strike": ("Strike",), "expiry": ("dtExpiry",)},
        optional={"quote_date": ("dtTrade",), "spot": ("Spot",)},
        signature=("pbid", "pask", "dtexpiry"),
        display="PBid, PAsk, Type, Strike, dtExpiry[, dtTrade, Spot] (sample)"),
    _Format(
        "hod", "historicaloptiondata layout",
        required={"expiry": ("expiration",), "strike": ("strike",), "type": ("type",),
                  "bid": ("bid",), "ask": ("ask",)},
        optional={"quote_date": ("quotedate", "quote_date"), "spot": ("underlying_last",),
                  "root": ("optionroot",), "_underlying": ("underlying",)},
        signature=("underlyinglast",),
        display="underlying, underlying_last, optionroot, type, expiration, quotedate, strike, "
                "bid, ask (historicaloptiondata)"),
    _Format(
        "l3", "historicaloptiondata L3 layout",
        required={"expiry": ("Expiration",), "strike": ("Strike",), "type": ("Type",),
                  "bid": ("Bid",), "ask": ("Ask",)},
        optional={"quote_date": ("DataDate",), "spot": ("UnderlyingPrice",),
                  "root": ("OptionRoot", "OptionSymbol"), "_underlying": ("UnderlyingSymbol",)},
        signature=("datadate",),
        display="UnderlyingSymbol, UnderlyingPrice, OptionSymbol, Type, Expiration, DataDate, "
                "Strike, Bid, Ask (L3)"),
    _Format(
        "optionmetrics", "OptionMetrics layout",
        required={"expiry": ("exdate",), "strike": ("strike_price",), "type": ("cp_flag",),
                  "bid": ("best_bid",), "ask": ("best_offer",)},
        optional={"quote_date": ("date",), "root": ("root", "symbol"),
                  "_underlying": ("ticker", "secid")},
        signature=("cpflag", "bestoffer"),
        display="secid, date, symbol, exdate, cp_flag, strike_price (x 1000), best_bid, "
                "best_offer (OptionMetrics)"),
    _Format(
        "canonical", "canonical CSV",
        required={"expiry": ("expiry", "expiration", "expiration_date", "expiry_date",
                             "maturity", "exdate"),
                  "strike": ("strike", "strike_price"),
                  "type": ("type", "option_type", "cp", "call_put", "put_call", "cp_flag",
                           "right"),
                  "bid": ("bid", "bid_price", "best_bid"),
                  "ask": ("ask", "ask_price", "offer", "best_offer")},
        optional={"quote_date": ("quote_date", "date", "trade_date", "as_of", "as_of_date",
                                 "data_date"),
                  "spot": _SPOT, "root": _ROOT, "_underlying": _UNDERLYING},
        signature=(),
        display="expiry, strike, type, bid, ask[, quote_date, spot, root] (canonical)"),
)
_BY_NAME = {f.name: f for f in FORMATS}


@dataclass(frozen=True)
class Normalised:
    """A source mapped onto canonical columns (raw cell values, not yet validated)."""

    frame: pd.DataFrame
    format: str
    label: str
    notes: tuple[str, ...]
    sep: str = ","


# --------------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------------
def read_table(source: SourceLike, *, max_bytes: int | None = None) -> pd.DataFrame:
    """Read ``source`` into a DataFrame, raising :class:`DataError` with a fix on any problem.

    Parameters
    ----------
    source : str, os.PathLike, bytes, file-like or pandas.DataFrame
        A path; CSV text (a ``str`` holding a newline); a ``data:...;base64,`` URL as produced
        by ``dcc.Upload``; raw bytes (CSV, gzip or a zip holding one CSV); a binary or text
        file object; or a DataFrame (used as is).
    max_bytes : int, optional
        Largest accepted file in bytes, before and after decompression (default
        :data:`MAX_BYTES`; the app passes its upload limit).

    Returns
    -------
    pandas.DataFrame
        The table as read (columns and cells as in the file).

    Raises
    ------
    DataError
        Over the size, row, column or line limits, not CSV text, or unreadable.
    """
    limit = byte_limit(max_bytes, MAX_BYTES)
    if isinstance(source, pd.DataFrame):
        if len(source) > MAX_ROWS:
            raise DataError(f"the table has {len(source):,} rows; the limit is {MAX_ROWS:,}")
        if source.shape[1] > MAX_COLUMNS:
            raise DataError(f"the table has {source.shape[1]:,} columns; the limit is "
                            f"{MAX_COLUMNS:,}")
        if source.shape[1] == 0 or len(source) == 0:
            raise DataError("the table is empty: expected option quotes, one row per quote")
        frame = source.reset_index(drop=True)
        frame.attrs = {"read_notes": ()}
        return frame
    data = read_bytes(source, limit=limit, hint=_HINT)
    frame, notes = _parse_bytes(data, limit)
    frame.attrs["read_notes"] = notes
    return frame


_HINT = "upload a smaller chain (e.g. one underlying and one quote date)"


def _parse_bytes(data: bytes, limit: int | None = None) -> tuple[pd.DataFrame, tuple[str, ...]]:
    data = decompress(data, limit=MAX_BYTES if limit is None else limit)
    text, sep, notes = csv_text(
        data, empty="the file is empty: expected a CSV of option quotes with a header row",
        binary="the file is not CSV text (binary content): upload a comma-separated file of "
               "option quotes", max_columns=MAX_COLUMNS, max_rows=MAX_ROWS)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, skipinitialspace=True,
                            skip_blank_lines=True)
    except pd.errors.EmptyDataError as exc:
        raise DataError("the file is empty: expected a CSV of option quotes with a header "
                        "row") from exc
    except (pd.errors.ParserError, ValueError, UnicodeError, OverflowError, csv.Error,
            IndexError, TypeError) as exc:
        msg = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise DataError(f"could not parse the file as CSV ({msg[:160]}): check the delimiter "
                        f"and that every row has the header's number of fields") from exc
    if len(frame) == 0:
        raise DataError("the file has a header but no data rows")
    if len(frame) > MAX_ROWS:
        raise DataError(f"the file has {len(frame):,} rows; the limit is {MAX_ROWS:,}")
    check_fields(frame, MAX_FIELD_CHARS, cells='"' in text)
    frame.attrs["sep"] = sep
    return frame, notes


# --------------------------------------------------------------------------------------------
# layout detection
# --------------------------------------------------------------------------------------------
def _lookup(keys: dict[str, str], aliases: tuple[str, ...], frame: pd.DataFrame | None = None,
            want: str | None = None) -> str | None:
    """The first column named by ``aliases``; with ``want`` = 'number' or 'text', the first
    whose cells are (mostly) numbers or text (``underlying`` may be a ticker or a price)."""
    for alias in aliases:
        col = keys.get(_key(alias))
        if col is None:
            continue
        if want is not None and frame is not None:
            sample = frame[col].dropna().head(50)
            numeric = bool(len(sample)) and np.isfinite(numbers(sample)).mean() > 0.5
            if numeric != (want == "number"):
                continue
        return col
    return None


def _expected_all() -> str:
    return "; or ".join(f.display for f in (_BY_NAME["canonical"], _BY_NAME["sample"],
                                             _BY_NAME["cboe"], _BY_NAME["vendor"]))


def _detect(keys: dict[str, str]) -> _Format:
    for fmt in FORMATS:
        if any(sig in keys for sig in fmt.signature):
            return fmt
    return _BY_NAME["canonical"]


def normalise(frame: pd.DataFrame) -> Normalised:
    """Recognise the layout of ``frame`` and map it onto canonical columns.

    Returns a frame with columns ``expiry, strike, type, bid, ask`` and, when the source has
    them, ``quote_date`` and ``spot`` — cell values still raw (strings, numbers or dates);
    :mod:`core.data.cleaning` validates them.

    Parameters
    ----------
    frame : pandas.DataFrame
        A table from :func:`read_table`.

    Returns
    -------
    Normalised
        The canonical frame, the recognised ``format`` and its ``label``, notes on what was
        mapped, and the separator.

    Raises
    ------
    DataError
        When no known layout matches, naming the columns that are missing.
    """
    keys: dict[str, str] = {}
    for col in frame.columns:
        keys.setdefault(_key(col), col)
    fmt = _detect(keys)
    found: dict[str, str] = {}
    missing: list[str] = []
    notes = [f"Format: {fmt.label}."] + list(frame.attrs.get("read_notes", ()))
    required = dict(fmt.required)
    if fmt.name == "cboe" and "bideod" not in keys and "askeod" not in keys \
            and "bid1545" in keys and "ask1545" in keys:
        required.update(bid=("bid_1545",), ask=("ask_1545",))
        notes.append("Bid and ask from the 15:45 snapshot (bid_1545, ask_1545): the file has "
                     "no end-of-day columns.")
    for canon, aliases in required.items():
        col = _lookup(keys, aliases)
        if col is None:
            missing.append(aliases[0])
        else:
            found[canon] = col
    if missing:
        shown = ", ".join(plain(c, 40) for c in list(frame.columns)[:12])
        more = ", ..." if frame.shape[1] > 12 else ""
        which = ", ".join(repr(m) for m in missing)
        plural = "s" if len(missing) > 1 else ""
        raise DataError(f"missing column{plural} {which} ({fmt.label}): expected columns "
                        f"{_expected_all()}. Found columns: {shown}{more}")
    for canon, aliases in fmt.optional.items():
        want = {"spot": "number", "_underlying": "text", "root": "text"}.get(canon)
        col = _lookup(keys, aliases, frame, want)
        if col is not None and col not in found.values():
            found[canon] = col

    out = pd.DataFrame({canon: frame[col] for canon, col in found.items()
                        if not canon.startswith("_")})
    if fmt.name == "cboe":
        out, cboe_notes = _cboe_extras(frame, found, out, keys,
                                       snapshot="1545" if "bid1545" in _key(found["bid"])
                                       else "eod")
        notes += cboe_notes
    elif fmt.name == "vendor":
        out = _vendor_extras(frame, found, out)
    if "_underlying" in found:
        notes += _one_underlying(frame[found["_underlying"]])
    if "spot" in found:
        notes.append(f"Spot from the {plain(found['spot'], 40)} column.")
    if "root" in out.columns:
        out["root"] = _roots(out["root"])
    if fmt.name == "optionmetrics" or _key(found.get("strike", "")) == "strikeprice":
        out.attrs["strike_column"] = str(found["strike"])
    for col in ("expiry", "strike", "type", "bid", "ask"):
        if col not in out.columns:   # vendor columns read from the symbol are always filled
            out[col] = np.nan
    return Normalised(out, fmt.name, fmt.label, tuple(notes), frame.attrs.get("sep", ","))


def _roots(s: pd.Series) -> pd.Series:
    """Option roots: the root of an OCC symbol (``SPXW180131C01200000`` -> ``SPXW``), else
    the cell itself, upper case."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    txt = pd.Series(np.asarray(uniques, dtype=object)).astype("str").str.strip().str.upper()
    occ = txt.str.extract(_SYMBOL_ROOT)[0]
    plain_root = txt.str.fullmatch(r"[A-Z0-9.^]{1,6}")
    roots = occ.where(occ.notna(), txt.where(plain_root, "")).where(txt != "NAN", "")
    mapped = np.append(roots.to_numpy(dtype=object), "")
    return pd.Series(mapped[codes], index=s.index, dtype=object)


def _family(symbol: str) -> str:
    """Underlying of a symbol or root: '^SPX', 'SPX', 'SPXW' and 'SPXPM' are all 'SPX'."""
    key = re.sub(r"^[\^$.]", "", symbol.upper())
    return re.sub(r"(PM|W|P)$", "", key) if len(key) > 3 else key


def _one_underlying(s: pd.Series) -> list[str]:
    symbols = pd.unique(s.dropna().astype(str).str.strip())
    symbols = [x for x in symbols if x]
    families = {_family(x) for x in symbols}        # SPX and SPXW are one underlying
    if len(families) > 1:
        listed = ", ".join(plain(x, 12) for x in sorted(symbols)[:6])
        raise DataError(f"the file holds options on {len(symbols)} underlyings ({listed}"
                        f"{', ...' if len(symbols) > 6 else ''}): upload one underlying "
                        f"per file")
    return [f"Underlying: {', '.join(plain(x, 12) for x in symbols[:3])}."] if symbols else []


def _cboe_extras(frame, found, out, keys, snapshot):
    notes = []
    ubid, uask = found.get("_ubid"), found.get("_uask")
    if snapshot == "1545":
        ubid, uask = keys.get("underlyingbid1545"), keys.get("underlyingask1545")
    if ubid is not None and uask is not None:
        ub = pd.to_numeric(frame[ubid], errors="coerce").to_numpy(dtype=float)
        ua = pd.to_numeric(frame[uask], errors="coerce").to_numpy(dtype=float)
        ok = (ub > 0) & (ua > 0) & (ua >= ub)
        out["spot"] = np.where(ok, 0.5 * (ub + ua), np.nan)
        if snapshot == "1545":
            notes.append("Spot: mid of underlying_bid_1545 and underlying_ask_1545.")
    elif snapshot == "1545" and "activeunderlyingprice1545" in keys:
        out["spot"] = frame[keys["activeunderlyingprice1545"]]
        notes.append("Spot from active_underlying_price_1545.")
    return out, notes


def _vendor_extras(frame, found, out):
    sym = frame[found["_symbol"]].astype("str")
    parts = sym.str.extract(_OCC)
    if "root" not in out.columns:
        out["root"] = parts["root"].str.upper()
    if "type" not in out.columns:
        out["type"] = parts["cp"].str.upper()
    if "expiry" not in out.columns:
        out["expiry"] = pd.to_datetime("20" + parts["ymd"], format="%Y%m%d", errors="coerce")
    if "strike" not in out.columns:
        out["strike"] = pd.to_numeric(parts["strike"], errors="coerce") / 1000.0
    else:
        # fill strike cells that are blank from the symbol
        strike = pd.to_numeric(out["strike"], errors="coerce")
        out["strike"] = strike.fillna(pd.to_numeric(parts["strike"], errors="coerce") / 1000.0)
    return out
