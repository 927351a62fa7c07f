"""Book CSV layouts: canonical round trip, OCC and readable symbols, broker exports, bad rows."""
import datetime as dt
import math

import pytest

from core.errors import DataError
from core.risk import Book, Position, parse_symbol
from core.strategies import Leg


def test_occ_symbol_is_read_field_by_field():
    s = parse_symbol("SPXW 180216P02600000")
    assert s == {"kind": "put", "underlying": "SPXW", "strike": 2600.0,
                 "expiry": dt.date(2018, 2, 16)}
    assert parse_symbol("SPXW180216C02612500")["strike"] == 2612.5


def test_readable_symbol_ticker_and_cash():
    assert parse_symbol("SPX 2011-02-19 1300 P") == {
        "kind": "put", "underlying": "SPX", "strike": 1300.0, "expiry": dt.date(2011, 2, 19)}
    assert parse_symbol("spy")["kind"] == "stock"
    assert parse_symbol("CASH")["kind"] == "cash"


def test_canonical_round_trip(book):
    again = Book.from_csv(book.to_csv())
    assert again.positions == book.positions
    assert again.to_csv() == book.to_csv()
    assert Book.from_dict(book.to_dict()).positions == book.positions


def test_defaults_multiplier_and_missing_price(book):
    p = book.positions[2]
    assert p.kind == "put" and p.multiplier == 100.0 and math.isnan(p.trade_price)
    assert book.positions[4].multiplier == 1.0


def test_broker_layout_with_other_headers():
    text = ("Instrument,Qty,Avg Price\n"
            "SPXW 180216P02600000,\"(3)\",\"$12.50\"\n"
            "SPX 2018-03-16 2700 C,2,30\n")
    b = Book.from_csv(text)
    assert not b.errors
    assert [p.quantity for p in b.positions] == [-3.0, 2.0]
    assert b.positions[0].trade_price == 12.5


def test_bad_rows_get_a_message_each_and_the_rest_is_kept():
    text = ("symbol,quantity,trade_price\n"
            "SPX 2011-03-19 1250 P,-10,31.4\n"
            "NOT A SYMBOL,1,2\n"
            "SPX 2011-03-19 1300 C,0,1\n"
            "SPX 2011-03-19 1300 C,abc,1\n"
            "SPXW 111399C01300000,1,1\n"
            "SPX 2011-03-19 -5 C,1,1\n")
    b = Book.from_csv(text)
    assert len(b) == 1
    assert len(b.errors) == 5
    assert b.errors[0].startswith("Row 2 (NOT A SYMBOL)") and "not recognised" in b.errors[0]
    assert "quantity is 0" in b.errors[1]
    assert "not a number" in b.errors[2]
    assert "YYMMDD" in b.errors[3]
    assert all(e.endswith("left out.") for e in b.errors)


def test_missing_columns_raise_a_readable_error():
    with pytest.raises(DataError, match="symbol column and a quantity column"):
        Book.from_csv("foo,bar\n1,2\n")
    with pytest.raises(DataError, match="empty"):
        Book.from_csv(b"")


def test_data_url_upload():
    import base64
    url = "data:text/csv;base64," + base64.b64encode(b"symbol,quantity\nSPX,3\n").decode()
    assert Book.from_csv(url).positions[0].quantity == 3.0


def test_from_legs_and_from_weights():
    legs = [Leg("put", 1250.0, 0.1, -1, 30.0), Leg("call", 1350.0, 0.1, 1, 5.0)]
    b = Book.from_legs(legs, ["2011-03-19", "2011-03-19"], contracts=10)
    assert [p.quantity for p in b.positions] == [-10.0, 10.0]
    assert b.positions[0].expiry == dt.date(2011, 3, 19)
    w = Book.from_weights({"AAPL": 0.6, "JPM": 0.4}, {"AAPL": 150.0, "JPM": 100.0}, 1e6)
    assert w.positions[0].quantity == pytest.approx(4000.0)
    assert w.positions[1].quantity == pytest.approx(4000.0)


def test_position_validation():
    with pytest.raises(DataError, match="expiry"):
        Position("call", 1, "SPX", 100.0, None)
    with pytest.raises(DataError, match="strike"):
        Position("put", 1, "SPX", -1.0, dt.date(2020, 1, 1))
