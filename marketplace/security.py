"""Security headers Django does not set itself: Content-Security-Policy and Permissions-Policy.

Our pages use no inline script or style, so the policy allows our own origin plus Stripe.js
(and in development/test the localstripe origin from STRIPE_API_BASE, which serves the stand-in
Stripe.js at {base}/js.stripe.com/v3/ and answers its fetches at {base}/v1/…). The Redoc API
docs page is the one exception: Redoc injects <style> elements and runs a blob: web worker, so
/api/docs/ gets a relaxed style-src and worker-src (still no inline or third-party script).
X-Content-Type-Options, Referrer-Policy, X-Frame-Options, HSTS and secure cookies come from
Django's SecurityMiddleware and settings (marketplace/settings.py, "Security").
"""

import functools
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import JsonResponse, QueryDict

STRIPE_JS = ("https://js.stripe.com", "https://*.js.stripe.com")
STRIPE_FRAMES = ("https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com")
STRIPE_API = ("https://api.stripe.com",)
RELAXED_PATHS = ("/api/docs/",)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(self)"


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


@functools.cache
def _media_origin() -> str | None:
    # Object storage or a CDN (MEDIA_STORAGE=s3) serves photos from an origin of its own;
    # building a URL needs no network call.
    return _origin(default_storage.url("csp-probe.jpg"))


def _own_sources() -> list[str]:
    """'self' plus the origins of static files and media when a CDN serves them."""
    sources = ["'self'"]
    for origin in (_origin(settings.STATIC_URL or ""), _origin(settings.MEDIA_URL or ""),
                   _media_origin()):
        if origin and origin not in sources:
            sources.append(origin)
    return sources


STRIPE_CONNECT_ONBOARDING = "https://connect.stripe.com"


def content_security_policy(*, relaxed: bool = False) -> str:
    """The policy for one response, built from the settings of the moment."""
    own = _own_sources()
    stripe_base = _origin(settings.STRIPE_API_BASE or "")
    if stripe_base:  # localstripe: Stripe.js, its fetches and its frames all come from there
        stripe_js = stripe_frames = stripe_api = (stripe_base,)
    else:
        stripe_js, stripe_frames, stripe_api = STRIPE_JS, STRIPE_FRAMES, STRIPE_API
    directives = {
        "default-src": own,
        "script-src": [*own, *stripe_js],
        "style-src": [*own, "'unsafe-inline'"] if relaxed else own,
        "img-src": [*own, "data:"],
        "font-src": own,
        "connect-src": [*own, *stripe_api],
        "frame-src": list(stripe_frames),
        "worker-src": [*own, "blob:"] if relaxed else own,
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        # The payout set-up form redirects to Stripe's onboarding (Chromium checks redirects).
        "form-action": ["'self'", _origin(settings.STRIPE_CONNECT_API_BASE or "")
                        or STRIPE_CONNECT_ONBOARDING],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


NUL_MESSAGE = "The address contains a NUL character (%00), which no API operation accepts."


def _query_has_nul(request) -> bool:
    # PostgreSQL refuses NUL in text: a filter passed straight to a query would be a 500.
    return any("\x00" in key or any("\x00" in value for value in values)
               for key, values in request.GET.lists())


def _query_without_nul(query: QueryDict) -> QueryDict:
    clean = QueryDict(mutable=True)
    for key, values in query.lists():
        clean.setlist(key.replace("\x00", " "), [value.replace("\x00", " ") for value in values])
    clean._mutable = False
    return clean


class SecurityHeadersMiddleware:
    """Add Content-Security-Policy and Permissions-Policy to every response that lacks them.
    A NUL character in the query string is refused by the API (400) and read as a space by
    the pages, before any view can hand it to PostgreSQL."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _query_has_nul(request) and request.path.startswith("/api/"):
            response = JsonResponse({"detail": NUL_MESSAGE}, status=400)
        else:
            if _query_has_nul(request):
                request.GET = _query_without_nul(request.GET)
            response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            relaxed = request.path.startswith(RELAXED_PATHS)
            response["Content-Security-Policy"] = content_security_policy(relaxed=relaxed)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
