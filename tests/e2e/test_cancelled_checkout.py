"""Issue 12.7 as it was found: a buyer cancels both orders of an unpaid checkout in the
browser, then opens its pay page again. Nothing can be paid and nothing is charged."""

import pytest

from orders.models import Checkout, Order
from payments.gateway import stripe_client
from payments.models import JournalEntry
from tests.browser import LAPTOP, log_in
from tests.factories import ListingFactory, ShopFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_buyer_cannot_pay_for_orders_they_cancelled(live_server, browser, screenshot,
                                                     localstripe):
    base = live_server.url
    page = browser.new_context(viewport=LAPTOP).new_page()
    page.set_default_timeout(15_000)
    listings = [
        ListingFactory(shop=ShopFactory(name="Driftless Bee Farm"), title="Raw Honey",
                       price_cents=1800, shipping_cents=600, local_pickup=True),
        ListingFactory(shop=ShopFactory(name="Berea Loom House"), title="Pot Holder",
                       price_cents=1800, shipping_cents=600, local_pickup=True),
    ]
    buyer = UserFactory(display_name="Dana Buyer")
    log_in(page, base, buyer.email)
    for listing in listings:
        page.goto(f"{base}/listings/{listing.pk}/")
        page.click("form.buy button[type=submit]")
        page.wait_for_url(f"{base}/cart/")
    page.click("text=Check out")
    page.fill("#id_name", "Dana Buyer")
    page.fill("#id_line1", "12 Water St")
    page.fill("#id_city", "Decorah")
    page.select_option("#id_state", "IA")
    page.fill("#id_postal_code", "52101")
    page.click("button:has-text('Continue to payment')")
    page.wait_for_url("**/pay/")
    pay_url = page.url
    assert "Pay $48.00" in page.inner_text("h1")

    for order in Order.objects.filter(buyer=buyer).order_by("pk"):
        page.goto(f"{base}/orders/{order.pk}/")
        assert page.locator("a:has-text('Pay now')").get_attribute("href") == (
            f"/checkout/{order.checkout_id}/pay/"
        )
        page.click("button:has-text('Cancel order')")
        page.wait_for_url(f"{base}/orders/{order.pk}/")
        assert page.locator("a:has-text('Pay now')").count() == 0

    response = page.goto(pay_url)
    assert response.status == 409
    assert page.inner_text("h1") == "Nothing to pay"
    assert "These orders were cancelled; nothing was charged." in page.inner_text("[role=alert]")
    assert page.locator("#pay-button").count() == 0
    assert page.locator(".badge.cancelled").count() == 2
    screenshot(page, "cancelled-checkout")

    checkout = Checkout.objects.get(buyer=buyer)
    assert checkout.status == Checkout.Status.CANCELLED
    intent = stripe_client().v1.payment_intents.retrieve(checkout.payment_intent_id)
    assert intent.status == "canceled"
    assert not JournalEntry.objects.exists()
