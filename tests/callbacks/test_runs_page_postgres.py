"""The runs page's callbacks against PostgreSQL: DATABASE_URL=postgresql://... selects the
backend, and listing, labelling, deleting and undoing work on a real server."""
from __future__ import annotations

import contextlib

from dash._callback_context import context_value
from dash._utils import AttributeDict

from app import Settings, create_app
from components.ids import Runs as ids
from core.store import open_store


@contextlib.contextmanager
def triggered(prop_id: str):
    """Dash's callback context as if ``prop_id`` had fired."""
    token = context_value.set(AttributeDict(triggered_inputs=[{"prop_id": prop_id, "value": 1}]))
    try:
        yield
    finally:
        context_value.reset(token)


def test_runs_page_lists_labels_deletes_and_restores_on_postgresql(tmp_path, postgres_url):
    from callbacks.runs import manage

    settings = Settings.from_env({"PARITY_DATA_DIR": str(tmp_path / "var"),
                                  "DATABASE_URL": postgres_url})
    assert settings.database_url == postgres_url
    app = create_app(Settings(data_dir=settings.data_dir, database_url=settings.database_url,
                              warm_numba=False))
    store = open_store(postgres_url)
    assert store.backend == "postgresql"
    a = store.add_run("calibration", "heston", "f" * 16, {"kappa": 1.5}, {"rmse_iv": 0.0123},
                      {}, 0.5, label="first")
    b = store.add_run("calibration", "merton", "e" * 16, {"sigma": 0.2}, {"rmse_iv": 0.02}, {},
                      0.25)
    args = dict(_refresh=1, model="all", _yes=None, _undo=None, _ask=None, edit=None,
                selected=None, deleted=None)
    with app.server.app_context():
        with triggered(f"{ids.REFRESH}.n_clicks"):
            out = manage(**args)
        assert [r["id"] for r in out["rows"]] == [b, a]
        assert out["rows"][1]["rmse"] == 0.0123 * 100 and out["rows"][1]["label"] == "first"
        edit = [{"colId": "label", "value": "Heston baseline", "data": {"id": a}}]
        with triggered(f"{ids.GRID}.cellValueChanged"):
            out = manage(**{**args, "edit": edit})
        assert "Labelled run" in out["text"] and store.get_run(a).label == "Heston baseline"
        with triggered(f"{ids.CONFIRM_YES}.n_clicks"):
            out = manage(**{**args, "selected": [{"id": b}]})
        assert [r["id"] for r in out["rows"]] == [a] and store.count() == 1
        with triggered(f"{ids.UNDO}.n_clicks"):
            out = manage(**{**args, "deleted": out["deleted"]})
        assert [r["id"] for r in out["rows"]] == [b, a] and "Restored 1 run" in out["text"]
        assert store.get_run(b).params == {"sigma": 0.2}


def test_runs_page_says_when_postgresql_is_unreachable(tmp_path):
    from callbacks.runs import manage
    from tests.conftest import free_port

    url = f"postgresql://parity:s3cret@127.0.0.1:{free_port()}/parity"   # nothing listens
    app = create_app(Settings(data_dir=str(tmp_path / "var"), database_url=url, warm_numba=False))
    with app.server.app_context(), triggered(f"{ids.REFRESH}.n_clicks"):
        out = manage(_refresh=1, model="all", _yes=None, _undo=None, _ask=None, edit=None,
                     selected=None, deleted=None)
    assert out["show"] is True and out["color"] == "danger"
    assert "could not be changed or read: cannot reach the PostgreSQL store" in out["text"]
    assert "s3cret" not in out["text"]
