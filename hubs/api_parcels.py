"""REST endpoints for hub parcels: the pick-up points a buyer may choose at checkout, and the
agent's parcels (list, arrived, hand-over). Errors answer in API.md's shapes through the
project's exception handler (each domain error carries its http_status)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from orders.models import Order
from orders.selectors import HUB_PARCEL_STATES
from orders.services.hub_points import hub_points_list

from .services.parcels import parcel_hand_over, parcel_mark_arrived, parcels_of_agent

PARCELS_SHOWN = 50


class HubPointOutputSerializer(serializers.Serializer):
    slug = serializers.CharField(help_text="Send it as `hub` at checkout.")
    name = serializers.CharField()
    village = serializers.CharField()
    address = serializers.DictField()
    opening_hours = serializers.CharField()


class HubParcelOutputSerializer(serializers.Serializer):
    order = serializers.IntegerField()
    state = serializers.ChoiceField(choices=Order.HubParcel.choices)
    state_label = serializers.CharField()
    shop = serializers.CharField()
    recipient = serializers.CharField(help_text="The name on the parcel.")
    items = serializers.IntegerField()
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()
    shipped_at = serializers.DateTimeField(allow_null=True)
    arrived_at = serializers.DateTimeField(allow_null=True)
    collected_at = serializers.DateTimeField(allow_null=True)


class HubParcelsOutputSerializer(serializers.Serializer):
    hub = serializers.CharField()
    state = serializers.CharField()
    counts = serializers.DictField(child=serializers.IntegerField())
    results = HubParcelOutputSerializer(many=True)


class HandOverInputSerializer(serializers.Serializer):
    code = serializers.RegexField(r"^\d{6}$", max_length=6, error_messages={
        "invalid": "Send the buyer's 6-digit code."})


def parcel_data(order: Order) -> dict:
    return HubParcelOutputSerializer({
        "order": order.pk, "state": order.hub_parcel, "state_label": order.hub_parcel_word,
        "shop": order.shop.name, "recipient": order.shipping_address.get("name", ""),
        "items": order.item_count, "carrier": order.carrier,
        "tracking_number": order.tracking_number, "shipped_at": order.shipped_at,
        "arrived_at": order.hub_arrived_at,
        "collected_at": order.completed_at if order.status == Order.Status.COMPLETED else None,
    }).data


class HubPointsApi(APIView):
    """Open village hubs a buyer may ship to (by state and village); `q` narrows them."""

    @extend_schema(parameters=[OpenApiParameter("q", str, required=False)],
                   responses={200: HubPointOutputSerializer(many=True)})
    def get(self, request):
        query = request.query_params.get("q", "")
        if len(query) > 100:
            raise serializers.ValidationError({"q": ["Use at most 100 characters."]})
        return Response(HubPointOutputSerializer([
            {"slug": point.slug, "name": point.name, "village": point.village,
             "address": point.address, "opening_hours": point.hours}
            for point in hub_points_list(query=query)
        ], many=True).data)


class HubParcelsApi(APIView):
    """The agent's hub parcels in one state, with the counts of all three (404 for anyone who
    is not a verified agent)."""

    @extend_schema(parameters=[OpenApiParameter("state", str, required=False,
                                                enum=list(HUB_PARCEL_STATES))],
                   responses={200: HubParcelsOutputSerializer})
    def get(self, request):
        state = request.query_params.get("state") or Order.HubParcel.ON_THE_WAY
        if state not in HUB_PARCEL_STATES:
            raise serializers.ValidationError(
                {"state": [f"Choose one of: {', '.join(HUB_PARCEL_STATES)}."]})
        hub, counts, parcels = parcels_of_agent(user=request.user, state=state)
        return Response({"hub": hub.slug, "state": state, "counts": counts,
                         "results": [parcel_data(order) for order in parcels[:PARCELS_SHOWN]]})


class HubParcelArrivedApi(APIView):
    @extend_schema(request=None, responses={200: HubParcelOutputSerializer})
    def post(self, request, order_id: int):
        order = parcel_mark_arrived(user=request.user, order_id=order_id)
        return Response(parcel_data(order))


class HubParcelHandOverApi(APIView):
    @extend_schema(request=HandOverInputSerializer, responses={200: HubParcelOutputSerializer})
    def post(self, request, order_id: int):
        data = HandOverInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = parcel_hand_over(user=request.user, order_id=order_id,
                                 code=data.validated_data["code"])
        return Response(parcel_data(order))


