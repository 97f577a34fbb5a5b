"""The site's own URLs plus two bench-only routes (this URLconf is never deployed).

/bench/bare/ is a Django view that does no work at all: the yardstick. /bench/io-floor/ makes
only the round trip of an uncached catalog request (one statement) and answers a page's bytes.
"""

from django.db import connection
from django.http import HttpResponse
from django.urls import path

from marketplace.urls import urlpatterns as site_urlpatterns


def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


def io_floor(request):
    """What an uncached catalog request cannot avoid, and nothing else: one trivial SQL
    statement (the search's) and a 12 KB answer. The page cache is the process's own memory
    (web.page_cache), so a miss costs no round trip. Its throughput is the ceiling of any
    uncached page, whatever the page does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchall()
    return HttpResponse(b"x" * 12_000, content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/io-floor/", io_floor),
    *site_urlpatterns,
]
