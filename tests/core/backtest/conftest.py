"""Shared fixtures: the real SPXW history (read from ../shared/data, never committed)."""
from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import shared_file

REAL = "spxw_2018-01_02.csv"


@pytest.fixture(scope="session")
def real_path():
    return shared_file(REAL)


@pytest.fixture(scope="session")
def raw(real_path):
    """The file read independently of core (pandas only)."""
    df = pd.read_csv(real_path, encoding="utf-8-sig")
    df.columns = [c.strip() for c in df.columns]
    df["quotedate"] = pd.to_datetime(df["quotedate"], format="%m/%d/%Y").dt.date
    df["expiration"] = pd.to_datetime(df["expiration"], format="%m/%d/%Y").dt.date
    return df


@pytest.fixture(scope="session")
def history(real_path, tmp_path_factory):
    from core.backtest import load_history

    return load_history(real_path, source_kind="real", cache_dir=tmp_path_factory.mktemp("h"))
