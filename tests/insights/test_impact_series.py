"""Village impact month by month: the figures equal the orders built, the pages draw them with
their numbers and CSV, an empty village says so in a sentence, and the cost is fixed."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from insights.models import VillageDay
from insights.services import summaries_rebuild
from insights.services.summaries import day_zone
from insights.services.summaries import today as home_today
from marketplace.catalog.impact_series import impact_series
from marketplace.demo_history import demo_clock
from payments.selectors import escrow_summary
from tests import builders
from tests.factories import ListingFactory, ShopFactory, VillageFactory
from tests.support import cache_clear_own_keys

pytestmark = pytest.mark.django_db


def _caches_clear():
    """Redis (the figures these pages read are cached there) and the pages a process keeps."""
    cache.clear()
    cache_clear_own_keys()


@pytest.fixture(autouse=True)
def _fresh_cache():
    _caches_clear()
    yield
    _caches_clear()


def _month(moment) -> str:
    return moment.astimezone(day_zone()).strftime("%Y-%m")


def _months_ago(months: int) -> datetime.datetime:
    """Noon on the 15th, `months` calendar months back in the home time zone."""
    today = home_today()
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return datetime.datetime(year, month + 1, 15, 12, tzinfo=day_zone())


def _completed_at(moment, **paid):
    with demo_clock(moment):
        order = builders.completed_order(**paid)
    return order


def _to_seller(order) -> int:
    """What escrow released to the seller for `order`, after the platform fee."""
    summary = escrow_summary(reference=order.reference)
    return summary.released_cents - summary.fee_cents


def _village_with_history():
    """A village with one shop: two orders completed three months ago, one this month."""
    village = VillageFactory(name="Decorah", state="IA", slug="decorah-ia")
    with demo_clock(_months_ago(4)):
        shop = ShopFactory(village=village, verified_at=timezone.now())
    listing = ListingFactory(shop=shop, price_cents=2500, shipping_cents=500, stock=50)
    old = [_completed_at(_months_ago(3), listing=listing) for _ in range(2)]
    new = _completed_at(timezone.now() - datetime.timedelta(minutes=5), listing=listing,
                        quantity=2)
    summaries_rebuild()
    return village, shop, old, new


def test_series_are_the_orders_built_month_by_month(client):
    village, shop, old, new = _village_with_history()
    released_old = sum(_to_seller(order) for order in old)
    released_new = _to_seller(new)
    assert released_old > 0 and released_new > 0

    data = client.get("/api/v1/impact").json()
    months = data["series"]
    assert [m["month"] for m in months] == [_month(_months_ago(n)) for n in (3, 2, 1, 0)]
    assert months[0] == {"month": _month(_months_ago(3)), "active_shops": 1,
                         "orders_completed": 2, "sales_cents": 2 * 3000,
                         "paid_to_sellers_cents": released_old}
    for quiet in months[1:3]:  # nothing sold: zeros, the shop still open
        assert quiet == {**quiet, "active_shops": 1, "orders_completed": 0, "sales_cents": 0,
                         "paid_to_sellers_cents": 0}
    assert months[3] == {"month": _month(_months_ago(0)), "active_shops": 1,
                         "orders_completed": 1, "sales_cents": 2 * 2500 + 500,
                         "paid_to_sellers_cents": released_new}
    (row,) = data["villages"]
    assert row["slug"] == "decorah-ia" and row["series"] == months
    assert "village_id" not in row

    detail = client.get("/api/v1/villages/decorah-ia").json()
    assert detail["series"] == months
    assert detail["shops"][0]["slug"] == shop.slug


def test_the_village_page_and_impact_page_draw_the_series_with_numbers_and_csv(client):
    village, _, old, _ = _village_with_history()
    for url, place in (("/villages/decorah-ia/", "Decorah"), ("/impact/", "all villages")):
        page = client.get(url).content.decode()
        assert f"Orders completed and shops open in {place}, per month" in page
        assert f"Sales and money paid to sellers in {place}, per month" in page
        assert page.count('class="chart-svg"') == 2 and "Show the numbers" in page
        assert _months_ago(3).strftime("%b ’%y") in page
        assert "$60.00" in page  # two orders of $30.00 three months ago

    csv = client.get("/villages/decorah-ia/impact-money.csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert csv["Content-Disposition"] == 'attachment; filename="decorah-ia-impact-money.csv"'
    lines = csv.content.decode().splitlines()
    assert lines[0] == "Month,Sales (USD),Paid to sellers (USD)"
    assert lines[1].startswith(f"{_months_ago(3).strftime('%b ’%y')},60.00,")
    orders = client.get("/impact/orders.csv").content.decode().splitlines()
    assert orders[0] == "Month,Orders completed,Shops open"
    assert orders[1] == f"{_months_ago(3).strftime('%b ’%y')},2,1"


def test_unknown_chart_or_village_is_404(client):
    _village_with_history()
    assert client.get("/impact/nothing.csv").status_code == 404
    assert client.get("/villages/decorah-ia/impact-nothing.csv").status_code == 404
    assert client.get("/villages/nowhere-xx/impact-money.csv").status_code == 404


def test_a_village_with_nothing_sold_says_so_instead_of_a_chart(client):
    shop = ShopFactory(verified_at=timezone.now())
    ListingFactory(shop=shop)
    summaries_rebuild()
    page = client.get(f"/villages/{shop.village.slug}/").content.decode()
    assert f"Nothing has been sold from {shop.village.name} yet" in page
    assert "chart-svg" not in page
    impact = client.get("/impact/").content.decode()
    assert "Nothing has been sold here yet" in impact
    assert client.get("/api/v1/impact").json()["series"] == []
    assert impact_series() == {"total": [], "villages": {shop.village_id: []}}


def _village_days(village, *, months: int):
    """One VillageDay a day for `months` months, ending today (the summaries, laid directly)."""
    today = home_today()
    VillageDay.objects.bulk_create(
        VillageDay(village=village, day=today - datetime.timedelta(days=offset), active_shops=1,
                   orders_completed=1, sales_cents=1000, paid_to_sellers_cents=950)
        for offset in range(months * 30))


@pytest.mark.parametrize("url", ["/villages/{slug}/", "/impact/", "/api/v1/impact",
                                 "/api/v1/villages/{slug}", "/impact/money.csv"])
def test_pages_cost_the_same_queries_at_one_and_many_months(client, url):
    counts = []
    for months in (1, 24):
        VillageDay.objects.all().delete()
        shop = ShopFactory(verified_at=timezone.now())
        ListingFactory(shop=shop)
        _village_days(shop.village, months=months)
        _caches_clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url.format(slug=shop.village.slug))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
