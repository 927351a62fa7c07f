"""numpydoc Parameters/Returns on every public function and method of ``core`` and
``components`` (``tools/numpydoc.py`` says what is checked: ``python -m tools.numpydoc``).

The functions still missing a section are listed in ``tests/numpydoc_pending.txt``; the list
may only shrink: a function documented since must leave it (the test says which), and a new
public function must come documented. ``python -m tools.numpydoc --pending`` rewrites it.
"""
from __future__ import annotations

from pathlib import Path

from tools.numpydoc import ROOT, PENDING_FILE, PENDING_PACKAGES, current_gaps


def _pending() -> set[str]:
    return {ln.strip() for ln in Path(PENDING_FILE).read_text().splitlines()
            if ln.strip() and not ln.startswith("#")}


def test_no_new_public_function_lacks_numpydoc_sections():
    new = sorted(current_gaps() - _pending())
    assert new == [], ("document these (Parameters with units, Returns): "
                       + "; ".join(new))


def test_pending_list_only_shrinks():
    stale = sorted(_pending() - current_gaps())
    assert stale == [], f"documented now, remove from {Path(PENDING_FILE).relative_to(ROOT)}: {stale}"


def test_checker_reads_numpydoc_sections(tmp_path):
    from tools.numpydoc import problems

    src = tmp_path / "m.py"
    src.write_text('''
def good(S: float, K: float, *, rng=None, **kwargs) -> float:
    """Price.

    Parameters
    ----------
    S, K : float
        Spot and strike, currency.
    rng : Generator, optional
        Randomness.
    **kwargs
        Passed on.

    Returns
    -------
    float
        Price, currency.
    """


def no_params(x: float) -> float:
    """Only a summary."""


def missing_one(x: float, y: float) -> None:
    """Two args.

    Parameters
    ----------
    x : float
        One.
    """


def _private(x):
    pass


class Thing:
    """A thing."""

    def __init__(self, a):
        self.a = a

    @property
    def size(self) -> int:
        """Its size."""
        return 1

    def to_dict(self) -> dict:
        """Plain dict."""
        return {}
''')
    assert problems(src) == [("no_params", ["Parameters", "Returns"]),
                             ("missing_one", ["param y"]),
                             ("Thing.to_dict", ["Returns"])]


def test_pending_packages_match_the_typing_gate():
    """A package still being written elsewhere is pending in both gates, then joins both."""
    from tests.test_typing import PENDING

    assert PENDING_PACKAGES == PENDING
