"""Type hints on every public signature of the modules this gate covers (``tools/hints.py``
counts the rest of core: ``python -m tools.hints``), and the runnable Examples of the main
entry points run as doctests."""
from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

from tools.hints import missing

ROOT = Path(__file__).resolve().parents[1]
#: Modules whose public functions must all be typed (extend as owners finish theirs).
TYPED = ["core/_typing.py", "core/_frames.py", "core/pricing/black_scholes.py",
         "core/pricing/position.py", "core/pricing/greek_grid.py", "core/pricing/montecarlo.py",
         "core/risk/var.py", "core/store/runs.py", "core/surface/views.py",
         "core/calibration/views.py", *sorted(str(p.relative_to(ROOT)) for p in
                                             (ROOT / "core/portfolio").glob("*.py"))]
#: Modules whose docstring Examples run in ``make test``.
DOCTESTED = ["core.pricing.black_scholes", "core.pricing.position", "core.pricing.implied_vol", "core.portfolio.optimize",
             "core.portfolio.frontier", "core.portfolio.constraints", "core._frames",
             "components.url_state"]


@pytest.mark.parametrize("path", TYPED)
def test_public_signatures_are_typed(path):
    assert missing(ROOT / path) == []


@pytest.mark.parametrize("name", DOCTESTED)
def test_examples_run(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder()
    tests = [t for t in finder.find(module) if t.examples]
    assert tests, f"{name} has no Examples"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for t in tests:
        runner.run(t)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} failing example(s) in {name}"
