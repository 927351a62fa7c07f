"""``callbacks.settings.current_settings``: the app's Settings inside a request, and outside an
app context (a background job) the environment read exactly as ``app.Settings.from_env``."""
from __future__ import annotations

import flask

from callbacks.settings import JobSettings, current_settings


def test_outside_an_app_the_environment_is_read_as_app_settings_reads_it(monkeypatch, tmp_path):
    from app import Settings

    envs = [{},
            {"PARITY_DATA_DIR": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:6399"},
            {"PARITY_DATA_DIR": "", "REDIS_URL": "", "DATABASE_URL": ""},
            {"PARITY_DATA_DIR": "rel/dir", "DATABASE_URL": "postgresql://u@127.0.0.1:5499/p"}]
    for env in envs:
        for k in ("PARITY_DATA_DIR", "REDIS_URL", "DATABASE_URL"):
            monkeypatch.delenv(k, raising=False)
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        want = Settings.from_env()
        got = current_settings()
        assert isinstance(got, JobSettings)
        assert (got.data_dir, got.redis_url, got.database_url) == \
            (want.data_dir, want.redis_url, want.database_url), env
        assert JobSettings.from_env(env) == got


def test_inside_a_request_the_apps_own_settings_object(tmp_path):
    from app import Settings

    mine = Settings(data_dir=str(tmp_path), redis_url="redis://127.0.0.1:6399")
    server = flask.Flask(__name__)
    server.config["PARITY_SETTINGS"] = mine
    with server.test_request_context("/"):
        assert current_settings() is mine
    bare = flask.Flask(__name__)          # an app not built by create_app: the environment's
    with bare.app_context():
        assert isinstance(current_settings(), JobSettings)
