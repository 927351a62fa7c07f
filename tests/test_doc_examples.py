"""The docstring Examples written with the numpydoc sections of these modules run (as
``tests/test_typing.py``'s DOCTESTED; kept apart so the two lists merge without conflict).

The expected values are closed forms worked by hand in the docstrings (e.g. Merton without
jumps is Black-Scholes, an SVI minimum ``a + b sigma``, a tanh-sinh rule integrating ``u^2``),
not outputs pasted from the code."""
from __future__ import annotations

import doctest
import importlib

import pytest

EXAMPLED = ["core.store.users", "core.surface.essvi", "core.surface.result", "core.surface.svi",
            "core.surface.svi_refit", "core.pricing.charfuncs", "core.pricing.timechange",
            "components.surface_figures"]


@pytest.mark.parametrize("name", EXAMPLED)
def test_examples_run(name):
    module = importlib.import_module(name)
    tests = [t for t in doctest.DocTestFinder().find(module) if t.examples]
    assert tests, f"{name} has no Examples"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for t in tests:
        runner.run(t)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} failing example(s) in {name}"
