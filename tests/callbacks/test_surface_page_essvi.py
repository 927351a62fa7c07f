"""eSSVI on the surface studio, through the callbacks Dash calls: the page with
``models=["svi", "essvi"]`` draws both, shows eSSVI's own RMSE, reports its calendar check, and
exports it; URL state with and without eSSVI.

The chain is the synthetic dense short chain (16 expiries, 1 day to 1 year) on which independent
SVI slices cross, so the calendar column can say "found" as well as "none". The calendar check
is re-derived here from the fitted implied vols (total variance ``sigma(K, T)^2 T`` at fixed
log-moneyness, expiry after expiry), not read back from the page's own report.
"""
from __future__ import annotations

import contextlib
import io
import json
import re
from urllib.parse import parse_qsl

import numpy as np
import pandas as pd
import pytest
from dash._callback_context import context_value
from dash._utils import AttributeDict

from app import Settings, create_app
from components.ids import Surface as ids
from components.surface_state import DEFAULTS, from_query, to_query
from core.surface import SurfaceFit, fit_essvi
from core.surface.views import QUOTED_K_RANGE
from tests.core.surface._short_chain import short_chain

KEY = "essvi-short-test"


@contextlib.contextmanager
def triggered(prop_id: str):
    """Dash's callback context as if ``prop_id`` had fired."""
    token = context_value.set(AttributeDict(triggered_inputs=[{"prop_id": prop_id, "value": 1}]))
    try:
        yield
    finally:
        context_value.reset(token)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """The app's surface callbacks, with the short chain cached under :data:`KEY`, and the
    page's ``update`` output for SVI + eSSVI (eSSVI drawn)."""
    app = create_app(Settings(data_dir=str(tmp_path_factory.mktemp("var")), warm_numba=False))
    import callbacks.surface as surface
    chain = short_chain()
    with app.server.test_request_context():
        surface.cache.set(f"chain:{KEY}", chain)
        with triggered(f"{ids.MODELS}.value"):
            out = surface.update(key=KEY, models=["svi", "essvi"], beta=0.5, show="essvi",
                                 expiries=surface.expiry_options(chain)[:3], dark=False)
        yield app, surface, chain, out


@pytest.fixture(scope="module")
def reference(page):
    """eSSVI fitted here, straight from core, on the same chain."""
    return fit_essvi(page[2])


def _text(component) -> str:
    return json.dumps(component.to_plotly_json(), default=str) if hasattr(component, "to_plotly_json") \
        else str(component)


def _rows(table) -> dict[str, list[str]]:
    """The comparison table as ``{model label: [cell texts]}``."""
    body = table.children[1].children
    return {str(r.children[0].children): [_text(c.children) for c in r.children[1:]] for r in body}


def _calendar_drops(fit: SurfaceFit, n_k: int = 200) -> int:
    """Grid points where the total variance falls from one fitted expiry to the next, on the
    quoted log-moneyness range: the definition of a calendar spread arbitrage, from implied vols."""
    T = np.sort(fit.params["T"].to_numpy(dtype=float))
    k = np.linspace(*QUOTED_K_RANGE, n_k)
    w = np.array([fit.implied_vol(fit.forward(t) * np.exp(k), t) ** 2 * t for t in T])
    return int(np.sum(np.diff(w, axis=0) < -1e-12))


def test_the_page_draws_svi_and_essvi(page):
    _, _, _, out = page
    assert out["alert"] == "" and out["show"] is False
    smiles = {t.name for t in out["smiles"].data}
    assert {"SVI", "eSSVI"} <= smiles and "SSVI" not in smiles and "SABR" not in smiles
    term = [t.name for t in out["term"].data]
    assert "SVI" in term and "eSSVI" in term
    assert "eSSVI" in out["surface"].layout.title.text
    assert "eSSVI" in out["residual"].layout.title.text
    options = {o["value"]: o for o in out["drawn_options"]}
    assert options["essvi"]["label"] == "eSSVI" and not options["essvi"]["disabled"]
    assert options["ssvi"]["disabled"] and options["sabr"]["disabled"]
    state = from_query(dict(parse_qsl(out["state"][1:])))
    assert state["models"] == ["svi", "essvi"] and state["show"] == "essvi"


def test_essvi_smile_is_the_fit_of_the_chain(page, reference):
    _, _, chain, out = page
    line = next(t for t in out["smiles"].data if t.name == "eSSVI")
    T = float(chain.otm_quotes(0.6, 1.4)["T"].min())
    K = np.asarray(line.x, dtype=float)
    np.testing.assert_allclose(np.asarray(line.y, dtype=float), reference.implied_vol(K, T) * 100,
                               rtol=1e-9)


def test_the_comparison_shows_essvi_own_rmse(page, reference):
    _, _, _, out = page
    rows = _rows(out["compare"])
    assert list(rows) == ["SVI", "eSSVI"]
    assert rows["eSSVI"][0] == f"{reference.rmse_iv * 100:.3f}"
    assert rows["eSSVI"][1] == f"{reference.max_error * 100:.3f}"
    assert rows["eSSVI"][6] == f"{len(reference.params)} fitted"


def test_essvi_has_no_calendar_arbitrage_where_svi_slices_cross(page, reference):
    _, _, _, out = page
    # the independent check: total variance from the fitted vols, expiry after expiry
    assert _calendar_drops(reference) == 0
    svi = page[1]._fits(KEY, ["svi"], 0.5)[0]["svi"]
    assert _calendar_drops(svi) > 0                      # the check can fail on this chain
    rows = _rows(out["compare"])
    assert '"none"' in rows["eSSVI"][4] and '"found"' in rows["SVI"][4]   # calendar column
    assert '"none"' in rows["eSSVI"][3]                                   # butterfly column
    shown = [d.children for d in out["arbitrage"] if isinstance(d.children, str)]
    report = next(t for t in shown if t.startswith("eSSVI: ") and "calendar" in t)
    assert "No calendar arbitrage" in report and "No butterfly arbitrage" in report


def test_essvi_notes_reach_the_page(page, reference):
    _, _, _, out = page
    shown = [d.children for d in out["arbitrage"] if isinstance(d.children, str)]
    for note in reference.notes:
        assert f"eSSVI: {note}" in shown


def _export(surface, prop, **kw):
    args = dict(_csv=None, _json=None, _html=None, key=KEY, models=["svi", "essvi"], beta=0.5,
                show="essvi", expiries=[])
    args.update(kw)
    with triggered(f"{prop}.n_clicks"):
        return surface.export(**args)


def test_exports_carry_essvi(page, reference):
    app, surface, _, _ = page
    with app.server.test_request_context():
        csv = _export(surface, ids.EXPORT_CSV)
        js = _export(surface, ids.EXPORT_JSON)
        page_html = _export(surface, ids.EXPORT_HTML)
    lines = csv["content"].splitlines()
    table = pd.read_csv(io.StringIO("\n".join(ln for ln in lines if not ln.startswith("#"))))
    ess = table[table["model"] == "essvi"]
    assert len(ess) == len(reference.params)
    for col in ("theta", "psi", "rho"):
        np.testing.assert_allclose(ess[col].to_numpy(), reference.params[col].to_numpy(), rtol=1e-9)
    back = SurfaceFit.from_dict(json.loads(js["content"])["essvi"])
    T = float(reference.params["T"].iloc[5])
    K = np.array([5600.0, 6000.0, 6300.0])
    np.testing.assert_allclose(back.implied_vol(K, T), reference.implied_vol(K, T), rtol=1e-9)
    text = page_html["content"]
    assert len(re.findall(r"Plotly\.newPlot", text)) == 4 and "eSSVI" in text


def test_url_state_with_and_without_essvi():
    state = dict(models=["svi", "essvi"], beta=0.5, show="essvi", slices="independent")
    assert from_query(dict(parse_qsl(to_query(state)[1:]))) == state
    # a link made before eSSVI existed opens as it did
    old = from_query({"models": "svi,ssvi,sabr", "beta": "0.5", "show": "ssvi"})
    assert old == dict(models=["svi", "ssvi", "sabr"], beta=0.5, show="ssvi", slices="independent")
    assert from_query({}) == DEFAULTS and "essvi" not in DEFAULTS["models"]
