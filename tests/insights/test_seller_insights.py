"""The seller insights page, its CSV downloads and GET /api/v1/seller/insights."""

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from insights.models import ListingDay, ShopDay
from insights.selectors import insights_period_parse
from insights.services.summaries import today
from insights.views import shop_first_day
from tests.factories import ListingFactory, ShopFactory, UserFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db


def days_of_figures(shop, days: int, *, honey=None, quilt=None):
    """`days` daily rows up to today: 2 orders (3 units, $45.00) and 40 views a day; the
    listings' rows say honey sold 2 units a day and the quilt 1."""
    honey = honey or ListingFactory(shop=shop, title="Wildflower honey")
    quilt = quilt or ListingFactory(shop=shop, title="Log cabin quilt")
    last = today()
    shop_rows, listing_rows = [], []
    for back in range(days):
        day = last - timedelta(days=back)
        shop_rows.append(ShopDay(shop=shop, day=day, orders_paid=2, units=3, sales_cents=4500,
                                 released_cents=4000, views=40))
        listing_rows += [
            ListingDay(listing=honey, shop=shop, day=day, orders_paid=1, units=2,
                       sales_cents=2400, views=30),
            ListingDay(listing=quilt, shop=shop, day=day, orders_paid=1, units=1,
                       sales_cents=2100, views=10),
        ]
    ShopDay.objects.bulk_create(shop_rows)
    ListingDay.objects.bulk_create(listing_rows)
    return honey, quilt


@pytest.fixture
def shop():
    return ShopFactory(name="Driftless Bee Farm",
                       created=timezone.now() - timedelta(days=3 * 365))


def seller_page(shop) -> Client:
    client = Client()
    client.force_login(shop.owner)
    return client


def test_the_page_shows_the_figures_in_words_pictures_and_tables(shop):
    days_of_figures(shop, 70)
    response = seller_page(shop).get("/sell/insights/?interval=week")
    assert response.status_code == 200
    html = response.content.decode()
    insights = response.context["insights"]
    assert len(insights.buckets) == 12
    # The same week as before: the newest week has fewer days only when it is not over.
    assert insights.summary.startswith("Sales in the week of ")
    assert "“Wildflower honey” sells best" in insights.summary
    assert html.count('class="chart-svg"') == 4  # orders, money, views, views that became orders
    assert html.count("<summary>Show the numbers</summary>") == 4
    assert 'role="img"' in html
    assert "/sell/insights/orders.csv?from=" in html
    assert "Log cabin quilt" in html and "Wildflower honey" in html


def test_a_month_view_sums_the_days_of_each_month(shop):
    days_of_figures(shop, 400)
    first = today().replace(day=1) - timedelta(days=1)
    start = first.replace(day=1)  # the whole of last month
    response = client_for(shop.owner).get(
        f"/api/v1/seller/insights?from={start}&to={first}&interval=month")
    assert response.status_code == 200
    body = response.json()
    days = (first - start).days + 1
    assert [(row["start"], row["orders"], row["units"], row["sales_cents"], row["views"])
            for row in body["series"]] == [(str(start), 2 * days, 3 * days, 4500 * days,
                                             40 * days)]
    assert body["series"][0]["conversion_percent"] == 5.0
    assert body["totals"]["released_cents"] == 4000 * days
    assert [row["title"] for row in body["best_sellers"]] == ["Wildflower honey",
                                                              "Log cabin quilt"]
    assert body["summary"].startswith(f"Sales from {start:%b %-d} to {first:%b %-d} come to $")
    assert (body["shop_id"], body["interval"], body["currency"]) == (shop.pk, "month", "USD")


def test_the_summary_compares_the_newest_period_with_the_one_before(shop):
    honey = ListingFactory(shop=shop, title="Creamed honey")
    monday = today() - timedelta(days=today().weekday() + 7)  # last week's Monday
    ShopDay.objects.bulk_create([
        ShopDay(shop=shop, day=monday - timedelta(days=7), orders_paid=1, units=1,
                sales_cents=10_000),
        ShopDay(shop=shop, day=monday, orders_paid=1, units=1, sales_cents=12_000),
    ])
    ListingDay.objects.create(listing=honey, shop=shop, day=monday, orders_paid=1, units=1,
                              sales_cents=1000)
    body = client_for(shop.owner).get(
        f"/api/v1/seller/insights?from={monday - timedelta(days=7)}"
        f"&to={monday + timedelta(days=6)}").json()
    assert body["summary"] == (f"Sales in the week of {monday:%b %-d} are up 20 % on the week "
                               "before; “Creamed honey” sells best (1 sold).")


def test_a_week_still_under_way_is_marked_and_left_out_of_the_comparison(shop):
    monday = today() - timedelta(days=today().weekday())
    ShopDay.objects.bulk_create([
        ShopDay(shop=shop, day=monday - timedelta(days=14), sales_cents=10_000),
        ShopDay(shop=shop, day=monday - timedelta(days=7), sales_cents=5_000),
        ShopDay(shop=shop, day=today(), sales_cents=100),
    ])
    body = client_for(shop.owner).get(
        f"/api/v1/seller/insights?from={monday - timedelta(days=16)}&to={today()}").json()
    labels = [row["label"] for row in body["series"]]
    assert labels[0].endswith(f" (from {monday - timedelta(days=16):%b %-d})")
    if today().weekday() < 6:  # on a Sunday the week is whole
        assert labels[-1] == f"{monday:%b %-d} (so far)"
        assert body["summary"] == (f"Sales in the week of {monday - timedelta(days=7):%b %-d} "
                                   "are down 50 % on the week before.")
    page = Client()
    page.force_login(shop.owner)
    html = page.get(f"/sell/insights/?from={monday - timedelta(days=16)}").content.decode()
    assert "(so far)</td>" in html or today().weekday() == 6


def test_repeat_buyers_come_from_the_orders(shop):
    from tests import builders

    listing = ListingFactory(shop=shop, stock=20)
    dana, lee = UserFactory(), UserFactory()
    for buyer in (dana, dana, lee):
        builders.paid_order(listing=listing, buyer=buyer)
    body = client_for(shop.owner).get("/api/v1/seller/insights").json()
    assert (body["buyers"], body["repeat_buyers"], body["repeat_share_percent"]) == (2, 1, 50.0)
    html = seller_page(shop).get("/sell/insights/").content.decode()
    assert "2 people bought from you in this period; 1 of them ordered more than once" in html


def test_an_empty_period_is_a_sentence_in_every_chart(shop):
    response = seller_page(shop).get("/sell/insights/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="chart-svg"' not in html
    assert "No sales in this period yet." in html
    assert "No orders in this period yet." in html
    assert "Nobody has looked at your listings in this period yet." in html
    assert "Nothing sold in this period yet." in html
    body = client_for(shop.owner).get("/api/v1/seller/insights").json()
    assert body["summary"] == "No sales in this period yet."
    assert body["best_sellers"] == [] and body["totals"]["orders"] == 0


def test_each_series_downloads_as_csv(shop):
    days_of_figures(shop, 14)
    client = seller_page(shop)
    start = today() - timedelta(days=6)
    query = f"?from={start}&to={today()}&interval=week"
    response = client.get(f"/sell/insights/money.csv{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="{shop.slug}-money-{start}')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Week of", "Sales (USD)", "Released to you (USD)"]
    assert sum(float(row[1]) for row in rows[1:]) == 7 * 45.0
    best = list(csv.reader(io.StringIO(client.get(f"/sell/insights/bestsellers.csv{query}")
                                       .content.decode())))
    assert best == [["Listing", "Units sold"], ["Wildflower honey", "14"],
                    ["Log cabin quilt", "7"]]
    for name in ("orders", "views", "conversion"):
        assert client.get(f"/sell/insights/{name}.csv{query}").status_code == 200
    assert client.get(f"/sell/insights/nothing.csv{query}").status_code == 404
    assert client.get("/sell/insights/orders.csv?interval=day").status_code == 400


@pytest.mark.parametrize(("query", "field", "words"), [
    ("interval=day", "interval", "There is no interval “day”. Use week or month."),
    ("from=2026-13-01", "from", "is not a date"),
    ("to=yesterday", "to", "is not a date"),
    ("from={today}&to={week_ago}", "from", "Swap the two dates."),
    ("from={six_years_ago}", "from", "at most 5 years long"),
    ("from={before_opening}", "from", "There are no figures before"),
    ("to={tomorrow}", "to", "There are no figures after today"),
])
def test_bad_periods_are_400_with_a_message(shop, query, field, words):
    query = query.format(today=today(), week_ago=today() - timedelta(days=7),
                         six_years_ago=today() - timedelta(days=6 * 365),
                         before_opening=today() - timedelta(days=4 * 365),
                         tomorrow=today() + timedelta(days=1))
    response = client_for(shop.owner).get(f"/api/v1/seller/insights?{query}")
    assert response.status_code == 400
    assert words in response.json()[field][0]
    page = seller_page(shop).get(f"/sell/insights/?{query}")
    assert page.status_code == 400
    assert words in page.content.decode()
    assert page.context["period"] == insights_period_parse(
        raw_from=None, raw_to=None, raw_interval=None,
        first_day=shop_first_day(shop))  # the default period is shown under the message


def test_a_seller_sees_only_their_own_shop(shop):
    other = ShopFactory()
    days_of_figures(other, 10)
    api = client_for(shop.owner)
    assert api.get(f"/api/v1/seller/insights?shop={other.pk}").status_code == 404
    assert api.get(f"/api/v1/seller/insights?shop={shop.pk}").status_code == 200
    assert api.get("/api/v1/seller/insights").json()["totals"]["orders"] == 0
    page = seller_page(shop)
    assert page.get(f"/sell/insights/?shop={other.pk}").status_code == 404
    assert page.get(f"/sell/insights/orders.csv?shop={other.pk}").status_code == 404
    assert page.get(f"/sell/insights/?shop={shop.pk}").status_code == 200


def test_people_without_a_shop_and_visitors_are_turned_away():
    assert Client().get("/sell/insights/").status_code == 302
    assert Client().get("/api/v1/seller/insights").status_code == 401
    person = UserFactory()
    response = client_for(person).get("/api/v1/seller/insights")
    assert (response.status_code, response.json()) == (
        403, {"detail": "You have no shop yet. Open a shop to sell here."})
    page = Client()
    page.force_login(person)
    assert page.get("/sell/insights/").status_code == 302


@pytest.mark.parametrize("days", [1, 365])
def test_the_page_costs_a_fixed_number_of_queries(shop, days, django_assert_num_queries):
    days_of_figures(shop, days)
    client = seller_page(shop)
    query = f"?from={today() - timedelta(days=364)}&to={today()}&interval=week"
    client.get(f"/sell/insights/{query}")  # the session is warm
    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(f"/sell/insights/{query}")
    assert response.status_code == 200
    api = client_for(shop.owner)
    with django_assert_num_queries(API_QUERIES):
        assert api.get(f"/api/v1/seller/insights{query}").status_code == 200


PAGE_QUERIES = 8  # session, user, shop, the three reads, the header (cart, notifications)
API_QUERIES = 5  # token, shop, series, best sellers, buyers
