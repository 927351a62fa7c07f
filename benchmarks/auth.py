"""Cost of sign-in (``PARITY_AUTH=1``): a scrypt password check, and the per-request overhead
of the login gate on ``/_dash-layout`` against the same app without login (same run, same
process, Flask test client: the WSGI stack gunicorn serves). ``python -m benchmarks auth``."""
from __future__ import annotations

import re
import tempfile
import time

from benchmarks import Row

PASSWORD = "benchmark-password-1"


def _per_request(auth: bool, password_hash: str, n: int = 200) -> float:
    from app import Settings, create_app
    from core.store import open_store

    s = Settings(data_dir=tempfile.mkdtemp(prefix="parity-bench-auth-"), warm_numba=False,
                 auth=auth, secret_key="b" * 48)
    client = create_app(s).server.test_client()
    if auth:
        open_store(s.database_url).add_user("bench", password_hash, "editor")
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)[1]
        signed = client.post("/login", data={"username": "bench", "password": PASSWORD,
                                             "csrf_token": token})
        assert signed.status_code == 302, signed.status_code
    for _ in range(20):
        client.get("/_dash-layout")
    start = time.perf_counter()
    for _ in range(n):
        assert client.get("/_dash-layout").status_code == 200
    return (time.perf_counter() - start) / n


def run() -> list[Row]:
    from werkzeug.security import check_password_hash

    from callbacks.auth import hash_password

    hashed = hash_password(PASSWORD)
    start = time.perf_counter()
    for _ in range(5):
        check_password_hash(hashed, PASSWORD)
    verify = (time.perf_counter() - start) / 5
    off = _per_request(False, hashed)
    on = _per_request(True, hashed)
    return [Row("auth", "scrypt password check (werkzeug default, N=2^15)", verify * 1e3,
                unit="ms", note="per sign-in attempt; the rate limit bounds how often"),
            Row("auth", "/_dash-layout signed in vs no login", on * 1e3, off * 1e3,
                "PARITY_AUTH unset", "ms", "ratio ~1", "user read from the store at most every 2 s")]
