"""Type aliases for the public signatures of ``core`` (documentation for readers and tools).

Conventions (ARCHITECTURE.md): numbers broadcast as float64 arrays; ``T`` in years (ACT/365),
rates continuously compounded, vols as decimals; portfolio inputs annualised.
"""
from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Callable, Mapping, Sequence
from typing import IO, Any, TypeAlias, Union

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["ArrayLike", "FloatArray", "BoolArray", "FloatLike", "RngLike", "Progress",
           "VectorLike", "MatrixLike", "BoundsLike", "SectorsLike", "WeightsLike",
           "SourceLike", "DateLike", "DatesLike", "ParamsLike", "VolLike", "SviParams"]

#: Anything numpy turns into an array: a float, a list, an ndarray, a pandas Series.
ArrayLike: TypeAlias = npt.ArrayLike
#: A float64 ndarray (what the pricing functions return).
FloatArray: TypeAlias = npt.NDArray[np.float64]
#: A boolean ndarray (``is_call`` masks).
BoolArray: TypeAlias = npt.NDArray[np.bool_]
#: A scalar or an array of floats, broadcast with the other arguments.
FloatLike: TypeAlias = Union[float, npt.ArrayLike]
#: ``rng`` arguments: a Generator, a seed, or None for fresh entropy (never a global seed).
RngLike: TypeAlias = Union[np.random.Generator, int, None]
#: ``progress(fraction_done, message)`` callbacks, or None.
Progress: TypeAlias = Union[Callable[[float, str], None], None]
#: Per-asset values: a pandas Series by ticker, an array in asset order, or an ``Estimate``.
VectorLike: TypeAlias = Union[pd.Series, npt.ArrayLike, Any]
#: An asset-by-asset matrix: a DataFrame by ticker, a 2-D array, or an ``Estimate``.
MatrixLike: TypeAlias = Union[pd.DataFrame, npt.ArrayLike, Any]
#: Weight bounds: ``(lo, hi)``, ``(lo_array, hi_array)``, per-asset pairs, or ticker -> pair.
BoundsLike: TypeAlias = Union[tuple, Sequence[tuple], Mapping[str, tuple], None]
#: Sector membership: ticker -> sector, or one sector per asset.
SectorsLike: TypeAlias = Union[Mapping[str, str], Sequence[str], None]
#: Weights by ticker or in asset order.
WeightsLike: TypeAlias = Union[pd.Series, Mapping[str, float], npt.ArrayLike]
#: A file to read: a path, CSV text (a ``str`` holding a newline), a ``data:...;base64,`` URL
#: from ``dcc.Upload``, raw bytes, a binary or text file object, or a DataFrame used as is.
SourceLike: TypeAlias = Union[str, os.PathLike, bytes, bytearray, memoryview, IO, pd.DataFrame]
#: A calendar date: ``datetime.date``/``datetime``, ``pandas.Timestamp``, ``numpy.datetime64``
#: or an ISO string ``"2018-01-02"``.
DateLike: TypeAlias = Union[_dt.date, pd.Timestamp, np.datetime64, str]
#: One date or a sequence (list, array, Series, DatetimeIndex) of them.
DatesLike: TypeAlias = Union[DateLike, Sequence[DateLike], npt.ArrayLike, pd.Index]
#: Model parameters: ``{name: value}`` or a sequence in the model's parameter order.
ParamsLike: TypeAlias = Union[Mapping[str, float], Sequence[float], npt.ArrayLike]
#: A pricing vol: a flat decimal vol, a surface ``vol(K, T)`` (decimals, ``T`` in years) or
#: None for each leg's own vol.
VolLike: TypeAlias = Union[float, Callable[..., Any], None]
#: Raw SVI parameters of one total-variance slice, ``(a, b, rho, m, sigma)``.
SviParams: TypeAlias = Union[Sequence[float], npt.ArrayLike]
