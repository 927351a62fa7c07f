"""The flask-caching object, in its own module so pages and callbacks share one instance.

``create_app`` binds it with ``cache.init_app(server, config=...)``: a file-system cache under the
data folder by default, Redis when ``REDIS_URL`` is set.
"""
import contextlib
import functools

from flask_caching import Cache

cache = Cache()


def cache_config(data_dir: str, redis_url: str | None) -> dict:
    """flask-caching configuration for the embedded default or the Redis scale-out path."""
    if redis_url:
        return {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": f"{redis_url}/2",
                "CACHE_DEFAULT_TIMEOUT": 3600}
    return {"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": f"{data_dir}/cache",
            "CACHE_THRESHOLD": 500, "CACHE_DEFAULT_TIMEOUT": 3600}


@functools.lru_cache(maxsize=1)
def _job_app():
    """A bare Flask app bound to the running app's cache (the same folder, or Redis, from the
    job's settings), for a background job's process, which has no app of its own."""
    import flask

    from callbacks.settings import current_settings

    settings = current_settings()
    app = flask.Flask("parity-job")
    cache.init_app(app, config=cache_config(str(settings.data_dir), settings.redis_url))
    return app


def cache_context():
    """A context in which :data:`cache` works: the request's own app context, or the job app's
    in a background job's process.

    Returns
    -------
    contextlib.AbstractContextManager
        A no-op when an app context is already active, else the job app's app context.
    """
    from flask import has_app_context

    return contextlib.nullcontext() if has_app_context() else _job_app().app_context()
