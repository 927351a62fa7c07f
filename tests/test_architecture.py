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
