"""On a 360 px phone: the header's links sit on one line, tables turn into cards, nothing is
wider than the screen; the same pages at 390×844 are screenshotted (and axe-checked)."""

import pytest
from rest_framework.test import APIClient

from tests.browser import PHONE
from tests.checkout_http import paid_orders
from tests.factories import DEFAULT_PASSWORD, ListingFactory, ShopFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SMALL_PHONE = {"width": 360, "height": 740}


def _log_in(page, base, user):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_email", user.email)
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.click("button:has-text('Log in')")
    page.wait_for_url(f"{base}/")


def _one_line(page, selector: str) -> bool:
    """Every element matched starts on the same line, and none is broken over two lines."""
    return page.evaluate("""(selector) => {
        const items = [...document.querySelectorAll(selector)]
            .filter(el => el.offsetParent !== null);
        const tops = items.map(el => el.getBoundingClientRect().top);
        return items.length > 0 && Math.max(...tops) - Math.min(...tops) < 6
            && items.every(el => el.getClientRects().length === 1);
    }""", selector)


def test_a_seller_on_a_small_phone(live_server, browser, screenshot, localstripe):
    shop = ShopFactory(name="Driftless Bee Farm")
    seller = shop.owner
    honey = ListingFactory(shop=shop, title="Raw Wildflower Honey", price_cents=1200, stock=9)
    other = ListingFactory(title="Log Cabin Quilt", price_cents=48000, stock=2)
    buyer_api = APIClient()
    buyer_api.force_authenticate(UserFactory())
    (order,) = paid_orders(buyer_api, [honey], [2])
    seller_api = APIClient()
    seller_api.force_authenticate(seller)
    seller_api.post("/api/v1/cart/items/", {"listing": other.pk, "quantity": 2}, format="json")
    assert seller_api.post(f"/api/v1/orders/{order.pk}/ship",
                           {"carrier": "USPS", "tracking_number": "9400111899223817"},
                           format="json").status_code == 200

    context = browser.new_context(viewport=SMALL_PHONE, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        base = live_server.url
        _log_in(page, base, seller)
        shown = page.evaluate("""() => [...document.querySelectorAll('.account a[data-short]')]
            .map(a => getComputedStyle(a, '::after').content)""")
        assert shown == ['"Purchases"', '"Shop orders"', '"Shop"']  # the phone's short words
        assert page.get_attribute(".account .cart-link", "aria-label") == "Cart, 2 items"
        assert _one_line(page, ".site-header .account > a")
        assert page.evaluate("""() => {
            const out = document.querySelector('.site-header .session button');
            const brand = document.querySelector('.site-header .brand').getBoundingClientRect();
            const box = out.getBoundingClientRect();
            return out.getClientRects().length === 1 && box.top < brand.bottom
                && box.bottom > brand.top;
        }""")  # "Log out" in one piece, on the brand's line
        assert page.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"]

        page.goto(f"{base}/sell/balance/")
        cells = page.locator("table.statement tbody tr").first.locator("td")
        label = page.evaluate(
            "el => getComputedStyle(el, '::before').content", cells.nth(1).element_handle())
        assert label == '"Held"'  # each cell names its column once the table is a card
        # The column heads stay for screen readers, out of sight.
        assert page.locator("table.statement thead").bounding_box()["width"] <= 1
        assert page.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"]

        page.goto(f"{base}/listings/{honey.pk}/")
        assert page.is_visible("a:has-text('Edit')")
        assert page.locator("text=Add to cart").count() == 0
        assert page.locator("text=Report this listing").count() == 0

        page.set_viewport_size(PHONE)
        for path, step in (("/", "home-signed-in"), ("/sell/balance/", "balance"),
                           (f"/sell/orders/{order.pk}/", "shop-order"),
                           ("/sell/orders/", "shop-orders"),
                           (f"/listings/{honey.pk}/", "own-listing"), ("/impact/", "impact")):
            page.goto(base + path)
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
            screenshot(page, step)
        page.goto(f"{base}/sell/orders/{order.pk}/")
        assert page.get_attribute("a:has-text('9400111899223817')", "href") == (
            "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111899223817")
    finally:
        context.close()
