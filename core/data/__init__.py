"""Option chain loading: format detection, validation, cleaning, forward/discount inference.

``load_chain(source, *, quote_date=None, spot=None) -> Chain`` reads a path, bytes, text, file
object or DataFrame in any of the recognised layouts (see :mod:`core.data.formats`);
``modelled_chain(date)`` builds a labelled S&P 500 chain for a real trading day from the close
and VIX that ship with ``arch`` and a shape fitted to real chains (``modelled_quotes(dates)``
gives many days at once); ``sample_chain()`` is the modelled chain of 2018-12-31. Price
histories for the portfolio tools: ``load_prices``, ``sample_prices`` (skfolio's 20 S&P 500
stocks), ``sample_sectors``, ``index_prices`` (S&P 500 and NASDAQ from ``arch``); the raw
package-shipped series are in :mod:`core.data.embedded`.
"""
from core.data.chain import EXPIRY_COLUMNS, QUOTE_COLUMNS, Chain, CleaningReport
from core.data.cleaning import WIDE_SPREAD_REL
from core.data.formats import MAX_BYTES, MAX_ROWS
from core.data.forwards import MIN_PAIRS, ParityFit, fit_parity
from core.data.loader import load_chain, read_quotes, sample_chain
from core.data.modelled import (DEFAULT_DATE, listed_expiries, listed_strikes, modelled_chain,
                                modelled_label, modelled_market, modelled_quotes)
from core.data.prices import (MAX_PRICE_BYTES, PERIODS_PER_YEAR, index_prices, load_prices,
                              load_sectors, returns, sample_prices, sample_sectors)

__all__ = ["load_chain", "sample_chain", "Chain", "CleaningReport", "QUOTE_COLUMNS",
           "EXPIRY_COLUMNS", "MAX_BYTES", "MAX_ROWS", "WIDE_SPREAD_REL", "MIN_PAIRS",
           "fit_parity", "ParityFit", "load_prices", "load_sectors", "sample_prices",
           "sample_sectors", "index_prices", "returns", "PERIODS_PER_YEAR", "MAX_PRICE_BYTES",
           "modelled_chain", "modelled_quotes", "modelled_market", "modelled_label",
           "listed_expiries", "listed_strikes", "DEFAULT_DATE", "read_quotes"]
