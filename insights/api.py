"""GET /api/v1/seller/insights: the signed-in seller's figures per week or month (API.md)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from sellers.selectors import shop_of_user

from .selectors import insights_period_parse, seller_insights
from .views import shop_asked_is_own, shop_first_day


class BucketSerializer(serializers.Serializer):
    start = serializers.DateField(help_text="First day of the week (a Monday) or month.")
    label = serializers.CharField()
    orders = serializers.IntegerField(help_text="Orders paid in the period.")
    units = serializers.IntegerField()
    sales_cents = serializers.IntegerField(help_text="Those orders' totals, shipping included.")
    released_cents = serializers.IntegerField(
        help_text="Money released from escrow to the seller (after the fee).")
    views = serializers.IntegerField(help_text="Listing page views (no bots, not the owner).")
    conversion_percent = serializers.FloatField(
        allow_null=True, help_text="Orders per 100 views; null when there were no views.")


class BestSellerSerializer(serializers.Serializer):
    listing_id = serializers.IntegerField()
    title = serializers.CharField()
    orders = serializers.IntegerField()
    units = serializers.IntegerField()
    sales_cents = serializers.IntegerField()
    views = serializers.IntegerField()


class SellerInsightsOutputSerializer(serializers.Serializer):
    shop_id = serializers.IntegerField()
    start = serializers.DateField(source="period.start")
    end = serializers.DateField(source="period.end")
    interval = serializers.CharField(source="period.interval")
    currency = serializers.CharField()
    summary = serializers.CharField(help_text="The figures in plain words.")
    totals = BucketSerializer()
    series = BucketSerializer(many=True, source="buckets")
    best_sellers = BestSellerSerializer(many=True)
    buyers = serializers.IntegerField(help_text="People who paid for an order in the period.")
    repeat_buyers = serializers.IntegerField(help_text="Of those, people with two or more.")
    repeat_share_percent = serializers.FloatField(allow_null=True)


class SellerInsightsApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description=(
                "First day (default: the start of the 12th week or month before `to`).")),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last day (default: today)."),
            OpenApiParameter("interval", OpenApiTypes.STR, enum=["week", "month"],
                             description="week (default) or month."),
            OpenApiParameter("shop", OpenApiTypes.INT, description=(
                "Optional: your own shop's id. Any other shop is 404.")),
        ],
        responses={200: SellerInsightsOutputSerializer},
    )
    def get(self, request):
        shop = shop_of_user(user=request.user)
        shop_asked_is_own(request.query_params.get("shop"), shop)
        period = insights_period_parse(
            raw_from=request.query_params.get("from"), raw_to=request.query_params.get("to"),
            raw_interval=request.query_params.get("interval"), first_day=shop_first_day(shop))
        insights = seller_insights(shop_id=shop.pk, period=period)
        return Response(SellerInsightsOutputSerializer(insights).data)


