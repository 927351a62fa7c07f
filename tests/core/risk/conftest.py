"""Shared fixtures of the core.risk tests: the sample market and a small SPX book."""
import pytest

from core.data import sample_chain
from core.risk import Book, Market

BOOK_CSV = """symbol,quantity,trade_price,multiplier
SPX 2011-03-19 1250 P,-10,31.40,100
SPX 2011-03-19 1350 C,10,5.0,
SPXW 110521P01200000,20,,
SPX 2011-12-17 1300 C,5,95,
SPX,50,1290,1
CASH,100000,,
"""


@pytest.fixture(scope="session")
def market():
    return Market.from_chain(sample_chain())


@pytest.fixture(scope="session")
def book():
    return Book.from_csv(BOOK_CSV)
