"""The catalog API's listing summaries, built directly from cards, say what the schema says."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sellers.models import Listing, Shop
from sellers.selectors import listing_public_queryset
from sellers.serializers import SellersListingSummaryOutputSerializer
from sellers.services import listing_image_add
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
