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
