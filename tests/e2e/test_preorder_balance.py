"""On a phone: a seller sets a pre-order's promise, marks an order ready, and the buyer pays
the balance on a page that says who gets what (axe-core checks every page)."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from orders.models import Order
from payments.selectors import escrow_summary
from tests.browser import PHONE, log_in
from tests.checkout_http import paid_orders
from tests.factories import ListingFactory, ShopFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_seller_promises_and_buyer_pays_the_balance_on_a_phone(
        live_server, browser, phone_page, screenshot, localstripe):
    base = live_server.url
    shop = ShopFactory(name="Sugarbush Farm")
    syrup = ListingFactory(shop=shop, title="Maple syrup, next season", price_cents=4000,
                           shipping_cents=800, stock=3)
    log_in(phone_page, base, shop.owner.email, f"/sell/listings/{syrup.pk}/preorder/")
    ships_by = timezone.localdate() + datetime.timedelta(days=30)
    phone_page.fill("#id_ships_by", ships_by.isoformat())
    phone_page.fill("#id_stock", "12")
    phone_page.fill("#id_deposit_percent", "25")
    phone_page.click("button:has-text('Save pre-order')")
    phone_page.wait_for_selector("#preorder-now")
    assert "25 % paid at checkout" in phone_page.inner_text("#preorder-now")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone_page, "seller-preorder-form")

    buyer = UserFactory(display_name="Dana Buyer")
    api = APIClient()
    api.force_authenticate(buyer)
    (order,) = paid_orders(api, [syrup])
    assert order.deposit_cents == 1200 and order.balance_cents == 3600
    phone_page.goto(f"{base}/sell/orders/{order.pk}/")
    phone_page.click("button:has-text('Mark ready to ship')")
    phone_page.wait_for_selector("text=The buyer has until")
    screenshot(phone_page, "seller-order-ready")

    context = browser.new_context(viewport=PHONE, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, base, buyer.email, f"/orders/{order.pk}/")
        page.click("a:has-text('Pay the balance of $36.00')")
        page.wait_for_url(f"**/orders/{order.pk}/balance/")
        text = " ".join(page.inner_text("main").split())
        assert "Balance to pay now: $36.00" in text
        assert "Sugarbush Farm receives $45.60 and the marketplace fee is $2.40" in text
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        # localstripe's stand-in Stripe.js draws the card form: number, month, year, CVC, ZIP.
        fields = page.locator("#card-element input")
        fields.first.wait_for()
        for index, value in enumerate(["4242424242424242", "12", "30", "123", "52101"]):
            fields.nth(index).fill(value)
        screenshot(page, "buyer-balance-pay")
        page.click("#pay-button")
        page.wait_for_url(f"**/orders/{order.pk}/")
        assert "Balance paid" in page.inner_text("main")
        screenshot(page, "buyer-balance-paid")
    finally:
        context.close()
    order = Order.objects.get(pk=order.pk)
    assert order.balance_cents == 0
    assert escrow_summary(reference=order.reference).held_cents == 4800
