"""App factory and settings: embedded defaults, and the Redis/Celery path against a real redis."""
from __future__ import annotations

import dash
import pytest

from app import Settings, background_manager, create_app


def test_settings_from_environment(tmp_path):
    s = Settings.from_env({"PARITY_DATA_DIR": str(tmp_path), "PARITY_PORT": "9001",
                           "PARITY_DEBUG": "1", "REDIS_URL": "redis://127.0.0.1:6399"})
    assert s.port == 9001 and s.debug and s.redis_url == "redis://127.0.0.1:6399"
    assert s.database_url == f"sqlite:///{tmp_path / 'parity.db'}"
    assert Settings.from_env({}).redis_url is None


def test_embedded_default_uses_diskcache_and_file_cache(settings):
    app = create_app(settings)
    assert isinstance(app._background_manager, dash.DiskcacheManager)
    client = app.server.test_client()
    for path in ("/", "/greeks", "/greeks?greek=vega&inst=position&legs=%2B1%20C%20100",
                 "/assets/vendor/bootstrap.min.css", "/assets/parity.css"):
        assert client.get(path).status_code == 200, path
    from callbacks.cache import cache
    with app.server.app_context():
        cache.set("k", {"v": 1})
        assert cache.get("k") == {"v": 1}


def test_redis_url_selects_celery_and_redis_cache(tmp_path, redis_url):
    s = Settings(data_dir=str(tmp_path / "var"), redis_url=redis_url, warm_numba=False)
    manager = background_manager(s)
    assert isinstance(manager, dash.CeleryManager)
    assert manager.handle.conf.broker_url == f"{redis_url}/0"
    app = create_app(s)
    from callbacks.cache import cache
    with app.server.app_context():
        cache.set("parity-test", [1, 2, 3])
        assert cache.get("parity-test") == [1, 2, 3]
    import redis
    assert redis.Redis.from_url(f"{redis_url}/2").dbsize() >= 1
