"""On a phone (390×844): a seller whose listing a rights notice took down reads the notice,
answers it with a counter-notice (a missing consent is shown, then sent), sees the deadline the
owner has; ten business days later the listing is back. The public transparency report shows
the chart and its numbers. axe-core checks every page visited (tests/browser.py AxeWatch)."""

import pytest

from brands.models import Notice
from brands.services.counter_notices import counter_notices_restore_due
from sellers.models import Listing
from tests.brands.answers_support import notice_make, owner_make
from tests.browser import log_in
from tests.factories import ListingFactory, ShopFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_seller_answers_a_notice_on_a_phone(live_server, phone_page, screenshot, clock):
    seller = UserFactory(display_name="Sam Seller", email="sam.knits@example.test")
    shop = ShopFactory(owner=seller, name="Hilltop Knits")
    listing = ListingFactory(shop=shop, title="Hand-knit wool hat")
    notice = notice_make(owner_make(name="Acme Quilts Inc."), [listing])
    page, base = phone_page, live_server.url

    log_in(page, base, seller.email, then=f"/sell/notices/{notice.pk}/")
    assert page.get_by_role("heading", name=f"Notice #{notice.pk}").is_visible()
    screenshot(page, "1-notice")
    page.get_by_role("link", name="Answer with a counter-notice").click()
    page.wait_for_url(f"{base}/sell/notices/{notice.pk}/answer/")
    screenshot(page, "2-form")

    page.get_by_label("Why the listings do not infringe").fill(
        "I knit these hats myself from my own pattern; they carry no brand.")
    page.get_by_label("Evidence (optional)").fill("Photos of my pattern notebook, dated 2019.")
    page.get_by_label("Your full name, as your signature").fill("Sam Seller")
    page.get_by_role("button", name="Send counter-notice").click()
    assert page.get_by_text("needs your consent").is_visible()  # the box was not ticked
    screenshot(page, "3-consent-missing")

    page.get_by_label("I consent to the jurisdiction").check()
    page.get_by_role("button", name="Send counter-notice").click()
    page.wait_for_url(f"{base}/sell/notices/{notice.pk}/answer/")
    assert page.get_by_text("Your counter-notice is sent").is_visible()
    assert page.get_by_text("go back on sale automatically").is_visible()
    screenshot(page, "4-sent")

    clock.move(days=15)
    assert counter_notices_restore_due() == 1
    listing.refresh_from_db()
    assert listing.status == Listing.Status.ACTIVE
    log_in(page, base, seller.email, then=f"/sell/notices/{notice.pk}/answer/")  # 15 days on
    assert page.get_by_text(Notice.Status.RESTORED.label).first.is_visible()
    screenshot(page, "5-restored")

    page.goto(f"{base}/transparency/")
    assert page.get_by_role("heading", name="Transparency report").is_visible()
    assert page.locator("figure.chart svg").is_visible()
    screenshot(page, "6-transparency")
    page.get_by_text("Show the numbers").click()
    assert page.get_by_role("cell", name="1").first.is_visible()
    screenshot(page, "7-transparency-numbers")
