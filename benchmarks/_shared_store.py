"""Store latency per request: open_store on every request (what callbacks did) against shared_store
(one store per process, PostgreSQL connection reused per thread), median of 100 list_runs(limit=5),
SQLite file and loopback PostgreSQL, same run: `python -m benchmarks._shared_store` (starts and stops
its own PostgreSQL server; not part of `python -m benchmarks`)."""
import statistics, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, ".")
from core.store import open_store, shared_store
from tests.conftest import postgres_folder, start_postgres

def bench(url, n=100):
    open_store(url).add_run("fit", "svi", "", {"a": 1.0}, {"rmse": 0.1}, {}, 0.5)
    out = {}
    for name, f in (("open_store", open_store), ("shared_store", shared_store)):
        f(url).list_runs(limit=5)
        ts = []
        for _ in range(n):
            t = time.perf_counter(); f(url).list_runs(limit=5); ts.append(time.perf_counter() - t)
        out[name] = statistics.median(ts) * 1e3
    return out

folder = Path(tempfile.mkdtemp())
print("sqlite", bench(f"sqlite:///{folder / 'b.db'}"))
pg_folder = postgres_folder()
pg = start_postgres(pg_folder)
try:
    print("postgresql", bench(pg.url))
finally:
    pg.stop()
    import shutil
    shutil.rmtree(pg_folder, ignore_errors=True)
