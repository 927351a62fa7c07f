"""Per-call latency of the store on SQLite (file) and PostgreSQL (loopback), same run: `python -m benchmarks._store_latency` (starts its own PostgreSQL server; not part of `python -m benchmarks`)."""
import shutil
import sys
import tempfile
import time
sys.path.insert(0, ".")
from core.store import open_store
from tests.conftest import postgres_folder, start_postgres

folder = postgres_folder(); server = start_postgres(folder)
tmp = tempfile.mkdtemp()
try:
    for name, url in (("sqlite", f"sqlite:///{tmp}/b.db"), ("postgresql", server.url)):
        t = time.perf_counter(); store = open_store(url); t_open = time.perf_counter() - t
        n = 200
        t = time.perf_counter()
        ids = [store.add_run("fit", "svi", "fp", {"a": i}, {"r": 0.1}, {}, 0.1) for i in range(n)]
        t_add = (time.perf_counter() - t) / n
        t = time.perf_counter()
        for rid in ids: store.get_run(rid)
        t_get = (time.perf_counter() - t) / n
        state = {"pages": {f"p{k}": {"x": list(range(50))} for k in range(10)}, "notes": "n" * 2000}
        t = time.perf_counter()
        ws = [store.save_workspace(f"w{i}", state) for i in range(50)]
        t_save = (time.perf_counter() - t) / 50
        t = time.perf_counter()
        for w in ws: store.open_workspace(w.id)
        t_ws = (time.perf_counter() - t) / 50
        print(f"{name:10s} open {t_open*1e3:6.1f} ms  add_run {t_add*1e3:5.2f} ms  get_run {t_get*1e3:5.2f} ms"
              f"  save_workspace {t_save*1e3:5.2f} ms  open_workspace {t_ws*1e3:5.2f} ms")
finally:
    server.stop(); shutil.rmtree(folder, ignore_errors=True); shutil.rmtree(tmp, ignore_errors=True)
