"""Issue 14.5 in the browser, on a phone: a buyer reaches the pay page, goes back (the browser's
Back, then the page's "Change"), switches from pickup to shipping and pays; the next time the
address is offered, and the pay page works with JavaScript off. axe-core checks every page."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from orders.models import CartItem, Checkout, Order, SavedAddress
from sellers.models import Listing
from tests.browser import PHONE, log_in
from tests.factories import ListingFactory, ShopFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def looked_at(page, screenshot, step: str) -> None:
    """Screenshot the page; fail on a serious or critical axe violation, list moderate ones."""
    assert screenshot(page, step).stat().st_size > 0
    results = Axe().run(page)
    violations = results.response["violations"]
    grave = [v["id"] for v in violations if v["impact"] in {"serious", "critical"}]
    assert grave == [], f"{step}: {results.generate_report()}"
    moderate = [v["id"] for v in violations if v["impact"] == "moderate"]
    if moderate:
        print(f"axe moderate on {step}: {moderate}")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], step


def test_buyer_goes_back_from_the_pay_page_changes_to_shipping_and_pays(
    live_server, browser, screenshot, localstripe
):
    base = live_server.url
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    honey = ListingFactory(shop=ShopFactory(name="Driftless Bee Farm"),
                           title="Raw Wildflower Honey", price_cents=1200, shipping_cents=650,
                           stock=5, local_pickup=True)
    jam = ListingFactory(shop=ShopFactory(name="Amana Jam Kitchen"), title="Rhubarb Jam",
                         price_cents=900, shipping_cents=500, stock=4, local_pickup=True)
    buyer = UserFactory(display_name="Dana Buyer")
    log_in(page, base, buyer.email)
    for listing, quantity in ((honey, "3"), (jam, "1")):
        page.goto(f"{base}/listings/{listing.pk}/")
        page.fill("#qty", quantity)
        page.click("form.buy button[type=submit]")
        page.wait_for_url(f"{base}/cart/")
    assert "4 items: $45.00" in page.inner_text(".cart-summary")
    looked_at(page, screenshot, "cart")

    # Pickup first.
    page.click("text=Check out")
    page.wait_for_url(f"{base}/checkout/")
    page.check("input[name=fulfillment][value=pickup]")
    looked_at(page, screenshot, "form-pickup")
    page.click("button:has-text('Continue to payment')")
    page.wait_for_url("**/pay/")
    first = Checkout.objects.get(buyer=buyer)
    assert "Pay $45.00" in page.inner_text("h1")
    assert "Raw Wildflower Honey" not in page.inner_text("main")  # orders, not lines
    assert "Driftless Bee Farm: $36.00 (3 items, local pickup)" in page.inner_text("main")
    assert Listing.objects.get(pk=honey.pk).stock == 2
    page.locator("#card-element input").first.wait_for()  # Stripe.js drew its card form
    assert page.locator("#test-card").count() == 0  # and the no-JavaScript choice is gone
    looked_at(page, screenshot, "pay-pickup")

    # The browser's Back: the form again, the checkout named, the choice kept.
    page.go_back()
    page.wait_for_url(f"{base}/checkout/")
    assert "Return to payment" in page.inner_text(".message")
    assert page.is_checked("input[name=fulfillment][value=pickup]")
    looked_at(page, screenshot, "back-to-form")
    page.click("a:has-text('Change your cart')")
    page.wait_for_url(f"{base}/cart/")
    assert "Stop paying and change my cart" in page.inner_text(".message")
    assert "Sold out" not in page.inner_text("main")  # the buyer's own hold is theirs
    looked_at(page, screenshot, "cart-while-paying")
    page.click("a:has-text('Return to payment')")
    page.wait_for_url(f"**/checkout/{first.pk}/pay/")

    # The page's own "Change": the checkout is closed and its stock released.
    page.click("button:has-text('Change delivery or address')")
    page.wait_for_url(f"{base}/checkout/")
    assert "Nothing was charged" in page.inner_text(".messages")
    first.refresh_from_db()
    assert first.status == Checkout.Status.CANCELLED
    assert Listing.objects.get(pk=honey.pk).stock == 5
    assert list(CartItem.objects.filter(cart__user=buyer).order_by("listing_id")
                .values_list("listing_id", "quantity")) == [(honey.pk, 3), (jam.pk, 1)]

    page.check("input[name=fulfillment][value=ship]")
    page.fill("#id_name", "Dana Buyer")
    page.fill("#id_line1", "12 Water St")
    page.fill("#id_city", "Decorah")
    page.select_option("#id_state", "IA")
    page.fill("#id_postal_code", "5210")  # one digit short
    page.click("button:has-text('Continue to payment')")
    page.wait_for_url(f"{base}/checkout/")
    assert "Use a 5-digit ZIP code" in page.inner_text(".checkout-form")
    assert page.input_value("#id_line1") == "12 Water St"  # what was typed is kept
    assert page.is_checked("#id_save_address")
    looked_at(page, screenshot, "form-bad-zip")
    page.fill("#id_postal_code", "52101")
    page.click("button:has-text('Continue to payment')")
    page.wait_for_url("**/pay/")
    assert "(3 items, shipped)" in page.inner_text("main")
    assert "Ship to Dana Buyer, 12 Water St, Decorah, IA 52101" in page.inner_text("main")
    fields = page.locator("#card-element input")
    fields.first.wait_for()
    for index, value in enumerate(["4242424242424242", "12", "30", "123", "52101"]):
        fields.nth(index).fill(value)
    looked_at(page, screenshot, "pay-shipped")
    page.click("#pay-button")
    page.wait_for_url("**/done/")
    looked_at(page, screenshot, "paid")
    second = Checkout.objects.exclude(pk=first.pk).get(buyer=buyer)
    assert (second.status, second.fulfillment, second.amount_cents) == ("paid", "ship", 5650)
    assert set(Order.objects.filter(checkout=second).values_list("status", flat=True)) == {
        "paid"}
    assert not CartItem.objects.filter(cart__user=buyer).exists()
    assert Listing.objects.get(pk=honey.pk).stock == 2
    assert [a.one_line for a in SavedAddress.objects.filter(user=buyer)] == [
        "Dana Buyer, 12 Water St, Decorah, IA 52101"]
    context.close()

    # Next time, with JavaScript off: the saved address is a choice, and the pay page shows
    # the form that works (no empty card box).
    plain = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = plain.new_page()
    page.set_default_timeout(15_000)
    log_in(page, base, buyer.email)
    page.goto(f"{base}/listings/{jam.pk}/")
    page.click("form.buy button[type=submit]")
    page.wait_for_url(f"{base}/cart/")
    page.click("text=Check out")
    page.wait_for_url(f"{base}/checkout/")
    saved = SavedAddress.objects.get(user=buyer)
    assert page.is_checked(f"input[name=saved_address][value='{saved.pk}']")
    screenshot(page, "saved-address-no-js")
    page.click("button:has-text('Continue to payment')")
    page.wait_for_url("**/pay/")
    assert not page.locator("#card-field").is_visible()
    assert page.locator("#test-card").is_visible()
    screenshot(page, "pay-no-js")
    page.click("#pay-button")
    page.wait_for_url("**/done/")
    third = Checkout.objects.filter(buyer=buyer).order_by("-pk").first()
    assert third.status == "paid" and third.shipping_address["line1"] == "12 Water St"
    plain.close()
