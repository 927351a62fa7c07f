"""The Calibration page shows each fit's domain-respecting 95% intervals and its warnings
(issue 11 §5), not symmetric "± 1.96 s.e." ranges. Expected endpoints are recomputed here from the
standard errors by the delta method on the log scale (positive parameters) or the plain scale
(unbounded ones), independently of core's interval code."""
from __future__ import annotations

import math
import re

import pytest

from callbacks.calibration import params_table, run_models
from core.calibration import CalibrationResult
from core.data import sample_chain

Z = 1.959963984540054


@pytest.fixture(scope="module")
def payload():
    return run_models(sample_chain(), ["heston", "merton"])


def _cells(component) -> list[list[str]]:
    """Rows of every table in the block as lists of cell texts."""
    out = []

    def walk(c):
        if isinstance(c, (list, tuple)):
            for x in c:
                walk(x)
            return
        if not hasattr(c, "children"):
            return
        if type(c).__name__ == "Tr":
            out.append([str(td.children) for td in c.children])
            return
        walk(c.children)
    walk(component)
    return out


def test_default_weighting_is_exact_implied_vol_like_core(payload, tmp_path):
    import inspect

    import dash

    from app import Settings, create_app
    create_app(Settings(data_dir=str(tmp_path), warm_numba=False))

    from core.calibration import calibrate
    assert inspect.signature(calibrate).parameters["weights"].default == "iv"
    assert payload["weights"] == "iv"
    assert all(d["settings"]["weights"] == "iv" for d in payload["results"].values())
    layout = dash.page_registry["pages.calibration"]["layout"]
    select = _find(layout(), "cal-weights")
    assert select.value == "iv" and select.options[0]["value"] == "iv"
    assert _find(layout(weights="vega"), "cal-weights").value == "vega"   # a link still chooses


def _find(component, cid):
    if getattr(component, "id", None) == cid:
        return component
    kids = getattr(component, "children", None)
    for c in kids if isinstance(kids, (list, tuple)) else [kids] if kids is not None else []:
        hit = _find(c, cid) if hasattr(c, "children") or hasattr(c, "id") else None
        if hit is not None:
            return hit
    return None


def test_intervals_are_the_transformed_scale_ones_and_warnings_are_listed(payload):
    from components.param_labels import param_label

    # rows are labelled as the reader knows the parameters ("λ — jump intensity, per year")
    rows = {r[0]: r for r in _cells(params_table(payload)) if len(r) == 4 and r[0] != "Parameter"}
    rows.update({name: rows[param_label("merton", name)] for name in ("sigma", "lam", "mu_j", "sigma_j")
                 if param_label("merton", name) in rows})
    assert "λ — jump intensity, per year" in rows and "lam" not in str(list(rows)[:4])
    text = str(params_table(payload).to_plotly_json())
    assert "1.96 s.e." not in text and "±" not in text
    merton = CalibrationResult.from_dict(payload["results"]["merton"])
    checked = 0
    for name in merton.param_names:
        p, se = merton.params[name], merton.stderr[name]
        if not (math.isfinite(se) and p > 0) or name == "mu_j":
            continue
        se_log = se / p                              # delta method: sd of log p
        lo, hi = p * math.exp(-Z * se_log), p * math.exp(Z * se_log)
        shown = [float(x) for x in re.findall(r"-?[\d.]+(?:e[-+]?\d+)?", rows[name][2])]
        assert shown == pytest.approx([lo, hi], rel=6e-4), name
        assert shown[0] > 0 and (hi - p) > (p - lo)     # asymmetric, never below zero
        checked += 1
    se = merton.stderr["mu_j"]
    mu = merton.params["mu_j"]
    shown = [float(x) for x in re.findall(r"-?[\d.]+(?:e[-+]?\d+)?", rows["mu_j"][2])]
    assert shown == pytest.approx([mu - Z * se, mu + Z * se], rel=6e-4, abs=1e-6)   # unbounded: plain scale
    assert checked >= 2
    warnings = [w for d in payload["results"].values() for w in CalibrationResult.from_dict(d).warnings]
    assert warnings, "expected the Heston fit on the modelled chain to carry at least one warning"
    for w in warnings:
        assert w in text
