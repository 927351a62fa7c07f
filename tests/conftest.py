"""Test configuration: headless Debian chromium for dash.testing, scratch folders for browsers."""
from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import tempfile
import time

import pytest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Real third-party market data lives beside the project (never inside it): ``../shared/data``.
SHARED_DATA = Path(os.environ.get("PARITY_SHARED_DATA", ROOT.parent / "shared" / "data"))


def one_line(title: str) -> str:
    """A chart title with its wrapped data line joined back (``components.figures.with_source``
    wraps it to fit a half-width chart), for asserting on the words."""
    return title.replace("</sup><br><sup>", " ")


def shared_file(name: str) -> Path:
    """Path of a real data file in ``../shared/data``; fails (never skips) when it is missing."""
    path = SHARED_DATA / name
    if not path.is_file():
        pytest.fail(f"this test needs the real data file {path} (the shared data folder beside "
                    "the project, or PARITY_SHARED_DATA); it is not committed into the project")
    return path


@pytest.fixture(scope="session")
def shared_data():
    """The ``shared_file`` function, as a fixture."""
    return shared_file

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1400,1000"]
_profiles: list[str] = []


def pytest_configure(config):
    """Concurrent test runs on one machine must not race for dash.testing's fixed port range."""
    try:
        from dash.testing.application_runners import BaseDashRunner
    except ImportError:  # pragma: no cover - dash[testing] missing
        return
    BaseDashRunner._next_port = random.Random(os.getpid()).randrange(20000, 40000, 100)


def pytest_setup_options():
    """dash.testing hook, called for each ``dash_duo``: chromium options."""
    from selenium.webdriver.chrome.options import Options

    options = Options()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="dash-chrome-")
    _profiles.append(profile)
    options.add_argument(f"--user-data-dir={profile}")
    return options


def pytest_sessionfinish(session, exitstatus):
    for d in _profiles:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def settings(tmp_path):
    """App settings with a private data folder and no numba warm-up thread."""
    from app import Settings

    return Settings(data_dir=str(tmp_path / "var"), warm_numba=False)


@pytest.fixture
def parity(settings):
    """A fresh Parity app on the embedded defaults (for dash_duo)."""
    from app import create_app

    return create_app(settings)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, seconds: float = 10) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on port {port}")


@pytest.fixture
def redis_url(tmp_path):
    """A real redis-server on a free loopback port, stopped by PID afterwards."""
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("redis-server is not installed (make test installs it)")
    port = free_port()
    proc = subprocess.Popen([exe, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                             "--appendonly", "no", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    yield f"redis://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


# --------------------------------------------------------------------------------------------
# PostgreSQL: a real server for the store tests (Debian's `postgresql`, run as `postgres`)
# --------------------------------------------------------------------------------------------
class PostgresServer:
    """A throw-away PostgreSQL cluster in a temporary folder on a free loopback port.

    Started as the ``postgres`` user when running as root (PostgreSQL refuses root; the
    server process switches user itself, so :attr:`proc` is the postmaster), with
    ``initdb -U parity --auth=trust``; :meth:`stop` ends it by PID. ``url`` is the ``parity``
    database as user ``parity``.
    """

    def __init__(self, folder: Path):
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
        if not bins:
            raise FileNotFoundError("PostgreSQL is not installed (/usr/lib/postgresql/*/bin); "
                                    "`make test` installs Debian's postgresql package")
        self.bin = bins[-1].parent
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.folder, 0o777)
        self.data = self.folder / "db"
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self._run("initdb", "-D", str(self.data), "-U", "parity", "--auth=trust",
                  "--locale=C.UTF-8", "--encoding=UTF8", "--no-sync", timeout=120)

    @property
    def url(self) -> str:
        return f"postgresql://parity@127.0.0.1:{self.port}/parity"

    @staticmethod
    def _as_postgres() -> dict:
        """Popen arguments that run a tool as ``postgres`` when we are root: the process
        itself switches user (no runuser in between), so its PID is the server's."""
        return dict(user="postgres", group="postgres") if os.geteuid() == 0 else {}

    def _run(self, tool: str, *args: str, timeout: float = 60) -> None:
        out = subprocess.run([str(self.bin / tool), *args], capture_output=True, text=True,
                             timeout=timeout, cwd=self.folder, **self._as_postgres())
        if out.returncode:
            raise RuntimeError(f"{tool} failed ({out.returncode}): {out.stderr.strip()[-800:]}")

    def start(self) -> None:
        log = open(self.folder / "postgres.log", "ab")
        self.proc = subprocess.Popen(
            [str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port), "-k",
             str(self.folder), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c",
             "full_page_writes=off"],
            stdout=log, stderr=subprocess.STDOUT, cwd=self.folder, **self._as_postgres())
        log.close()
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("postgres exited at start: "
                                   + (self.folder / "postgres.log").read_text()[-800:])
            ready = subprocess.run([str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p",
                                    str(self.port)], capture_output=True, cwd=self.folder)
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError("postgres did not become ready in 30 s")

    def createdb(self, name: str = "parity") -> str:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "parity", name)
        return f"postgresql://parity@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        """Fast shutdown (SIGINT to the postmaster's PID), waited for."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, 2)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:  # pragma: no cover
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None


def start_postgres(folder: Path) -> PostgresServer:
    """A started :class:`PostgresServer` with a ``parity`` database, or a skip (a failure under
    ``CI=true``) when PostgreSQL is not installed or cannot start."""
    try:
        server = PostgresServer(folder)
        server.start()
        server.createdb()
    except Exception as exc:
        message = f"PostgreSQL could not be started for the store tests: {exc}"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message + " (CI=true: the PostgreSQL tests must run)")
        pytest.skip(message + " (make test installs Debian's postgresql)")
    return server


def postgres_folder() -> Path:
    """A new folder the ``postgres`` user can reach (pytest's tmp_path is private to root)."""
    return Path(tempfile.mkdtemp(prefix="parity-pg-", dir="/tmp" if os.path.isdir("/tmp") else None))


@pytest.fixture(scope="session")
def postgres_server():
    """One real PostgreSQL server for the whole run, stopped by PID at the end."""
    folder = postgres_folder()
    server = start_postgres(folder)
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server):
    """URL of a fresh, empty database on the session's server (dropped afterwards)."""
    import uuid

    import psycopg

    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = psycopg.connect(postgres_server.url, autocommit=True)
    try:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        yield f"postgresql://parity@127.0.0.1:{postgres_server.port}/{name}"
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.close()
