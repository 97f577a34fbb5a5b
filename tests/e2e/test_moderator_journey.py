"""A moderator clears the queues from /staff/ in a browser: phone first, then a laptop."""

import pytest
from rest_framework.test import APIClient

from moderation.models import AuditLog, Report
from orders.models import Order
from payments.selectors import escrow_summary
from sellers.models import Listing, Shop
from tests import builders
from tests.browser import LAPTOP
from tests.checkout_http import paid_orders
from tests.factories import ListingFactory, ShopFactory, UserFactory
from tests.staff import staff_browser_login
from tests.support import dispute_opened_hours_ago

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, user, then: str):
    staff_browser_login(page, live_server.url, user, then)


def _disputed_order(shop):
    listing = ListingFactory(shop=shop, title="Walnut cutting board", price_cents=4000,
                             shipping_cents=800, stock=3)
    buyer_api = APIClient()
    buyer_api.force_authenticate(UserFactory(display_name="Dana Buyer"))
    (order,) = paid_orders(buyer_api, [listing])  # 4800 held
    buyer_api.post(f"/api/v1/orders/{order.pk}/dispute",
                   {"reason": "damaged", "details": "Split down the middle."}, format="json")
    buyer_api.post(f"/api/v1/disputes/{order.pk}/statements",
                   {"text": "It arrived in two pieces."})
    dispute_opened_hours_ago(order, 49)
    return order


def test_moderator_approves_takes_down_from_report_and_partly_refunds(
    live_server, browser, phone_page, screenshot, localstripe
):
    moderator = builders.moderator(display_name="Morgan")
    shop = ShopFactory(name="Ozark Woodworks")
    held = ListingFactory(shop=shop, title="Cedar birdhouse", status="pending_review",
                          review_reason="A new shop's first 3 listings are checked by hand.")
    fake = ListingFactory(shop=shop, title="Designer sunglasses", price_cents=900)
    Report.objects.create(listing=fake, reporter=UserFactory(), reason="counterfeit",
                          details="Logo misspelled.")
    order = _disputed_order(shop)
    page = phone_page

    _log_in(page, live_server, moderator, "/staff/")
    assert "1 listings to review" in " ".join(page.inner_text("main").split())
    screenshot(page, "dashboard-phone")

    page.click("nav.staff-nav >> text=Listings")
    page.wait_for_url("**/staff/listings/")
    assert "A new shop's first 3 listings" in page.inner_text(f"#listing-{held.pk}")
    screenshot(page, "listing-queue-phone")
    page.click(f"#listing-{held.pk} button:has-text('Approve')")
    page.wait_for_url("**/staff/listings/")
    assert f"Listing #{held.pk} approved." in page.inner_text(".messages")

    page.click("nav.staff-nav >> text=Reports")
    page.wait_for_url("**/staff/reports/")
    assert "Logo misspelled." in page.inner_text("main")
    page.fill("input[name=note]", "Counterfeit brand goods.")
    page.click("button:has-text('Take down')")
    page.wait_for_url("**/staff/reports/")
    assert "Listing taken down." in page.inner_text(".messages")
    screenshot(page, "reports-done-phone")

    laptop = browser.new_context(viewport=LAPTOP)
    desk = laptop.new_page()
    desk.set_default_timeout(15_000)
    try:
        _log_in(desk, live_server, moderator, "/staff/disputes/")
        desk.click(f"text=#{order.pk}")
        desk.wait_for_url(f"**/staff/disputes/{order.pk}/")
        assert "It arrived in two pieces." in desk.inner_text("main")
        assert "$48.00 still in escrow" in desk.inner_text("main")
        screenshot(desk, "dispute-laptop")
        desk.check("input[name=outcome][value=partial_refund]")
        desk.fill("#id_refund", "15.00")
        desk.fill("#id_note", "Partial refund for the crack.")
        desk.click("button:has-text('Resolve dispute')")
        desk.wait_for_url(f"**/staff/disputes/{order.pk}/resolve/")
        step = " ".join(desk.inner_text("main").split())
        assert "Dana Buyer gets $15.00 back on their card." in step
        assert "Ozark Woodworks receives $31.35 (the other $33.00, less the $1.65" in step
        assert Order.objects.get(pk=order.pk).status == "disputed"  # nothing moved yet
        desk.click("button:has-text('Confirm decision')")
        desk.wait_for_url(f"**/staff/disputes/{order.pk}/")
        assert "Dispute resolved." in desk.inner_text(".messages")
        screenshot(desk, "dispute-resolved-laptop")

        # Repeated counterfeit reports: the whole shop is suspended.
        desk.goto(f"{live_server.url}/staff/shops/?status=active&q={shop.slug}")
        row = desk.locator(f"#shop-{shop.slug}")
        row.locator("input[name=reason]").fill("Counterfeit goods, reported again.")
        row.locator("button:has-text('Suspend')").click()
        desk.wait_for_load_state()
        screenshot(desk, "shop-suspended-laptop")
        assert desk.goto(f"{live_server.url}/shops/{shop.slug}/").status == 404
    finally:
        laptop.close()

    assert Listing.objects.get(pk=held.pk).status == "active"
    assert Listing.objects.get(pk=fake.pk).status == "taken_down"
    assert Order.objects.get(pk=order.pk).status == "completed"
    summary = escrow_summary(reference=order.reference)
    assert (summary.refunded_cents, summary.released_cents) == (1500, 3300)
    assert list(AuditLog.objects.order_by("id").values_list("action", flat=True)) == [
        "listing_approved", "listing_taken_down", "dispute_resolved", "shop_suspended"]
    assert Shop.objects.get(pk=shop.pk).status == "suspended"
