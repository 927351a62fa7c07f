"""The Risk page's book is valued on one day (issue 13 §1: no number that mixes inputs): the
example book's stocks were marked at the sample's last closes (2022-12-28) and the stock-side
stress used them, while its options were valued on the market's date (2018-12-31)."""
from __future__ import annotations

import pandas as pd
import pytest

from core.data import sample_prices


def test_the_example_books_stocks_and_stock_stress_use_the_markets_day():
    from core.data import sample_chain
    from core.risk.market import Market
    from core.risk.report import analyse, example_book

    mkt = Market.from_chain(sample_chain())                 # the page's default: the modelled chain
    day = pd.Timestamp(mkt.valuation_date)
    px = sample_prices()
    book = example_book(mkt)
    stocks = {p.underlying: p for p in book.positions if p.kind == "stock" and p.underlying in px.columns}
    assert set(stocks) == {"AAPL", "JPM"}
    for t, p in stocks.items():       # the close on the market's day, read from the file's frame
        close = px[t].dropna()
        assert p.trade_price == pytest.approx(round(float(close[close.index <= day].iloc[-1]), 2))
        assert close.index[-1] > day                         # the sample runs past it: the old bug's case
    rep = analyse(book, mkt).to_dict()
    side = rep["stocks"]
    assert side["asof"] <= day.date().isoformat()
    for t in side["tickers"]:
        assert side["prices"][t] == pytest.approx(float(px[t].dropna().loc[:day].iloc[-1]))
