"""Simulated terminal prices of the strategy desk, cached per market.

The Monte Carlo draws behind VaR and the Monte Carlo probability of profit depend only on the
market and the seed (spot, horizon, rate, dividend yield, vol, number of draws, seed), never on
the legs: a cell edit that changes a quantity or adds a leg reprices the legs on the same draws.
:func:`terminal_prices` returns exactly what :func:`core.pricing.montecarlo.gbm_terminal` returns
for an integer seed (antithetic pairs), from a small bounded per-process LRU keyed by those
inputs, so an edit only reprices legs instead of drawing 100 000 normals again.

The cache is a memo of a pure function: every worker process computes the same array for the
same key, so it is not shared state. Arrays come back read-only (one array may be handed to many
callers).
"""
from __future__ import annotations

import functools
import math

import numpy as np

from core.errors import DataError
from core.pricing.montecarlo import gbm_terminal

__all__ = ["terminal_prices", "terminal_prices_cache_info", "CACHE_SIZE"]

#: Markets kept (each 100 000 draws is 0.8 MB): a view uses two (VaR and probability of profit).
CACHE_SIZE = 16


def terminal_prices(spot: float, T: float, r: float, q: float, sigma: float, n: int, seed: int,
                    *, cache: bool = True) -> np.ndarray:
    """``n`` antithetic GBM draws of the price at ``T``, the same as
    ``gbm_terminal(spot, T, r, q, sigma, n, rng=seed, antithetic=True)``, memoised per market.

    Parameters
    ----------
    spot : float
        Underlying price now, currency, > 0.
    T : float
        Horizon, years (ACT/365), >= 0.
    r, q : float
        Continuously compounded rate and dividend yield, decimals per year.
    sigma : float
        Volatility, decimal, >= 0.
    n : int
        Number of draws (rows ``2i`` and ``2i+1`` are an antithetic pair).
    seed : int
        Seed of the draws (an integer: a Generator has no value to key a cache by).
    cache : bool
        ``False`` draws afresh without touching the cache (the reference the tests compare with).

    Returns
    -------
    ndarray, shape (n,)
        Simulated prices at ``T``, currency; read-only when it comes from the cache.

    Raises
    ------
    DataError
        When ``seed`` is not an integer, or an input is invalid (see ``gbm_terminal``).
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise DataError(f"seed must be an integer, got {seed!r}")
    key = tuple(_as_float(name, v) for name, v in (("spot", spot), ("T", T), ("r", r), ("q", q),
                                                   ("sigma", sigma)))
    if not cache:
        return gbm_terminal(*key, n, rng=int(seed), antithetic=True)
    return _cached(*key, int(n), int(seed))


def terminal_prices_cache_info() -> functools._CacheInfo:
    """Hits, misses and size of the per-process cache of :func:`terminal_prices`.

    Returns
    -------
    functools._CacheInfo
        ``hits``, ``misses``, ``maxsize``, ``currsize``.
    """
    return _cached.cache_info()


def _as_float(name: str, v) -> float:
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise DataError(f"{name} must be a number, got {v!r}") from None
    if not math.isfinite(x):
        raise DataError(f"{name} must be finite, got {v!r}")
    return x


@functools.lru_cache(maxsize=CACHE_SIZE)
def _cached(spot: float, T: float, r: float, q: float, sigma: float, n: int, seed: int) -> np.ndarray:
    out = gbm_terminal(spot, T, r, q, sigma, n, rng=seed, antithetic=True)
    out.setflags(write=False)
    return out
