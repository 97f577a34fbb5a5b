"""A page or endpoint costs the same number of queries whatever its length."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sellers.models import Listing
from sellers.search import CORRECTION_SECONDS
from sellers.services import listing_image_add, search_vocabulary_rebuild
from tests.factories import ListingFactory, ShopFactory
from tests.support import jpeg_bytes

pytestmark = pytest.mark.django_db


def shop_with_listings(count: int):
    shop = ShopFactory(slug="hilltop")
    for listing in ListingFactory.create_batch(count, shop=shop):
        listing_image_add(user=shop.owner, listing_id=listing.pk,
                          upload=SimpleUploadedFile("a.jpg", jpeg_bytes(), "image/jpeg"))
    return shop


# Storefront: the shop with its counts; the listing count for the paginator; the page of
# listings with shop, village and category joined; their photos; the reviews' count per star
# (no reviews: no page of them to read).
STOREFRONT_QUERIES = 5
# Listing API: one statement for the page of listings with their joins and covers, and the
# capped count (sellers.result_page).
LISTING_API_QUERIES = 1


@pytest.mark.parametrize("count", [1, 30])
def test_storefront_queries_do_not_grow_with_listings(client, django_assert_num_queries, count):
    shop_with_listings(count)
    with django_assert_num_queries(STOREFRONT_QUERIES):
        response = client.get("/shops/hilltop/")
    assert response.status_code == 200
    assert response.content.decode().count('loading="lazy"') == min(count, 24)


@pytest.mark.parametrize("count", [1, 30])
def test_listing_api_queries_do_not_grow_with_listings(
    api_client, django_assert_num_queries, count
):
    shop_with_listings(count)
    with django_assert_num_queries(LISTING_API_QUERIES):
        response = api_client.get("/api/v1/listings/?page_size=30")
    assert response.json()["count"] == count
    assert all(row["thumbnail_url"].endswith("-thumb.webp") for row in response.json()["results"])


@pytest.mark.parametrize("count", [1, 30])
def test_shop_listings_api_queries_do_not_grow(api_client, django_assert_num_queries, count):
    shop_with_listings(count)
    with django_assert_num_queries(LISTING_API_QUERIES + 1):  # plus the shop itself
        response = api_client.get("/api/v1/shops/hilltop/listings/?page_size=30")
    assert response.json()["count"] == count


def test_dashboard_queries_are_the_same_for_1_and_30_listings(client):
    # Signed-in pages also run other apps' header queries: compare 1 with 30 listings.
    shop = shop_with_listings(1)
    client.force_login(shop.owner)

    def measure():
        Listing.objects.filter(shop=shop).update(status="pending_review")
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/sell/")
        return len(queries), response.content.decode().count('class="badge pending_review"')

    one = measure()
    for listing in ListingFactory.create_batch(29, shop=shop):
        listing_image_add(user=shop.owner, listing_id=listing.pk,
                          upload=SimpleUploadedFile("a.jpg", jpeg_bytes(), "image/jpeg"))
    thirty = measure()
    assert (one[1], thirty[1]) == (1, 30)
    assert one[0] == thirty[0]


def shop_with_honey(count: int):
    shop = ShopFactory(slug="hilltop")
    for n, listing in enumerate(ListingFactory.create_batch(count, shop=shop)):
        Listing.objects.filter(pk=listing.pk).update(title=f"Clover honey jar {n}")
        listing_image_add(user=shop.owner, listing_id=listing.pk,
                          upload=SimpleUploadedFile("a.jpg", jpeg_bytes(), "image/jpeg"))
    return shop


# A text search: its candidates (whose number is the count) and the page's cards with their
# covers, in one statement.
SEARCH_QUERIES = 1


@pytest.mark.parametrize("count", [1, 50])
def test_search_api_queries_do_not_grow_and_do_not_count(
    api_client, django_assert_num_queries, count
):
    shop_with_honey(count)
    with django_assert_num_queries(SEARCH_QUERIES) as queries:
        response = api_client.get("/api/v1/listings/?q=honey&page_size=100")
    assert not any("COUNT(" in query["sql"].upper() for query in queries.captured_queries)
    assert response.json()["count"] == count
    assert len(response.json()["results"]) == count


@pytest.mark.parametrize("count", [1, 50])
def test_search_page_queries_do_not_grow_and_do_not_count(
    client, django_assert_num_queries, count
):
    shop_with_honey(count)
    client.get("/search/?q=jam")  # the category tree, read once into Redis
    with django_assert_num_queries(SEARCH_QUERIES) as queries:
        response = client.get("/search/?q=honey")
    assert not any("COUNT(" in query["sql"].upper() for query in queries.captured_queries)
    assert response.content.decode().count('loading="lazy"') == min(count, 24)


def test_an_anonymous_listings_api_read_is_served_from_the_page_cache(
    api_client, django_assert_num_queries
):
    shop_with_honey(2)
    first = api_client.get("/api/v1/listings/?q=honey")
    assert first.status_code == 200 and first.json()["count"] == 2
    with django_assert_num_queries(0):
        again = api_client.get("/api/v1/listings/?q=honey")
    assert again.content == first.content
    assert again["Content-Type"] == "application/json"
    assert "public" in again["Cache-Control"] and again["ETag"]
    with django_assert_num_queries(0):
        unchanged = api_client.get("/api/v1/listings/?q=honey", HTTP_IF_NONE_MATCH=again["ETag"])
    assert unchanged.status_code == 304


def test_a_signed_in_listings_api_read_is_never_cached(client, django_assert_num_queries):
    shop = shop_with_honey(1)
    client.force_login(shop.owner)
    assert client.get("/api/v1/listings/?q=honey").json()["count"] == 1
    ListingFactory(title="Buckwheat honey", shop=shop)
    response = client.get("/api/v1/listings/?q=honey")
    assert response.json()["count"] == 2
    assert "public" not in response.get("Cache-Control", "")


def test_a_query_corrected_again_soon_costs_no_statement_for_its_correction(
    client, django_assert_num_queries, monkeypatch
):
    shop_with_honey(2)
    search_vocabulary_rebuild()  # the periodic job: "honey" becomes a word to correct to
    client.get("/search/?q=jam")  # the category tree, read once into Redis
    with django_assert_num_queries(3):  # the candidates, the correction, the corrected ones
        first = client.get("/search/?q=hony")
    with django_assert_num_queries(2):  # another URL of the same words: the correction is kept
        again = client.get("/search/?q=hony&page=1")
    for response in (first, again):
        assert "Showing results for <strong>honey</strong>" in response.content.decode()
        assert response.content.decode().count('loading="lazy"') == 2
    later = time.monotonic() + CORRECTION_SECONDS
    monkeypatch.setattr("web.timed_store.time.monotonic", lambda: later)
    with django_assert_num_queries(3):  # CORRECTION_SECONDS later it is looked up again
        client.get("/search/?page=1&q=hony")
