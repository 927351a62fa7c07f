"""core.store runs registry: round trips, JSON rules, validation, filters, ordering, deletion.

Every test runs on both backends (a real SQLite file in ``tmp_path`` and a fresh database on the
real PostgreSQL server; plus one in-memory SQLite store); values read back are checked against
what was written and, where it matters, against the raw table read with the database's own
driver.
"""
from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pytest

from core.errors import DataError
from core.store import Run, RunStore, open_store
from tests.core.store.backends import raw, raw_many

T0 = datetime(2024, 3, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)
FLOATS = [0.1, 0.1 + 0.2, 1 / 3, math.pi, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
          -123456.78901234567, 1e22, 2.0**-1074 * 3]


def add(store, kind="calibration", model="heston", fingerprint="fp1", *, created=None,
        label="", params=None, metrics=None, elapsed=1.0):
    return store.add_run(kind, model, fingerprint, params or {"a": 1.0}, metrics or {},
                         {"lo": 0.6}, elapsed, label=label, created=created)


def test_round_trip_nested_documents_and_full_precision_floats(store):
    params = {"v0": 0.0397, "kappa": 1.234567890123456789, "tiny": FLOATS[4],
              "nested": {"floats": FLOATS, "deep": {"x": [1, [2.5, {"y": -0.0}]]}},
              "flag": True, "none": None, "text": "σ-smile ✓", "big": 2**62 + 1}
    metrics = {"rmse_iv": 0.0123456789012345, "n_quotes": 220, "feller": False}
    settings = {"weights": "vega", "start": {"kappa": 2.0}, "bounds": [0.6, 1.4]}
    result = {"kind": "CalibrationResult", "correlations": [[1.0, -0.3], [-0.3, 1.0]]}
    rid = store.add_run("calibration", "heston", "abc123", params, metrics, settings, 0.25,
                        result=result, label="  desk run  ", created=T0)
    assert isinstance(rid, str) and len(rid) == 32 and int(rid, 16) >= 0
    run = store.get_run(rid)
    assert run == Run(id=rid, created=T0, kind="calibration", model="heston",
                      fingerprint="abc123", label="desk run", params=params, metrics=metrics,
                      settings=settings, elapsed=0.25, result=result)
    # bit-exact floats, including subnormals, the largest double and the sign of zero
    got = run.params["nested"]["floats"]
    assert [x.hex() for x in got] == [x.hex() for x in FLOATS]
    assert math.copysign(1.0, run.params["nested"]["deep"]["x"][1][1]["y"]) == -1.0
    assert run.params["big"] == 2**62 + 1 and isinstance(run.params["big"], int)
    assert run.created.tzinfo is not None and run.created.utcoffset() == timedelta(0)
    # the stored column is strict JSON (independent parser, no NaN tokens)
    (text,) = raw(store, "SELECT params FROM runs WHERE id = ?", (rid,))[0]
    assert json.loads(text, parse_constant=lambda c: pytest.fail(c)) == params


def test_run_to_dict_from_dict_round_trip(store):
    rid = add(store, created=T0, params={"x": FLOATS, "n": {"k": 1}}, label="l")
    run = store.get_run(rid)
    data = json.loads(json.dumps(run.to_dict(), allow_nan=False))
    assert data["created"] == "2024-03-01T12:00:00.123456+00:00"
    assert Run.from_dict(data) == run
    assert Run.from_dict({"id": "x1", "created": "2024-03-01", "kind": "fit"}).params == {}
    with pytest.raises(DataError, match="missing created, kind"):
        Run.from_dict({"id": "x"})
    with pytest.raises(DataError, match="must be a dict"):
        Run.from_dict(["id"])


def test_non_finite_floats_are_stored_as_null(store):
    params = {"a": math.nan, "b": math.inf, "c": [-math.inf, 1.5], "d": np.float64("nan")}
    rid = store.add_run("fit", "svi", "", params, {"rmse": np.nan}, {}, 0.0)
    run = store.get_run(rid)
    assert run.params == {"a": None, "b": None, "c": [None, 1.5], "d": None}
    assert run.metrics == {"rmse": None}
    assert "NaN" not in raw(store, "SELECT params FROM runs")[0][0]


def test_numpy_values_become_plain_json(store):
    params = {"arr": np.array([[1.5, 2.0], [3.0, np.nan]]), "i": np.int64(7), "b": np.bool_(True),
              "f32": np.float32(0.1), "tup": (1, "a")}
    run = store.get_run(store.add_run("fit", "m", "", params, {}, {}, 0.0))
    assert run.params == {"arr": [[1.5, 2.0], [3.0, None]], "i": 7, "b": True,
                          "f32": float(np.float32(0.1)), "tup": [1, "a"]}
    assert type(run.params["i"]) is int and type(run.params["b"]) is bool


@pytest.mark.parametrize("params, where", [
    ({"x": object()}, r"params\['x'\] is not JSON-serialisable: object"),
    ({"s": {1, 2}}, r"params\['s'\] is not JSON-serialisable: set"),
    ({"n": {"when": datetime(2024, 1, 1)}}, r"params\['n'\]\['when'\] is not JSON"),
    ({"l": [1, 2, b"x"]}, r"params\['l'\]\[2\] is not JSON-serialisable: bytes"),
    ({1: 0.5}, "params keys must be strings, got int 1"),
])
def test_non_serialisable_params_raise_data_error(store, params, where):
    with pytest.raises(DataError, match=where):
        store.add_run("fit", "m", "", params, {}, {}, 0.0)
    assert store.count() == 0


@pytest.mark.parametrize("kwargs, message", [
    (dict(kind=""), "kind must not be empty"),
    (dict(kind=3), "kind must be a string, got int"),
    (dict(kind="k" * 65), "kind must be at most 64 characters"),
    (dict(model=None), "model must be a string"),
    (dict(params=[1, 2]), "params must be a dict, got list"),
    (dict(metrics=None), "metrics must be a dict, got NoneType"),
    (dict(result="x"), "result must be a dict, got str"),
    (dict(elapsed=-1.0), "elapsed must be a finite number of seconds >= 0, got -1.0"),
    (dict(elapsed=math.nan), "elapsed must be a finite number"),
    (dict(elapsed="fast"), "elapsed must be a number of seconds, got 'fast'"),
    (dict(created="yesterday"), "created must be an ISO-8601 date/time, got 'yesterday'"),
    (dict(created=12), "created must be a datetime, got int"),
])
def test_add_run_validates_arguments(store, kwargs, message):
    args = dict(kind="fit", model="m", fingerprint="", params={}, metrics={}, settings={},
                elapsed=0.0)
    args.update(kwargs)
    with pytest.raises(DataError, match=message):
        store.add_run(**args)


def test_created_defaults_to_now_and_is_normalised_to_utc(store):
    before = datetime.now(timezone.utc)
    run = store.get_run(add(store))
    assert before <= run.created <= datetime.now(timezone.utc)
    plus2 = timezone(timedelta(hours=2))
    run = store.get_run(add(store, created=datetime(2024, 1, 1, 14, 0, tzinfo=plus2)))
    assert run.created == datetime(2024, 1, 1, 12, 0, tzinfo=timezone.utc)
    assert run.created.tzinfo == timezone.utc
    naive = store.get_run(add(store, created=datetime(2024, 1, 1, 9, 30)))
    assert naive.created == datetime(2024, 1, 1, 9, 30, tzinfo=timezone.utc)


def test_filters_ordering_limit_and_offset(store):
    ids = {}
    for i, (kind, model, fp) in enumerate([("calibration", "heston", "A"),
                                           ("calibration", "merton", "A"),
                                           ("calibration", "heston", "B"),
                                           ("surface", "svi", "A"),
                                           ("calibration", "bates", "B")]):
        ids[i] = add(store, kind, model, fp, created=T0 + timedelta(hours=i), label=f"r{i}",
                     elapsed=10.0 - i)

    def labels(**kw):
        return [r.label for r in store.list_runs(**kw)]

    assert labels() == ["r4", "r3", "r2", "r1", "r0"]
    assert labels(order="created") == ["r0", "r1", "r2", "r3", "r4"]
    assert labels(order="elapsed") == ["r4", "r3", "r2", "r1", "r0"]
    assert labels(order="-model") == ["r3", "r1", "r2", "r0", "r4"]
    assert labels(kind="calibration") == ["r4", "r2", "r1", "r0"]
    assert labels(kind="surface", model="svi") == ["r3"]
    assert labels(model="heston") == ["r2", "r0"]
    assert labels(model=["heston", "bates"], order="created") == ["r0", "r2", "r4"]
    assert labels(model=[]) == []
    assert labels(fingerprint="B") == ["r4", "r2"]
    assert labels(since=T0 + timedelta(hours=3)) == ["r4", "r3"]
    assert labels(since=(T0 + timedelta(hours=2)).isoformat()) == ["r4", "r3", "r2"]
    assert labels(since=date(2030, 1, 1)) == []
    assert labels(since=datetime(2024, 3, 1, 14, 0)) == ["r4", "r3", "r2"]   # naive = UTC
    assert labels(limit=2) == ["r4", "r3"]
    assert labels(limit=2, offset=2) == ["r2", "r1"]
    assert labels(limit=None, offset=4) == ["r0"]
    assert store.count() == 5
    assert store.count(kind="calibration") == 4
    assert store.count(model="heston", fingerprint="A") == 1
    assert store.count(since=T0 + timedelta(hours=4)) == 1
    # independent check of the default order against the raw table
    assert [r.id for r in store.list_runs()] == [
        row[0] for row in raw(store, "SELECT id FROM runs ORDER BY created DESC")]


def test_equal_timestamps_keep_insertion_order(store):
    ids = [add(store, created=T0) for _ in range(5)]
    assert [r.id for r in store.list_runs(order="created")] == ids
    assert [r.id for r in store.list_runs()] == ids[::-1]


def test_default_limit_is_200(store):
    rows = [(f"{i:032x}", f"2024-01-01T00:00:00.{i:06d}+00:00", "bulk", "", "", "", "{}", "{}",
             "{}", 0.0, None) for i in range(250)]   # bulk rows through the real schema
    raw_many(store, "INSERT INTO runs (id, created, kind, model, fingerprint, label, params, "
                    "metrics, settings, elapsed, result) VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
    runs = store.list_runs()
    assert len(runs) == 200 and runs[0].id == f"{249:032x}"
    assert len(store.list_runs(limit=None)) == 250 == store.count(kind="bulk")


@pytest.mark.parametrize("kwargs, message", [
    (dict(order="rmse_iv"), "order must be one of created, kind, model"),
    (dict(order="created; DROP TABLE runs"), "order must be one of"),
    (dict(limit=0), "limit must be an integer >= 1, got 0"),
    (dict(limit=2.5), "limit must be an integer >= 1"),
    (dict(offset=-1), "offset must be an integer >= 0"),
    (dict(kind=5), "kind must be a string or a list of strings, got int"),
    (dict(since="soon"), "since must be an ISO-8601 date/time"),
])
def test_list_runs_validates_arguments(store, kwargs, message):
    with pytest.raises(DataError, match=message):
        store.list_runs(**kwargs)


def test_get_and_delete(store):
    keep, gone = add(store, label="keep"), add(store, label="gone")
    store.delete_run(gone)
    assert store.count() == 1 and raw(store, "SELECT id FROM runs") == [(keep,)]
    with pytest.raises(DataError, match=f"no run with id '{gone}'"):
        store.get_run(gone)
    with pytest.raises(DataError, match=f"no run with id '{gone}'"):
        store.delete_run(gone)
    with pytest.raises(DataError, match="run_id must be a string, got int"):
        store.get_run(42)
    with pytest.raises(DataError, match="run_id must not be empty"):
        store.delete_run("  ")
    assert store.get_run(keep).label == "keep"


def test_memory_store_is_private_and_closes():
    with open_store("sqlite:///:memory:") as mem:
        assert isinstance(mem, RunStore) and mem.url == "sqlite:///:memory:"
        rid = add(mem, params={"x": FLOATS})
        assert mem.get_run(rid).params == {"x": FLOATS}
        other = open_store("sqlite://")
        assert other.count() == 0 and mem.count() == 1
    with pytest.raises(DataError, match="in-memory run store cannot be shared"):
        import pickle
        pickle.dumps(mem)
