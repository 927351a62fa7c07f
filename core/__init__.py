"""Parity's pure compute package: pricing, data, surfaces, calibration, strategies, portfolio.

``core`` never imports dash, plotly or flask; the UI layers call into it.
"""
from core._numba_env import configure as _configure_numba

_configure_numba()  # before any numba import: fork- and thread-safe TBB layer

from core.errors import CalibrationError, DataError, InfeasibleError, ParityError

__all__ = ["ParityError", "DataError", "CalibrationError", "InfeasibleError"]
