"""Walk-forward optimisation and parameter sweeps.

:func:`walk_forward` cuts the history into consecutive windows: ``train`` quote dates in sample,
then the next ``test`` dates out of sample (rolling, or anchored at the first date). Every grid
point is run once over the whole history, giving the ``T x N`` return matrix for
:func:`core.backtest.pbo` and the trials' Sharpe ratios for :func:`core.backtest.deflated_sharpe`.
In each in-sample window the best grid point by ``metric`` is chosen, and that rule is traded on
the out-of-sample slice (:meth:`ChainHistory.slice`: later dates cannot be read); out-of-sample
daily returns are stitched into one equity curve.

How a grid point is scored in sample (``in_sample``):

* ``"continuous"`` (default): ``metric`` of the point's whole-history equity over the window's
  dates: the rule as traded continuously, positions opened before the window carried in and
  those open at its end marked at mid. The engine is causal (a day's equity reads only that day
  and earlier), so nothing after the window enters its score; one run per grid point.
* ``"fresh"``: each grid point is run again on a slice of the history that ends with the window,
  starting flat with the capital and closing what is open on its last date (one run per point
  and window, about ``1 + train / test`` times the work).

The grid is evaluated in chunks of grid points through ``mapper`` (a function
``mapper(fn, list_of_args) -> list_of_results``): the local default is a process pool; the
app passes a Celery mapper when ``REDIS_URL`` is set. Each chunk is a pure function of its
arguments, so the result is the same whichever runs it.
"""
from __future__ import annotations

import itertools
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from core.backtest.engine import run
from core.backtest.history import ChainHistory
from core.backtest.metrics import PERIODS, performance
from core.backtest.overfitting import PBOResult, deflated_sharpe, pbo
from core.backtest.rules import Rules
from core.errors import DataError
from core._typing import Progress

__all__ = ["walk_forward", "WalkForwardResult", "expand_grid", "windows", "evaluate_chunk",
           "local_mapper", "METRICS"]

METRICS = ("sharpe", "total_return", "cagr", "sortino", "calmar")
IN_SAMPLE = ("continuous", "fresh")
#: Rows of day tables a sweep chunk may keep in memory (~80 bytes a row: ~640 MB at most). The
#: history's own cache holds :data:`core.backtest.history.CACHE_ROWS` (2 M); a 5-year modelled
#: history has ~3.8 M rows, so with the default every full run of a chunk evicted the dates the
#: next run starts with and re-read the whole Parquet file (about 70 % of a run's time).
SWEEP_CACHE_ROWS: int = 8_000_000


@dataclass(frozen=True, slots=True, eq=False)
class WalkForwardResult:
    """Output of :func:`walk_forward`.

    Attributes
    ----------
    configs : list of dict
        The grid points (field -> value), in grid order.
    windows : list of (int, int, int, int)
        ``(train_start, train_stop, test_start, test_stop)`` positions in the history's dates.
    dates : list of str
        The history's dates (ISO).
    in_sample : ndarray, shape (windows, configs)
        In-sample ``metric`` of every grid point in every window.
    chosen : list of int
        Index of the chosen grid point per window.
    oos_equity : ndarray
        Stitched out-of-sample equity on the dates ``dates[windows[0][2] - 1:windows[-1][3]]``
        (capital on the last in-sample date; each window trades only its own dates).
    is_equity : list of list of float
        Equity of the chosen grid point over its in-sample window, per window.
    oos_metrics, full_metrics : dict
        Performance of the stitched out-of-sample curve; of the best full-history grid point.
    returns : ndarray, shape (T - 1, configs)
        Daily returns of every grid point over the whole history (the PBO input).
    pbo : PBOResult or None
        CSCV on ``returns`` (None when the history is too short for the splits).
    dsr : float
        Deflated Sharpe of the best full-history grid point, with ``n_trials`` = grid size and
        the trials' Sharpe variance (per period).
    metric : str; anchored : bool; elapsed : float
    in_sample_mode : {"continuous", "fresh"}
        How ``in_sample`` was scored (module notes).
    """

    configs: list
    windows: list
    dates: list
    in_sample: np.ndarray
    chosen: list
    oos_equity: np.ndarray
    is_equity: list
    oos_metrics: dict
    full_metrics: dict
    returns: np.ndarray
    pbo: PBOResult | None
    dsr: float
    metric: str
    anchored: bool
    elapsed: float
    in_sample_mode: str = "continuous"

    def stability(self) -> list[dict]:
        """The chosen parameters per window (one dict per window, with its dates).

        Returns
        -------
        list of dict
            Per window: ``window`` (1-based), ``train`` and ``test`` (``"<first> to <last>"``
            dates), the chosen grid values, and ``in-sample <metric>`` (its in-sample score).
        """
        out = []
        for w, (a, b, c, d) in enumerate(self.windows):
            row = {"window": w + 1, "train": f"{self.dates[a]} to {self.dates[b - 1]}",
                   "test": f"{self.dates[c]} to {self.dates[d - 1]}"}
            row.update(self.configs[self.chosen[w]])
            row[f"in-sample {self.metric}"] = float(self.in_sample[w, self.chosen[w]])
            out.append(row)
        return out

    def to_dict(self) -> dict:
        """Plain JSON-able dict (arrays as lists, non-finite numbers as ``None``; the per-period
        returns matrix is kept only as its shape).

        Returns
        -------
        dict
            ``kind`` ``"WalkForwardResult"`` and the fields; :meth:`from_dict` reads it back.
        """
        f = lambda a: [None if not math.isfinite(x) else float(x) for x in np.ravel(a)]  # noqa
        return {"kind": "WalkForwardResult", "configs": self.configs,
                "windows": [list(w) for w in self.windows], "dates": self.dates,
                "in_sample": [f(r) for r in self.in_sample], "chosen": list(self.chosen),
                "oos_equity": f(self.oos_equity), "is_equity": [f(x) for x in self.is_equity],
                "oos_metrics": {k: _j(v) for k, v in self.oos_metrics.items()},
                "full_metrics": {k: _j(v) for k, v in self.full_metrics.items()},
                "returns_shape": list(self.returns.shape),
                "pbo": None if self.pbo is None else self.pbo.to_dict(), "dsr": _j(self.dsr),
                "metric": self.metric, "anchored": self.anchored, "elapsed": self.elapsed,
                "in_sample_mode": self.in_sample_mode}

    @classmethod
    def from_dict(cls, d: dict) -> WalkForwardResult:
        """Rebuild from :meth:`to_dict`'s output (``returns`` comes back empty, of its shape).

        Parameters
        ----------
        d : dict
            A dict written by :meth:`to_dict`.

        Returns
        -------
        WalkForwardResult
            The result (``None`` numbers read as NaN).
        """
        n = lambda a: np.array([np.nan if x is None else x for x in a], float)  # noqa: E731
        return cls(d["configs"], [tuple(w) for w in d["windows"]], d["dates"],
                   np.array([n(r) for r in d["in_sample"]]), list(d["chosen"]),
                   n(d["oos_equity"]), [n(x).tolist() for x in d["is_equity"]],
                   {k: np.nan if v is None else v for k, v in d["oos_metrics"].items()},
                   {k: np.nan if v is None else v for k, v in d["full_metrics"].items()},
                   np.empty(tuple(d.get("returns_shape", (0, 0)))),
                   None if d["pbo"] is None else PBOResult.from_dict(d["pbo"]),
                   np.nan if d["dsr"] is None else d["dsr"], d["metric"], d["anchored"],
                   d["elapsed"], d.get("in_sample_mode", "fresh"))


def _j(v):
    return None if isinstance(v, float) and not math.isfinite(v) else v


def expand_grid(grid: dict) -> list[dict]:
    """All combinations of a ``{field: [values]}`` grid over :class:`Rules` fields.

    Parameters
    ----------
    grid : dict of str -> list
        :class:`Rules` field -> the values to try (in that field's units).

    Returns
    -------
    list of dict
        One ``{field: value}`` per combination (the product, last field varying fastest).

    Raises
    ------
    DataError
        An empty grid, a name that is not a Rules field, or a field without values.
    """
    if not isinstance(grid, dict) or not grid:
        raise DataError("grid must be a non-empty dict of Rules field -> list of values")
    names = {f.name for f in fields(Rules)}
    for k, v in grid.items():
        if k not in names:
            raise DataError(f"grid field {k!r} is not a Rules field (one of "
                            f"{', '.join(sorted(names))})")
        if not isinstance(v, (list, tuple)) or not v:
            raise DataError(f"grid[{k!r}] must be a non-empty list of values, got {v!r}")
    keys = list(grid)
    return [dict(zip(keys, combo)) for combo in itertools.product(*(grid[k] for k in keys))]


def windows(n: int, train: int, test: int, anchored: bool = False) -> list[tuple]:
    """``(train_start, train_stop, test_start, test_stop)`` positions for ``n`` dates.

    Parameters
    ----------
    n : int
        Number of quote dates in the history.
    train, test : int
        Window lengths, quote dates (>= 2 each); consecutive test windows follow each other.
    anchored : bool, default False
        Train from the first date (expanding window) instead of a rolling ``train`` dates.

    Returns
    -------
    list of tuple of int
        Positions per window, stops excluded; the last test window may be shorter.

    Raises
    ------
    DataError
        A window length that is not a whole number >= 2, or ``train + test > n``.
    """
    for name, v, lo in (("train", train, 2), ("test", test, 2)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
            raise DataError(f"{name} must be a whole number of quote dates >= {lo}, got {v!r}")
    if train + test > n:
        raise DataError(f"train + test = {train + test} quote dates, but the history has {n}: "
                        "shorten the windows or load a longer history")
    out, b = [], train
    while b + 2 <= n:
        a = 0 if anchored else b - train
        out.append((a, b, b, min(b + test, n)))
        b += test
    return out


def _score(equity, metric: str) -> float:
    v = performance(equity)[metric]
    return v if math.isfinite(v) else -math.inf


def evaluate_chunk(history: ChainHistory, rules: dict, configs: list[dict], wins: list,
                   metric: str, in_sample: str = "continuous") -> dict:
    """Run grid points over the whole history and score them in every in-sample window (a pure
    function of its arguments: the unit of work of a sweep, local or on Celery).

    Parameters
    ----------
    history : ChainHistory
        The quote history.
    rules : dict
        ``Rules.to_dict()`` of the base rules.
    configs : list of dict
        Grid points (field -> value) applied on the base rules.
    wins : list of tuple of int
        Windows from :func:`windows`.
    metric : str
        A key of :func:`core.backtest.metrics.performance` (e.g. ``"sharpe"``).
    in_sample : {"continuous", "fresh"}, default "continuous"
        Score each window on the slice of the full run's equity, or on a fresh run over the
        window alone.

    Returns
    -------
    dict
        ``returns``: per config, the full run's daily equity returns (decimal); ``scores``: per
        config, the ``metric`` in each in-sample window (-inf where undefined).
    """
    base = Rules.from_dict(rules)
    chunk = [base.with_(**cfg) for cfg in configs]
    if len(chunk) > 1:
        history = _sweep_view(history)
    scores = [[0.0] * len(wins) for _ in configs]
    full = []
    for j, rule in enumerate(chunk):
        eq = run(history, rule, margin=False).series["equity"]
        full.append((eq[1:] / eq[:-1] - 1.0).tolist())
        if in_sample == "continuous":
            for w, (a, b, _, _) in enumerate(wins):
                scores[j][w] = _score(eq[a:b], metric)
    if in_sample == "fresh":
        for w, (a, b, _, _) in enumerate(wins):      # window-major: its dates stay in the cache
            part = history.slice(a, b)
            for j, rule in enumerate(chunk):
                scores[j][w] = _score(run(part, rule, margin=False).series["equity"], metric)
    return {"returns": full, "scores": scores}


def _sweep_view(history: ChainHistory) -> ChainHistory:
    """The same history with its own day cache, sized to keep every date of it (up to
    :data:`SWEEP_CACHE_ROWS` rows), so the grid points of a chunk read the file once. The
    caller's history and its cache are left as they were."""
    rows = int(np.maximum(history.groups[:, 2], 0).sum()) if len(history) else 0
    view = ChainHistory(history.path, history.day_index, history.closes, history.groups,
                        history.source, history.label, history.notes)
    object.__setattr__(view, "_budget", [max(view._budget[0], min(rows, SWEEP_CACHE_ROWS)), 0])
    object.__setattr__(view, "_file", history._file)
    return view


def local_mapper(fn: Callable[..., Any], args_list: list, max_workers: int | None = None) -> list:
    """Run ``fn(*args)`` for each args tuple in a local process pool (in process for one).

    Parameters
    ----------
    fn : callable
        A picklable function (the pool uses ``spawn``).
    args_list : list of tuple
        The argument tuples, one call each.
    max_workers : int, optional
        Pool size (default: the CPU count; 1 runs in process).

    Returns
    -------
    list
        ``fn``'s results, in the order of ``args_list``.
    """
    if len(args_list) <= 1 or (max_workers or os.cpu_count() or 1) <= 1:
        return [fn(*a) for a in args_list]
    from concurrent.futures import ProcessPoolExecutor
    import multiprocessing as mp

    with ProcessPoolExecutor(max_workers=max_workers or os.cpu_count(),
                             mp_context=mp.get_context("spawn")) as ex:
        futures = [ex.submit(fn, *a) for a in args_list]
        return [f.result() for f in futures]


def walk_forward(history: ChainHistory, rules: Rules, grid: dict, *, train: int, test: int,
                 anchored: bool = False, metric: str = "sharpe", n_splits: int = 16,
                 in_sample: str = "continuous",
                 mapper: Callable[[Callable[..., Any], list], list] | None = None,
                 chunk_size: int | None = None, progress: Progress = None) -> WalkForwardResult:
    """Walk-forward optimisation of ``rules`` over ``grid`` (module notes).

    Parameters
    ----------
    history : ChainHistory
    rules : Rules
        The base rule; each grid point changes some of its fields.
    grid : dict
        ``{Rules field: [values, ...]}``; all combinations are tried.
    train, test : int
        In-sample and out-of-sample window lengths, in quote dates.
    anchored : bool
        In-sample windows all start at the first date (expanding) instead of rolling.
    metric : {"sharpe", "total_return", "cagr", "sortino", "calmar"}
        What "best" means in sample.
    n_splits : int
        CSCV splits for the PBO (reduced to fit a short history, never below 2).
    in_sample : {"continuous", "fresh"}
        How grid points are scored in sample (module notes).
    mapper : callable, optional
        ``mapper(fn, list_of_arg_tuples) -> list``; default :func:`local_mapper`.
    chunk_size : int, optional
        Grid points per chunk (default: the grid split in about 4 chunks per core).
    progress : callable(fraction, message), optional

    Returns
    -------
    WalkForwardResult
    """
    t0 = time.perf_counter()
    if not isinstance(history, ChainHistory):
        raise DataError(f"history must be a ChainHistory, got {type(history).__name__}")
    if not isinstance(rules, Rules):
        raise DataError(f"rules must be a Rules, got {type(rules).__name__}")
    if metric not in METRICS:
        raise DataError(f"metric must be one of {', '.join(METRICS)}, got {metric!r}")
    if in_sample not in IN_SAMPLE:
        raise DataError(f"in_sample must be one of {', '.join(IN_SAMPLE)}, got {in_sample!r}")
    configs = expand_grid(grid)
    for cfg in configs:            # validate every grid point before any work
        rules.with_(**cfg)
    wins = windows(len(history), train, test, anchored)
    say = progress or (lambda *_: None)
    if mapper is None:   # a pool pays ~2 s of start-up per process: only for real work
        work = len(configs) * len(history) * (1 + (len(wins) if in_sample == "fresh" else 0))
        mapper = local_mapper if work > 300_000 else (lambda fn, args: [fn(*a) for a in args])
    size = chunk_size or max(1, math.ceil(len(configs) / (4 * (os.cpu_count() or 1))))
    chunks = [configs[i:i + size] for i in range(0, len(configs), size)]
    say(0.0, f"{len(configs)} grid points x {len(wins)} windows in {len(chunks)} chunks")
    outs = mapper(evaluate_chunk, [(history, rules.to_dict(), c, wins, metric, in_sample)
                                   for c in chunks])
    say(0.8, "out-of-sample runs")
    returns = np.array([r for o in outs for r in o["returns"]], dtype=np.float64).T
    scores = np.array([s for o in outs for s in o["scores"]], dtype=np.float64).T
    chosen = [int(np.argmax(row)) for row in scores]
    oos_rets, is_eq = [], []
    for w, (a, b, c, d) in enumerate(wins):
        rule = rules.with_(**configs[chosen[w]])
        is_eq.append(run(history.slice(a, b), rule).series["equity"].tolist())
        # out of sample reads only its own dates; flat from the last in-sample close to its first
        eq = run(history.slice(c, d), rule).series["equity"]
        oos_rets.append(np.r_[0.0, eq[1:] / eq[:-1] - 1.0])
    r = np.concatenate(oos_rets)
    oos_equity = rules.capital * np.r_[1.0, np.cumprod(1.0 + r)]
    full_sharpe = np.array([_sr(returns[:, j]) for j in range(returns.shape[1])])
    best = int(np.nanargmax(np.where(np.isfinite(full_sharpe), full_sharpe, -np.inf)))
    full_eq = rules.capital * np.r_[1.0, np.cumprod(1.0 + returns[:, best])]
    full_metrics = performance(full_eq) | {"config": configs[best]}
    dsr = math.nan
    rb = returns[:, best]
    if len(configs) > 1 and rb.std() > 0:
        from scipy.stats import kurtosis, skew

        var = float(np.nanvar(full_sharpe[np.isfinite(full_sharpe)], ddof=1))
        dsr = deflated_sharpe(_sr(rb), len(configs), var, rb.size, float(skew(rb)),
                              float(kurtosis(rb, fisher=False)))
    pbo_res = None
    S = n_splits
    while S > 2 and returns.shape[0] < 2 * S:
        S -= 2
    if len(configs) >= 2 and returns.shape[0] >= 2 * S:
        pbo_res = pbo(returns, S)
    say(1.0, "done")
    return WalkForwardResult(configs, wins, [str(x) for x in history.dates],
                             scores, chosen, oos_equity, is_eq, performance(oos_equity),
                             full_metrics, returns, pbo_res, dsr, metric, anchored,
                             time.perf_counter() - t0, in_sample)


def _sr(r) -> float:
    r = np.asarray(r)
    sd = r.std(ddof=1) if r.size > 1 else 0.0
    return float(r.mean() / sd) if sd > 0 else math.nan
