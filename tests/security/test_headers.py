"""Security headers on every response; a CSP with only our origin plus Stripe.js; no inline
script or style in our templates; HSTS and secure cookies in production."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from marketplace.security import content_security_policy
from tests.factories import UserFactory
from tests.staff import staff_api_login, staff_login

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


def test_every_page_has_the_security_headers(client, settings):
    settings.STRIPE_API_BASE = ""
    settings.STRIPE_CONNECT_API_BASE = ""
    response = client.get("/")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Permissions-Policy"] == (
        "camera=(), microphone=(), geolocation=(), payment=(self)")
    assert directives(response["Content-Security-Policy"]) == {
        "default-src": ["'self'"],
        "script-src": ["'self'", "https://js.stripe.com", "https://*.js.stripe.com"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'", "https://api.stripe.com"],
        "frame-src": ["https://js.stripe.com", "https://*.js.stripe.com",
                      "https://hooks.stripe.com"],
        "worker-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        # the payout set-up form redirects to Stripe Connect's onboarding
        "form-action": ["'self'", "https://connect.stripe.com"],
        "frame-ancestors": ["'none'"],
    }


def test_api_and_error_responses_carry_the_policy_too(client, api_client):
    assert "frame-ancestors 'none'" in api_client.get("/api/v1/me")["Content-Security-Policy"]
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert "default-src 'self'" in missing["Content-Security-Policy"]


def test_localstripe_origin_is_allowed_for_its_stand_in_stripe_js(client, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:8420/"
    policy = directives(client.get("/")["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'", "http://127.0.0.1:8420"]
    assert policy["connect-src"] == ["'self'", "http://127.0.0.1:8420"]
    assert policy["frame-src"] == ["http://127.0.0.1:8420"]
    assert "https://js.stripe.com" not in " ".join(sum(policy.values(), []))


def test_the_local_connect_fake_is_where_the_payout_set_up_form_may_go(client, settings):
    settings.STRIPE_CONNECT_API_BASE = "http://127.0.0.1:8421"
    policy = directives(client.get("/")["Content-Security-Policy"])
    assert policy["form-action"] == ["'self'", "http://127.0.0.1:8421"]


def test_api_docs_get_a_relaxed_style_policy_but_no_inline_script(client, settings):
    settings.STRIPE_API_BASE = ""
    response = client.get("/api/docs/")
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["worker-src"] == ["'self'", "blob:"]
    assert "'unsafe-inline'" not in policy["script-src"]
    # Redoc is served from our own static files (drf-spectacular-sidecar), no CDN script.
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', response.content.decode())
    assert scripts == ["/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"]


def test_only_the_docs_path_is_relaxed():
    strict = directives(content_security_policy())
    assert "'unsafe-inline'" not in strict["style-src"] + strict["script-src"]


TEMPLATE_DIRS = [ROOT / "templates", *sorted(ROOT.glob("*/templates")),
                 *sorted(ROOT.glob("marketplace/*/templates"))]
# Served only under the relaxed /api/docs/ policy (Redoc needs inline styles anyway).
RELAXED_TEMPLATES = {ROOT / "templates" / "drf_spectacular" / "redoc.html"}
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_uses_inline_script_or_style():
    """Pages run under script-src/style-src 'self': anything inline would silently break.
    E-mail templates are exempt (mail clients, not our CSP, render them)."""
    offenders = []
    for directory in TEMPLATE_DIRS:
        for path in directory.rglob("*.html"):
            if "email" in path.relative_to(directory).parts or path in RELAXED_TEMPLATES:
                continue
            text = path.read_text()
            offenders += [f"{path.relative_to(ROOT)}: {what}"
                          for pattern, what in INLINE if pattern.search(text)]
    assert offenders == []


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k3J9-production-like-secret-9fQ2xV7pL0sT4wZ8mN1bR6cY5hD3gA0eU2iO",
    "ALLOWED_HOSTS": "market.example.com",
    "STRIPE_SECRET_KEY": "sk_live_example",
    "STRIPE_WEBHOOK_SECRET": "whsec_example",
    "SITE_URL": "https://market.example.com",
    "STRIPE_API_BASE": "",
}
PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings
# CI has no collectstatic manifest; the page's static URLs are not what this checks.
override_settings(STORAGES={**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}).enable()
client = Client(HTTP_HOST="market.example.com")
plain = client.get("/healthz")
secure = client.get("/healthz", secure=True)
login = client.get("/accounts/login/", secure=True)
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "hsts": secure.get("Strict-Transport-Security"),
    "csp": secure.get("Content-Security-Policy"),
    "csrf_cookie_secure": bool(login.cookies["csrftoken"]["secure"]),
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "session_cookie_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
}))
"""


def test_production_sends_hsts_redirects_to_https_and_marks_cookies_secure():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(PRODUCTION, DJANGO_SETTINGS_MODULE="marketplace.settings",
               WHITENOISE_AUTOREFRESH="0")
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert seen["csrf_cookie_secure"] is True
    assert seen["session_cookie_secure"] is True
    assert seen["session_cookie_httponly"] is True
    assert seen["ssl_redirect"] is True
    assert seen["plain"][0] == 200  # /healthz is exempt from the HTTPS redirect (load balancer)
    assert "script-src 'self' https://js.stripe.com" in seen["csp"]


def test_a_nul_character_in_the_query_string_is_a_400_on_the_api_and_a_space_on_pages(
        client, api_client):
    """Found by the fuzzer: GET /api/v1/moderation/audit/?object_type=%00 reached PostgreSQL
    ("text fields cannot contain NUL") and made a 500."""
    staff = UserFactory(is_staff=True, is_superuser=True)
    staff_api_login(api_client, staff)
    api = api_client.get("/api/v1/moderation/audit/?object_type=%00")
    assert api.status_code == 400
    assert api.json() == {"detail": "The address contains a NUL character (%00), which no "
                                    "API operation accepts."}
    assert "default-src 'self'" in api["Content-Security-Policy"]
    staff_login(client, staff)
    page = client.get("/staff/audit/?object_type=%00&action=a%00b")
    assert page.status_code == 200
    assert client.get("/search/?q=honey%00jar").status_code == 200
