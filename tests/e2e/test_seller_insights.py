"""A seller reads their insights on a phone (390×844) and a laptop (1280×800): the summary in
words, charts that fit the screen, the numbers behind "Show the numbers", a CSV download, and a
sentence instead of a chart for an empty period. axe-core checks every page at both sizes."""

from datetime import timedelta

import pytest
from django.utils import timezone

from insights.models import ListingDay, ShopDay
from insights.services.summaries import today
from tests.browser import LAPTOP, PHONE, log_in
from tests.factories import ListingFactory, ShopFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def figures_for(shop, days: int) -> None:
    """`days` days of plausible figures: busier lately, weekends busiest."""
    honey = ListingFactory(shop=shop, title="Raw Wildflower Honey")
    quilt = ListingFactory(shop=shop, title="Log Cabin Quilt", price_cents=48000)
    shop_rows, listing_rows = [], []
    for back in range(days):
        day = today() - timedelta(days=back)
        orders = (3 if day.weekday() >= 5 else 1) + (days - back) // 30
        shop_rows.append(ShopDay(shop=shop, day=day, orders_paid=orders, units=orders + 1,
                                 sales_cents=orders * 2650, released_cents=orders * 2400,
                                 views=orders * 18 + back % 7))
        listing_rows.append(ListingDay(listing=honey, shop=shop, day=day, orders_paid=orders,
                                       units=orders + 1, sales_cents=(orders + 1) * 1200,
                                       views=orders * 15))
        if back % 20 == 0:
            listing_rows.append(ListingDay(listing=quilt, shop=shop, day=day, orders_paid=1,
                                           units=1, sales_cents=48000, views=40))
    ShopDay.objects.bulk_create(shop_rows)
    ListingDay.objects.bulk_create(listing_rows)


def test_a_seller_reads_their_insights_on_a_phone_and_a_laptop(live_server, browser,
                                                                 screenshot):
    shop = ShopFactory(name="Driftless Bee Farm", created=timezone.now() - timedelta(days=400))
    figures_for(shop, 120)
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        base = live_server.url
        log_in(page, base, shop.owner.email, then="/sell/")
        page.click("text=Insights: sales, views and best sellers")
        page.wait_for_url(f"{base}/sell/insights/")
        summary = page.inner_text("#summary")
        assert summary.startswith("Sales in the week of ")
        assert "“Raw Wildflower Honey” sells best" in summary
        charts = page.locator("svg.chart-svg")
        assert charts.count() == 4
        for index in range(4):
            box = charts.nth(index).bounding_box()
            assert box["width"] <= PHONE["width"] and box["width"] > 300
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "1-phone")

        numbers = page.locator("details.chart-numbers").first
        assert not numbers.locator("table").is_visible()
        numbers.locator("summary").click()
        assert numbers.locator("tbody tr").count() == 12
        screenshot(page, "2-phone-numbers")

        with page.expect_download() as download:
            page.click("text=Download “Sales and money released to you per week” as CSV")
        csv_text = open(download.value.path(), newline="").read()
        assert csv_text.startswith("Week of,Sales (USD),Released to you (USD)\r\n")

        page.set_viewport_size(LAPTOP)
        page.select_option("#period-interval", "month")
        page.fill("#period-from", str(today() - timedelta(days=364)))
        page.click("button:has-text('Show')")
        page.wait_for_url(f"{base}/sell/insights/?**interval=month**")
        assert page.locator("svg.chart-svg").count() == 4
        assert page.locator("#best-sellers tbody tr").count() == 2
        screenshot(page, "3-laptop-months")

        # A period before anything was sold: sentences, not broken pictures.
        quiet = today() - timedelta(days=300)
        page.goto(f"{base}/sell/insights/?from={quiet - timedelta(days=30)}&to={quiet}")
        assert page.locator("svg.chart-svg").count() == 0
        assert page.inner_text("#summary") == "No sales in this period."
        assert page.locator("p.chart-empty").count() >= 4
        screenshot(page, "4-laptop-empty")
        page.set_viewport_size(PHONE)
        screenshot(page, "5-phone-empty")
    finally:
        context.close()
