import pytest

from orders.models import Order
from payments.models import Payout
from payments.selectors import shop_balance
from payments.services.payouts import payout_mark_paid, payouts_run
from tests.browser import LAPTOP, PHONE, log_in
from tests.factories import ListingFactory, ShopFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_buyer_searches_pays_two_shops_confirms_one_disputes_the_other_seller_is_paid_out(
    live_server, browser, screenshot, localstripe, viewport
):
    base = live_server.url
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(15_000)
    honey = ListingFactory(shop=ShopFactory(name="Driftless Bee Farm"),
                           title="Raw Wildflower Honey", price_cents=1200, shipping_cents=650)
    quilt = ListingFactory(shop=ShopFactory(name="Berea Loom House"),
                           title="Baby Quilt, nine-patch", price_cents=14500,
                           shipping_cents=1200)
    buyer = UserFactory(display_name="Dana Buyer")
    log_in(page, base, buyer.email)
    for listing, words in ((honey, "wildflower honey"), (quilt, "nine-patch quilt")):
        page.fill("#site-search", words)
        page.press("#site-search", "Enter")
        page.wait_for_url("**/search/**")
        page.click(f"a[href='/listings/{listing.pk}/']")
        page.wait_for_url(f"**/listings/{listing.pk}/")
        page.click("form.buy button[type=submit]")
        page.wait_for_url(f"{base}/cart/")
    assert "Total: $175.50" in page.inner_text(".cart-summary")
    screenshot(page, "cart")

    page.click("text=Check out")
    page.fill("#id_name", "Dana Buyer")
    page.fill("#id_line1", "12 Water St")
    page.fill("#id_city", "Decorah")
    page.select_option("#id_state", "IA")
    page.fill("#id_postal_code", "52101")
    page.click("button:has-text('Continue to payment')")
    page.wait_for_url("**/pay/")
    # localstripe's stand-in Stripe.js draws the card form: number, month, year, CVC, ZIP.
    fields = page.locator("#card-element input")
    fields.first.wait_for()
    for index, value in enumerate(["4242424242424242", "12", "30", "123", "52101"]):
        fields.nth(index).fill(value)
    screenshot(page, "pay")
    page.click("#pay-button")
    page.wait_for_url("**/done/")
    assert "your payment is in escrow" in page.inner_text("h1")
    screenshot(page, "paid")

    page.goto(f"{base}/orders/")
    assert page.locator(".order-card").count() == 2
    orders = {o.shop_id: o for o in Order.objects.filter(buyer=buyer)}
    assert {o.status for o in orders.values()} == {"paid"}
    quilt_order = orders[quilt.shop_id]

    seller_context = browser.new_context(viewport=viewport)
    seller_page = seller_context.new_page()
    seller_page.set_default_timeout(15_000)
    log_in(seller_page, base, quilt.shop.owner.email)
    seller_page.goto(f"{base}/sell/orders/{quilt_order.pk}/")
    seller_page.fill("#id_carrier", "USPS")
    seller_page.fill("#id_tracking_number", "9400111899223817")
    seller_page.click("button:has-text('Mark as shipped')")
    assert "Marked as shipped" in seller_page.inner_text(".messages")
    screenshot(seller_page, "seller-shipped")

    page.goto(f"{base}/orders/{quilt_order.pk}/")
    assert "9400111899223817" in page.inner_text("main")
    page.click("text=I received my order")
    page.wait_for_url(f"**/orders/{quilt_order.pk}/confirm/")
    assert "Berea Loom House will be paid the $157.00" in page.inner_text("main")
    page.click("button:has-text('Yes, release'):has-text('to Berea Loom House')")
    assert "The seller has been paid" in page.inner_text(".messages")
    screenshot(page, "confirmed")
    assert Order.objects.get(pk=quilt_order.pk).status == "completed"

    honey_order = orders[honey.shop_id]
    page.goto(f"{base}/orders/{honey_order.pk}/")
    page.click("summary:has-text('Open a dispute')")
    page.check("label:has-text('It never arrived')")
    page.fill("#id_details", "Nothing has arrived and the seller does not answer.")
    page.click("button:has-text('Open dispute')")
    assert "Dispute opened" in page.inner_text(".messages")
    screenshot(page, "disputed")
    assert Order.objects.get(pk=honey_order.pk).status == "disputed"

    # The daily payout job runs; staff pay the seller by bank transfer and mark it paid.
    payouts_run()
    payout_mark_paid(payout=Payout.objects.get(shop=quilt.shop), bank_reference="ACH 7731",
                     actor=UserFactory(is_staff=True))

    seller_page.goto(f"{base}/sell/balance/")
    paid_out = shop_balance(shop=quilt.shop).paid_out_cents
    assert paid_out == 15700 - (15700 * 500 + 5000) // 10000
    assert f"${paid_out // 100:,}.{paid_out % 100:02d}" in seller_page.inner_text("main")
    assert "ACH 7731" in seller_page.inner_text("main")
    screenshot(seller_page, "seller-paid-out")
    seller_context.close()
    context.close()
