"""Limits' utilisation and breaches; analyse() returns a JSON-ready report consistent with
the functions it calls."""
import json

import pytest

from core.errors import DataError
from core.risk import Book, RiskReport, analyse, book_greeks, check_limits, revalue, span_scenarios


def test_utilisation_and_breaches():
    rep = check_limits({"delta": -150.0, "vega": 30.0, "var": 120.0},
                       {"delta": 100.0, "vega": (-50, 60), "var": 100.0})
    t = rep.table.set_index("metric")
    assert t.loc["delta", "utilisation"] == pytest.approx(1.5) and t.loc["delta", "breach"]
    assert t.loc["vega", "utilisation"] == pytest.approx(0.5) and not t.loc["vega", "breach"]
    assert t.loc["var", "lo"] is None or t.loc["var", "lo"] != t.loc["var", "lo"]
    assert rep.breaches == ["delta", "var"]
    with pytest.raises(DataError, match="unknown limit"):
        check_limits({}, {"foo": 1})
    with pytest.raises(DataError, match="must be > 0"):
        check_limits({"delta": 1}, {"delta": -1})


def test_analyse_report(book, market):
    r = analyse(book, market, {"hedge": ["delta"],
                               "scenarios": [{"spot": -0.1, "vol": 0.1, "name": "crash"}]})
    d = json.loads(json.dumps(r.to_dict()))
    assert RiskReport.from_dict(d).greeks["totals"] == d["greeks"]["totals"]
    assert d["greeks"]["totals"]["delta"] == pytest.approx(book_greeks(book, market).totals["delta"])
    span = revalue(book, market, span_scenarios())
    assert [row["pnl"] for row in d["span"]["table"]] == pytest.approx(list(span))
    w = [s.weight for s in span_scenarios()]
    assert d["span"]["margin"] == pytest.approx(max(0, -min(p * x for p, x in zip(span, w))))
    assert len(d["ladder"]["pnl"]) == 21 and d["ladder"]["pnl"][10][4] == pytest.approx(0, abs=1e-6)
    assert d["custom"]["table"][0]["name"] == "crash"
    assert abs(d["hedge"]["after"]["delta"]) < 1e-3
    assert {"historical", "parametric", "mc"} == set(d["var"])


def test_analyse_empty_book_and_bad_spec(market):
    r = analyse(Book.from_csv("symbol,quantity\nFOO BAR,1\n"), market, {})
    assert r.greeks["totals"]["n_valued"] == 0 and r.messages
    with pytest.raises(DataError, match="unknown spec"):
        analyse(Book(), market, {"nope": 1})
