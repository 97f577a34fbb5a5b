from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from orders.models import Checkout
from orders.services.checkout import checkout_abandon, checkout_create
from orders.services.payment_outcomes import checkout_pay, checkout_sync


class ShippingAddressInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    line1 = serializers.CharField(max_length=120)
    line2 = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=80)
    state = serializers.CharField(max_length=2)
    postal_code = serializers.CharField(max_length=10)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    country = serializers.CharField(max_length=3, required=False, default="US")


class CheckoutInputSerializer(serializers.Serializer):
    shipping_address = ShippingAddressInputSerializer(required=False)
    fulfillment = serializers.ChoiceField(choices=["ship", "pickup"])
    # Keep the shipping address among the buyer's saved addresses once the payment succeeds.
    save_address = serializers.BooleanField(required=False, default=False)
    # Ship to a village hub instead of an address (its slug, from GET /api/v1/hub-points):
    # the parcel goes to the hub and the buyer collects it there with their code.
    hub = serializers.CharField(max_length=100, required=False, help_text=(
        "A village hub's slug (GET /api/v1/hub-points): ship there and collect it with "
        "your hand-over code. Not together with shipping_address."))

    def validate(self, attrs):
        if attrs.get("hub") and "shipping_address" in attrs:
            raise serializers.ValidationError({"hub": [
                "Send either a hub or a shipping address, not both: the hub's address is "
                "where the parcel goes."]})
        if attrs["fulfillment"] == "ship" and "shipping_address" not in attrs and not attrs.get(
                "hub"):
            raise serializers.ValidationError(
                {"shipping_address": ["A shipping address (or a hub) is required to ship."]}
            )
        return attrs


class CheckoutPaymentOutputSerializer(serializers.Serializer):
    provider = serializers.CharField()
    payment_intent_id = serializers.CharField()
    client_secret = serializers.CharField()
    status = serializers.CharField()
    message = serializers.CharField()


class CheckoutOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    orders = serializers.ListField(child=serializers.IntegerField())
    amount_cents = serializers.IntegerField()
    currency = serializers.CharField()
    fulfillment = serializers.CharField()
    expires_at = serializers.DateTimeField()
    payment = CheckoutPaymentOutputSerializer()


class CheckoutPayInputSerializer(serializers.Serializer):
    payment_method = serializers.CharField(max_length=200)


def checkout_data(checkout: Checkout) -> dict:
    return CheckoutOutputSerializer({
        "id": checkout.pk,
        "status": checkout.status,
        "orders": sorted(checkout.orders.values_list("pk", flat=True)),
        "amount_cents": checkout.amount_cents,
        "currency": checkout.currency,
        "fulfillment": checkout.fulfillment,
        "expires_at": checkout.expires_at,
        "payment": {
            "provider": "stripe",
            "payment_intent_id": checkout.payment_intent_id,
            "client_secret": checkout.client_secret,
            "status": checkout.payment_status,
            "message": checkout.payment_message,
        },
    }).data


# Throttled by the project's default throttle class: scope "checkout", settings.RATE_LIMITS
# (429 with Retry-After and a message), counted per buyer across the API and the pages.
class CheckoutApi(APIView):
    @extend_schema(
        request=CheckoutInputSerializer,
        responses={201: CheckoutOutputSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER,
                                     required=True)],
    )
    def post(self, request):
        data = CheckoutInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = checkout_create(
            buyer=request.user,
            idempotency_key=request.headers.get("Idempotency-Key", ""),
            fulfillment=data.validated_data["fulfillment"],
            shipping_address=data.validated_data.get("shipping_address"),
            save_address=data.validated_data["save_address"],
            hub=data.validated_data.get("hub"),
        )
        return Response(checkout_data(result.checkout), status=status.HTTP_201_CREATED)


class CheckoutPayApi(APIView):
    @extend_schema(request=CheckoutPayInputSerializer, responses={200: CheckoutOutputSerializer})
    def post(self, request, checkout_id: int):
        data = CheckoutPayInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        checkout = checkout_pay(
            buyer=request.user, checkout_id=checkout_id,
            payment_method=data.validated_data["payment_method"],
        )
        return Response(checkout_data(checkout))


class CheckoutSyncApi(APIView):
    @extend_schema(request=None, responses={200: CheckoutOutputSerializer})
    def post(self, request, checkout_id: int):
        checkout = checkout_sync(buyer=request.user, checkout_id=checkout_id)
        return Response(checkout_data(checkout))


class CheckoutCancelApi(APIView):
    """Go back from paying: the unpaid checkout closes, its stock is released, the cart keeps
    its items; 409 if the payment already succeeded (the orders stand)."""

    @extend_schema(request=None, responses={200: CheckoutOutputSerializer})
    def post(self, request, checkout_id: int):
        checkout = checkout_abandon(buyer=request.user, checkout_id=checkout_id)
        return Response(checkout_data(checkout))
