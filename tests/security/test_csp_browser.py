"""The Content-Security-Policy in a real Chromium: our pages, the pay page with (localstripe's
stand-in) Stripe.js, the Redoc API docs and the admin run with no policy violation."""

import pytest
from rest_framework.test import APIClient

from tests.browser import ARTIFACTS, log_in
from tests.factories import ListingFactory, UserFactory
from tests.staff import staff_browser_login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ADDRESS = {"name": "Dana Buyer", "line1": "12 Main St", "city": "Decorah", "state": "IA",
           "postal_code": "52101", "country": "US"}


def watch_violations(page) -> list[str]:
    seen: list[str] = []
    page.on("console", lambda message: seen.append(message.text)
            if "Content Security Policy" in message.text else None)
    return seen


def test_pay_page_loads_stripe_js_under_the_policy(live_server, phone_page, screenshot,
                                                   localstripe):
    listing = ListingFactory(title="Raw Wildflower Honey", price_cents=1200)
    buyer = UserFactory(display_name="Dana Buyer")
    api = APIClient()
    api.force_authenticate(buyer)
    assert api.post("/api/v1/cart/items/", {"listing": listing.pk, "quantity": 1},
                    format="json").status_code == 201
    created = api.post("/api/v1/checkout", {"fulfillment": "ship", "shipping_address": ADDRESS},
                       format="json", HTTP_IDEMPOTENCY_KEY="csp-1")
    assert created.status_code == 201, created.content
    page = phone_page
    violations = watch_violations(page)
    log_in(page, live_server.url, buyer.email)
    response = page.goto(f"{live_server.url}/checkout/{created.json()['id']}/pay/")
    assert localstripe in response.headers["content-security-policy"]
    page.locator("#card-element input").first.wait_for()  # drawn by the stand-in Stripe.js
    assert page.evaluate("typeof window.Stripe") == "function"
    screenshot(page, "pay-under-csp")
    assert violations == []


def test_api_docs_render_redoc_from_our_static_files(live_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    violations = watch_violations(page)
    page.goto(f"{live_server.url}/api/docs/")
    page.get_by_text("Taobao Village US API").first.wait_for(timeout=20_000)
    page.get_by_text("/api/v1/checkout").first.wait_for()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)  # the first screen only: Redoc is very long
    page.screenshot(path=str(ARTIFACTS / "security-api-docs-under-csp.png"))
    context.close()
    # Redoc's "API docs by Redocly" badge points at their CDN: blocked, and nothing else is.
    assert [v for v in violations if "https://cdn.redoc.ly/" not in v] == []


def test_home_search_and_admin_run_without_violations(live_server, phone_page):
    staff = UserFactory(is_staff=True, is_superuser=True)
    page = phone_page
    violations = watch_violations(page)
    page.goto(f"{live_server.url}/")
    page.goto(f"{live_server.url}/search/?q=honey")
    staff_browser_login(page, live_server.url, staff, "/admin/", door="/admin/login/")
    page.goto(f"{live_server.url}/admin/accounts/user/")
    page.goto(f"{live_server.url}/admin/accounts/user/{staff.pk}/change/")
    assert violations == []
