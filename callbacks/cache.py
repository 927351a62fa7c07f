"""The flask-caching object, in its own module so pages and callbacks share one instance.

``create_app`` binds it with ``cache.init_app(server, config=...)``: a file-system cache under the
data folder by default, Redis when ``REDIS_URL`` is set.
"""
from flask_caching import Cache

cache = Cache()


def cache_config(data_dir: str, redis_url: str | None) -> dict:
    """flask-caching configuration for the embedded default or the Redis scale-out path."""
    if redis_url:
        return {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": f"{redis_url}/2",
                "CACHE_DEFAULT_TIMEOUT": 3600}
    return {"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": f"{data_dir}/cache",
            "CACHE_THRESHOLD": 500, "CACHE_DEFAULT_TIMEOUT": 3600}
