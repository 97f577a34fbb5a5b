"""On a phone (390×844): a seller turns a listing into a pre-order, a buyer buys it, the seller
sees it on the harvest page and moves the date, and the buyer cancels for a full refund."""

import datetime

import pytest
from django.utils import timezone

from orders.models import Order
from payments.selectors import escrow_summary_or_none
from tests.browser import PHONE, log_in
from tests.factories import ListingFactory, ShopFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_seller_makes_a_pre_order_buyer_buys_it_date_moves_buyer_cancels(
    live_server, browser, screenshot, localstripe
):
    base = live_server.url
    listing = ListingFactory(shop=ShopFactory(name="Sugarbush Maple Farm"),
                             title="Maple syrup, one gallon", price_cents=6400,
                             shipping_cents=1100, stock=0)
    seller = listing.shop.owner
    ships_by = timezone.localdate() + datetime.timedelta(days=40)

    seller_context = browser.new_context(viewport=PHONE)
    seller_page = seller_context.new_page()
    seller_page.set_default_timeout(15_000)
    log_in(seller_page, base, seller.email, then=f"/sell/listings/{listing.pk}/")
    seller_page.click("text=Sell as a pre-order")
    seller_page.wait_for_url(f"**/sell/listings/{listing.pk}/preorder/")
    seller_page.fill("#id_ships_by", ships_by.isoformat())
    seller_page.fill("#id_stock", "12")
    seller_page.click("button:has-text('Save pre-order')")
    assert "Now a pre-order" in seller_page.inner_text("main")
    screenshot(seller_page, "seller-pre-order-saved")

    buyer = UserFactory(display_name="Robin Buyer")
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, base, buyer.email, then=f"/listings/{listing.pk}/")
    assert "Pre-order — ships by" in page.inner_text("main")
    screenshot(page, "buyer-listing")
    page.click("form.buy button[type=submit]")
    page.wait_for_url(f"{base}/cart/")
    page.click("text=Check out")
    page.fill("#id_name", "Robin Buyer")
    page.fill("#id_line1", "4 Elm St")
    page.fill("#id_city", "Montpelier")
    page.select_option("#id_state", "VT")
    page.fill("#id_postal_code", "05602")
    page.click("button:has-text('Continue to payment')")
    page.wait_for_url("**/pay/")
    fields = page.locator("#card-element input")
    fields.first.wait_for()
    for index, value in enumerate(["4242424242424242", "12", "30", "123", "05602"]):
        fields.nth(index).fill(value)
    page.click("#pay-button")
    page.wait_for_url("**/done/")
    screenshot(page, "buyer-paid")
    order = Order.objects.get(buyer=buyer)
    assert order.status == Order.Status.PAID and order.preorder_ships_by == ships_by

    seller_page.goto(f"{base}/sell/")
    assert "pre-order" in seller_page.inner_text("main").lower()
    seller_page.goto(f"{base}/sell/listings/{listing.pk}/harvest/")
    main = seller_page.inner_text("main")
    assert "Robin Buyer" in main and "$75.00" in main
    screenshot(seller_page, "seller-harvest")
    new_date = ships_by + datetime.timedelta(days=10)
    seller_page.fill("#ships_by", new_date.isoformat())
    seller_page.click("button:has-text('Move the ship date')")
    assert "The ship date is moved" in seller_page.inner_text(".messages")
    screenshot(seller_page, "seller-date-moved")

    page.goto(f"{base}/orders/{order.pk}/")
    assert "The seller moved the ship date" in page.inner_text("main")
    screenshot(page, "buyer-told")
    page.click("a.button:has-text('Cancel for a full refund')")
    page.wait_for_url(f"**/orders/{order.pk}/cancel-after-move/")
    assert "You get $75.00 back" in page.inner_text("main")
    screenshot(page, "buyer-cancel-step")
    page.click("button:has-text('Cancel and refund me $75.00')")
    assert "refunded in full" in page.inner_text(".messages")
    screenshot(page, "buyer-cancelled")
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert escrow_summary_or_none(reference=order.reference).refunded_cents == 7500
    seller_context.close()
    context.close()
