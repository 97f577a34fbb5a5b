"""The Redis cache backend, with one `redis.Redis` client per connection pool.

Django's RedisCacheClient builds a new `redis.Redis` for every cache call, and each build
registers some 170 response callbacks: about a tenth of a millisecond, twice for a catalog
request the page cache cannot answer (a read, then the write). A client is thread-safe over its
pool, so one per pool is kept instead; the pools themselves are Django's, unchanged.
"""

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
