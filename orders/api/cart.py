from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from orders.selectors import CartSummary, cart_summary
from orders.services.cart import cart_item_add, cart_item_remove, cart_item_update


class CartItemOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    listing = serializers.IntegerField(source="listing.id")
    title = serializers.CharField(source="listing.title")
    quantity = serializers.IntegerField()
    unit_price_cents = serializers.IntegerField()
    available = serializers.BooleanField()
    problem = serializers.CharField()


class CartShopOutputSerializer(serializers.Serializer):
    shop = serializers.CharField(source="shop.slug")
    name = serializers.CharField(source="shop.name")
    subtotal_cents = serializers.IntegerField()
    shipping_cents = serializers.IntegerField()
    pickup_available = serializers.BooleanField()


class CartOutputSerializer(serializers.Serializer):
    items = CartItemOutputSerializer(many=True, source="lines")
    shops = CartShopOutputSerializer(many=True)
    subtotal_cents = serializers.IntegerField()
    shipping_cents = serializers.IntegerField()
    total_cents = serializers.IntegerField()
    currency = serializers.CharField()


class CartItemAddInputSerializer(serializers.Serializer):
    listing = serializers.IntegerField(min_value=1)
    quantity = serializers.IntegerField(min_value=1, max_value=999, default=1)


class CartItemUpdateInputSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1, max_value=999)


def _cart_response(user, code=status.HTTP_200_OK) -> Response:
    summary: CartSummary = cart_summary(user=user)
    return Response(CartOutputSerializer(summary).data, status=code)


class CartApi(APIView):
    @extend_schema(responses={200: CartOutputSerializer})
    def get(self, request):
        return _cart_response(request.user)


class CartItemsApi(APIView):
    @extend_schema(request=CartItemAddInputSerializer, responses={201: CartOutputSerializer})
    def post(self, request):
        data = CartItemAddInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cart_item_add(
            user=request.user,
            listing_id=data.validated_data["listing"],
            quantity=data.validated_data["quantity"],
        )
        return _cart_response(request.user, status.HTTP_201_CREATED)


class CartItemApi(APIView):
    @extend_schema(request=CartItemUpdateInputSerializer, responses={200: CartOutputSerializer})
    def patch(self, request, item_id: int):
        data = CartItemUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cart_item_update(
            user=request.user, item_id=item_id, quantity=data.validated_data["quantity"]
        )
        return _cart_response(request.user)

    @extend_schema(responses={204: None})
    def delete(self, request, item_id: int):
        cart_item_remove(user=request.user, item_id=item_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
