"""Hostile and odd uploads: each gives a short DataError (or loads correctly), within bounds.

The hostile files are generated here (never committed). Bounds are checked without timing
assertions: the caps must refuse a file *before* pandas parses it (``pandas.read_csv`` is made to
fail if it is reached), at most ``limit + 1`` bytes are read from a stream, and the memory peak
traced by ``tracemalloc`` stays a small multiple of the byte limit however much a bomb inflates to.
"""
from __future__ import annotations

import gzip
import struct
import tracemalloc
import zlib

import numpy as np
import pandas as pd
import pytest

from core.data import load_chain, load_prices
from core.data.limits import MAX_BYTES, MAX_COLUMNS, MAX_ROWS, MAX_TICKERS
from core.errors import DataError

MB = 2**20
HEAD = b"expiry,strike,type,bid,ask,quote_date\n"
ROW = b"2024-06-21,100,C,1,2,2024-03-01\n"
MAX_MESSAGE = 400          # characters: a message a person reads in an alert


def gzip_bomb(inflated_mb: int = 2600) -> bytes:
    """A gzip of ~2.6 MB inflating to ``inflated_mb`` MB: identical members concatenated."""
    member = gzip.compress(b"\0" * (10 * MB))
    return member * (inflated_mb // 10)


def lying_zip(payload_mb: int, declared: int) -> bytes:
    """A zip whose one CSV member says it inflates to ``declared`` bytes but holds
    ``payload_mb`` MB of CSV rows (headers written by hand, CRC left wrong)."""
    comp = zlib.compressobj(6, zlib.DEFLATED, -15)
    block = HEAD + ROW * (MB // len(ROW))
    raw = b"".join([comp.compress(block) for _ in range(payload_mb)] + [comp.flush()])
    name = b"chain.csv"
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0, 0, len(raw), declared,
                        len(name), 0) + name
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, 0, len(raw),
                          declared, len(name), 0, 0, 0, 0, 0, 0) + name
    eocd = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, len(central),
                       len(local) + len(raw), 0)
    return local + raw + central + eocd


@pytest.fixture
def no_parsing(monkeypatch):
    """Fail the test if pandas is asked to parse the file (the cap must come first)."""
    def refuse(*args, **kwargs):
        raise AssertionError("pandas.read_csv reached: the cap was not applied before parsing")
    monkeypatch.setattr(pd, "read_csv", refuse)


def peak_mb(fn) -> tuple[float, BaseException | None]:
    tracemalloc.start()
    err = None
    try:
        fn()
    except BaseException as exc:      # noqa: BLE001 - returned to the test
        err = exc
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / MB, err


def short_error(exc: pytest.ExceptionInfo | BaseException) -> str:
    err = exc.value if isinstance(exc, pytest.ExceptionInfo) else exc
    assert isinstance(err, DataError), repr(err)[:300]
    msg = str(err)
    assert len(msg) <= MAX_MESSAGE, f"message of {len(msg)} characters: {msg[:200]}..."
    return msg


# -- refused before parsing (pandas never sees them) ---------------------------------------------
CHAIN_REFUSED = {
    "100k duplicate column names": (lambda: b",".join([b"bid"] * 100_000) + b"\n" + b"1," * 99_999
                                    + b"1\n", f"100,000 columns; the limit is {MAX_COLUMNS}"),
    "40 MB with no newline": (lambda: b"expiry,strike" + b"x" * (40 * MB), "without a line break"),
    "40 MB column name": (lambda: HEAD[:-1] + b",n" + b"a" * (40 * MB) + b"\n" + ROW,
                          "without a line break"),
    "40 MB field": (lambda: HEAD + ROW * 3 + b"2024-06-21,100,C,1," + b"9" * (40 * MB) + b"\n"
                    + ROW, "line 5 is 40.0 MB long"),
    "too many rows": (lambda: HEAD + b"1\n" * (MAX_ROWS + 10), "rows; the limit is 2,000,000"),
}


@pytest.mark.parametrize("name", list(CHAIN_REFUSED))
def test_chain_caps_apply_before_parsing(name, no_parsing):
    make, needle = CHAIN_REFUSED[name]
    data = make()
    with pytest.raises(DataError) as exc:
        load_chain(data)
    msg = short_error(exc)
    assert needle in msg


PRICES_REFUSED = {
    "100k tickers": (lambda: b"date," + b",".join(b"T%d" % i for i in range(100_000)) + b"\n"
                     + b"2024-01-02" + b",1" * 100_000 + b"\n",
                     f"100,001 columns; the limit is {MAX_TICKERS + 1:,}"),
    "100k duplicate tickers": (lambda: b"date" + b",AAA" * 100_000 + b"\n2024-01-02"
                               + b",1" * 100_000 + b"\n", "100,001 columns"),
    "40 MB field": (lambda: b"date,A\n2024-01-02,1\n2024-01-03," + b"7" * (40 * MB) + b"\n",
                    "line 3 is 40.0 MB long"),
    "40 MB header without newline": (lambda: b"date,A" + b"A" * (40 * MB),
                                     "without a line break"),
}


@pytest.mark.parametrize("name", list(PRICES_REFUSED))
def test_price_caps_apply_before_parsing(name, no_parsing):
    make, needle = PRICES_REFUSED[name]
    with pytest.raises(DataError) as exc:
        load_prices(make())
    assert needle in short_error(exc)


def test_long_price_layout_with_100k_tickers_is_refused_before_pivoting(monkeypatch):
    data = b"date,ticker,close\n" + b"".join(b"2024-01-02,T%d,1\n" % i for i in range(100_000))

    def refuse(*a, **k):
        raise AssertionError("pivot reached")
    monkeypatch.setattr(pd.DataFrame, "pivot", refuse)
    with pytest.raises(DataError) as exc:
        load_prices(data)
    assert f"100,000 tickers; the limit is {MAX_TICKERS:,}" in short_error(exc)


def test_a_40_mb_quoted_multiline_field_is_refused_with_a_short_message():
    cell = b'"' + (b"x" * 1000 + b"\n") * (40 * 1024) + b'"'
    with pytest.raises(DataError) as exc:
        load_chain(HEAD + ROW + b"2024-06-21,100,C,1,2," + cell + b"\n")
    assert "characters; the limit is 1,000 per cell" in short_error(exc)
    with pytest.raises(DataError) as exc:
        load_prices(b"date,A\n2024-01-02,1\n" + b"2024-01-03," + cell + b"\n")
    assert "characters; the limit is 1,000 per cell" in short_error(exc)


# -- bombs: bounded decompression ----------------------------------------------------------------
@pytest.fixture(scope="module")
def bomb():
    return gzip_bomb()


@pytest.mark.parametrize("loader", [load_chain, load_prices], ids=["chain", "prices"])
def test_gzip_bomb_stops_at_the_limit(bomb, loader):
    assert len(bomb) < 3 * MB            # 2.6 MB on the wire, 2.6 GB inflated
    peak, err = peak_mb(lambda: loader(bomb))
    assert "unpacks to over 50 MB" in short_error(err)
    assert peak < 3 * MAX_BYTES / MB, f"peak {peak:.0f} MB"


@pytest.mark.parametrize("declared", [1000, 40 * MB], ids=["claims-1kB", "claims-40MB"])
def test_zip_that_lies_about_its_size_is_bounded(declared):
    data = lying_zip(300, declared)       # 300 MB of CSV rows inside
    assert len(data) < 2 * MB
    peak, err = peak_mb(lambda: load_chain(data))
    msg = short_error(err)
    assert "zip archive" in msg
    assert peak < 3 * MAX_BYTES / MB, f"peak {peak:.0f} MB"


def test_zip_that_declares_a_huge_member_is_refused_from_its_header():
    with pytest.raises(DataError) as exc:
        load_chain(lying_zip(1, 2600 * MB))
    assert "chain.csv (unpacked) is 2600.0 MB; the limit is 50 MB" in short_error(exc)


def test_a_bottomless_stream_is_read_only_up_to_the_limit():
    class Bottomless:
        """A file object with no size that would give bytes for ever."""

        def __init__(self):
            self.served = 0

        def read(self, n=-1):
            assert n is not None and n >= 0, "read() without a bound"
            self.served += n
            return HEAD + b"x" * max(n - len(HEAD), 0)

    stream = Bottomless()
    with pytest.raises(DataError) as exc:
        load_chain(stream)
    assert "over 50 MB, the limit" in short_error(exc)
    assert stream.served <= MAX_BYTES + 1


def test_messages_never_echo_a_huge_column_name():
    name = "x" * (200 * 1024)               # under the line cap: parsed, then named shortly
    with pytest.raises(DataError) as exc:
        load_chain(f"{name},b\n1,2\n".encode())
    msg = short_error(exc)
    assert "a column name is 204,800 characters long" in msg


def test_bad_cells_are_quoted_shortly():
    data = b"date,A\n2024-01-02,1\n2024-01-03," + b"z" * 900 + b"\n"
    with pytest.raises(DataError) as exc:
        load_prices(data)
    assert "non-numeric price 'zzzz" in short_error(exc)


# -- fuzz: random damage to valid files gives a Chain or a DataError, never anything else ---------
TOKENS = [b"", b",", b"\n", b'"', b"\x00", b"=A1", b"1e308", b"-1", b"nan", b"inf", b"9999-12-31",
          b"31/12/2024", b"\xff\xfe", b"1,5", b"C", b"  ", b";", b"\t", b"2024-03-01T10:00+05:00",
          b"0", b"99999999999999999999", b"45352", b"\xe9", b"PK\x03\x04", b"\x1f\x8b"]


def damage(data: bytes, rng: np.random.Generator) -> bytes:
    out = bytearray(data)
    for _ in range(int(rng.integers(1, 8))):
        op, pos = int(rng.integers(4)), int(rng.integers(len(out) + 1))
        if op == 0:
            out[pos:pos] = TOKENS[rng.integers(len(TOKENS))]
        elif op == 1:
            out[pos:pos + int(rng.integers(1, 200))] = b""
        elif op == 2:
            lines = bytes(out).split(b"\n")
            i = int(rng.integers(len(lines)))
            cells = lines[i].split(b",")
            cells[int(rng.integers(len(cells)))] = TOKENS[rng.integers(len(TOKENS))]
            lines[i] = b",".join(cells)
            out = bytearray(b"\n".join(lines))
        else:
            out = out[: int(rng.integers(len(out) + 1))]
    return bytes(out)


@pytest.mark.parametrize("fmt", ["sample", "canonical", "cboe", "vendor", "prices"])
def test_damaged_files_give_a_chain_or_a_short_data_error(fmt, build, write):
    rng = np.random.default_rng(["sample", "canonical", "cboe", "vendor", "prices"].index(fmt))
    if fmt == "prices":
        base = b"date,A,B\n" + b"".join(b"2024-01-%02d,%d,%d\n" % (d, 10 + d, 20 + d)
                                        for d in range(1, 29))
    else:
        base = write(build(expiry_days=(30, 91))[0], fmt)
    for _ in range(12):
        data = damage(base, rng)
        calls = ([lambda: load_prices(data)] if fmt == "prices" else
                 [lambda: load_chain(data),
                  lambda: load_chain(data, quote_date="2024-03-01", spot=100.0)])
        for call in calls:
            try:
                call()
            except DataError as exc:
                assert len(str(exc)) <= 800, str(exc)[:200]
