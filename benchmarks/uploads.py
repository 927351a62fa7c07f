"""Uploads: time to refuse hostile files (caps before parsing) against pandas parsing the same
bytes, and the loader's cost on the real SPXW file against a bare ``pandas.read_csv`` of it.

The hostile files are generated in memory (never written to disk). The peer of a refusal is
what parsing the file would have cost (``pandas.read_csv`` on the same bytes, one run): the
ratio says how much earlier the cap stops the work.
"""
from __future__ import annotations

import gzip
import io
import time
from pathlib import Path

import pandas as pd

from benchmarks import Row, best_time

MB = 2**20


def _hostile() -> dict[str, bytes]:
    return {
        "100k duplicate column names (200 kB header)":
            b",".join([b"a"] * 100_000) + b"\n" + b",".join([b"1"] * 100_000) + b"\n",
        "price file of 100k tickers":
            b"date," + b",".join(b"T%d" % i for i in range(100_000)) + b"\n2024-01-02"
            + b",1" * 100_000 + b"\n",
        "40 MB field": b"expiry,strike,type,bid,ask\n2024-06-21,100,C,1," + b"9" * (40 * MB)
                       + b"\n",
        "gzip bomb (2.6 MB -> 2.6 GB)": gzip.compress(b"\0" * (10 * MB)) * 260,
    }


def _refuse_time(loader, data) -> float:
    from core.errors import DataError

    def call():
        try:
            loader(data)
        except DataError:
            return
        raise AssertionError("not refused")
    return best_time(call, repeat=3)


def _pandas_time(data: bytes) -> float | None:
    if data[:2] == b"\x1f\x8b":
        return None                   # pandas would inflate 2.6 GB: not run
    t0 = time.perf_counter()
    pd.read_csv(io.BytesIO(data))
    return time.perf_counter() - t0


#: pandas renames 100k duplicate names in quadratic time (about 4 minutes here): the peer is
#: timed on a quarter of the header and the note says so (x 16 for the whole header).
_QUARTER = b",".join([b"a"] * 25_000) + b"\n" + b",".join([b"1"] * 25_000) + b"\n"


def run() -> list[Row]:
    from core.data import load_chain, load_prices

    rows = []
    for name, data in _hostile().items():
        loader = load_prices if "price" in name else load_chain
        ours = _refuse_time(loader, data)
        dup = name.startswith("100k duplicate")
        peer = _pandas_time(_QUARTER if dup else data)
        note = ("peer on 25k of the 100k names (quadratic: x16 for all)" if dup
                else "DataError with a short message")
        rows.append(Row("uploads", f"refuse: {name}", ours * 1e3, None if peer is None
                        else peer * 1e3, "pandas.read_csv" if peer is not None else "",
                        "ms", "refused before parsing", note))
    path = Path(__file__).resolve().parents[2] / "shared" / "data" / "spxw_2018-01_02.csv"
    if path.is_file():
        ours = best_time(lambda: load_chain(path, quote_date="2018-01-02"), repeat=3)
        peer = best_time(lambda: pd.read_csv(path), repeat=3)
        rows.append(Row("uploads", "load_chain SPXW 2018 file, one day (14,438 rows)",
                        ours * 1e3, peer * 1e3, "pandas.read_csv", "ms", "",
                        "includes dates, cleaning, parity, implied vols"))
    return rows
