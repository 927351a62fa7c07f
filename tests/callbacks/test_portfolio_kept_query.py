"""Portfolio's foreground and background callbacks read the kept result's query from a small
session store (issue 13 §3): the same decisions as from the whole result, and the callbacks'
request no longer carries the result."""
from __future__ import annotations

from dash import no_update

from callbacks.portfolio import first_result, kept_query
from components.ids import Portfolio, PortfolioKept
from components.portfolio_state import DEFAULTS, views_from_text


def _state(**kw):
    return {**DEFAULTS, "views": views_from_text(DEFAULTS["views"]), **kw}


def test_kept_query_reads_the_store_or_the_result():
    assert kept_query("?obj=hrp") == "?obj=hrp"
    assert kept_query({"query": "?obj=hrp", "allocation": {}}) == "?obj=hrp"
    assert kept_query(None) is None and kept_query({}) is None and kept_query(3) is None


def test_the_query_alone_decides_as_the_whole_result_did():
    state = _state(obj="min_variance")
    first = first_result(None, state, None)
    kept = first["result"]["query"]
    assert first_result(None, state, kept)["result"] is no_update          # same inputs: kept
    other = first_result(None, _state(obj="hrp"), kept)                      # new inputs: solved
    assert other["result"]["query"] != kept and other["result"]["allocation"]


def test_first_load_and_optimise_send_the_query_store_not_the_result():
    import callbacks.portfolio as cbp
    from callbacks.registry import _DECLARED

    for func in (cbp.first_load, cbp.optimise):
        (kwargs,) = [kw for kind, _a, kw, f in _DECLARED if f is func]
        ids = {dep.component_id for dep in kwargs["inputs"].values() if not isinstance(dep, dict)}
        assert PortfolioKept.RESULT_QUERY in ids, (func.__name__, ids)
        assert Portfolio.RESULT not in ids, (func.__name__, ids)


def test_add_to_book_sends_the_book_basis_not_the_result():
    """A notional typed sent the whole result (~90 kB) with each keystroke; the link needs only
    the tickers, weights and last date, which ``render`` keeps in a small store."""
    import callbacks.portfolio as cbp
    from callbacks.registry import _DECLARED

    (kwargs,) = [kw for kind, _a, kw, f in _DECLARED if f is cbp.add_to_book]
    ids = {dep.component_id for dep in kwargs["inputs"].values() if not isinstance(dep, dict)}
    assert PortfolioKept.BOOK_BASIS in ids and Portfolio.RESULT not in ids, ids
    (render,) = [kw for kind, _a, kw, f in _DECLARED if f is cbp.render]
    assert render["output"]["basis"].component_id == PortfolioKept.BOOK_BASIS
