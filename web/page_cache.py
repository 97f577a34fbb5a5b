"""HTTP caching for anonymous catalog pages and the listings API: max-age, ETag, server cache.

Most catalog traffic is anonymous and asks for the same few pages (home, the popular words,
the big categories). A rendered copy kept for SERVER_CACHE_SECONDS turns those into a lookup
in the web process's own memory; a browser may keep its copy ANONYMOUS_MAX_AGE seconds and then
revalidate with If-None-Match for a 304. Signed-in people, and anyone with a session or
messages cookie (an anonymous cart, a flash message), always get a freshly rendered page.

The copies live in each web process (`web.timed_store`), not in Redis. Most catalog URLs are asked
for once (a search nobody typed before, a new page number), and for those a shared cache
costs a round trip to look and another to store 10–20 KB that nobody reads again: under load
on the benchmark machine that was a third of such a request's cost (bench/RESULTS.md). A
process's copy answers with no round trip at all. What it costs: each web process renders a
popular page once per SERVER_CACHE_SECONDS instead of one process for all, and two processes
may hold copies rendered a few seconds apart (the same bound as before: no copy is older than
SERVER_CACHE_SECONDS). ETags are digests of the content, so a browser's If-None-Match gets its
304 from any process holding the same page.
"""

from functools import wraps

from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag

from web.timed_store import TimedStore

# Long enough to make Back/Forward and repeat visits free on a slow line, short enough that a
# new listing or a price change shows within a minute or two.
ANONYMOUS_MAX_AGE = 60
SERVER_CACHE_SECONDS = 30
MAX_CACHED_URL = 1000
KEPT_HEADERS = ("Content-Type", "Cache-Control", "ETag", "Vary", "Content-Language")
# Memory a web process gives its copies (the oldest go first): about 1,500 result pages.
STORE_BYTES = 24 * 1024 * 1024
LARGEST_KEPT_PAGE = 1024 * 1024


def _page_size(url: str, page: tuple[bytes, dict]) -> int:
    return len(url) + len(page[0])


store = TimedStore(seconds=SERVER_CACHE_SECONDS, max_size=STORE_BYTES, largest=LARGEST_KEPT_PAGE,
                   size_of=_page_size)


def _shared_cache_key(request) -> str | None:
    """A key for this request when its page is the same for every anonymous visitor."""
    if request.method not in ("GET", "HEAD"):
        return None
    message_cookie = getattr(settings, "MESSAGE_COOKIE_NAME", "messages")
    if settings.SESSION_COOKIE_NAME in request.COOKIES or message_cookie in request.COOKIES:
        return None  # a cart or a flash message waiting: this visitor's page is their own
    if request.user.is_authenticated:
        return None
    url = request.get_full_path()
    if len(url) > MAX_CACHED_URL:
        return None
    return url


def anonymous_cache(view):
    """Cache anonymous, cookie-less GETs of a catalog view (see the module docstring).

    Works for Django views and DRF API views alike (a DRF Response is rendered first).
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        key = _shared_cache_key(request)
        stored = store.get(key) if key else None
        if stored is not None:
            content, headers = stored
            response = HttpResponse(content)
            for name, value in headers.items():
                response[name] = value
            return get_conditional_response(request, etag=response.get("ETag"), response=response)
        response = view(request, *args, **kwargs)
        if request.user.is_authenticated or response.status_code != 200 or response.streaming:
            return response
        if getattr(getattr(request, "_messages", None), "used", False):
            return response  # a one-time message was shown: do not show it again from a cache
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        # A page with a CSRF token is tied to this browser's cookie: never a shared cache.
        personal = bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or response.cookies)
        scope = {"private": True} if personal else {"public": True}
        patch_cache_control(response, max_age=ANONYMOUS_MAX_AGE, **scope)
        set_response_etag(response)
        if key and not personal:
            headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
            store.put(key, (response.content, headers))
        return get_conditional_response(request, etag=response.get("ETag"), response=response)

    return wrapped
