import pytest
from django.core.cache import cache
from rest_framework.test import APIClient


def cache_clear_own_keys() -> None:
    """Empty this site's cache keys only: the Redis database also holds Celery's queues."""
    backend = cache._cache if hasattr(cache, "_cache") else None
    if backend is None or not hasattr(backend, "get_client"):
        cache.clear()
        return
    client = backend.get_client(write=True)
    keys = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache_clear_own_keys()
    yield


@pytest.fixture
def api_client():
    return APIClient()
