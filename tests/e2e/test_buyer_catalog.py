"""A buyer on a phone searches, filters by state and price, opens a listing, visits its village.

Run once with JavaScript on and once with it off: the catalog needs none.
"""

import pytest
from PIL import Image

from sellers.images import listing_image_store
from tests.browser import PHONE
from tests.factories import CategoryFactory, ListingFactory, ShopFactory, VillageFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def catalog(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    food = CategoryFactory(name="Food", slug="food")
    honey = CategoryFactory(name="Honey", slug="honey", parent=food)
    kalona = VillageFactory(name="Kalona", county="Washington", state="IA", slug="kalona-ia")
    berea = VillageFactory(name="Berea", county="Madison", state="KY", slug="berea-ky")
    iowa_shop = ShopFactory(name="Prairie Bees", slug="prairie-bees", village=kalona)
    ky_shop = ShopFactory(name="Hillside Apiary", slug="hillside-apiary", village=berea)
    cheap = ListingFactory(title="Clover honey, 1 lb jar", price_cents=1200, category=honey,
                           shop=iowa_shop, stock=7, shipping_cents=650, local_pickup=True,
                           description="Raw clover honey from Kalona.")
    ListingFactory(title="Creamed honey gift box", price_cents=4800, category=honey,
                   shop=iowa_shop)
    ListingFactory(title="Sourwood honey", price_cents=1500, category=honey, shop=ky_shop)
    listing_image_store(listing=cheap, image=Image.new("RGB", (800, 600), (230, 170, 30)),
                        position=0)
    return cheap


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_buyer_searches_filters_opens_listing_and_village(
    live_server, browser, screenshot, catalog, javascript
):
    context = browser.new_context(viewport=PHONE, device_scale_factor=1,
                                  java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(live_server.url + "/")
        page.fill("#site-search", "honey")
        page.click(".site-header .search button")
        page.wait_for_url("**/search/?q=honey")
        cards = page.locator(".card .title")
        assert sorted(cards.all_inner_texts()) == [
            "Clover honey, 1 lb jar", "Creamed honey gift box", "Sourwood honey",
        ]

        page.click("summary:has-text('Filters and sort')")
        page.select_option("#f-state", "IA")
        page.fill("#f-max", "20")
        page.click("button:has-text('Show results')")
        page.wait_for_url("**state=IA**")
        assert cards.all_inner_texts() == ["Clover honey, 1 lb jar"]
        assert page.locator("#f-state").input_value() == "IA"
        if not javascript:
            screenshot(page, "search-filtered")
        # Nothing on the page wider than the phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        page.click("text=Clover honey, 1 lb jar")
        page.wait_for_url(f"**/listings/{catalog.id}/")
        main = page.inner_text("main")
        for text in ("$12.00", "Shipping: $6.50", "Local pickup: yes, in Kalona", "In stock: 7",
                     "Prairie Bees", "Report this listing"):
            assert text in main, text
        cover = page.locator("img.cover")
        assert cover.get_attribute("width") == "800" and cover.get_attribute("height") == "600"
        assert page.evaluate("document.querySelector('img.cover').naturalWidth") in (0, 800)
        assert page.locator("form.buy button").inner_text() == "Add to cart"
        if not javascript:
            screenshot(page, "listing")

        page.click("a:has-text('Kalona, Washington County, IA')")
        page.wait_for_url("**/villages/kalona-ia/")
        assert page.inner_text("h1") == "Kalona, IA"
        village_text = page.inner_text("main")
        assert "Prairie Bees" in village_text and "Hillside Apiary" not in village_text
        assert sorted(cards.all_inner_texts()) == ["Clover honey, 1 lb jar",
                                                   "Creamed honey gift box"]
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        if not javascript:
            screenshot(page, "village")
    finally:
        context.close()


def test_a_mistyped_search_says_what_it_searched_for(live_server, phone_page, screenshot,
                                                      catalog):
    from axe_playwright_python.sync_playwright import Axe

    from sellers.services import search_vocabulary_rebuild

    search_vocabulary_rebuild()
    page = phone_page
    page.goto(live_server.url + "/")
    page.fill("#site-search", "hony")
    page.click(".site-header .search button")
    page.wait_for_url("**/search/?q=hony")
    notice = page.locator(".corrected")
    assert notice.inner_text() == "Showing results for honey — search instead for hony"
    assert page.inner_text(".result-count") == "3 results"
    assert len(page.locator(".card .title").all_inner_texts()) == 3
    results = Axe().run(page)
    serious = [v for v in results.response["violations"]
               if v.get("impact") in ("serious", "critical")]
    assert serious == [], results.generate_report()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert screenshot(page, "corrected-query").stat().st_size > 0

    page.click("text=search instead for hony")
    page.wait_for_url("**exact=true")
    assert page.locator(".corrected").count() == 0
    assert "Nothing matches “hony”" in page.inner_text("main")
