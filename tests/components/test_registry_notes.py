"""The registry notes read word for word as the backtest and calibration pages wrote them
before they shared ``components.registry_notes`` (browser tests wait for these words)."""
from __future__ import annotations

from components.registry_notes import loaded_note, not_saved_note, saved_note


def _text(node) -> str:
    if isinstance(node, str):
        return node
    kids = node.children
    kids = kids if isinstance(kids, list) else [kids]
    return "".join(_text(k) for k in kids if k is not None)


def _links(node) -> list[str]:
    kids = node.children if isinstance(node.children, list) else [node.children]
    return [k.href for k in kids if getattr(k, "href", None)]


def test_notes_read_as_the_pages_wrote_them():
    assert _text(loaded_note()) == "Loaded from the runs registry."
    assert _text(loaded_note("3 run(s)")) == "Loaded 3 run(s) from the runs registry."
    assert _text(saved_note()) == "Saved to the runs registry; this page's link now brings it back."
    assert _text(saved_note("2 run(s)", them=True)) == \
        "Saved 2 run(s) to the runs registry; this page's link now brings them back."
    assert _links(saved_note()) == ["/runs"] and _links(loaded_note()) == ["/runs"]


def test_not_saved_says_why_in_the_danger_colour():
    note = not_saved_note("The runs", "the database is read-only")
    assert _text(note) == "The runs could not be saved to the registry: the database is read-only"
    assert note.className == "text-danger"
    assert _text(not_saved_note("The backtest")) == \
        "The backtest could not be saved to the registry; the error was logged."
