"""components.export.safe_csv: formula-like cells are escaped, numbers keep full precision."""
import io

import pandas as pd

from components.export import escape_cell, safe_csv


def test_formula_cells_are_escaped_and_numbers_are_not():
    df = pd.DataFrame({"ticker": ["=HYPERLINK(\"http://x\")", "+1", "-cmd", "@SUM(A1)", "AAPL"],
                       "weight": [0.5, -0.25, 5.8e-14, 0.0, 0.75]})
    text = safe_csv(df)
    back = pd.read_csv(io.StringIO(text))
    assert back["ticker"].tolist() == ["'=HYPERLINK(\"http://x\")", "'+1", "'-cmd", "'@SUM(A1)", "AAPL"]
    # numbers are untouched: the negative weight is a number, the tiny weight is not rounded away
    assert back["weight"].tolist() == [0.5, -0.25, 5.8e-14, 0.0, 0.75]
    for line in text.splitlines()[1:]:
        assert not line.startswith(("=", "+", "@"))


def test_header_lines_and_column_names_are_escaped():
    df = pd.DataFrame({"=evil": ["x"]})
    text = safe_csv(df, header={"objective": "Max Sharpe", "source": "=cmd|' /C calc'!A0"})
    lines = text.splitlines()
    assert lines[0] == "# objective: Max Sharpe"
    assert lines[1] == "# source: '=cmd|' /C calc'!A0"
    assert lines[2] == "'=evil"


def test_escape_cell_leaves_non_text_alone():
    assert escape_cell(-3.0) == -3.0 and escape_cell(None) is None and escape_cell("a=b") == "a=b"
