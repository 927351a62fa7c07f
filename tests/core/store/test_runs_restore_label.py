"""RunStore.restore_run (undo a delete) and set_label, on a real SQLite file and on PostgreSQL."""
from __future__ import annotations

import pytest

from core.errors import DataError


def _add(store, label=""):
    return store.add_run("calibration", "heston", "f" * 16, {"kappa": 1.5}, {"rmse_iv": 0.01},
                         {"weights": "vega"}, 0.25, result={"x": [1, 2]}, label=label)


def test_deleted_run_comes_back_identical(store):
    rid = _add(store, "first")
    before = store.get_run(rid)
    store.delete_run(rid)
    assert store.count() == 0
    assert store.restore_run(before.to_dict()) == rid
    assert store.get_run(rid) == before
    with pytest.raises(DataError, match="already stored"):
        store.restore_run(before)


def test_label_changes_and_nothing_else(store):
    rid = _add(store)
    other = _add(store, "keep")
    before = store.get_run(rid)
    after = store.set_label(rid, "  Heston baseline, Feb  ")
    assert after.label == "Heston baseline, Feb"
    again = store.get_run(rid)
    assert again == after and again.created == before.created and again.params == before.params
    assert store.get_run(other).label == "keep" and store.count() == 2
    with pytest.raises(DataError, match="no run with id"):
        store.set_label("0" * 32, "x")
    with pytest.raises(DataError):
        store.set_label(rid, "x" * 501)
    assert store.get_run(rid).label == "Heston baseline, Feb"
