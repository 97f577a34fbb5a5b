"""The site's own URLs plus two bench-only routes (this URLconf is never deployed).

/bench/bare/ is a Django view that does no work at all: the yardstick. /bench/io-floor/ makes
only the round trips of an uncached catalog request (page cache read and write, one statement).
"""

import hashlib

from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.urls import path

from marketplace.urls import urlpatterns as site_urlpatterns


def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


def io_floor(request):
    """The round trips an uncached catalog request cannot avoid, and nothing else: the page
    cache's read (a miss) and write of a 12 KB page, and one trivial SQL statement. Its
    throughput is the ceiling of any uncached page built on them, whatever the page does."""
    key = "bench:io-floor:" + hashlib.sha256(request.get_full_path().encode()).hexdigest()
    cache.get(key)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchall()
    body = b"x" * 12_000
    cache.set(key, (body, {"Content-Type": "text/plain"}), timeout=30)
    return HttpResponse(body, content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/io-floor/", io_floor),
    *site_urlpatterns,
]
