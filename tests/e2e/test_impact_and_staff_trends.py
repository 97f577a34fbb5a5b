"""The village page, /impact/ and the staff trends drawn as charts, on a phone and a laptop:
the charts fit the screen, the numbers open under "Show the numbers", axe finds nothing."""

import datetime

import pytest
from django.utils import timezone

from insights.services import staff_days_rebuild, summaries_rebuild
from insights.services.summaries import day_zone
from insights.services.summaries import today as home_today
from marketplace.demo_history import demo_clock
from moderation.services.listings import report_resolve
from tests import builders
from tests.browser import LAPTOP, PHONE
from tests.factories import ListingFactory, ShopFactory, VillageFactory
from tests.staff import staff_browser_login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _days_ago(days: int, hour: int = 12) -> datetime.datetime:
    day = home_today() - datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=day_zone())


def _history(moderator):
    """Six months of a honey farm's orders in Decorah, and a report staff dismissed."""
    village = VillageFactory(name="Decorah", county="Winneshiek", state="IA", slug="decorah-ia")
    with demo_clock(_days_ago(200)):
        shop = ShopFactory(name="Driftless Bee Farm", village=village,
                           verified_at=timezone.now())
        listing = ListingFactory(shop=shop, title="Raw wildflower honey", price_cents=1200,
                                 shipping_cents=650, stock=99)
    for month in range(6):
        for order_number in range(1 + month):
            with demo_clock(_days_ago(175 - month * 30 - order_number)):
                builders.completed_order(listing=listing, quantity=1 + order_number % 2)
    with demo_clock(_days_ago(30)):
        ListingFactory(shop=shop, title="Creamed basswood honey")
    with demo_clock(_days_ago(20, 9)):
        report = builders.report(listing=listing)
    with demo_clock(_days_ago(20, 15)):
        report_resolve(report_id=report.pk, actor=moderator, action="dismiss", note="Fine.")
    with demo_clock(_days_ago(4, 9)):
        builders.report(listing=listing)  # still open: the queue's age grows
    summaries_rebuild()
    staff_days_rebuild()
    return village


def _fits(page) -> None:
    """No chart is wider than the screen: the page never scrolls sideways."""
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0


def test_impact_and_staff_trends_as_charts_on_a_phone_and_a_laptop(
    live_server, browser, screenshot
):
    moderator = builders.moderator(display_name="Morgan")
    _history(moderator)
    for name, viewport in (("phone", PHONE), ("laptop", LAPTOP)):
        context = browser.new_context(viewport=viewport, device_scale_factor=1)
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            page.goto(f"{live_server.url}/villages/decorah-ia/")
            charts = page.locator("figure.chart")
            assert charts.count() == 2
            assert "Orders completed and shops open in Decorah" in charts.nth(0).inner_text()
            page.locator("figure.chart >> nth=1 >> summary").click()
            assert "Paid to sellers" in charts.nth(1).locator("table").inner_text()
            _fits(page)
            screenshot(page, f"village-{name}")

            page.goto(f"{live_server.url}/impact/")
            assert page.locator("figure.chart svg.chart-svg").count() == 2
            _fits(page)
            screenshot(page, f"impact-{name}")

            staff_browser_login(page, live_server.url, moderator, "/staff/")
            trends = page.locator("#staff-trends")
            assert "Trends over the last 90 days" in trends.inner_text()
            assert trends.locator("svg.chart-svg").count() == 4
            trends.locator("figure.chart >> nth=2 >> summary").click()
            assert "Hours to first action" in trends.locator("figure.chart >> nth=2").inner_text()
            _fits(page)
            screenshot(page, f"staff-{name}")
        finally:
            context.close()
