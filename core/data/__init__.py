"""Option chain loading: format detection, validation, cleaning, forward/discount inference.

``load_chain(source, *, quote_date=None, spot=None) -> Chain`` reads a path, bytes, text, file
object or DataFrame in any of the recognised layouts (see :mod:`core.data.formats`);
``sample_chain()`` returns the embedded real SPX chain of 2011-01-24. Price histories for the
portfolio tools: ``load_prices``, ``sample_prices`` (20 US stocks), ``sample_sectors``,
``index_prices`` (S&P 500 and NASDAQ from the ``arch`` package's data).
"""
from core.data.chain import EXPIRY_COLUMNS, QUOTE_COLUMNS, Chain, CleaningReport
from core.data.cleaning import WIDE_SPREAD_REL
from core.data.formats import MAX_BYTES, MAX_ROWS
from core.data.forwards import MIN_PAIRS, ParityFit, fit_parity
from core.data.loader import SAMPLE_PATH, load_chain, read_quotes, sample_chain
from core.data.prices import (MAX_PRICE_BYTES, PERIODS_PER_YEAR, PRICES_SAMPLE_PATH,
                              SECTORS_SAMPLE_PATH, index_prices, load_prices, load_sectors, returns,
                              sample_prices, sample_sectors)

__all__ = ["load_chain", "sample_chain", "Chain", "CleaningReport", "QUOTE_COLUMNS",
           "EXPIRY_COLUMNS", "MAX_BYTES", "MAX_ROWS", "WIDE_SPREAD_REL", "MIN_PAIRS",
           "fit_parity", "ParityFit", "SAMPLE_PATH", "load_prices", "load_sectors", "sample_prices",
           "sample_sectors", "index_prices", "returns", "PERIODS_PER_YEAR", "PRICES_SAMPLE_PATH",
           "SECTORS_SAMPLE_PATH", "MAX_PRICE_BYTES", "read_quotes"]
