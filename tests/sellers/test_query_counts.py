"""A page or endpoint costs the same number of queries whatever its length."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sellers.models import Listing
from sellers.services import listing_image_add
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
# Listing API: the count, the page of listings with joins, their photos.
LISTING_API_QUERIES = 3


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
