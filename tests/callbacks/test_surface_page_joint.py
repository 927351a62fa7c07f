"""Joint (calendar-aware) SVI on the Vol surface page, through the callbacks Dash calls, on the
real SPX chain of 2011-01-24 (9 expiries), whose independent SVI slices cross.

The crossing counts the page shows are re-derived here from each fit's implied vols
(``sigma(F e^k, T_j)^2 T_j`` at fixed log-moneyness, expiry after expiry), not from the page's
own helper; the joint fit's butterfly condition is checked by finite differences of its total
variance (Durrleman's g)."""
from __future__ import annotations

import contextlib
import json
import re
from urllib.parse import parse_qsl

import numpy as np
import pytest
from dash._callback_context import context_value
from dash._utils import AttributeDict

from app import Settings, create_app
from components.ids import Surface as ids
from components.surface_state import from_query
from core.data import load_chain
from core.surface import SurfaceFit
from tests.conftest import shared_file

KEY = "spx2011-joint-test"


@contextlib.contextmanager
def triggered(prop_id: str):
    token = context_value.set(AttributeDict(triggered_inputs=[{"prop_id": prop_id, "value": 1}]))
    try:
        yield
    finally:
        context_value.reset(token)


def _text(component) -> str:
    return json.dumps(component.to_plotly_json(), default=str) \
        if hasattr(component, "to_plotly_json") else str(component)


def _crossing_pairs(fit: SurfaceFit) -> int:
    """Adjacent listed expiries whose total variance falls somewhere on k in [-1.5, 1.5]."""
    k = np.linspace(-1.5, 1.5, 601)
    rows = fit.params.sort_values("T")
    w = [fit.implied_vol(F * np.exp(k), T) ** 2 * T for T, F in zip(rows["T"], rows["forward"])]
    return sum(int(np.any(w[j] < w[j - 1])) for j in range(1, len(w)))


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    app = create_app(Settings(data_dir=str(tmp_path_factory.mktemp("var")), warm_numba=False))
    import callbacks.surface as surface
    chain = load_chain(shared_file("spx_2011-01-24.csv"))
    with app.server.test_request_context():
        surface.cache.set(f"chain:{KEY}", chain)
        kw = dict(key=KEY, models=["svi", "ssvi"], beta=0.5, show="svi", expiries=[],
                  dark=False, slices="joint")
        with triggered(f"{ids.MODELS}.value"):
            before = surface.update(**kw, done=None)
        steps = []
        done = surface.fit_joint(steps.append, "joint", KEY, ["svi", "ssvi"])["done"]
        with triggered("surface-joint-done.data"):
            after = surface.update(**kw, done=done)
            independent = surface.update(**{**kw, "slices": "independent"}, done=done)
        joint = surface.cache.get(surface.joint_key(KEY))
        indep = surface._fits(KEY, ["svi"], 0.5)[0]["svi"]
        yield app, surface, before, after, independent, steps, joint, indep


def test_before_the_job_the_page_says_the_joint_fit_is_not_ready(page):
    _, _, before, *_ = page
    text = _text(before["crossings"])
    assert "not ready" in text and "independent slices" in text
    assert "SVI (joint)" not in _text(before["compare"])


def test_the_job_reports_progress_and_the_page_shows_the_joint_fit(page):
    _, _, _, after, _, steps, joint, indep = page
    assert steps[-1] == (100, "joint SVI fit done")
    fractions = [p for p, _ in steps[:-1]]
    assert len(fractions) > 5 and all(0 <= p <= 100 for p in fractions)
    assert any("joint SVI: pass" in m for _, m in steps)
    assert "SVI (joint)" in _text(after["compare"])
    n_ind, n_joint = _crossing_pairs(indep), _crossing_pairs(joint)
    assert n_ind >= 2 and n_joint == 0                       # independent truth
    pairs = len(indep.params) - 1
    text = _text(after["crossings"])
    assert f"independent slices: {n_ind} of {pairs} adjacent expiry pairs cross" in text
    assert f"joint fit: 0 of {pairs} adjacent expiry pairs cross" in text
    # the joint fit is what is drawn: its residual RMSE, not the independent one
    assert f"{joint.rmse_iv * 100:.3f}" in _text(after["compare"])
    assert "SVI (joint)" in {t.name for t in after["smiles"].data}
    assert "SVI (joint)" in {t.name for t in after["term"].data}
    assert after["residual"].layout.title.text.startswith("SVI (joint) residuals")
    assert "SVI (joint)" not in {t.name for t in page[4]["smiles"].data}
    state = from_query(dict(parse_qsl(after["state"][1:])))
    assert state["slices"] == "joint" and "slices=joint" in after["state"]


def test_the_joint_surface_is_free_of_butterfly_arbitrage_by_finite_differences(page):
    joint = page[6]
    k, h = np.linspace(-1.5, 1.5, 3001), 1e-4
    for T in joint.params["T"]:
        w0, wp, wm = (joint.total_variance(k + d, T) for d in (0.0, h, -h))
        w1, w2 = (wp - wm) / (2 * h), (wp - 2 * w0 + wm) / h ** 2
        g = (1 - k * w1 / (2 * w0)) ** 2 - w1 ** 2 / 4 * (1 / w0 + 0.25) + w2 / 2
        assert np.all(w0 > 0) and g.min() > -1e-6


def test_independent_mode_offers_the_joint_fit(page):
    independent = page[4]
    text = _text(independent["crossings"])
    assert "choose SVI slices: joint" in text and "joint fit:" not in text
    assert "slices" not in independent["state"]


def test_export_carries_the_joint_fit(page):
    app, surface, *_, joint, _ = page
    with app.server.test_request_context(), triggered(f"{ids.EXPORT_JSON}.n_clicks"):
        js = surface.export(None, 1, None, KEY, ["svi"], 0.5, "svi", [], slices="joint")
    back = SurfaceFit.from_dict(json.loads(js["content"])["svi"])
    np.testing.assert_allclose(back.params["a"], joint.params["a"], rtol=1e-12)
    assert any("Joint calendar-aware fit" in n for n in back.notes)
    assert re.search(r"\+joint", json.dumps(back.to_dict(), default=str))


def test_a_workspace_keeps_the_joint_choice(page):
    """Workspaces keep each page's last query: the page's own state query, saved and reopened."""
    from components.workspace_state import page_query, state_from_snapshot

    after = page[3]
    snapshot = {"mode": "save", "pages": {"/surface": after["state"]}, "last": "/surface"}
    state, _, _ = state_from_snapshot(snapshot, known=("/surface",))
    back = from_query(dict(parse_qsl(page_query(state, "/surface")[1:])))
    assert back["slices"] == "joint" and back["models"] == ["svi", "ssvi"]


def test_no_advice_to_refit_when_no_pair_crosses():
    """On the embedded chain the independent slices do not cross: the check says 0 crossings
    and gives no advice to refit (it used to say "choose SVI slices: joint" regardless)."""
    from callbacks.surface import crossings_view
    from core.data import sample_chain
    from core.surface import fit_svi
    from core.surface.diagnostics import crossed_expiries

    fit = fit_svi(sample_chain())
    assert not crossed_expiries(fit)
    text = _text(crossings_view(fit, None, "independent"))
    assert "0 of" in text and "choose SVI slices" not in text
