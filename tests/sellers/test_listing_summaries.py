"""The catalog API's listing summaries, built directly from cards, say what the schema says."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sellers.models import Listing, Shop
from sellers.selectors import listing_public_queryset
from sellers.serializers import SellersListingSummaryOutputSerializer
from sellers.services import listing_image_add, search_vocabulary_rebuild
from tests.factories import ListingFactory, ShopFactory
from tests.support import jpeg_bytes

pytestmark = pytest.mark.django_db


def test_a_summary_is_what_the_schema_serializer_writes(api_client):
    shop = ShopFactory(rating_avg=Decimal("4.25"), rating_count=3)
    with_photo = ListingFactory(shop=shop, title="Clover honey", stock=0)
    listing_image_add(user=shop.owner, listing_id=with_photo.pk,
                      upload=SimpleUploadedFile("a.jpg", jpeg_bytes(), "image/jpeg"))
    ListingFactory(shop=ShopFactory(rating_avg=None), title="Buckwheat honey")
    listings = listing_public_queryset().order_by("-created", "-id")
    expected = SellersListingSummaryOutputSerializer(listings, many=True).data

    for path in ("/api/v1/listings/", "/api/v1/listings/?q=honey&ordering=-created"):
        body = api_client.get(path).json()
        assert body["results"] == [dict(row) for row in _as_json(expected)], path


def _as_json(rows):
    # The renderer writes a Decimal rating as a number, as it does for the live response.
    import json

    from rest_framework.utils.encoders import JSONEncoder

    return json.loads(json.dumps(rows, cls=JSONEncoder))


def test_a_suspended_shops_listing_is_not_summarised(api_client):
    listing = ListingFactory(title="Clover honey")
    Shop.objects.filter(pk=listing.shop_id).update(status=Shop.Status.SUSPENDED)
    assert api_client.get("/api/v1/listings/?q=honey").json()["count"] == 0
    assert Listing.objects.filter(pk=listing.pk).exists()


@pytest.mark.parametrize("path", [
    "/api/v1/listings/?q=honey", "/api/v1/listings/?ordering=price_cents&page_size=2",
    "/api/v1/listings/?q=hony",  # corrected: `corrected_query` is a string
])
def test_a_page_of_summaries_is_byte_for_byte_what_the_json_renderer_writes(api_client, path):
    """The listings API joins each summary's remembered JSON text; the answer must be the
    stock renderer's, escapes and all (a quote, a line separator, accents, a rating)."""
    from rest_framework.renderers import JSONRenderer

    shop = ShopFactory(rating_avg=Decimal("4.50"), rating_count=2)
    ListingFactory(shop=shop, title='Crème "raw" honey\u2028jar', price_cents=600)
    ListingFactory(shop=ShopFactory(rating_avg=None), title="Wildflower honey", price_cents=700)
    ListingFactory(title="Buckwheat honey, 1 lb", price_cents=800)
    search_vocabulary_rebuild()  # what the vocabulary job does: "hony" is corrected from it
    response = api_client.get(path)
    assert response.status_code == 200
    assert response.content == JSONRenderer().render(dict(response.data))
    body = response.json()
    assert len(body["results"]) == min(3, 2 if "page_size=2" in path else 3)
    assert body["corrected_query"] == ("honey" if "hony" in path else None)
    assert "\\u2028" in response.content.decode()  # escaped, as the stock renderer does


def test_an_indented_answer_and_an_error_are_the_json_renderers_own(api_client):
    from rest_framework.renderers import JSONRenderer

    ListingFactory(title="Clover honey")
    indented = api_client.get("/api/v1/listings/?q=honey",
                              HTTP_ACCEPT="application/json; indent=2")
    assert indented.status_code == 200
    assert indented.content == JSONRenderer().render(
        dict(indented.data), "application/json; indent=2")
    assert b'\n  "count": 1' in indented.content
    bad = api_client.get("/api/v1/listings/?min_price_cents=cheap")
    assert bad.status_code == 400
    assert bad.content == JSONRenderer().render(bad.data)
