"""Real market data that ships inside installed packages (read offline, never downloaded).

Parity's embedded defaults come from two wheels that the README's set-up installs from the
package index, so the project itself contains no third-party data files:

* ``arch`` (University of Illinois/NCSA licence) ships, in ``arch/data``: the S&P 500 and NASDAQ
  Composite daily OHLC + adjusted close (1999-01-04 to 2018-12-31), the CBOE VIX close
  (2014-01-03 to 2019-01-03) and the Fama-French monthly factors with the one-month T-bill
  return ``RF`` (1926-07 to 2018-11).
* ``skfolio`` (BSD 3-Clause) ships, in ``skfolio/datasets/data``: daily adjusted closes of 20
  S&P 500 constituents and of the S&P 500 index (1990-01-02 to 2022-12-28) and of 5 iShares
  factor ETFs (MTUM, QUAL, SIZE, USMV, VLUE; 2014-01-02 to 2022-12-28). Only these three files
  are in the wheel; skfolio's other loaders (FTSE 100, NASDAQ, implied vols) download at run
  time and are not used.

The files are located with :func:`importlib.util.find_spec` and read with pandas: neither package
is imported (``skfolio`` imports plotly, which ``core`` must not pull in).
"""
from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import DataError

__all__ = ["sp500_ohlc", "nasdaq_ohlc", "vix_close", "tbill_rate", "fama_french", "stock_prices",
           "sp500_index", "factor_prices", "GICS_SECTORS", "STOCK_TICKERS"]

#: The 20 S&P 500 constituents of skfolio's ``sp500_dataset``, in the file's column order.
STOCK_TICKERS: tuple[str, ...] = (
    "AAPL", "AMD", "BAC", "BBY", "CVX", "GE", "HD", "JNJ", "JPM", "KO", "LLY", "MRK", "MSFT",
    "PEP", "PFE", "PG", "RRC", "UNH", "WMT", "XOM")

#: GICS sector of each ticker Parity knows (public classification, the GICS structure in force
#: since 2023: e.g. MA and V in Financials, GOOG and T in Communication Services). Covers the
#: skfolio sample and the 20 stocks of PyPortfolioOpt's test prices used by the test suite.
GICS_SECTORS: dict[str, str] = {
    # skfolio's 20
    "AAPL": "Information Technology", "AMD": "Information Technology",
    "MSFT": "Information Technology", "BAC": "Financials", "JPM": "Financials",
    "BBY": "Consumer Discretionary", "HD": "Consumer Discretionary", "CVX": "Energy",
    "XOM": "Energy", "RRC": "Energy", "GE": "Industrials", "JNJ": "Health Care",
    "LLY": "Health Care", "MRK": "Health Care", "PFE": "Health Care", "UNH": "Health Care",
    "KO": "Consumer Staples", "PEP": "Consumer Staples", "PG": "Consumer Staples",
    "WMT": "Consumer Staples",
    # PyPortfolioOpt's test universe (beyond the ones above)
    "GOOG": "Communication Services", "FB": "Communication Services",
    "T": "Communication Services", "BABA": "Consumer Discretionary",
    "AMZN": "Consumer Discretionary", "GM": "Consumer Discretionary",
    "UAA": "Consumer Discretionary", "SHLD": "Consumer Discretionary",
    "SBUX": "Consumer Discretionary", "MA": "Financials",
}


def _package_file(package: str, *parts: str) -> Path:
    spec = importlib.util.find_spec(package)      # locates the package without importing it
    if spec is None or spec.origin is None:
        raise DataError(f"this data ships inside the '{package}' package: install it "
                        f"(pip install -r requirements.txt)")
    path = Path(spec.origin).parent.joinpath(*parts)
    if not path.is_file():
        raise DataError(f"the installed '{package}' package has no data file "
                        f"{'/'.join(parts)}: install the version pinned in requirements.txt")
    return path


@functools.lru_cache(maxsize=8)
def _read_arch(name: str, file: str | None = None) -> pd.DataFrame:
    path = _package_file("arch", "data", name, f"{file or name}.csv.gz")
    return pd.read_csv(path, na_values=["."])     # FRED-style "." marks exchange holidays


def _ohlc(name: str) -> pd.DataFrame:
    raw = _read_arch(name)
    out = raw.drop(columns="Date").astype(np.float64)
    out.index = pd.DatetimeIndex(pd.to_datetime(raw["Date"], format="%m/%d/%Y"), name="date")
    out.columns = [c.lower().replace(" ", "_") for c in out.columns]
    return out


def sp500_ohlc() -> pd.DataFrame:
    """S&P 500 index daily bars, 1999-01-04 to 2018-12-31, from the ``arch`` wheel.

    Returns
    -------
    pandas.DataFrame
        Columns ``open, high, low, close, adj_close`` (index points) and ``volume`` (shares),
        a DatetimeIndex named ``date`` (trading days only). A fresh copy.
    """
    return _ohlc("sp500")


def nasdaq_ohlc() -> pd.DataFrame:
    """NASDAQ Composite daily bars, 1999-01-04 to 2018-12-31 (layout as :func:`sp500_ohlc`).

    Returns
    -------
    pandas.DataFrame
        Columns as :func:`sp500_ohlc` (prices in index points), by date.
    """
    return _ohlc("nasdaq")


def vix_close() -> pd.Series:
    """CBOE VIX daily close, 2014-01-03 to 2019-01-03, in vol points (13.76 = 13.76 %).

    Trading days only (the file's holiday rows, marked ``.``, are dropped).

    Returns
    -------
    pandas.Series
        ``VIX``, vol points, by date.
    """
    raw = _read_arch("vix").dropna(subset=["vix"])
    idx = pd.DatetimeIndex(pd.to_datetime(raw["Date"], format="%m/%d/%Y"), name="date")
    return pd.Series(raw["vix"].to_numpy(np.float64), index=idx, name="VIX")


def tbill_rate() -> pd.Series:
    """One-month T-bill rate per month, continuously compounded per year (decimals).

    From the ``RF`` column of the Fama-French factors in the ``arch`` wheel (the month's T-bill
    return in percent): ``r = 12 ln(1 + RF / 100)``. Indexed by the month's first day,
    1926-07-01 to 2018-11-01.

    Returns
    -------
    pandas.Series
        Continuously compounded rate, decimal per year, by month.
    """
    raw = _read_arch("frenchdata")
    idx = pd.DatetimeIndex(pd.to_datetime(raw["Date"].astype(str), format="%Y%m"), name="month")
    rf = raw["RF"].to_numpy(np.float64)
    return pd.Series(12.0 * np.log1p(rf / 100.0), index=idx, name="r")


def fama_french() -> pd.DataFrame:
    """Fama-French monthly factors ``Mkt-RF, SMB, HML, RF`` as decimal monthly returns,
    1926-07 to 2018-11 (``arch.data.frenchdata``), indexed by the month's first day.

    Returns
    -------
    pandas.DataFrame
        Columns ``Mkt-RF``, ``SMB``, ``HML``, ``RF``: decimal returns per month, by month.
    """
    raw = _read_arch("frenchdata")
    out = raw.drop(columns="Date").astype(np.float64) / 100.0
    out.index = pd.DatetimeIndex(pd.to_datetime(raw["Date"].astype(str), format="%Y%m"),
                                 name="month")
    return out


@functools.lru_cache(maxsize=4)
def _read_skfolio(name: str) -> pd.DataFrame:
    path = _package_file("skfolio", "datasets", "data", f"{name}.csv.gz")
    raw = pd.read_csv(path)
    out = raw.drop(columns="Date").astype(np.float64)
    out.index = pd.DatetimeIndex(pd.to_datetime(raw["Date"], format="%Y-%m-%d"), name="date")
    return out


def stock_prices() -> pd.DataFrame:
    """Daily adjusted closes of 20 S&P 500 stocks, 1990-01-02 to 2022-12-28 (8,313 days).

    skfolio's ``sp500_dataset`` (tickers :data:`STOCK_TICKERS`), read from the wheel. skfolio
    describes it as stale data for testing and examples, not for trading decisions.

    Returns
    -------
    pandas.DataFrame
        Prices (USD), dates × tickers.
    """
    return _read_skfolio("sp500_dataset").copy()


def sp500_index() -> pd.Series:
    """S&P 500 index daily close, 1990-01-02 to 2022-12-28 (skfolio's ``sp500_index``).

    Returns
    -------
    pandas.Series
        ``SP500`` close, index points, by date.
    """
    return _read_skfolio("sp500_index")["SP500"].copy()


def factor_prices() -> pd.DataFrame:
    """Daily adjusted closes of 5 factor ETFs (MTUM, QUAL, SIZE, USMV, VLUE), 2014-01-02 to
    2022-12-28 (skfolio's ``factors_dataset``).

    Returns
    -------
    pandas.DataFrame
        Prices (USD), dates × ETF tickers.
    """
    return _read_skfolio("factors_dataset").copy()
