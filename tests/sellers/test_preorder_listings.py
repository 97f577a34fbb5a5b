"""A seller makes a listing a pre-order (API and page); buyers see it and search filters it."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders.models import Order
from sellers.models import Listing
from tests import builders
from tests.factories import ListingFactory, ShopFactory, UserFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db
SEARCH_PAGE_QUERIES = 1  # the page of listings with its joins, covers and capped count


def days(n: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=n)).isoformat()


@pytest.fixture
def listing():
    return ListingFactory(title="Maple syrup, one quart", stock=3, price_cents=2400)


def put(listing, user=None, **body):
    return client_for(user or listing.shop.owner).put(
        f"/api/v1/listings/{listing.pk}/preorder", body, format="json")


def test_seller_makes_a_listing_a_preorder_and_buyers_see_the_promise(listing, client):
    response = put(listing, ships_by=days(30), stock=40, deposit_bps=2500)
    assert response.status_code == 200, response.json()
    assert response.json()["preorder"] == {"ships_by": days(30), "deposit_bps": 2500}
    assert response.json()["stock"] == 40
    listing.refresh_from_db()
    assert (listing.preorder_ships_by.isoformat(), listing.preorder_deposit_bps,
            listing.stock) == (days(30), 2500, 40)
    public = client.get(f"/api/v1/listings/{listing.pk}").json()
    assert public["preorder"] == {"ships_by": days(30), "deposit_bps": 2500}
    page = client.get(reverse("catalog-listing", args=[listing.pk])).content.decode()
    shown = (timezone.localdate() + datetime.timedelta(days=30)).strftime("%B %-d, %Y")
    assert f"Pre-order — ships by {shown}" in page
    assert "Left to pre-order: 40" in page and "You pay 25 % now" in page


def test_deposit_defaults_to_the_full_price(listing):
    response = put(listing, ships_by=days(10), stock=5)
    assert response.status_code == 200
    assert response.json()["preorder"]["deposit_bps"] == 10000


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"ships_by": days(0), "stock": 5}, "ships_by", "after today"),
    ({"ships_by": days(-3), "stock": 5}, "ships_by", "after today"),
    ({"ships_by": days(121), "stock": 5}, "ships_by", "at most 120 days"),
    ({"ships_by": "next spring", "stock": 5}, "ships_by", "Enter the date"),
    ({"ships_by": days(20), "stock": 0}, "stock", "from 1"),
    ({"ships_by": days(20), "stock": 5, "deposit_bps": 1999}, "deposit_bps", "20 % to 100 %"),
    ({"ships_by": days(20), "stock": 5, "deposit_bps": 10001}, "deposit_bps", "20 % to 100 %"),
    ({"ships_by": days(20), "stock": 5, "deposit_bps": 25.5}, "deposit_bps", ""),
])
def test_bad_promises_are_400_with_a_message_and_change_nothing(listing, body, field, words):
    response = put(listing, **body)
    assert response.status_code == 400, response.json()
    assert words in " ".join(response.json()[field])
    listing.refresh_from_db()
    assert listing.preorder_ships_by is None and listing.stock == 3


def test_the_last_allowed_day_is_120_days_ahead(listing):
    assert put(listing, ships_by=days(120), stock=5).status_code == 200


def test_another_sellers_listing_is_404_and_anonymous_is_refused(listing, api_client):
    other = ShopFactory().owner
    assert put(listing, user=other, ships_by=days(20), stock=5).status_code == 404
    assert client_for(other).delete(
        f"/api/v1/listings/{listing.pk}/preorder").status_code == 404
    assert api_client.put(f"/api/v1/listings/{listing.pk}/preorder",
                          {"ships_by": days(20), "stock": 5}, format="json").status_code in (
        401, 403)
    listing.refresh_from_db()
    assert listing.preorder_ships_by is None


def test_back_to_in_stock_is_refused_while_a_preorder_is_open(listing):
    put(listing, ships_by=days(20), stock=5)
    order = builders.paid_order(listing=Listing.objects.get(pk=listing.pk))
    assert order.is_preorder
    url = f"/api/v1/listings/{listing.pk}/preorder"
    refused = client_for(listing.shop.owner).delete(url)
    assert refused.status_code == 409
    assert "1 pre-order is still open" in refused.json()["detail"]
    moved = put(listing, ships_by=days(25), stock=5)
    assert moved.status_code == 409
    listing.refresh_from_db()
    assert listing.preorder_ships_by.isoformat() == days(20)
    Order.objects.filter(pk=order.pk).update(status="completed")
    ended = client_for(listing.shop.owner).delete(url)
    assert ended.status_code == 200 and ended.json()["preorder"] is None


def test_search_filters_preorders_in_or_out(client):
    stocked = ListingFactory(title="Clover honey jar")
    ahead = ListingFactory(title="Clover honey, next harvest",
                           preorder_ships_by=timezone.localdate() + datetime.timedelta(days=9))

    def ids(query):
        response = client.get(f"/api/v1/listings/?{query}")
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids("preorder=only") == {ahead.pk}
    assert ids("preorder=exclude") == {stocked.pk}
    assert ids("preorder=true") == {ahead.pk} and ids("preorder=false") == {stocked.pk}
    assert ids("") == {stocked.pk, ahead.pk}
    assert ids("q=clover&preorder=only") == {ahead.pk}
    bad = client.get("/api/v1/listings/?preorder=maybe")
    assert bad.status_code == 400 and "only" in bad.json()["preorder"][0]
    page = client.get(reverse("catalog-search") + "?preorder=only").content.decode()
    assert "Clover honey, next harvest" in page and "Clover honey jar" not in page
    assert "Pre-order — ships by" in page


def test_seller_sets_a_preorder_on_the_page_with_clear_errors(listing, client):
    client.force_login(listing.shop.owner)
    url = reverse("sell-listing-preorder", args=[listing.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"ships_by": days(200), "stock": 5, "deposit_percent": 10})
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "at most 120 days ahead" in text
    listing.refresh_from_db()
    assert listing.preorder_ships_by is None
    good = client.post(url, {"ships_by": days(14), "stock": 12, "deposit_percent": 30})
    assert good.status_code == 302
    listing.refresh_from_db()
    assert (listing.preorder_ships_by.isoformat(), listing.stock,
            listing.preorder_deposit_bps) == (days(14), 12, 3000)
    assert "ships by" in client.get(url).content.decode()
    ended = client.post(reverse("sell-listing-preorder-end", args=[listing.pk]))
    assert ended.status_code == 302
    listing.refresh_from_db()
    assert listing.preorder_ships_by is None


def test_another_sellers_preorder_page_is_404(listing, client):
    client.force_login(UserFactory())
    assert client.get(reverse("sell-listing-preorder", args=[listing.pk])).status_code == 404
    assert client.post(reverse("sell-listing-preorder-end",
                               args=[listing.pk])).status_code == 404


@pytest.mark.parametrize("count", [1, 20])
def test_preorder_search_costs_the_same_at_1_and_20_rows(client, api_client,
                                                         django_assert_num_queries, count):
    shop = ShopFactory()
    ListingFactory.create_batch(count, shop=shop, title="Honey harvest share",
                                preorder_ships_by=timezone.localdate()
                                + datetime.timedelta(days=20))
    with django_assert_num_queries(1):  # the page with its joins, covers and capped count
        response = api_client.get("/api/v1/listings/?preorder=true&page_size=20")
    assert response.json()["count"] == count
    assert all(row["preorder"] for row in response.json()["results"])
    client.get("/search/?preorder=exclude")  # warms the category tree (pages are cached)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("catalog-search") + "?preorder=only")
    assert page.content.decode().count("Pre-order — ships by") == count
    assert len(queries) == SEARCH_PAGE_QUERIES, [q["sql"] for q in queries]


def test_a_passed_preorder_leaves_the_pages_and_the_api_on_the_same_day(
    listing, client, monkeypatch
):
    """At 02:00 UTC it is still the evening before in America: a page (read in its reader's
    zone) and the API (in UTC) must agree that the promised date has passed."""
    assert put(listing, ships_by=days(2), stock=5).status_code == 200
    listing.refresh_from_db()
    next_day = listing.preorder_ships_by + datetime.timedelta(days=1)
    early = datetime.datetime.combine(next_day, datetime.time(2), tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: early)
    api = client.get("/api/v1/listings/?q=maple&nocache=9").json()["results"]
    assert [row["id"] for row in api] == []
    assert "Maple syrup" not in client.get("/search/?q=maple&nocache=9").content.decode()
    assert "Maple syrup" not in client.get(f"/shops/{listing.shop.slug}/").content.decode()


def test_a_preorder_whose_date_passed_leaves_search_and_the_storefront(listing, client, clock):
    assert put(listing, ships_by=days(2), stock=5).status_code == 200
    in_stock = ListingFactory(title="Maple candy", shop=listing.shop)

    def found(path):
        return [row["id"] for row in client.get(path).json()["results"]]

    assert sorted(found("/api/v1/listings/?q=maple&nocache=1")) == [listing.pk, in_stock.pk]
    clock.move(days=3)
    assert found("/api/v1/listings/?q=maple&nocache=2") == [in_stock.pk]
    assert found("/api/v1/listings/?preorder=only&nocache=3") == []
    assert found(f"/api/v1/shops/{listing.shop.slug}/listings/") == [in_stock.pk]
    assert "Maple syrup" not in client.get(f"/shops/{listing.shop.slug}/").content.decode()
