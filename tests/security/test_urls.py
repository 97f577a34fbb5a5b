"""Walk the whole URL configuration: the Stripe webhook is the only CSRF-exempt view, DRF views
authenticate only in ways that enforce CSRF, and every view that is not on the public list
turns an anonymous visitor away (pages: 302 to the log-in page; API: 401/403)."""

import re

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver
from rest_framework.authentication import SessionAuthentication, TokenAuthentication

from marketplace.ratelimit import RATE_LIMITED_VIEWS

pytestmark = pytest.mark.django_db

WEBHOOK = "api/v1/payments/stripe/webhook"
DUMMY = {"int": "999999", "slug": "no-such-slug", "str": "nothing", "path": "no/such/file.txt",
         "uuid": "00000000-0000-0000-0000-000000000000"}
METHODS = ("get", "post", "put", "patch", "delete")
ANY = set(METHODS)

# Route → methods anyone may use without signing in. Everything else must refuse anonymously.
PUBLIC = {
    "": {"get"},
    "healthz": ANY,  # probes; a plain view that answers any method the same way
    "readyz": ANY,
    "accounts/signup/": {"get", "post"},
    "accounts/login/": {"get", "post"},
    "accounts/logout/": {"get", "post"},
    # Reset and confirmation links work signed out: the signed link is the credential.
    "accounts/password-reset/": {"get", "post"},
    "accounts/password-reset/sent/": {"get"},
    "accounts/reset/<uidb64>/<token>/": {"get", "post"},
    "accounts/reset/done/": {"get"},
    "accounts/confirm-email/<str:token>/": {"get", "post"},
    "accounts/change-email/<str:token>/": {"get", "post"},
    "hub/takeover/<str:token>/": {"get", "post"},  # a managed shop's owner takes it over
    "api/v1/hub/takeover": {"post"},  # the same, its signed token in the body
    "admin/login/": {"get", "post"},
    "admin/logout/": ANY,
    "api/schema/": {"get"},
    "api/docs/": {"get"},
    "api/v1/auth/register": {"post"},
    "api/v1/auth/token": {"post"},
    "api/v1/auth/password-reset": {"post"},
    "api/v1/categories/": {"get"},
    "api/v1/villages/": {"get"},
    "api/v1/villages/<slug:slug>": {"get"},
    "api/v1/impact": {"get"},
    "api/v1/shops/<slug:slug>": {"get"},
    "api/v1/shops/<slug:slug>/listings/": {"get"},
    "api/v1/listings/": {"get"},
    "api/v1/listings/<int:listing_id>": {"get"},
    "api/v1/shops/<slug:slug>/reviews/": {"get"},  # public reviews
    "api/v1/listings/<int:listing_id>/reviews/": {"get"},
    WEBHOOK: {"post"},  # Stripe's signature instead of a log-in (400 without it)
    "search/": {"get"},
    "categories/<slug:slug>/": {"get"},
    "listings/<int:listing_id>/": {"get"},
    "villages/<slug:slug>/": {"get"},
    "impact/": {"get"},
    "impact/<slug:chart>.csv": {"get"},  # the impact charts' numbers
    "villages/<slug:slug>/impact-<slug:chart>.csv": {"get"},
    "api/v1/transparency": {"get"},  # the transparency report: counts only, no names
    "transparency/": {"get"},
    "transparency/numbers.csv": {"get"},
    "sell/terms/": {"get"},  # the fees and payout terms, read before opening a shop
    "shops/<slug:slug>/": ANY,
    "cart/": {"get", "post"},  # the visitor cart lives in the session
    "cart/add/": {"get", "post"},
    "cart/items/<int:listing_id>/": {"get", "post"},
    "media/<path:path>": ANY,
    "favicon.ico": {"get"},  # a redirect to the static icon
    "hubs/": {"get"},  # village hubs: where they are and when they open
    "hubs/<slug:slug>/": {"get"},
    "api/v1/hubs": {"get"},
    "api/v1/hubs/<slug:slug>": {"get"},
}


def _fill_regex(regex: str) -> str:
    def group(match):
        body = match.group(2)
        return body.split("|")[0] if re.fullmatch(r"[\w|]+", body) else "nothing"

    filled = re.sub(r"\(\?P<(\w+)>([^)]*)\)", group, regex)
    return filled.lstrip("^").rstrip("$").replace("\\", "")


def _fill_route(route: str) -> str:
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: DUMMY[m.group(1) or "str"], route)


def url_patterns(patterns=None, route=""):
    """(route, concrete path, callback) for every view in the URL configuration."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        text = str(pattern.pattern)
        is_regex = hasattr(pattern.pattern, "regex") and not hasattr(pattern.pattern, "_route")
        if isinstance(pattern, URLResolver):
            yield from url_patterns(pattern.url_patterns, route + text)
        else:
            concrete = _fill_regex(text) if is_regex else _fill_route(text)
            yield route + text, route + concrete, pattern.callback


def _view_class(callback):
    return getattr(callback, "cls", None)


def test_the_walk_sees_the_whole_site():
    routes = {route for route, _, _ in url_patterns()}
    assert WEBHOOK in routes
    assert len(routes) > 150  # our ~130 views plus the admin's
    assert set(PUBLIC) - {"admin/login/"} <= routes, set(PUBLIC) - routes


def test_the_stripe_webhook_is_the_only_csrf_exempt_plain_view():
    exempt = sorted(route for route, _, callback in url_patterns()
                    if getattr(callback, "csrf_exempt", False) and _view_class(callback) is None)
    assert exempt == [WEBHOOK]


def test_drf_views_authenticate_only_in_ways_that_enforce_csrf():
    """APIView.as_view() is csrf_exempt by design: DRF's SessionAuthentication enforces CSRF
    itself, and a token is not sent by the browser on its own. Anything else is a hole."""
    offenders = []
    for route, _, callback in url_patterns():
        view_class = _view_class(callback)
        if view_class is None:
            continue
        for auth in view_class.authentication_classes:
            if issubclass(auth, SessionAuthentication):
                if auth.enforce_csrf is not SessionAuthentication.enforce_csrf:
                    offenders.append(f"{route}: {auth.__name__} overrides enforce_csrf")
            elif not issubclass(auth, TokenAuthentication):
                offenders.append(f"{route}: unknown authentication {auth.__name__}")
    assert offenders == []


def test_session_auth_on_the_api_really_enforces_csrf():
    from tests.factories import UserFactory

    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    response = client.post("/api/v1/notifications/read-all", content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def _methods(callback) -> list[str]:
    view_class = _view_class(callback) or getattr(callback, "view_class", None)
    if view_class is not None:
        return [m for m in METHODS if hasattr(view_class, m)]
    return ["get", "post"]


def _refuses_anonymous(route: str, response) -> bool:
    if route.startswith("api/"):
        return response.status_code in (401, 403)
    location = response.get("Location", "")
    if route.startswith("admin/"):
        return response.status_code == 302 and location.startswith("/admin/login/")
    return response.status_code == 302 and location.startswith("/accounts/login/")


def test_every_non_public_view_requires_a_log_in():
    client = Client()
    offenders, checked = [], 0
    for route, path, callback in url_patterns():
        for method in _methods(callback):
            response = getattr(client, method)(f"/{path}")
            checked += 1
            if response.status_code >= 500:
                offenders.append(f"{method.upper()} /{path}: {response.status_code}")
            elif method in PUBLIC.get(route, set()):
                continue
            elif response.status_code == 405 and not _view_class(callback):
                continue  # a plain view that does not take this method at all
            elif not _refuses_anonymous(route, response):
                offenders.append(f"{method.upper()} /{path}: {response.status_code} "
                                 f"{response.get('Location', '')}".strip())
    assert offenders == [], "\n".join(offenders)
    assert checked > 200


def test_rate_limited_view_names_exist():
    """A renamed URL would silently drop its rate limit: the table must name real routes."""
    names = {callback_name for callback_name in _url_names()}
    assert set(RATE_LIMITED_VIEWS) <= names, set(RATE_LIMITED_VIEWS) - names


def _url_names(patterns=None):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from _url_names(pattern.url_patterns)
        elif pattern.name:
            yield pattern.name
