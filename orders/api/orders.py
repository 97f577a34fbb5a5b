from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from orders.models import Order
from orders.selectors import (
    order_detail_queryset,
    order_for_party,
    orders_for_buyer,
    orders_for_shop,
    orders_with_escrow,
)
from orders.services import lifecycle, preorders
from sellers.selectors import shop_of_user
from web.filters import status_filter


class OrderItemOutputSerializer(serializers.Serializer):
    listing = serializers.IntegerField(source="listing_id")
    title = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price_cents = serializers.IntegerField()


class OrderShipmentOutputSerializer(serializers.Serializer):
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()
    shipped_at = serializers.DateTimeField()


class OrderEscrowOutputSerializer(serializers.Serializer):
    status = serializers.CharField()
    held_cents = serializers.IntegerField()
    released_cents = serializers.IntegerField()
    refunded_cents = serializers.IntegerField()


class OrderEventOutputSerializer(serializers.Serializer):
    status = serializers.CharField()
    at = serializers.DateTimeField()
    note = serializers.CharField()


class OrderPreorderOutputSerializer(serializers.Serializer):
    ships_by = serializers.DateField(help_text="The promised ship date; ship_by is its end.")
    deposit_bps = serializers.IntegerField(
        help_text="Share of the total paid at checkout, in basis points (2000–10000).")
    deposit_cents = serializers.IntegerField(help_text="What was paid at checkout.")
    balance_cents = serializers.IntegerField(help_text="Still to pay; 0 when paid in full.")
    balance_due_at = serializers.DateTimeField(
        allow_null=True, help_text="Set when the seller marks it ready: pay by then, or the "
                                   "order is cancelled and the deposit refunded.")
    cancel_until = serializers.DateTimeField(
        allow_null=True, help_text="Set when the seller moved the ship date: until then the "
                                   "buyer may cancel for a full refund (cancel-after-move).")


class OrderHubOutputSerializer(serializers.Serializer):
    reference = serializers.CharField()
    name = serializers.CharField()
    opening_hours = serializers.CharField()
    parcel = serializers.CharField(help_text="not_shipped, on_the_way, waiting or collected "
                                             "(empty when cancelled or refunded).")
    parcel_label = serializers.CharField()
    arrived_at = serializers.DateTimeField(allow_null=True)


class OrderOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    shop = serializers.CharField()
    buyer = serializers.CharField()
    status = serializers.CharField()
    items = OrderItemOutputSerializer(many=True)
    subtotal_cents = serializers.IntegerField()
    shipping_cents = serializers.IntegerField()
    total_cents = serializers.IntegerField()
    currency = serializers.CharField()
    fulfillment = serializers.CharField()
    shipping_address = serializers.DictField()
    shipment = OrderShipmentOutputSerializer(allow_null=True)
    escrow = OrderEscrowOutputSerializer()
    ship_by = serializers.DateTimeField(allow_null=True)
    auto_confirm_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    pickup_code = serializers.CharField(allow_null=True)
    created = serializers.DateTimeField()
    timeline = OrderEventOutputSerializer(many=True)
    preorder = OrderPreorderOutputSerializer(allow_null=True)
    hub = OrderHubOutputSerializer(allow_null=True)


NO_ESCROW = {"status": "none", "held_cents": 0, "released_cents": 0, "refunded_cents": 0}


def orders_data(orders: list[Order], *, viewer) -> list[dict]:
    """Orders in API.md's shape; escrow figures for the whole page in two queries."""
    rows = []
    for order in orders_with_escrow(orders=orders):
        escrow = order.escrow
        is_buyer = order.buyer_id == viewer.pk
        rows.append({
            "id": order.pk,
            "shop": order.shop.slug,
            "buyer": order.buyer.display_name,
            "status": order.status,
            "items": order.items.all(),
            "subtotal_cents": order.subtotal_cents,
            "shipping_cents": order.shipping_cents,
            "total_cents": order.total_cents,
            "currency": order.currency,
            "fulfillment": order.fulfillment,
            "shipping_address": order.shipping_address,
            "shipment": {
                "carrier": order.carrier, "tracking_number": order.tracking_number,
                "shipped_at": order.shipped_at,
            } if order.shipped_at else None,
            "escrow": {
                "status": escrow.status, "held_cents": escrow.held_cents,
                "released_cents": escrow.released_cents,
                "refunded_cents": escrow.refunded_cents,
            } if escrow else NO_ESCROW,
            "ship_by": order.ship_by,
            "auto_confirm_at": order.auto_confirm_at,
            "delivered_at": order.delivered_at,
            # Only the buyer sees the hand-over code; the seller types what the buyer shows.
            "pickup_code": order.pickup_code
            if is_buyer and order.status == Order.Status.PAID and order.pickup_code
            and not order.hub_reference
            else order.pickup_code if is_buyer and order.hub_pickup_code_shown else None,
            "created": order.created,
            "timeline": order.events.all(),
            "preorder": {
                "ships_by": order.preorder_ships_by,
                "deposit_bps": order.preorder_deposit_bps,
                "deposit_cents": order.deposit_cents,
                "balance_cents": order.balance_cents,
                "balance_due_at": order.balance_due_at,
                "cancel_until": order.preorder_cancel_until,
            } if order.is_preorder else None,
            "hub": {
                "reference": order.hub_reference, "name": order.hub_name,
                "opening_hours": order.hub_hours, "parcel": order.hub_parcel,
                "parcel_label": order.hub_parcel_word, "arrived_at": order.hub_arrived_at,
            } if order.hub_reference else None,
        })
    return OrderOutputSerializer(rows, many=True).data


def _one(request, order: Order) -> Response:
    order = order_detail_queryset().get(pk=order.pk)
    return Response(orders_data([order], viewer=request.user)[0])


class BuyerOrdersApi(APIView):
    # Tells the schema the answer is a page ({count, next, previous, results}).
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS

    @extend_schema(responses={200: OrderOutputSerializer(many=True)})
    def get(self, request):
        paginator = api_settings.DEFAULT_PAGINATION_CLASS()
        page = paginator.paginate_queryset(orders_for_buyer(buyer=request.user), request, self)
        return paginator.get_paginated_response(orders_data(page, viewer=request.user))


class SellerOrdersApi(APIView):
    # Tells the schema the answer is a page ({count, next, previous, results}).
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS

    @extend_schema(responses={200: OrderOutputSerializer(many=True)})
    def get(self, request):
        shop = shop_of_user(user=request.user)
        status = status_filter(request.query_params.get("status"), allowed=Order.Status.values)
        paginator = api_settings.DEFAULT_PAGINATION_CLASS()
        page = paginator.paginate_queryset(
            orders_for_shop(shop=shop, status=status), request, self
        )
        return paginator.get_paginated_response(orders_data(page, viewer=request.user))


class OrderApi(APIView):
    @extend_schema(responses={200: OrderOutputSerializer})
    def get(self, request, order_id: int):
        order = order_for_party(user=request.user, order_id=order_id,
                                queryset=order_detail_queryset())
        return Response(orders_data([order], viewer=request.user)[0])


class OrderShipInputSerializer(serializers.Serializer):
    carrier = serializers.CharField(max_length=40)
    tracking_number = serializers.CharField(max_length=64)


class OrderDisputeInputSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=lifecycle.DISPUTE_REASONS)
    details = serializers.CharField(max_length=2000)


class OrderReviewInputSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    text = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class OrderPickupInputSerializer(serializers.Serializer):
    code = serializers.RegexField(r"^\d{6}$", error_messages={"invalid": "Enter the 6 digits."})


class OrderShipApi(APIView):
    @extend_schema(request=OrderShipInputSerializer, responses={200: OrderOutputSerializer})
    def post(self, request, order_id: int):
        data = OrderShipInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = lifecycle.order_ship(order_id=order_id, seller=request.user, **data.validated_data)
        return _one(request, order)


class OrderReadyApi(APIView):
    """The seller has a pre-order ready to ship: the buyer's balance is due within 5 days."""

    @extend_schema(request=None, responses={200: OrderOutputSerializer})
    def post(self, request, order_id: int):
        return _one(request, preorders.preorder_mark_ready(order_id=order_id,
                                                           seller=request.user))


class OrderBalancePayInputSerializer(serializers.Serializer):
    payment_method = serializers.CharField(max_length=200)


class OrderBalancePayApi(APIView):
    """The buyer pays a pre-order's balance with a card (server-side confirmation)."""

    @extend_schema(request=OrderBalancePayInputSerializer,
                   responses={200: OrderOutputSerializer})
    def post(self, request, order_id: int):
        data = OrderBalancePayInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = preorders.preorder_balance_pay(
            buyer=request.user, order_id=order_id,
            payment_method=data.validated_data["payment_method"])
        return _one(request, order)


class OrderBalanceSyncApi(APIView):
    @extend_schema(request=None, responses={200: OrderOutputSerializer})
    def post(self, request, order_id: int):
        return _one(request, preorders.preorder_balance_sync(buyer=request.user,
                                                             order_id=order_id))


class OrderConfirmReceiptApi(APIView):
    @extend_schema(request=None, responses={200: OrderOutputSerializer})
    def post(self, request, order_id: int):
        return _one(request, lifecycle.order_confirm_receipt(order_id=order_id, buyer=request.user))


class OrderCancelApi(APIView):
    @extend_schema(request=None, responses={200: OrderOutputSerializer})
    def post(self, request, order_id: int):
        return _one(request, lifecycle.order_cancel(order_id=order_id, actor=request.user))


class OrderDisputeApi(APIView):
    @extend_schema(request=OrderDisputeInputSerializer, responses={200: OrderOutputSerializer})
    def post(self, request, order_id: int):
        data = OrderDisputeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = lifecycle.order_dispute(
            order_id=order_id, buyer=request.user, **data.validated_data
        )
        return _one(request, order)


class OrderExtendApi(APIView):
    @extend_schema(request=None, responses={200: OrderOutputSerializer})
    def post(self, request, order_id: int):
        order = lifecycle.order_extend_confirm_window(order_id=order_id, buyer=request.user)
        return _one(request, order)


class OrderPickupApi(APIView):
    @extend_schema(request=OrderPickupInputSerializer, responses={200: OrderOutputSerializer})
    def post(self, request, order_id: int):
        data = OrderPickupInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = lifecycle.order_pickup_complete(
            order_id=order_id, seller=request.user, code=data.validated_data["code"]
        )
        return _one(request, order)


class OrderDeliveredApi(APIView):
    @extend_schema(request=None, responses={200: OrderOutputSerializer})
    def post(self, request, order_id: int):
        return _one(request, lifecycle.order_mark_delivered(order_id=order_id, user=request.user))


class OrderPickupCodeApi(APIView):
    @extend_schema(request=None, responses={200: OrderOutputSerializer})
    def post(self, request, order_id: int):
        order = lifecycle.order_pickup_code_renew(order_id=order_id, buyer=request.user)
        return _one(request, order)


class OrderReviewOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    rating = serializers.IntegerField()
    text = serializers.CharField()
    created = serializers.DateTimeField()


class OrderReviewApi(APIView):
    @extend_schema(request=OrderReviewInputSerializer, responses={201: OrderReviewOutputSerializer})
    def post(self, request, order_id: int):
        data = OrderReviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = lifecycle.review_create(
            order_id=order_id, buyer=request.user, **data.validated_data
        )
        return Response(OrderReviewOutputSerializer(review).data, status=201)
