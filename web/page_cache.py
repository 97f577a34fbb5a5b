"""HTTP caching for anonymous catalog pages and the listings API: max-age, ETag, server cache.

Most catalog traffic is anonymous and asks for the same few pages (home, the popular words,
the big categories). A rendered copy kept in Redis for SERVER_CACHE_SECONDS turns those into
one Redis read; a browser may keep its copy ANONYMOUS_MAX_AGE seconds and then revalidate
with If-None-Match for a 304. Signed-in people, and anyone with a session or messages cookie (an
anonymous cart, a flash message), always get a freshly rendered page.
"""

import hashlib
import logging
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Long enough to make Back/Forward and repeat visits free on a slow line, short enough that a
# new listing or a price change shows within a minute or two.
ANONYMOUS_MAX_AGE = 60
SERVER_CACHE_SECONDS = 30
MAX_CACHED_URL = 1000
KEPT_HEADERS = ("Content-Type", "Cache-Control", "ETag", "Vary", "Content-Language")


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
    return "catalog:page:" + hashlib.sha256(url.encode()).hexdigest()


def _cache_get(key: str):
    try:
        return cache.get(key)
    except (RedisError, OSError):
        logger.warning("catalog page cache unavailable", exc_info=True)
        return None


def _cache_set(key: str, value) -> None:
    try:
        cache.set(key, value, timeout=SERVER_CACHE_SECONDS)
    except (RedisError, OSError):
        logger.warning("catalog page cache unavailable", exc_info=True)


def anonymous_cache(view):
    """Cache anonymous, cookie-less GETs of a catalog view (see the module docstring).

    Works for Django views and DRF API views alike (a DRF Response is rendered first).
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        key = _shared_cache_key(request)
        stored = _cache_get(key) if key else None
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
            _cache_set(key, (response.content, headers))
        return get_conditional_response(request, etag=response.get("ETag"), response=response)

    return wrapped
