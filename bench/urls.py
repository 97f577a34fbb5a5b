"""The site's own URLs plus two bench-only routes (this URLconf is never deployed).

/bench/bare/ is a Django view that does no work at all: the yardstick. /bench/api/listings/
is the sellers' listings API wrapped in the catalog's anonymous page cache, to show what the
API reaches with the same caching as the pages.
"""

from django.http import HttpResponse
from django.urls import path

from marketplace.catalog.http import anonymous_cache
from marketplace.urls import urlpatterns as site_urlpatterns
from sellers.api import ListingListApi


def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/api/listings/", anonymous_cache(ListingListApi.as_view())),
    *site_urlpatterns,
]
