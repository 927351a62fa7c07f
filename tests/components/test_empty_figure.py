"""A placeholder's message is wrapped: plotly draws an annotation on one line, and a long one ran
off both sides of a half-width chart (the Backtest equity placeholder)."""
from __future__ import annotations

from components.figures import empty_figure

MSG = ("Press Run backtest (default: a daily 16-delta iron condor on the sample SPX chains, "
       "held to 21 days or 50% of credit).")


def test_a_long_message_is_cut_into_lines_that_keep_every_word():
    text = empty_figure(MSG).layout.annotations[0].text
    lines = text.split("<br>")
    assert len(lines) > 1
    assert max(map(len, lines)) <= 64
    assert " ".join(lines) == MSG


def test_a_short_message_and_its_own_breaks_are_kept():
    assert empty_figure("Valuing…").layout.annotations[0].text == "Valuing…"
    assert empty_figure("No trades.<br>See the notes.").layout.annotations[0].text == "No trades.<br>See the notes."
