"""Portfolio's foreground and background callbacks read the kept result's query from a small
session store (issue 13 §3): the same decisions as from the whole result, and the callbacks'
request no longer carries the result."""
from __future__ import annotations

from dash import no_update

from callbacks.portfolio import first_result, kept_allocation, kept_query
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
    assert other["result"]["query"] != kept and kept_allocation(other["result"])["weights"]


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


def test_the_result_store_is_a_reference_and_a_lost_entry_is_solved_again_to_the_same_weights():
    """The session store holds a reference (the allocation, ~90 kB, stays in the server cache),
    so a redraw uploads a few hundred bytes. When the cache has lost the entry, the reference's
    query and data give the same allocation again: weights against an independent solve of the
    same inputs by the core (not the kept copy), and every chart drawn the same."""
    import json

    import numpy as np

    from callbacks.cache import cache, cache_context
    from callbacks.portfolio import _result_key, build_spec, data_for, render
    from core.portfolio.allocation import Allocation, allocate
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    state = _state(obj="black_litterman", wmax=35.0, rf=1.5, caps="Information Technology=40%",
                   views=views_from_text("AAPL:9:70;XOM-CVX:2:40"))
    ref = first_result(None, state, None)["result"]
    assert len(json.dumps(ref)) < 1_000 and "allocation" not in ref
    kept = kept_allocation(ref)
    context_value.set(AttributeDict(triggered_inputs=[{"prop_id": "pf-result.data", "value": 1}]))
    before = {k: v.to_plotly_json() for k, v in render(result=ref, dark=False).items() if hasattr(v, "to_plotly_json")}
    with cache_context():
        cache.delete(_result_key(ref["token"]))
        assert cache.get(_result_key(ref["token"])) is None
    again = kept_allocation(ref)                                  # solved again from the reference
    prices, sectors = data_for(None)
    solo = allocate(prices, sectors, build_spec(state))
    w_again, w_kept = Allocation.from_dict(again).weights, Allocation.from_dict(kept).weights
    assert list(w_again.index) == list(solo.weights.index) == list(w_kept.index)
    np.testing.assert_allclose(w_again.to_numpy(), solo.weights.to_numpy(), atol=1e-10)
    np.testing.assert_allclose(w_again.to_numpy(), w_kept.to_numpy(), atol=1e-10)
    assert abs(w_again.to_numpy()).max() > 0.05                  # a real allocation, not zeros
    after = {k: v.to_plotly_json() for k, v in render(result=ref, dark=False).items() if hasattr(v, "to_plotly_json")}
    assert json.dumps(after, sort_keys=True, default=str) == json.dumps(before, sort_keys=True, default=str)
