"""One exception tree for the whole compute package.

The UI catches :class:`ParityError` and shows its message as a readable alert;
anything else is a bug and is logged, never shown as a traceback.
"""
from __future__ import annotations

__all__ = ["ParityError", "DataError", "CalibrationError", "InfeasibleError"]


class ParityError(Exception):
    """Base class of every error Parity raises on purpose."""


class DataError(ParityError, ValueError):
    """Invalid input data or arguments; the message says what to fix."""


class CalibrationError(ParityError):
    """A model calibration failed; the message gives the reason."""


class InfeasibleError(ParityError):
    """An optimisation problem has no feasible point; the message names the conflict."""
