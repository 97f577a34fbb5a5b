"""Public catalog API: categories (cached, invalidated), villages, impact."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sellers.models import Category
from tests.factories import CategoryFactory, ListingFactory, ShopFactory, VillageFactory
from tests.support import cache_clear_own_keys

pytestmark = pytest.mark.django_db


def test_category_tree_is_public_nested_and_ordered(api_client):
    food = CategoryFactory(name="Food", slug="food", position=1)
    CategoryFactory(name="Honey", slug="honey", parent=food, position=2)
    CategoryFactory(name="Bread", slug="bread", parent=food, position=1)
    CategoryFactory(name="Crafts", slug="crafts", position=0)
    response = api_client.get("/api/v1/categories/")
    assert response.status_code == 200
    assert response.json() == [
        {"slug": "crafts", "name": "Crafts", "children": []},
        {"slug": "food", "name": "Food", "children": [
            {"slug": "bread", "name": "Bread", "children": []},
            {"slug": "honey", "name": "Honey", "children": []},
        ]},
    ]
    assert "max-age=60" in response["Cache-Control"]


def test_category_tree_is_cached_and_invalidated_on_change(api_client):
    food = CategoryFactory(name="Food", slug="food")
    api_client.get("/api/v1/categories/")
    with CaptureQueriesContext(connection) as queries:
        assert api_client.get("/api/v1/categories/").json()[0]["name"] == "Food"
    assert len(queries) == 0  # served from Redis
    food.name = "Farm food"
    food.save()
    assert api_client.get("/api/v1/categories/").json()[0]["name"] == "Farm food"
    CategoryFactory(name="Soap", slug="soap", parent=food)
    assert api_client.get("/api/v1/categories/").json()[0]["children"][0]["slug"] == "soap"
    Category.objects.get(slug="soap").delete()
    assert api_client.get("/api/v1/categories/").json()[0]["children"] == []


def test_villages_list_counts_only_active(api_client):
    kalona = VillageFactory(name="Kalona", county="Washington", state="IA", slug="kalona-ia")
    berea = VillageFactory(name="Berea", county="Madison", state="KY", slug="berea-ky")
    VillageFactory(slug="ghost-town")  # no shop at all
    shop = ShopFactory(village=kalona)
    ShopFactory(village=kalona, status="suspended")
    ListingFactory.create_batch(2, shop=shop)
    ListingFactory(shop=shop, status="archived")
    ListingFactory(shop=ShopFactory(village=berea))
    response = api_client.get("/api/v1/villages/")
    assert response.status_code == 200
    assert response.json() == [
        {"slug": "kalona-ia", "name": "Kalona", "county": "Washington", "state": "IA",
         "shop_count": 1, "listing_count": 2},
        {"slug": "berea-ky", "name": "Berea", "county": "Madison", "state": "KY",
         "shop_count": 1, "listing_count": 1},
    ]


def test_village_detail_lists_its_active_shops(api_client):
    kalona = VillageFactory(name="Kalona", county="Washington", state="IA", slug="kalona-ia")
    shop = ShopFactory(village=kalona, name="Amish Quilts", slug="amish-quilts",
                       rating_avg="4.50", rating_count=2)
    ShopFactory(village=kalona, status="pending_verification")
    ListingFactory.create_batch(3, shop=shop)
    response = api_client.get("/api/v1/villages/kalona-ia")
    assert response.status_code == 200
    assert response.json() == {
        "slug": "kalona-ia", "name": "Kalona", "county": "Washington", "state": "IA",
        "shop_count": 1, "listing_count": 3,
        "shops": [{"slug": "amish-quilts", "name": "Amish Quilts", "listing_count": 3,
                   "rating_avg": "4.50", "rating_count": 2}],
        "series": [],  # month by month from the first sale: none yet
    }
    assert api_client.get("/api/v1/villages/nowhere").status_code == 404


def test_impact_has_totals_per_village_and_money_figures(api_client):
    a = ShopFactory(village=VillageFactory(name="Kalona", slug="kalona-ia", state="IA"))
    ShopFactory(village=a.village)
    ListingFactory.create_batch(2, shop=a)
    response = api_client.get("/api/v1/impact")
    assert response.status_code == 200
    assert response.json() == {
        "currency": "USD",
        "total": {"active_shops": 2, "active_listings": 2, "orders_completed": 0,
                  "gmv_cents": 0, "paid_to_sellers_cents": 0, "managed_shops": 0,
                  "collected_at_hubs_cents": 0},
        "series": [],  # month by month from the first sale: none yet
        "villages": [{"slug": "kalona-ia", "name": "Kalona", "state": "IA",
                      "active_shops": 2, "active_listings": 2, "orders_completed": 0,
                      "gmv_cents": 0, "paid_to_sellers_cents": 0, "managed_shops": 0,
                      "collected_at_hubs_cents": 0, "series": []}],
    }


@pytest.mark.parametrize("url", ["/api/v1/categories/", "/api/v1/villages/",
                                 "/api/v1/villages/v-0", "/api/v1/impact"])
def test_api_query_counts_are_fixed(api_client, url):
    def measure() -> int:
        cache_clear_own_keys()
        with CaptureQueriesContext(connection) as queries:
            assert api_client.get(url).status_code == 200
        return len(queries)

    shop = ShopFactory(village=VillageFactory(slug="v-0"))
    CategoryFactory()
    ListingFactory(shop=shop)
    one = measure()
    for n in range(49):
        parent = CategoryFactory()
        CategoryFactory(parent=parent)
        other = ShopFactory(village=VillageFactory(slug=f"v-{n + 1}"))
        ListingFactory(shop=other)
        ShopFactory(village=shop.village)
    many = measure()
    assert one == many <= 10, (one, many)


def test_expired_figures_are_recomputed_by_one_request_while_others_get_the_last_ones(
    api_client,
):
    from django.core.cache import cache

    from marketplace.catalog import api, selectors

    village = VillageFactory(slug="kalona-ia")
    ListingFactory(shop=ShopFactory(village=village))
    assert selectors.village_figures()[village.id]["active_listings"] == 1
    ListingFactory(shop=ShopFactory(village=village))
    cache.delete_many([selectors.VILLAGE_FIGURES_KEY, api.IMPACT_KEY])
    cache.add(selectors.VILLAGE_FIGURES_LOCK_KEY, 1)  # another request is recomputing
    with CaptureQueriesContext(connection) as queries:
        assert selectors.village_figures()[village.id]["active_listings"] == 1
    assert len(queries) == 0
    cache.delete(selectors.VILLAGE_FIGURES_LOCK_KEY)
    assert selectors.village_figures()[village.id]["active_listings"] == 2
