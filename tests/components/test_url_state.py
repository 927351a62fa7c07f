"""The one row codec of ``components.url_state`` reads and writes exactly what the risk and
strategy pages' own codecs did before they shared it (links already sent keep opening), and
the shared number parser keeps their range rules."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from components import risk_state, strategy_state
from components.url_state import RowCodec, number, number_or_text


# The two codecs as they stood before they shared RowCodec (the reference implementations).
def _risk_to_text(rows):
    def cell(v):
        if v in (None, ""):
            return ""
        if isinstance(v, float):
            return f"{v:.10g}"
        return str(v).replace(",", " ").replace(";", " ").strip()
    return ";".join(",".join(cell(r.get(f)) for f in risk_state.ROW_FIELDS) for r in rows or [])


def _risk_from_text(text):
    rows = []
    for part in [p for p in (text or "").split(";") if p.strip()]:
        bits = (part.split(",") + [""] * 4)[:4]
        row = {"symbol": bits[0].strip()}
        for f, b in zip(risk_state.ROW_FIELDS[1:], bits[1:]):
            try:
                row[f] = float(b) if b.strip() else None
            except ValueError:
                row[f] = b
        rows.append(row)
    return rows


def _legs_to_text(rows):
    def cell(v):
        if v in (None, ""):
            return ""
        return f"{v:.6g}" if isinstance(v, (int, float)) else str(v).replace(":", "").replace(";", "")
    return ";".join(":".join(cell(r.get(f)) for f in strategy_state.LEG_FIELDS) for r in rows or [])


def _legs_from_text(text):
    fields = strategy_state.LEG_FIELDS
    rows = []
    for part in [p for p in (text or "").split(";") if p.strip()]:
        bits = (part.split(":") + [""] * len(fields))[:len(fields)]
        row = {}
        for f, b in zip(fields, bits):
            if f == "type":
                row[f] = b.strip().upper()[:1]
                continue
            try:
                row[f] = float(b) if b.strip() else None
            except ValueError:
                row[f] = b
        rows.append(row)
    return rows


_cells = st.one_of(st.none(), st.just(""), st.floats(allow_nan=False, allow_infinity=False),
                   st.integers(-10**6, 10**6), st.text(max_size=8))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.fixed_dictionaries({f: _cells for f in risk_state.ROW_FIELDS}), max_size=4),
       st.text(alphabet="AB1.,; -x", max_size=30))
def test_risk_codec_matches_the_pages_former_codec(rows, typed):
    assert risk_state.rows_to_text(rows) == _risk_to_text(rows)
    assert repr(risk_state.rows_from_text(typed)) == repr(_risk_from_text(typed))   # repr: NaN equals NaN
    text = _risk_to_text(rows)
    assert repr(risk_state.rows_from_text(text)) == repr(_risk_from_text(text))   # repr: NaN equals NaN


@settings(max_examples=300, deadline=None)
@given(st.lists(st.fixed_dictionaries({f: _cells for f in strategy_state.LEG_FIELDS}), max_size=4),
       st.text(alphabet="cP1.:; -x", max_size=30))
def test_strategy_codec_matches_the_pages_former_codec(rows, typed):
    assert strategy_state.rows_to_text(rows) == _legs_to_text(rows)
    assert repr(strategy_state.rows_from_text(typed)) == repr(_legs_from_text(typed))   # repr: NaN equals NaN
    text = _legs_to_text(rows)
    assert repr(strategy_state.rows_from_text(text)) == repr(_legs_from_text(text))   # repr: NaN equals NaN


def test_row_codec_round_trip_and_blank_rows():
    codec = RowCodec(("k", "x", "y"), ":", lambda v: f"{v:g}" if isinstance(v, float) else str(v),
                     {"k": str.strip})
    assert codec.to_text([{"k": "a", "x": 1.5}, {"k": "b", "y": -2.0}]) == "a:1.5:;b::-2"
    assert codec.from_text(" ; a:1.5 ;;b::-2") == [{"k": "a", "x": 1.5, "y": None},
                                                   {"k": "b", "y": -2.0, "x": None}]
    assert codec.from_text(None) == [] and codec.to_text(None) == ""
    assert number_or_text("1e3") == 1000.0 and number_or_text("x1") == "x1"


def test_page_numbers_use_the_shared_parser_ranges():
    # strategy vol in [0.1, 300]; risk vdays in [0, 365]: outside, not finite or junk -> default
    for raw in ("500", "nan", "inf", "abc", ""):
        assert strategy_state.from_query({"vol": raw})["vol"] == strategy_state.DEFAULTS["vol"]
    assert strategy_state.from_query({"vol": "25"})["vol"] == 25.0
    assert risk_state.from_query({"vdays": "400"})["vdays"] == 0.0
    assert risk_state.from_query({"vdays": "7.9"})["vdays"] == 7.0
    assert number({"a": "3"}, "a", 1.0, 0, 2) == 1.0
