"""The loaders' byte cap is an argument (the app passes PARITY_MAX_UPLOAD_MB), not a constant."""
from __future__ import annotations

import gzip

import pytest

from core.data import formats, load_chain, load_prices, load_sectors, prices
from core.errors import DataError
from tests.conftest import shared_file


@pytest.fixture(scope="module")
def chain_bytes():
    return shared_file("spx_2011-01-24.csv").read_bytes()


def test_max_bytes_caps_a_chain_below_and_above_the_default(chain_bytes, monkeypatch):
    n = len(chain_bytes)
    with pytest.raises(DataError, match="the limit is"):
        load_chain(chain_bytes, max_bytes=n - 1)
    assert str(load_chain(chain_bytes, max_bytes=n).quote_date) == "2011-01-24"
    # a limit above the module default is honoured (the setting may be larger than 50 MB)
    monkeypatch.setattr(formats, "MAX_BYTES", 1000)
    with pytest.raises(DataError, match="the limit is"):
        load_chain(chain_bytes)
    assert load_chain(chain_bytes, max_bytes=n).spot == pytest.approx(1290.59)


def test_max_bytes_bounds_decompression_too(chain_bytes):
    packed = gzip.compress(chain_bytes)
    assert len(packed) < len(chain_bytes) // 2
    with pytest.raises(DataError):
        load_chain(packed, max_bytes=len(chain_bytes) // 2)   # small on the wire, too big inflated
    assert str(load_chain(packed, max_bytes=len(chain_bytes)).quote_date) == "2011-01-24"


def test_price_and_sector_loaders_take_the_cap(monkeypatch):
    data = shared_file("stock_prices.csv").read_bytes()
    with pytest.raises(DataError, match="the limit is"):
        load_prices(data, max_bytes=len(data) - 1)
    monkeypatch.setattr(prices, "MAX_PRICE_BYTES", 1000)
    assert load_prices(data, max_bytes=len(data)).shape[1] == 20
    sec = b"ticker,sector\nAAPL,Tech\n"
    with pytest.raises(DataError, match="the limit is"):
        load_sectors(sec, max_bytes=len(sec) - 1)
    assert load_sectors(sec, max_bytes=len(sec)) == {"AAPL": "Tech"}


@pytest.mark.parametrize("bad", [0, -5, 1.5, "10", True])
def test_a_bad_max_bytes_is_named(chain_bytes, bad):
    with pytest.raises(DataError, match="max_bytes must be a whole number of bytes > 0"):
        load_chain(chain_bytes, max_bytes=bad)


def test_the_cap_on_csv_text_counts_utf8_bytes_not_characters():
    from core.data.limits import read_bytes

    text = "name,value\n" + "é" * 600 + ",1\n"        # 614 characters, 1,214 UTF-8 bytes
    n = len(text.encode("utf-8"))
    assert read_bytes(text, limit=n, hint="x") == text.encode("utf-8")
    with pytest.raises(DataError, match="the limit is"):
        read_bytes(text, limit=n - 1, hint="x")
    with pytest.raises(DataError, match="the limit is"):
        read_bytes(text, limit=len(text), hint="x")   # within the characters, over in bytes
