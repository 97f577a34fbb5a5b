"""Rate limits counted atomically in the cache (Redis in production): 429 with Retry-After.

A limited action takes its slot before it runs: `incr` is atomic in Redis, so requests sent at
the same moment cannot both slip under the limit. Counters live in fixed windows (one key per
scope, caller and window number), so Retry-After is exactly the time left in the window.

Which views are limited is one table, RATE_LIMITED_VIEWS (URL name → scope), enforced in two
places: RateLimitThrottle for DRF views (after DRF has authenticated a token) and
RateLimitMiddleware for pages. The rates themselves are settings (RATE_LIMITS, from the
environment). The log-in limit (marketplace/accounts/throttling.py) uses counter_take too.
"""

import hashlib
import logging
import math
import time

import redis.exceptions
from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from rest_framework.throttling import BaseThrottle

from marketplace.rates import rate_parse

logger = logging.getLogger(__name__)

# URL name → rate scope. Only unsafe methods count: reading a page is never limited here.
RATE_LIMITED_VIEWS = {
    # Money at a village hub: each start, code sent again, confirmation or cancellation.
    "hub-shop-cash-out": "hub_cash",
    "hub-cash-out-confirm": "hub_cash",
    "hub-cash-out-resend": "hub_cash",
    "hub-cash-out-cancel": "hub_cash",
    "api-hub-shop-cash-outs": "hub_cash",
    "api-hub-cash-out-confirm": "hub_cash",
    "api-hub-cash-out-cancel": "hub_cash",
    "signup": "signup",
    "api-register": "signup",
    "listing-report": "report",
    "api-listing-reports": "report",
    "sell-photo-add": "upload",
    "sell-listing-new": "upload",
    "api-listing-images": "upload",
    "checkout": "checkout",
    "checkout-pay": "checkout",
    "api-checkout": "checkout",
    "api-checkout-pay": "checkout",
    "password-reset": "password_reset",
    "api-password-reset": "password_reset",
    "hub-apply": "hub",
    "api-hub-agent-applications": "hub",
    "hub-parcel-arrived": "hub_parcel",
    "hub-parcel-hand-over": "hub_parcel",
    "api-hub-parcel-arrived": "hub_parcel",
    "api-hub-parcel-hand-over": "hub_parcel",
    # Village hubs: an agent opening neighbours' shops makes accounts; photos; take-over links.
    "hub-managed-shop-new": "signup",
    "api-hub-managed-shops": "signup",
    "hub-managed-listing-new": "upload",
    "hub-managed-photo-add": "upload",
    "api-hub-managed-listing-images": "upload",
    "hub-managed-takeover-link": "email_link",
    "api-hub-managed-takeover-link": "email_link",
    "hub-takeover": "password_reset",
    "api-hub-takeover": "password_reset",
    "hub-managed-listing": "hub_act",
    "hub-managed-stock": "hub_act",
    "hub-managed-order-ship": "hub_act",
    "hub-managed-order-hand-over": "hub_act",
    "hub-managed-dispute-answer": "hub_act",
    "api-hub-managed-listings": "hub_act",
    "api-hub-managed-listing": "hub_act",
    "api-hub-managed-listing-stock": "hub_act",
    "api-hub-managed-order-ship": "hub_act",
    "api-hub-managed-order-pickup": "hub_act",
    "api-hub-managed-dispute-statement": "hub_act",
}
LIMITED_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

SCOPE_MESSAGES = {
    "signup": "Too many new accounts from here.",
    "report": "You have sent a lot of reports in a short time.",
    "upload": "You have uploaded a lot of photos in a short time.",
    "checkout": "Too many checkout attempts in a short time.",
    "password_reset": "Too many password-reset requests in a short time.",
    "password_reset_address": "Too many password-reset requests in a short time.",
    "email_link": "We have sent you several links in a short time.",
    "account_data": "You have downloaded your data several times in a short time.",
    "account_close": "Too many tries to close the account in a short time.",
    "notice": "You have filed a lot of rights notices in a short time.",
    "hub": "You have sent a lot of hub applications in a short time.",
    "hub_cash": "You have started or confirmed a lot of cash-outs in a short time.",
    "hub_parcel": "You have recorded a lot of parcels at the hub in a short time.",
    "hub_act": "You have made a lot of changes for the shops you run in a short time.",
}

# A cache that cannot be reached must not take the site down with it: the limit is skipped.
CACHE_ERRORS = (redis.exceptions.RedisError, ConnectionError, TimeoutError)


class RateLimited(Exception):
    http_status = 429

    def __init__(self, *, scope: str, retry_after: int):
        self.scope = scope
        self.retry_after = retry_after
        wait = (f"{retry_after} seconds" if retry_after < 120
                else f"{math.ceil(retry_after / 60)} minutes")
        reason = SCOPE_MESSAGES.get(scope, "Too many requests in a short time.")
        super().__init__(f"{reason} Please wait {wait} and try again.")


def counter_take(key: str, *, limit: int, window: int) -> bool:
    """Count one more use of `key` (expiring after `window` s); True while within `limit`."""
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        count = 1
    return count <= limit


def rate_limit_take(*, scope: str, who: str, now: float | None = None) -> None:
    """Take one slot of `scope` for caller `who`; raise RateLimited when the window is full."""
    rate = rate_parse(settings.RATE_LIMITS[scope])
    now = time.time() if now is None else now
    number = int(now // rate.window)
    digest = hashlib.sha256(who.encode()).hexdigest()[:32]
    key = f"ratelimit:{scope}:{digest}:{number}"
    try:
        allowed = counter_take(key, limit=rate.limit, window=rate.window)
    except CACHE_ERRORS:
        logger.warning("rate limit %s skipped: the cache is unreachable", scope, exc_info=True)
        return
    if not allowed:
        retry_after = max(1, math.ceil((number + 1) * rate.window - now))
        raise RateLimited(scope=scope, retry_after=retry_after)


def caller_identity(request) -> str:
    """A signed-in user by id; anyone else by IP address."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{request.META.get('REMOTE_ADDR', '')}"


def scope_of(request) -> str | None:
    if request.method not in LIMITED_METHODS:
        return None
    match = getattr(request, "resolver_match", None)
    return RATE_LIMITED_VIEWS.get(match.url_name) if match is not None else None


class RateLimitThrottle(BaseThrottle):
    """DRF's default throttle: the scope comes from RATE_LIMITED_VIEWS by URL name."""

    def allow_request(self, request, view) -> bool:
        scope = getattr(view, "rate_limit_scope", None) or scope_of(request)
        if scope is not None and request.method in LIMITED_METHODS:
            # Raised, not returned False: the API's exception handler renders its message
            # and Retry-After, instead of DRF's generic "Request was throttled".
            rate_limit_take(scope=scope, who=caller_identity(request))
        return True


def _is_drf_view(view_func) -> bool:
    # Imported here: DRF imports this module (DEFAULT_THROTTLE_CLASSES) while defining APIView.
    from rest_framework.views import APIView

    view_class = getattr(view_func, "cls", None)
    return isinstance(view_class, type) and issubclass(view_class, APIView)


class RateLimitMiddleware:
    """Limit the pages named in RATE_LIMITED_VIEWS; DRF views are left to RateLimitThrottle."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        scope = scope_of(request)
        if scope is None or _is_drf_view(view_func):
            return None
        try:
            rate_limit_take(scope=scope, who=caller_identity(request))
        except RateLimited as exc:
            response = render(request, "security/429.html", {"message": str(exc)}, status=429)
            response["Retry-After"] = str(exc.retry_after)
            return response
        return None
