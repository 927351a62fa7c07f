"""Shared fixtures of the core.risk tests: the real SPX chain of 2011-01-24 (the shared data
file, independent of whichever chain ``core.data.sample_chain()`` embeds) and a small book on
its expiries."""
import pytest

from core.data import load_chain
from core.risk import Book, Market
from tests.conftest import shared_file

BOOK_CSV = """symbol,quantity,trade_price,multiplier
SPX 2011-03-19 1250 P,-10,31.40,100
SPX 2011-03-19 1350 C,10,5.0,
SPXW 110521P01200000,20,,
SPX 2011-12-17 1300 C,5,95,
SPX,50,1290,1
CASH,100000,,
"""


@pytest.fixture(scope="session")
def chain():
    return load_chain(shared_file("spx_2011-01-24.csv"))


@pytest.fixture(scope="session")
def market(chain):
    return Market.from_chain(chain)


@pytest.fixture(scope="session")
def book():
    return Book.from_csv(BOOK_CSV)
