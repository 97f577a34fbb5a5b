"""The site's own URLs plus one bench-only route (this URLconf is never deployed).

/bench/bare/ is a Django view that does no work at all: the yardstick.
"""

from django.http import HttpResponse
from django.urls import path

from marketplace.urls import urlpatterns as site_urlpatterns


def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare),
    *site_urlpatterns,
]
