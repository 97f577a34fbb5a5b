from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from orders.selectors import saved_addresses_for_user
from orders.services.addresses import saved_address_add, saved_address_remove


class SavedAddressInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    line1 = serializers.CharField(max_length=120)
    line2 = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=80)
    state = serializers.CharField(max_length=2)
    postal_code = serializers.CharField(max_length=10)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    country = serializers.CharField(max_length=3, required=False, default="US")


class SavedAddressOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    line1 = serializers.CharField()
    line2 = serializers.CharField()
    city = serializers.CharField()
    state = serializers.CharField()
    postal_code = serializers.CharField()
    phone = serializers.CharField()
    country = serializers.CharField(default="US")
    last_used = serializers.DateTimeField()


class SavedAddressesApi(APIView):
    # Tells the schema the answer is a page ({count, next, previous, results}).
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS

    @extend_schema(responses={200: SavedAddressOutputSerializer(many=True)})
    def get(self, request):
        paginator = api_settings.DEFAULT_PAGINATION_CLASS()
        page = paginator.paginate_queryset(saved_addresses_for_user(user=request.user),
                                           request, self)
        return paginator.get_paginated_response(
            SavedAddressOutputSerializer(page, many=True).data
        )

    @extend_schema(request=SavedAddressInputSerializer,
                   responses={201: SavedAddressOutputSerializer})
    def post(self, request):
        data = SavedAddressInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        saved = saved_address_add(user=request.user, raw=data.validated_data)
        return Response(SavedAddressOutputSerializer(saved).data,
                        status=status.HTTP_201_CREATED)


class SavedAddressApi(APIView):
    @extend_schema(request=None, responses={204: None})
    def delete(self, request, address_id: int):
        saved_address_remove(user=request.user, address_id=address_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
