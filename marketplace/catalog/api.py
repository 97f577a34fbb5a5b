"""Public catalog API: categories, villages and impact (API.md). Read-only, no sign-in."""

from django.core.cache import cache
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from . import impact_series, selectors

IMPACT_KEY = "catalog:impact-api:v1"
PUBLIC_MAX_AGE = 60


class CatalogCategoryNodeSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    children = serializers.ListField(child=serializers.DictField(), help_text="Same shape.")


class CatalogVillageSerializer(serializers.Serializer):
    slug = serializers.SlugField(source="village.slug")
    name = serializers.CharField(source="village.name")
    county = serializers.CharField(source="village.county")
    state = serializers.CharField(source="village.state")
    shop_count = serializers.IntegerField()
    listing_count = serializers.IntegerField()


class CatalogVillageShopSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    listing_count = serializers.IntegerField(source="active_listing_count")
    rating_avg = serializers.DecimalField(max_digits=3, decimal_places=2, allow_null=True)
    rating_count = serializers.IntegerField()


class CatalogImpactMonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text='The calendar month, "2026-03".')
    active_shops = serializers.IntegerField(help_text="The most shops open on a day of it.")
    orders_completed = serializers.IntegerField()
    sales_cents = serializers.IntegerField(help_text="Orders paid that month, shipping included.")
    paid_to_sellers_cents = serializers.IntegerField(
        help_text="Released to sellers, after the fee.")


def _series(months) -> list[dict]:
    return [month.as_dict() for month in months]


class CatalogVillageDetailSerializer(CatalogVillageSerializer):
    shops = CatalogVillageShopSerializer(many=True)
    series = CatalogImpactMonthSerializer(
        many=True, help_text="Month by month since the village's first sale, oldest first.")


class CatalogImpactFiguresSerializer(serializers.Serializer):
    active_shops = serializers.IntegerField()
    active_listings = serializers.IntegerField()
    orders_completed = serializers.IntegerField()
    gmv_cents = serializers.IntegerField()
    paid_to_sellers_cents = serializers.IntegerField()
    managed_shops = serializers.IntegerField(
        help_text="Shops a village hub's agent runs for a neighbour now.")
    collected_at_hubs_cents = serializers.IntegerField(
        help_text="Money shop owners collected in cash at village hubs.")


class CatalogImpactVillageSerializer(CatalogImpactFiguresSerializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    state = serializers.CharField()
    series = CatalogImpactMonthSerializer(
        many=True, help_text="Month by month since the village's first sale, oldest first.")


class CatalogImpactSerializer(serializers.Serializer):
    currency = serializers.CharField()
    total = CatalogImpactFiguresSerializer()
    series = CatalogImpactMonthSerializer(
        many=True, help_text="The whole marketplace month by month since the first sale.")
    villages = CatalogImpactVillageSerializer(many=True)


def _public(response: Response) -> Response:
    response["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    return response


class CategoryTreeApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        responses=CatalogCategoryNodeSerializer(many=True), operation_id="categories_tree"
    )
    def get(self, request):
        return _public(Response(selectors.category_tree()))


class VillageListApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses=CatalogVillageSerializer(many=True), operation_id="villages_list")
    def get(self, request):
        rows = selectors.village_list()
        return _public(Response(CatalogVillageSerializer(rows, many=True).data))


class VillageDetailApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses=CatalogVillageDetailSerializer, operation_id="villages_retrieve")
    def get(self, request, slug: str):
        row = selectors.village_get(slug=slug)
        data = CatalogVillageSerializer(row).data
        shops = selectors.village_shops(village=row.village)
        data["shops"] = CatalogVillageShopSerializer(shops, many=True).data
        data["series"] = _series(impact_series.impact_series(village_id=row.village.id)["total"])
        return _public(Response(data))


class ImpactApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses=CatalogImpactSerializer, operation_id="impact_retrieve")
    def get(self, request):
        data = cache.get(IMPACT_KEY)
        if data is None:
            summary = selectors.impact_summary()
            series = impact_series.impact_series()
            for village in summary["villages"]:
                village["series"] = _series(series["villages"].get(village["village_id"], []))
            data = CatalogImpactSerializer(
                {"currency": "USD", **summary, "series": _series(series["total"])}).data
            cache.set(IMPACT_KEY, data, timeout=selectors.FIGURES_TIMEOUT)
        return _public(Response(data))
