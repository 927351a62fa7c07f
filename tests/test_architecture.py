"""Layering rules that keep ``core`` pure and the app portable."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_core_imports_no_ui_stack():
    code = (
        "import importlib, pkgutil, sys, core\n"
        "for m in pkgutil.walk_packages(core.__path__, 'core.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'dash', 'plotly', 'flask'})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "", out.stdout


def test_no_cdn_links_in_shipped_files():
    hosts = ("cdn.", "cdnjs", "unpkg.com", "jsdelivr", "googleapis", "bootstrapcdn")
    for path in [*ROOT.glob("*.py"), *ROOT.glob("pages/*.py"), *ROOT.glob("components/*.py"),
                 *ROOT.glob("callbacks/*.py"), *ROOT.glob("assets/*.css")]:
        text = path.read_text()
        assert not any(h in text for h in hosts), path


def test_pages_hold_no_callbacks():
    for path in ROOT.glob("pages/*.py"):
        text = path.read_text()
        assert "@callback" not in text and "clientside_callback" not in text, path


def test_no_third_party_data_file_from_shared_is_in_the_repo():
    """The real market data in ../shared/data is third-party: never committed, by name or content.

    Compares every file git tracks (or would add) with every file of the shared folder by
    SHA-256 (also after gunzip, and with line endings normalised), and by the known names.
    """
    import gzip
    import hashlib

    from tests.conftest import SHARED_DATA, shared_file

    known = {"spx_2011-01-24.csv", "spxw_2018-01_02.csv", "stock_prices.csv"}
    for name in known:
        shared_file(name)                    # fails (never skips) when the folder is missing

    def digests(data: bytes) -> set[str]:
        out = {hashlib.sha256(data).hexdigest(),
               hashlib.sha256(data.replace(b"\r\n", b"\n")).hexdigest()}
        if data[:2] == b"\x1f\x8b":
            try:
                out |= digests(gzip.decompress(data))
            except (OSError, EOFError):
                pass
        return out

    banned = {}
    for path in sorted(SHARED_DATA.iterdir()):
        if path.is_file() and path.name.lower() != "readme.md":
            for d in digests(path.read_bytes()):
                banned[d] = path.name
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    bad = []
    for rel in filter(None, listed):
        path = ROOT / rel.decode()
        if path.name in known:
            bad.append(f"{rel.decode()} (name of a shared data file)")
            continue
        if not path.is_file() or path.stat().st_size > 200 * 2**20:
            continue
        hit = digests(path.read_bytes()) & banned.keys()
        if hit:
            bad.append(f"{rel.decode()} (same content as ../shared/data/{banned[hit.pop()]})")
    assert not bad, "third-party data must stay in ../shared/data: " + "; ".join(bad)


# --------------------------------------------------------------------------------------------
# The layering rules of ARCHITECTURE.md, read from the source (ast, no imports needed)
# --------------------------------------------------------------------------------------------
import ast  # noqa: E402

_UI = {"dash", "plotly", "flask", "dash_bootstrap_components", "dash_ag_grid", "flask_caching"}
_PROJECT = {"core", "components", "callbacks", "pages", "api", "services", "app"}

#: Known violations owned by other engineers this session, each with who fixes it. The test
#: fails when one is fixed and still listed, so the list only shrinks.
_PENDING_PAGE_IMPORTS: dict = {}
_PENDING_POSITIONAL: dict = {}


def _modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py")) if (ROOT / folder).is_dir() else []


def _imports(path: Path) -> list[tuple[str, tuple[str, ...], int]]:
    """(imported module, names, line) of every import statement, including nested ones."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [(a.name, (), node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.module, tuple(a.name for a in node.names), node.lineno))
    return out


def _top(module: str) -> str:
    return module.split(".")[0]


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _violations(folder: str, allowed_project: set[str], forbid_ui: bool = False) -> list[str]:
    bad = []
    for path in _modules(folder):
        for mod, _names, line in _imports(path):
            top = _top(mod)
            if (top in _PROJECT and top not in allowed_project) or (forbid_ui and top in _UI):
                bad.append(f"{_rel(path)}:{line} imports {mod}")
    return bad


def test_pages_import_only_components():
    """pages -> components (and the UI libraries); never core, callbacks or other pages."""
    bad = _violations("pages", {"components"})
    pending = {f"{p} imports {m}" for (p, m) in _PENDING_PAGE_IMPORTS}
    real = [b for b in bad if not any(b.startswith(p.split(" imports ")[0]) and
                                      b.split(" imports ")[1].split(".")[0] == p.split(" imports ")[1]
                                      for p in pending)]
    assert real == [], real
    for (page, mod), owner in _PENDING_PAGE_IMPORTS.items():
        still = [b for b in bad if b.startswith(page + ":") and _top(b.split(" imports ")[1]) == mod]
        assert still, f"{page} no longer imports {mod}: remove it from _PENDING_PAGE_IMPORTS ({owner})"


def test_callbacks_import_core_and_components_only():
    """callbacks -> core + components (+ callbacks' own helpers); never pages, api or app."""
    assert _violations("callbacks", {"core", "components", "callbacks"}) == []


def test_components_import_no_callbacks_pages_or_app():
    assert _violations("components", {"components", "core"}) == []


def test_core_imports_no_ui_or_app_code():
    """core -> numpy, scipy, pandas, ...: no dash/plotly/flask, nothing above it."""
    assert _violations("core", {"core"}, forbid_ui=True) == []


def test_api_and_services_import_core_not_the_ui():
    assert _violations("api", {"core", "api"}) == []
    assert _violations("services", {"core", "services"}) == []


def test_callbacks_are_declared_per_app_through_the_registry():
    """No callback module uses Dash's process-wide decorators or its private callback map."""
    for path in _modules("callbacks"):
        text = path.read_text()
        assert "GLOBAL_CALLBACK" not in text and "dash._callback" not in text, _rel(path)
        for node in ast.walk(ast.parse(text)):   # only callbacks.registry's callback/clientside_callback
            if isinstance(node, ast.ImportFrom) and node.module == "dash":
                assert not {a.name for a in node.names} & {"callback", "clientside_callback"}, _rel(path)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
                    node.value.id == "dash" and node.attr in ("callback", "clientside_callback"):
                raise AssertionError(f"{_rel(path)}:{node.lineno} uses dash.{node.attr}")


def test_callbacks_name_their_outputs():
    """Server callbacks use dict-style ``output=`` / ``inputs=`` (outputs by name)."""
    bad = []
    for path in _modules("callbacks"):
        if _rel(path) in _PENDING_POSITIONAL:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "callback":
                kws = {k.arg for k in node.keywords}
                if node.args or not {"output", "inputs"} <= kws:
                    bad.append(f"{_rel(path)}:{node.lineno}")
    assert bad == [], bad
    for path, owner in _PENDING_POSITIONAL.items():
        text = (ROOT / path).read_text()
        positional = any(isinstance(n, ast.Call) and getattr(n.func, "id", None) == "callback" and n.args
                         for n in ast.walk(ast.parse(text)))
        assert positional, f"{path} names its outputs now: remove it from _PENDING_POSITIONAL ({owner})"


#: One-time, per-process set-up that is not request state (the numba threading layer is chosen
#: once, before numba is imported).
_PROCESS_SETUP = {"core/_numba_env.py"}


def test_no_global_statements_in_request_code():
    """No module-level mutable state (heuristic): nothing in core, callbacks or components
    rebinds a module global at run time."""
    bad = []
    for folder in ("core", "callbacks", "components"):
        for path in _modules(folder):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Global) and _rel(path) not in _PROCESS_SETUP:
                    bad.append(f"{_rel(path)}:{node.lineno} global {', '.join(node.names)}")
    assert bad == [], bad


#: Modules still importing another module's private names (may only shrink: now empty, a
#: shared helper is public, named and in ``__all__`` of its own module).
_KNOWN_PRIVATE: set[str] = set()


def test_no_module_imports_another_modules_private_names():
    found = set()
    bad = []
    for folder in ("core", "callbacks", "components", "pages", "api", "services"):
        for path in _modules(folder):
            for mod, names, line in _imports(path):
                if _top(mod) not in _PROJECT:
                    continue
                private = [n for n in names if n.startswith("_") and not n.startswith("__")]
                # a private module (core.portfolio._inputs) is fine inside its own package
                parts = mod.split(".")
                home = ".".join(_rel(path)[:-3].split("/")[:-1])
                for i, part in enumerate(parts[1:], start=1):
                    if part.startswith("_") and not part.startswith("__"):
                        package = ".".join(parts[:i])
                        if not (home == package or home.startswith(package + ".")) and package != "core":
                            private.append(mod)
                if private:
                    if _rel(path) in _KNOWN_PRIVATE:
                        found.add(_rel(path))
                    else:
                        bad.append(f"{_rel(path)}:{line} imports {mod}: {', '.join(map(str, private))}")
    assert bad == [], bad
    stale = _KNOWN_PRIVATE - found
    assert not stale, f"no longer import private names, remove from _KNOWN_PRIVATE: {sorted(stale)}"
