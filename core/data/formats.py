"""Reading an option-chain source into a table, and recognising its layout.

:func:`read_table` turns a path, bytes, text, data URL, file-like object or DataFrame into a
``DataFrame`` (checking the byte size *before* parsing, refusing binaries and Excel workbooks,
opening gzip and single-file zip archives). :func:`normalise` recognises the column layout and
maps it onto the canonical columns ``expiry, strike, type, bid, ask[, quote_date, spot]``:

========================  ==================================================================
format                    recognised by (column names, case/space/underscore-insensitive)
========================  ==================================================================
``cboe``                  ``bid_eod``/``ask_eod`` (CBOE DataShop end-of-day summary): uses the
                          end-of-day bid/ask; spot = mid of ``underlying_bid_eod``/``_ask_eod``
``vendor``                ``contractSymbol`` (yfinance-like); missing ``option_type``,
                          ``expiration`` or ``strike`` are read from the OCC symbol
``sample``                ``PBid``/``PAsk``/``dtExpiry`` (the embedded pyql SPX sample)
``canonical``             ``expiry, strike, type, bid, ask[, quote_date, spot]`` (and aliases)
========================  ==================================================================
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.data._text import check_fields, csv_text
from core.data.limits import (MAX_BYTES, MAX_COLUMNS, MAX_FIELD_CHARS, MAX_ROWS, decompress,
                              read_bytes, short)
from core.errors import DataError

__all__ = ["MAX_BYTES", "MAX_ROWS", "FORMATS", "read_table", "normalise", "Normalised"]

_OCC = re.compile(r"^\s*(?P<root>[A-Za-z0-9.^]{1,6}?)\s*(?P<ymd>\d{6})(?P<cp>[CcPp])"
                  r"(?P<strike>\d{8})\s*$")


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


FORMATS: tuple[_Format, ...] = (
    _Format(
        "cboe", "CBOE DataShop end-of-day",
        required={"expiry": ("expiration",), "strike": ("strike",),
                  "type": ("option_type",), "bid": ("bid_eod",), "ask": ("ask_eod",)},
        optional={"quote_date": ("quote_date",), "_ubid": ("underlying_bid_eod",),
                  "_uask": ("underlying_ask_eod",), "_symbol": ("underlying_symbol",)},
        signature=("bideod", "askeod", "underlyingbideod", "bid1545"),
        display="underlying_symbol, quote_date, root, expiration, strike, option_type, ..., "
                "bid_eod, ask_eod, underlying_bid_eod, underlying_ask_eod (CBOE DataShop)"),
    _Format(
        "vendor", "vendor (contractSymbol) layout",
        required={"_symbol": ("contractSymbol",), "bid": ("bid",), "ask": ("ask",)},
        optional={"strike": ("strike",), "type": ("option_type", "type", "optionType"),
                  "expiry": ("expiration", "expiry", "expirationDate"),
                  "quote_date": ("quote_date",), "spot": ("underlyingPrice", "spot")},
        signature=("contractsymbol",),
        display="contractSymbol, strike, bid, ask[, option_type, expiration] (vendor)"),
    _Format(
        "sample", "pyql sample layout",
        required={"bid": ("PBid",), "ask": ("PAsk",), "type": ("Type",),
                  "strike": ("Strike",), "expiry": ("dtExpiry",)},
        optional={"quote_date": ("dtTrade",), "spot": ("Spot",)},
        signature=("pbid", "pask", "dtexpiry"),
        display="PBid, PAsk, Type, Strike, dtExpiry[, dtTrade, Spot] (sample)"),
    _Format(
        "canonical", "canonical CSV",
        required={"expiry": ("expiry", "expiration", "expiration_date", "expiry_date",
                             "maturity", "exdate"),
                  "strike": ("strike", "strike_price"),
                  "type": ("type", "option_type", "cp", "call_put", "put_call", "cp_flag",
                           "right"),
                  "bid": ("bid", "bid_price", "best_bid"),
                  "ask": ("ask", "ask_price", "offer", "best_offer")},
        optional={"quote_date": ("quote_date", "date", "trade_date", "as_of", "as_of_date"),
                  "spot": ("spot", "spot_price", "underlying_price", "underlying")},
        signature=(),
        display="expiry, strike, type, bid, ask[, quote_date, spot] (canonical)"),
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
def read_table(source) -> pd.DataFrame:
    """Read ``source`` into a DataFrame, raising :class:`DataError` with a fix on any problem.

    Parameters
    ----------
    source : str, os.PathLike, bytes, file-like or pandas.DataFrame
        A path; CSV text (a ``str`` holding a newline); a ``data:...;base64,`` URL as produced
        by ``dcc.Upload``; raw bytes (CSV, gzip or a zip holding one CSV); a binary or text
        file object; or a DataFrame (used as is).
    """
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
    data = read_bytes(source, limit=MAX_BYTES, hint=_HINT)
    frame, notes = _parse_bytes(data)
    frame.attrs["read_notes"] = notes
    return frame


_HINT = "upload a smaller chain (e.g. one underlying and one quote date)"


def _parse_bytes(data: bytes) -> tuple[pd.DataFrame, tuple[str, ...]]:
    data = decompress(data, limit=MAX_BYTES)
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
    check_fields(frame, MAX_FIELD_CHARS)
    frame.attrs["sep"] = sep
    return frame, notes


# --------------------------------------------------------------------------------------------
# layout detection
# --------------------------------------------------------------------------------------------
def _lookup(keys: dict[str, str], aliases: tuple[str, ...]) -> str | None:
    for alias in aliases:
        col = keys.get(_key(alias))
        if col is not None:
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
    """
    keys: dict[str, str] = {}
    for col in frame.columns:
        keys.setdefault(_key(col), col)
    fmt = _detect(keys)
    found: dict[str, str] = {}
    missing: list[str] = []
    for canon, aliases in fmt.required.items():
        col = _lookup(keys, aliases)
        if col is None:
            missing.append(aliases[0])
        else:
            found[canon] = col
    if missing:
        shown = ", ".join(short(str(c), 40).strip("'") for c in list(frame.columns)[:12])
        more = ", ..." if frame.shape[1] > 12 else ""
        which = ", ".join(repr(m) for m in missing)
        plural = "s" if len(missing) > 1 else ""
        raise DataError(f"missing column{plural} {which} ({fmt.label}): expected columns "
                        f"{_expected_all()}. Found columns: {shown}{more}")
    for canon, aliases in fmt.optional.items():
        col = _lookup(keys, aliases)
        if col is not None:
            found[canon] = col

    out = pd.DataFrame({canon: frame[col] for canon, col in found.items()
                        if not canon.startswith("_")})
    notes = [f"Format: {fmt.label}."] + list(frame.attrs.get("read_notes", ()))
    if fmt.name == "cboe":
        out, cboe_notes = _cboe_extras(frame, found, out)
        notes += cboe_notes
    elif fmt.name == "vendor":
        out = _vendor_extras(frame, found, out)
    for col in ("expiry", "strike", "type", "bid", "ask"):
        if col not in out.columns:   # vendor columns read from the symbol are always filled
            out[col] = np.nan
    return Normalised(out, fmt.name, fmt.label, tuple(notes), frame.attrs.get("sep", ","))


def _cboe_extras(frame, found, out):
    notes = []
    if "_ubid" in found and "_uask" in found:
        ub = pd.to_numeric(frame[found["_ubid"]], errors="coerce").to_numpy(dtype=float)
        ua = pd.to_numeric(frame[found["_uask"]], errors="coerce").to_numpy(dtype=float)
        ok = (ub > 0) & (ua > 0) & (ua >= ub)
        out["spot"] = np.where(ok, 0.5 * (ub + ua), np.nan)
    if "_symbol" in found:
        symbols = pd.unique(frame[found["_symbol"]].dropna().astype(str).str.strip())
        if len(symbols) > 1:
            listed = ", ".join(sorted(symbols)[:6])
            raise DataError(f"the file holds options on {len(symbols)} underlyings ({listed}"
                            f"{', ...' if len(symbols) > 6 else ''}): upload one underlying "
                            f"per file")
        if len(symbols) == 1:
            notes.append(f"Underlying: {symbols[0]}.")
    return out, notes


def _vendor_extras(frame, found, out):
    sym = frame[found["_symbol"]].astype("str")
    parts = sym.str.extract(_OCC)
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
