"""Calibration runs in the registry, and side-by-side comparison of stored runs.

:func:`record_calibration` files a :class:`~core.calibration.CalibrationResult` as a run of kind
``"calibration"`` (parameters, scalar fit metrics, settings and the full ``to_dict()``
payload); :func:`calibration_from_run` rebuilds the result object from a stored run;
:func:`compare_runs` lines runs up as columns of one table.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from core.errors import DataError
from core.store.runs import Run, RunStore

if TYPE_CHECKING:
    from core.calibration import CalibrationResult

__all__ = ["record_calibration", "calibration_from_run", "compare_runs", "CALIBRATION",
           "CALIBRATION_METRICS", "FINGERPRINT_CHARS"]

#: ``kind`` of calibration runs.
CALIBRATION = "calibration"
#: ``CalibrationResult`` attributes stored as a calibration run's metrics.
CALIBRATION_METRICS = ("rmse_iv", "n_quotes", "iterations", "evaluations", "cost", "feller",
                       "feller_value")
#: Characters of the fingerprint shown by :func:`compare_runs`.
FINGERPRINT_CHARS = 12
_RUN_ROWS = ("label", "kind", "model", "created", "fingerprint", "elapsed")


def _calibration_result(result: Any) -> CalibrationResult:
    from core.calibration import CalibrationResult

    if isinstance(result, CalibrationResult):
        return result
    if isinstance(result, Mapping):
        return CalibrationResult.from_dict(result)
    raise DataError(f"result must be a CalibrationResult or its to_dict(), got "
                    f"{type(result).__name__}")


def record_calibration(store: RunStore, result: CalibrationResult | Mapping, *,
                       label: str = "") -> str:
    """Store a calibration result as a run of kind ``"calibration"``.

    Parameters
    ----------
    store : RunStore
        The registry, from :func:`core.store.open_store`.
    result : CalibrationResult or dict
        The result, or its ``to_dict()`` (as it travels between callbacks).
    label : str
        Free text shown with the run.

    Returns
    -------
    str
        The run id.

    Notes
    -----
    The run's ``model``, ``fingerprint``, ``params``, ``settings`` and ``elapsed`` are the
    result's; ``metrics`` holds :data:`CALIBRATION_METRICS` (``rmse_iv`` in vol, ``feller``
    None for models without a Feller condition); ``result`` is ``result.to_dict()``, so
    standard errors, correlations and per-expiry errors are kept too.
    """
    if not isinstance(store, RunStore):
        raise DataError(f"store must be a RunStore (from open_store), got {type(store).__name__}")
    res = _calibration_result(result)
    metrics = {name: getattr(res, name) for name in CALIBRATION_METRICS}
    return store.add_run(kind=CALIBRATION, model=res.model, fingerprint=res.fingerprint,
                         params=dict(res.params), metrics=metrics, settings=dict(res.settings),
                         elapsed=res.elapsed, result=res.to_dict(), label=label)


def calibration_from_run(run: Run) -> CalibrationResult:
    """The :class:`~core.calibration.CalibrationResult` stored in a calibration run.

    NaN values (stored as null) come back as NaN, as from ``CalibrationResult.from_dict``.

    Parameters
    ----------
    run : Run
        A run of kind ``calibration`` with a result payload.

    Returns
    -------
    CalibrationResult

    Raises
    ------
    DataError
        ``run`` is not a calibration run or holds no result payload.
    """
    if not isinstance(run, Run):
        raise DataError(f"run must be a Run, got {type(run).__name__}")
    if run.kind != CALIBRATION or run.result is None:
        raise DataError(f"run {run.id} is not a calibration run with a stored result "
                        f"(kind {run.kind!r})")
    return _calibration_result(run.result)


def _flatten(doc: Mapping, prefix: str = "") -> dict:
    """Nested dicts as dotted keys: ``{"a": {"b": 1}}`` -> ``{"a.b": 1}``."""
    out = {}
    for key, value in doc.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out.update(_flatten(value, name + "."))
        else:
            out[name] = value
    return out


def _column_names(runs: list[Run]) -> list[str]:
    """Short ids, or full ids where short ones collide; repeats of one run get ``#2``..."""
    shorts = [r.short_id for r in runs]
    names, seen = [], {}
    for run, short in zip(runs, shorts):
        name = short if shorts.count(short) == 1 else run.id
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return names


def compare_runs(runs: Iterable[Run]) -> pd.DataFrame:
    """Side-by-side table of runs: one column per run, one row per field.

    Parameters
    ----------
    runs : iterable of Run
        Runs in the column order wanted (e.g. ``store.list_runs(...)``).

    Returns
    -------
    pandas.DataFrame
        Object dtype. Columns are the runs' short ids (8 characters; the full id where two
        short ids collide). The index is a MultiIndex ``(section, field)``:

        * ``("run", f)`` for f in label, kind, model, created (UTC datetime), fingerprint (first
          12 characters), elapsed (s);
        * ``("params", "model.name")`` for each model's parameters (``"heston.sigma"``,
          ``"vg.sigma"``): runs are compared parameter by parameter only within one model, a
          parameter row of another model is None; models and names in first-seen order;
        * ``("metrics", name)`` likewise for the metrics.

        Nested dicts are flattened to dotted names (``start.kappa``); a field a run lacks is
        None. ``df.reset_index()`` gives a flat table for display.

    Raises
    ------
    DataError
        An item is not a :class:`~core.store.runs.Run`.
    """
    if isinstance(runs, Run):
        runs = [runs]
    runs = list(runs)
    for i, run in enumerate(runs):
        if not isinstance(run, Run):
            raise DataError(f"runs[{i}] must be a Run, got {type(run).__name__}")
    # parameters belong to their model: VG's sigma is not Bates' sigma, so a row is one
    # model's parameter ("heston.sigma"), filled only for runs of that model
    params = [{f"{r.model or 'model'}.{k}": v for k, v in _flatten(r.params).items()}
              for r in runs]
    metrics = [_flatten(r.metrics) for r in runs]
    rows = [("run", f) for f in _RUN_ROWS]
    rows += [("params", k) for k in dict.fromkeys(k for p in params for k in p)]
    rows += [("metrics", k) for k in dict.fromkeys(k for m in metrics for k in m)]
    index = pd.MultiIndex.from_tuples(rows, names=["section", "field"])
    columns = {}
    for name, run, p, m in zip(_column_names(runs), runs, params, metrics):
        head = {"label": run.label, "kind": run.kind, "model": run.model, "created": run.created,
                "fingerprint": run.fingerprint[:FINGERPRINT_CHARS], "elapsed": run.elapsed}
        source = {"run": head, "params": p, "metrics": m}
        columns[name] = pd.Series([source[s].get(f) for s, f in rows], index=index,
                                  dtype=object)
    return pd.DataFrame(columns, index=index, dtype=object)
