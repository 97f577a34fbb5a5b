"""API input and output shapes of the sellers app (API.md: Shops, Listings).

Class names carry a `Sellers` prefix: drf-spectacular names schema components after them and
they must be unique across the project.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .us_states import US_STATES


class SellersWholeNumberField(serializers.IntegerField):
    """An integer that refuses floats and booleans (12.5 dollars is not 1250 cents)."""

    def to_internal_value(self, data):
        if isinstance(data, bool | float):
            self.fail("invalid")
        return super().to_internal_value(data)


class SellersVillageInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    county = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    state = serializers.CharField(max_length=2)

    def validate_state(self, value):
        value = value.strip().upper()
        if value not in US_STATES:
            raise serializers.ValidationError("Use a two-letter US state code, such as IA or KY.")
        return value


class SellersShopCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    description = serializers.CharField(
        max_length=4000, required=False, allow_blank=True, default="", trim_whitespace=False
    )
    village = SellersVillageInputSerializer()


class SellersShopUpdateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80, required=False)
    description = serializers.CharField(
        max_length=4000, required=False, allow_blank=True, trim_whitespace=False
    )
    village = SellersVillageInputSerializer(required=False)


class SellersShopCreatedOutputSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()


class SellersVillageOutputSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    county = serializers.CharField()
    state = serializers.CharField()


class SellersShopOutputSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    village = SellersVillageOutputSerializer()
    status = serializers.CharField()
    status_reason = serializers.CharField()
    rating_avg = serializers.DecimalField(
        max_digits=3, decimal_places=2, coerce_to_string=False, allow_null=True
    )
    rating_count = serializers.IntegerField()
    listing_count = serializers.IntegerField()
    joined = serializers.DateTimeField(source="created")


class SellersListingCreateInputSerializer(serializers.Serializer):
    # Bounds are checked by the service, so pages and the API give the same messages.
    title = serializers.CharField(max_length=20_000, allow_blank=True, trim_whitespace=False)
    description = serializers.CharField(
        max_length=50_000, required=False, allow_blank=True, default="", trim_whitespace=False
    )
    category = serializers.CharField(max_length=100, help_text="A category slug.")
    price_cents = SellersWholeNumberField()
    stock = SellersWholeNumberField()
    shipping_cents = SellersWholeNumberField(required=False, default=0)
    local_pickup = serializers.BooleanField(required=False, default=False)


class SellersListingUpdateInputSerializer(serializers.Serializer):
    title = serializers.CharField(
        max_length=20_000, required=False, allow_blank=True, trim_whitespace=False
    )
    description = serializers.CharField(
        max_length=50_000, required=False, allow_blank=True, trim_whitespace=False
    )
    category = serializers.CharField(max_length=100, required=False)
    price_cents = SellersWholeNumberField(required=False)
    stock = SellersWholeNumberField(required=False)
    shipping_cents = SellersWholeNumberField(required=False)
    local_pickup = serializers.BooleanField(required=False)


class SellersListingCreatedOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    review_reason = serializers.CharField()


class SellersShopRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class SellersVillageRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    state = serializers.CharField()


class SellersImageOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    def get_url(self, photo) -> str:
        return photo.image.url

    def get_thumbnail_url(self, photo) -> str:
        return photo.thumbnail.url


class SellersPreorderOutputSerializer(serializers.Serializer):
    ships_by = serializers.DateField(help_text="The promised ship date (the seller's word).")
    deposit_bps = serializers.IntegerField(
        help_text="Share of the price paid at checkout, in basis points (2000–10000); the "
                  "balance is paid when the seller marks the order ready to ship.")


class SellersPreorderInputSerializer(serializers.Serializer):
    # Bounds are checked by the service, so pages and the API give the same messages.
    ships_by = serializers.CharField(max_length=40, help_text="YYYY-MM-DD, after today, at "
                                                              "most 120 days ahead.")
    stock = SellersWholeNumberField(help_text="How many to sell (the planned harvest).")
    deposit_bps = SellersWholeNumberField(required=False, allow_null=True, default=None,
                                          help_text="2000–10000; 10000 (pay in full) if left out.")


def preorder_or_none(obj) -> dict | None:
    """`{ships_by, deposit_bps}` for a pre-order (a listing or an order), None otherwise."""
    if obj.preorder_ships_by is None:
        return None
    return {"ships_by": obj.preorder_ships_by.isoformat(),
            "deposit_bps": obj.preorder_deposit_bps}


class SellersListingSummaryOutputSerializer(serializers.Serializer):
    """One search or storefront result; reads only the joins `listing_public_queryset` made."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    price_cents = serializers.IntegerField()
    currency = serializers.CharField()
    shop = SellersShopRefSerializer()
    village = SellersVillageRefSerializer(source="shop.village")
    thumbnail_url = serializers.SerializerMethodField()
    stock = serializers.IntegerField()
    rating_avg = serializers.DecimalField(
        max_digits=3, decimal_places=2, coerce_to_string=False, allow_null=True,
        source="shop.rating_avg",
    )
    created = serializers.DateTimeField()
    preorder = serializers.SerializerMethodField()

    def get_thumbnail_url(self, listing) -> str | None:
        photos = list(listing.images.all())  # prefetched, ordered by position
        return photos[0].thumbnail.url if photos else None

    @extend_schema_field(SellersPreorderOutputSerializer(allow_null=True))
    def get_preorder(self, listing):
        return preorder_or_none(listing)


class SellersListingDetailOutputSerializer(SellersListingSummaryOutputSerializer):
    description = serializers.CharField()
    category = serializers.CharField(source="category.slug")
    images = SellersImageOutputSerializer(many=True)
    shipping_cents = serializers.IntegerField()
    local_pickup = serializers.BooleanField()
    status = serializers.CharField()
    review_reason = serializers.CharField()


class SellersImageOrderInputSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), max_length=16,
        help_text="Every photo id of the listing, cover first.",
    )
