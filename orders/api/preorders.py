"""Pre-orders through the API: the seller's harvest, moving the date, a short harvest; the
buyer's cancel after a move. Each class parses, makes one call, answers."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from orders.api.orders import OrderOutputSerializer, orders_data
from orders.selectors import order_detail_queryset, preorder_harvest
from orders.services import preorder_promise as preorders


class HarvestOrderOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    buyer = serializers.CharField()
    status = serializers.CharField()
    units = serializers.IntegerField()
    total_cents = serializers.IntegerField()
    held_cents = serializers.IntegerField()
    ship_by = serializers.DateTimeField(allow_null=True)
    created = serializers.DateTimeField()


class HarvestOutputSerializer(serializers.Serializer):
    listing = serializers.IntegerField()
    title = serializers.CharField()
    ships_by = serializers.DateField()
    moved_from = serializers.DateField(allow_null=True)
    units_sold = serializers.IntegerField()
    units_to_ship = serializers.IntegerField()
    units_left = serializers.IntegerField()
    held_cents = serializers.IntegerField()
    currency = serializers.CharField()
    orders = HarvestOrderOutputSerializer(many=True)


def harvest_data(listing) -> dict:
    harvest = preorder_harvest(listing=listing)
    return HarvestOutputSerializer({
        "listing": listing.pk, "title": listing.title,
        "ships_by": listing.preorder_ships_by, "moved_from": listing.preorder_moved_from,
        "units_sold": harvest.units_sold, "units_to_ship": harvest.units_to_ship,
        "units_left": harvest.units_left, "held_cents": harvest.held_cents,
        "currency": harvest.currency,
        "orders": [{
            "id": order.pk, "buyer": order.buyer.display_name, "status": order.status,
            "units": order.units, "total_cents": order.total_cents,
            "held_cents": order.escrow.remaining_cents if order.escrow else 0,
            "ship_by": order.ship_by, "created": order.created,
        } for order in harvest.orders],
    }).data


class HarvestApi(APIView):
    @extend_schema(responses={200: HarvestOutputSerializer})
    def get(self, request, listing_id: int):
        return Response(harvest_data(preorders.preorder_listing_for_seller(
            listing_id=listing_id, seller=request.user)))


class PreorderMoveInputSerializer(serializers.Serializer):
    ships_by = serializers.DateField()


class PreorderMoveOutputSerializer(serializers.Serializer):
    listing = serializers.IntegerField(source="listing_id")
    moved_from = serializers.DateField()
    ships_by = serializers.DateField()
    cancel_until = serializers.DateTimeField()
    orders_told = serializers.IntegerField()


class PreorderMoveApi(APIView):
    @extend_schema(request=PreorderMoveInputSerializer,
                   responses={200: PreorderMoveOutputSerializer})
    def post(self, request, listing_id: int):
        data = PreorderMoveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        moved = preorders.preorder_date_move(listing_id=listing_id, seller=request.user,
                                             ships_by=data.validated_data["ships_by"])
        return Response(PreorderMoveOutputSerializer(moved).data)


class ShortHarvestInputSerializer(serializers.Serializer):
    harvested = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)
    orders = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1), required=False,
        max_length=1000)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    preview = serializers.BooleanField(required=False, default=False)


class ShortHarvestOrderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    buyer = serializers.CharField()
    units = serializers.IntegerField()
    refund_cents = serializers.IntegerField()
    status = serializers.CharField()


class ShortHarvestOutputSerializer(serializers.Serializer):
    preview = serializers.BooleanField()
    orders = ShortHarvestOrderSerializer(many=True)
    refund_cents = serializers.IntegerField()
    units_kept = serializers.IntegerField()


class ShortHarvestApi(APIView):
    @extend_schema(request=ShortHarvestInputSerializer,
                   responses={200: ShortHarvestOutputSerializer})
    def post(self, request, listing_id: int):
        data = ShortHarvestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        arguments = {"listing_id": listing_id, "seller": request.user,
                     "harvested": values.get("harvested"), "order_ids": values.get("orders"),
                     "note": values["note"]}
        plan = preorders.preorder_short_harvest_plan(**arguments)
        refunds = {order.pk: preorders.held_cents(order) for order in plan.orders}
        units = {order.pk: order.units for order in plan.orders}
        buyers = {order.pk: order.buyer.display_name for order in plan.orders}
        if values["preview"]:
            orders = plan.orders
        else:
            orders = preorders.preorder_short_harvest(**arguments)
        return Response(ShortHarvestOutputSerializer({
            "preview": values["preview"],
            "orders": [{"id": order.pk, "buyer": buyers[order.pk], "units": units[order.pk],
                        "refund_cents": refunds.get(order.pk, 0), "status": order.status}
                       for order in orders],
            "refund_cents": sum(refunds.get(order.pk, 0) for order in orders),
            "units_kept": plan.units_kept,
        }).data)


class OrderCancelAfterMoveApi(APIView):
    @extend_schema(request=None, responses={200: OrderOutputSerializer})
    def post(self, request, order_id: int):
        order = preorders.preorder_cancel_after_move(order_id=order_id, buyer=request.user)
        order = order_detail_queryset().get(pk=order.pk)
        return Response(orders_data([order], viewer=request.user)[0])
