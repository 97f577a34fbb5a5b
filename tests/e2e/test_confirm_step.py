"""A buyer on a phone confirms receipt: a step that says who is paid how much, works without
JavaScript, and passes axe-core's accessibility checks."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from rest_framework.test import APIClient

from orders.models import Order
from payments.models import JournalEntry
from tests.browser import PHONE, log_in
from tests.checkout_http import paid_orders
from tests.factories import ListingFactory, ShopFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _shipped_order(buyer) -> Order:
    honey = ListingFactory(shop=ShopFactory(name="Driftless Bee Farm"),
                           title="Raw Wildflower Honey", price_cents=1200, shipping_cents=650)
    api = APIClient()
    api.force_authenticate(buyer)
    (order,) = paid_orders(api, [honey], [2])  # 3050 held
    api.force_authenticate(honey.shop.owner)
    shipped = api.post(f"/api/v1/orders/{order.pk}/ship",
                       {"carrier": "USPS", "tracking_number": "9400111899223817"},
                       format="json")
    assert shipped.status_code == 200
    return order


def test_buyer_confirms_receipt_on_a_phone_after_a_clear_step(
    live_server, browser, phone_page, screenshot, localstripe
):
    base = live_server.url
    buyer = UserFactory(display_name="Dana Buyer")
    order = _shipped_order(buyer)
    step_url = f"/orders/{order.pk}/confirm/"

    # With JavaScript, only to run axe-core on the step as the buyer sees it.
    log_in(phone_page, base, buyer.email, step_url)
    results = Axe().run(phone_page)
    assert results.violations_count == 0, results.generate_report()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    path = screenshot(phone_page, "confirm-step")
    assert path.stat().st_size > 0

    # Without JavaScript, the whole way: look, go back, come again, confirm.
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, base, buyer.email, f"/orders/{order.pk}/")
        page.click("text=I received my order")
        page.wait_for_url(f"**{step_url}")
        text = " ".join(page.inner_text("main").split())
        assert "Did order" in text and "arrive as described?" in text
        assert ("Driftless Bee Farm will be paid the $30.50 we hold for this order (they "
                "receive $28.97 after the $1.53 marketplace fee).") in text
        screenshot(page, "step-without-javascript")
        page.click("a:has-text('Go back')")
        page.wait_for_url(f"**/orders/{order.pk}/")
        assert Order.objects.get(pk=order.pk).status == "shipped"

        page.click("text=I received my order")
        page.click("button:has-text('Yes, release $30.50 to Driftless Bee Farm')")
        page.wait_for_url(f"**/orders/{order.pk}/")
        assert "Thanks! The seller has been paid." in page.inner_text(".messages")
        screenshot(page, "confirmed")
    finally:
        context.close()
    assert Order.objects.get(pk=order.pk).status == "completed"
    assert list(JournalEntry.objects.filter(reference=order.reference).order_by("id")
                .values_list("kind", flat=True)) == ["hold", "release"]
