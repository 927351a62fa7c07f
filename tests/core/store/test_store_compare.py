"""core.store.compare: recording a real calibration (the real 2011 SPX chain from ../shared/data, Merton) and the
side-by-side comparison table."""
from __future__ import annotations

import math
from datetime import datetime, timezone

import pandas as pd
import pytest

from core.calibration import CalibrationResult, calibrate
from core.errors import DataError
from core.store import (CALIBRATION_METRICS, Run, calibration_from_run, compare_runs,
                        record_calibration)
from tests.real_data import spx_2011_chain


@pytest.fixture(scope="module")
def merton() -> CalibrationResult:
    return calibrate(spx_2011_chain(), "merton")


def test_record_calibration_maps_the_result_into_a_run(store, merton):
    rid = record_calibration(store, merton, label="SPX Merton")
    run = store.get_run(rid)
    assert run.kind == "calibration" and run.model == "merton" and run.label == "SPX Merton"
    assert run.fingerprint == merton.fingerprint and run.elapsed == merton.elapsed
    assert run.params == merton.params                      # exact floats, same order
    assert list(run.params) == list(merton.params)
    assert run.settings == merton.to_dict()["settings"]
    assert set(run.metrics) == set(CALIBRATION_METRICS)
    assert run.metrics["rmse_iv"] == merton.rmse_iv
    assert run.metrics["n_quotes"] == merton.n_quotes and run.metrics["feller"] is None
    assert run.metrics["iterations"] == merton.iterations
    assert run.result == merton.to_dict()
    back = calibration_from_run(run)
    assert isinstance(back, CalibrationResult)
    assert back.to_dict() == merton.to_dict()
    assert store.list_runs(kind="calibration", fingerprint=merton.fingerprint)[0].id == rid


def test_record_calibration_accepts_the_dict_form(store, merton):
    rid = record_calibration(store, merton.to_dict())
    assert store.get_run(rid).params == merton.params


def test_record_calibration_validates(store, merton):
    with pytest.raises(DataError, match="store must be a RunStore"):
        record_calibration("sqlite:///x.db", merton)
    with pytest.raises(DataError, match="result must be a CalibrationResult"):
        record_calibration(store, [1, 2])
    with pytest.raises(DataError, match="not a CalibrationResult dict"):
        record_calibration(store, {"kind": "SviFit"})
    with pytest.raises(DataError, match="label must be a string"):
        record_calibration(store, merton, label=None)
    other = store.add_run("surface", "svi", "", {}, {}, {}, 0.0)
    with pytest.raises(DataError, match="is not a calibration run"):
        calibration_from_run(store.get_run(other))


def test_compare_runs_table(store, merton):
    a = record_calibration(store, merton, label="merton")
    b = store.add_run("calibration", "heston", "f" * 40,
                      {"v0": 0.04, "kappa": 2.0, "theta": 0.05, "sigma": 0.5, "rho": -0.7},
                      {"rmse_iv": 0.02, "feller": False, "extra": {"ok": 1}}, {}, 1.5,
                      label="heston", created=datetime(2024, 1, 2, tzinfo=timezone.utc))
    runs = [store.get_run(a), store.get_run(b)]
    df = compare_runs(runs)
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == [a[:8], b[:8]]
    assert df.index.names == ["section", "field"]
    assert list(df.loc["run"].index) == ["label", "kind", "model", "created", "fingerprint",
                                         "elapsed"]
    # parameters are compared within a model: Merton's sigma and Heston's sigma are different
    # rows, each None for the other model's run
    heston = ["v0", "kappa", "theta", "sigma", "rho"]
    expected = [f"merton.{n}" for n in merton.params] + [f"heston.{n}" for n in heston]
    assert list(df.loc["params"].index) == expected
    assert "sigma" in merton.params
    assert df.loc[("params", "merton.sigma")].tolist() == [merton.params["sigma"], None]
    assert df.loc[("params", "heston.sigma")].tolist() == [None, 0.5]
    for name, value in merton.params.items():
        assert df.loc[("params", f"merton.{name}"), a[:8]] == value
        assert df.loc[("params", f"merton.{name}"), b[:8]] is None
    assert df.loc[("params", "heston.rho"), b[:8]] == -0.7
    assert df.loc[("params", "heston.rho"), a[:8]] is None
    # metrics: union, nested dicts flattened
    assert set(df.loc["metrics"].index) == set(CALIBRATION_METRICS) | {"extra.ok"}
    assert df.loc[("metrics", "rmse_iv"), a[:8]] == merton.rmse_iv
    assert df.loc[("metrics", "extra.ok"), b[:8]] == 1
    assert df.loc[("run", "model"), a[:8]] == "merton"
    assert df.loc[("run", "fingerprint"), b[:8]] == "f" * 12
    assert df.loc[("run", "created"), b[:8]] == datetime(2024, 1, 2, tzinfo=timezone.utc)
    flat = df.reset_index()
    assert list(flat.columns[:2]) == ["section", "field"] and len(flat) == len(df)


def test_compare_runs_edge_cases(store):
    rid = store.add_run("fit", "svi", "", {"a": 1.0}, {}, {}, 0.0)
    run = store.get_run(rid)
    twice = compare_runs([run, run])
    assert list(twice.columns) == [rid, f"{rid}#2"]
    same_prefix = Run.from_dict({**run.to_dict(), "id": rid[:8] + "0" * 24})
    assert list(compare_runs([run, same_prefix]).columns) == [rid, same_prefix.id]
    empty = compare_runs([])
    assert empty.shape == (6, 0)
    assert list(compare_runs(run).columns) == [rid[:8]]
    with pytest.raises(DataError, match=r"runs\[1\] must be a Run, got dict"):
        compare_runs([run, run.to_dict()])
    assert math.isclose(compare_runs([run]).loc[("params", "svi.a")].iloc[0], 1.0)


def test_compare_runs_lines_up_runs_of_one_model(store):
    """Two VG runs share rows; a Bates run's sigma stays apart from VG's sigma."""
    vg1 = store.add_run("calibration", "vg", "", {"sigma": 0.2, "nu": 0.3, "theta": -0.1}, {}, {}, 1.0)
    vg2 = store.add_run("calibration", "vg", "", {"sigma": 0.25, "nu": 0.2, "theta": -0.2}, {}, {}, 1.0)
    bates = store.add_run("calibration", "bates", "", {"v0": 0.04, "sigma": 0.6}, {}, {}, 1.0)
    df = compare_runs([store.get_run(r) for r in (vg1, vg2, bates)])
    assert df.loc[("params", "vg.sigma")].tolist() == [0.2, 0.25, None]
    assert df.loc[("params", "bates.sigma")].tolist() == [None, None, 0.6]
    assert ("params", "sigma") not in df.index
