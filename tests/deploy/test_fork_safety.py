"""Section 1 of issue 9: background jobs compute the same numbers as the foreground.

A process that has run a numba ``parallel=True`` kernel and then forks (gunicorn workers forking
DiskcacheManager jobs, Celery prefork children) must compute correctly in the child. The truth
for implied vols is the closed-form smile the synthetic chain was priced with
(:mod:`tests.deploy.chains`); the truth for calibrations is the same call made in-process.
"""
from __future__ import annotations

import base64
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from tests.deploy.chains import large_chain, large_chain_csv, svi_vol
from tests.deploy.conftest import kept_payload

ROOT = Path(__file__).resolve().parents[2]


def _python(code: str, timeout: float = 240, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {})})


def test_synthetic_chain_is_large_and_its_vols_are_known():
    from core.data import load_chain

    chain = load_chain(large_chain_csv())
    otm = chain.otm_quotes(0.6, 1.4)
    assert len(otm) >= 4000  # the failure appeared above ~1,400 OTM quotes
    truth = svi_vol(np.log(otm["strike"] / otm["forward"]).to_numpy(), otm["T"].to_numpy())
    err = np.abs(otm["iv"].to_numpy() - truth)
    assert np.nanmedian(err) < 1e-6 and np.nanmax(err) < 1e-4  # price rounding; the bug gave 0.2


def test_threading_layer_is_tbb_in_every_entry_point():
    out = _python("""
        import numpy as np, core, numba
        from core.pricing import implied_vol, bs_price
        k = np.linspace(50, 150, 5000)
        implied_vol(bs_price(100.0, k, 0.5, 0.0, 0.0, 0.2, True), 100.0, k, 0.5, 0.0, 0.0, True)
        print(numba.threading_layer())
    """)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "tbb"


FORK_CHILD = """
    import os, sys, numpy as np
    sys.path.insert(0, ".")
    from tests.deploy.chains import large_chain_csv, svi_vol
    from core.data import load_chain
    csv = large_chain_csv()
    load_chain(csv)                        # the parent runs the parallel kernels first
    pid = os.fork()
    if pid == 0:
        o = load_chain(csv).otm_quotes(0.6, 1.4)
        truth = svi_vol(np.log(o["strike"] / o["forward"]).to_numpy(), o["T"].to_numpy())
        err = np.abs(o["iv"].to_numpy() - truth)
        print(len(o), float(np.nanmedian(err)), float(np.nanmax(err)), flush=True)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    print("status", status)
"""


def test_forked_child_of_a_process_that_ran_parallel_kernels_computes_right_vols():
    out = _python(FORK_CHILD)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.split("\n")
    assert "status 0" in out.stdout, out.stdout + out.stderr   # omp: the child is SIGTERMed (status 15)
    n, median, worst = lines[0].split()
    assert int(n) >= 4000 and float(median) < 1e-6 and float(worst) < 1e-4


def test_fork_from_a_request_thread_after_threaded_parallel_use_is_correct():
    """What a gthread worker does: parallel kernels run from several request threads, then a
    request thread (not the main thread) forks the job process. numba warns that TBB "may be in
    an invalid state" in such a child; check that the children compute right and finish."""
    out = _python("""
        import os, sys, threading, numpy as np
        sys.path.insert(0, ".")
        from tests.deploy.chains import large_chain_csv, svi_vol
        from core.data import load_chain
        csv = large_chain_csv()
        users = [threading.Thread(target=load_chain, args=(csv,)) for _ in range(3)]
        for t in users: t.start()
        for t in users: t.join()
        statuses = []
        def job():
            pid = os.fork()
            if pid == 0:
                o = load_chain(csv).otm_quotes(0.6, 1.4)
                truth = svi_vol(np.log(o["strike"] / o["forward"]).to_numpy(), o["T"].to_numpy())
                err = np.abs(o["iv"].to_numpy() - truth)
                os._exit(0 if len(o) >= 4000 and np.nanmax(err) < 1e-4 else 3)
            statuses.append(os.waitpid(pid, 0)[1])
        for _ in range(4):
            t = threading.Thread(target=job); t.start(); t.join()
            load_chain(csv)                      # the parent keeps using its pool between forks
        print("statuses", statuses)
    """, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "statuses [0, 0, 0, 0]" in out.stdout, out.stdout + out.stderr


def test_parallel_kernels_from_several_threads_agree_with_serial():
    out = _python("""
        import numpy as np, sys
        from concurrent.futures import ThreadPoolExecutor
        from core.pricing import bs_price, implied_vol
        rng = np.random.default_rng(7)
        jobs = []
        for i in range(8):
            k = rng.uniform(60, 140, 40000); s = rng.uniform(0.1, 0.6, 40000)
            jobs.append((k, s, bs_price(100.0, k, 0.75, 0.01, 0.0, s, True)))
        solve = lambda j: implied_vol(j[2], 100.0, j[0], 0.75, 0.01, 0.0, True)
        serial = [solve(j) for j in jobs]
        with ThreadPoolExecutor(4) as pool:
            for _ in range(3):
                threaded = list(pool.map(solve, jobs))
                assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(serial, threaded))
        worst = max(float(np.nanmax(np.abs(v - j[1]))) for v, j in zip(serial, jobs))
        print("ok", worst)
    """)
    assert out.returncode == 0, out.stderr            # workqueue aborts the process here
    assert out.stdout.startswith("ok") and float(out.stdout.split()[1]) < 1e-6


def test_fork_while_another_thread_compiles_does_not_deadlock_the_child():
    """A fork taken while a thread holds numba's compiler lock (warm-up, a new signature) used to
    leave the child's copy of the lock held for ever: its first compile hung."""
    out = _python("""
        import os, threading, time
        import core
        from numba.core.compiler_lock import global_compiler_lock
        from numba import njit
        held = threading.Event()
        def hold():
            with global_compiler_lock:
                held.set(); time.sleep(1.0)
        threading.Thread(target=hold).start()
        held.wait()
        pid = os.fork()
        if pid == 0:
            f = njit(lambda x: x + 1)
            print("child", f(1), flush=True); os._exit(0)
        print("status", os.waitpid(pid, 0)[1])
    """, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "child 2" in out.stdout and "status 0" in out.stdout


def _data_url(csv: bytes) -> str:
    return "data:text/csv;base64," + base64.b64encode(csv).decode()


@pytest.mark.parametrize("models", [["vg", "heston"]])
def test_background_calibration_under_gunicorn_equals_in_process(gunicorn_app, models):
    """The failing setup of the issue: ``make run``'s gunicorn, the default DiskcacheManager,
    workers that already ran parallel kernels, a background calibration of a large chain."""
    from benchmarks._dash_http import DashClient
    from callbacks.calibration import run_models
    from core.data import load_chain

    csv = large_chain_csv()
    upload = {"contents": _data_url(csv), "filename": "large.csv"}
    # every worker runs the parallel IV kernel in the foreground first (fresh connections spread
    # over both workers), as a user loading the chain does
    for _ in range(4):
        info = DashClient(gunicorn_app.url, "/calibration").call(
            "cal-data-info", {"cal-upload-store.data": upload}, ["cal-upload-store.data"])
        assert info.status == 200 and "OTM quotes" in str(info.body), info.body
    record = info.output("cal-upload-record", "data")   # the upload is kept on the server
    assert record["size"] == len(csv)
    client = DashClient(gunicorn_app.url, "/calibration")
    answer = client.call("cal-result.data", {
        "cal-run.n_clicks": 1, "cal-upload-record.data": record, "cal-models.value": models,
        "cal-weights.value": "vega", "cal-warm.value": [], "cal-result.data": None},
        ["cal-run.n_clicks"], wait=240)
    assert answer.status == 200, (answer.status, gunicorn_app.log_text()[-3000:])
    alert = answer.output("cal-alert", "children")
    assert not alert, alert
    # the store holds a reference; the job's arrays are in the web's file-system cache
    job = kept_payload(answer.output("cal-result", "data"), gunicorn_app.data_dir)

    chain = load_chain(csv)
    local = run_models(chain, models, weights="vega")   # the weighting the page sent
    otm = chain.otm_quotes(0.6, 1.4)
    truth = svi_vol(np.log(otm["strike"] / otm["forward"]).to_numpy(), otm["T"].to_numpy())
    job_iv = np.asarray(job["market"]["iv"], dtype=float)
    assert len(job_iv) == len(otm) >= 4000
    assert np.nanmax(np.abs(job_iv - truth)) < 1e-4          # the independent truth
    np.testing.assert_allclose(job_iv, local["market"]["iv"], rtol=0, atol=1e-12)
    for model in models:
        got, want = job["results"][model], local["results"][model]
        for name, value in want["params"].items():
            assert got["params"][name] == pytest.approx(value, rel=1e-6), (model, name)
        assert got["rmse_iv"] == pytest.approx(want["rmse_iv"], rel=1e-6)
    # the job process came from the fork server's main thread, not from a request thread
    log = gunicorn_app.log_text()
    assert "fork() called from a process already using GNU OpenMP" not in log
    assert "Attempted to fork from a non-main thread" not in log, log[-2000:]
