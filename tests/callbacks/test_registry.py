"""Every app built in one process gets every declared callback (no private Dash globals)."""
from __future__ import annotations

from pathlib import Path

from app import Settings, create_app
from callbacks.registry import declared
from components import ids

ROOT = Path(__file__).resolve().parents[2]


def _outputs(app) -> set[str]:
    with app.server.test_client() as client:
        deps = client.get("/_dash-dependencies").get_json()
    return {d["output"] for d in deps}


def test_two_apps_get_the_same_full_set_of_callbacks(tmp_path):
    a = create_app(Settings(data_dir=str(tmp_path / "a"), warm_numba=False))
    b = create_app(Settings(data_dir=str(tmp_path / "b"), warm_numba=False))
    out_a, out_b = _outputs(a), _outputs(b)
    assert out_a == out_b
    # an independent count: every declared callback of the migrated modules is there, in both
    assert len(b.callback_map) >= declared() > 20
    for graph in (ids.Surface.SURFACE_GRAPH, ids.Calibration.SMILES_GRAPH, ids.Portfolio.WEIGHTS_GRAPH,
                  ids.Runs.GRID, ids.Greeks.GRAPH, ids.Strategies.PAYOFF_GRAPH):
        assert any(graph in o for o in out_b), graph


def test_no_module_touches_dash_private_callback_globals():
    for path in [*ROOT.glob("callbacks/*.py"), ROOT / "app.py"]:
        text = path.read_text()
        assert "GLOBAL_CALLBACK" not in text and "dash._callback" not in text \
            and "from dash import _callback" not in text, path
