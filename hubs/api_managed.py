"""REST API of managed shops (docs/api.md "Village hubs: managed shops"): parse, call one
service or selector, render. Another hub's or another agent's shop is 404; the agency is
re-read on every request."""

import json

from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from orders.api.orders import OrderPickupInputSerializer, OrderShipInputSerializer
from sellers.api import MAX_UPLOAD_REQUEST_BYTES
from sellers.errors import ImageTooLarge
from sellers.selectors import listing_of_owner
from sellers.serializers import (
    SellersImageOutputSerializer,
    SellersListingCreatedOutputSerializer,
    SellersListingCreateInputSerializer,
    SellersListingDetailOutputSerializer,
    SellersListingUpdateInputSerializer,
)

from .errors import NotFound
from .selectors import managed_shop_for_agent
from .selectors_managed import (
    managed_shop_latest_of_owner,
    managed_shop_overview,
    managed_shops_listed,
    shop_activity,
)
from .services import agent_acts, takeover
from .services.managed import managed_shop_open, managed_shop_revoke

TOO_LARGE = "That photo is over 10 MB. Please upload a smaller one."


def _refuse_oversized(request) -> None:
    # Refuse an oversized body before reading it; the image check reads the file itself too.
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_UPLOAD_REQUEST_BYTES:
        raise ImageTooLarge(TOO_LARGE)


class HubsOwnerAddressSerializer(serializers.Serializer):
    # Bounds and formats are the service's (orders' address check), so pages and the API agree.
    name = serializers.CharField(max_length=1000, allow_blank=True)
    line1 = serializers.CharField(max_length=1000, allow_blank=True)
    line2 = serializers.CharField(max_length=1000, allow_blank=True, required=False, default="")
    city = serializers.CharField(max_length=1000, allow_blank=True)
    state = serializers.CharField(max_length=100, allow_blank=True)
    postal_code = serializers.CharField(max_length=100, allow_blank=True)


@extend_schema_field(HubsOwnerAddressSerializer)
class HubsAddressField(serializers.JSONField):
    """An object in a JSON body; the same object as a JSON string in a multipart body."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                self.fail("invalid")
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                "Send the address as an object: {name, line1, line2, city, state, "
                "postal_code}.")
        return data


class HubsManagedShopOpenInputSerializer(serializers.Serializer):
    owner_name = serializers.CharField(max_length=1000, allow_blank=True)
    owner_phone = serializers.CharField(max_length=100, allow_blank=True,
                                        help_text="A US number; stored as E.164 (+1…).")
    owner_email = serializers.CharField(max_length=1000, allow_blank=True, required=False,
                                        default="")
    owner_address = HubsAddressField(
        help_text="{name, line1, line2, city, state, postal_code}; in a multipart "
                               "body, the same object as a JSON string.")
    shop_name = serializers.CharField(max_length=1000, allow_blank=True)
    shop_description = serializers.CharField(max_length=50_000, allow_blank=True,
                                             required=False, default="")
    consent_on = serializers.CharField(max_length=40, help_text="YYYY-MM-DD: today or within "
                                                                "the last 30 days.")
    consent_statement = serializers.CharField(max_length=20_000, allow_blank=True)
    consent_photo = serializers.FileField(required=False, allow_null=True, default=None,
                                          help_text="The signed paper form (JPEG, PNG, WebP; "
                                                    "at most 10 MB).")


class HubsManagedShopOutputSerializer(serializers.Serializer):
    shop = inline_serializer("HubsManagedShopShop", {
        "id": serializers.IntegerField(), "slug": serializers.CharField(),
        "name": serializers.CharField(), "status": serializers.CharField()})
    owner = inline_serializer("HubsManagedShopOwner", {
        "id": serializers.IntegerField(), "display_name": serializers.CharField(),
        "has_email": serializers.BooleanField(source="email")}, source="shop.owner")
    hub = inline_serializer("HubsManagedShopHub", {
        "slug": serializers.CharField(), "name": serializers.CharField()})
    agent = serializers.CharField(source="agent.display_name")
    consent_on = serializers.DateField()
    has_consent_photo = serializers.BooleanField(source="consent_photo")
    created = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    end_reason = serializers.CharField(help_text="owner_revoked, owner_took_over, "
                                                 "agent_removed or empty while it lasts.")


class HubsActOutputSerializer(serializers.Serializer):
    action = serializers.CharField()
    action_label = serializers.CharField(source="get_action_display")
    by = serializers.SerializerMethodField(help_text="Who acted: the agent's name, or empty "
                                                     "when the owner did.")
    owner = serializers.SerializerMethodField()
    reference = serializers.CharField()
    detail = serializers.CharField()
    at = serializers.DateTimeField()

    def get_by(self, act) -> str:
        return act.agent.display_name if act.agent_id else ""

    def get_owner(self, act) -> str:
        return act.owner.display_name if act.owner_id else ""


class HubsManagedListingOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField()
    stock = serializers.IntegerField()
    price_cents = serializers.IntegerField()


class HubsManagedOrderOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    fulfillment = serializers.CharField()
    total_cents = serializers.IntegerField()
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()
    created = serializers.DateTimeField()


class HubsManagedShopDetailOutputSerializer(serializers.Serializer):
    managed = HubsManagedShopOutputSerializer()
    listings = HubsManagedListingOutputSerializer(many=True)
    orders = HubsManagedOrderOutputSerializer(many=True)
    activity = HubsActOutputSerializer(many=True)


class HubsStockInputSerializer(serializers.Serializer):
    stock = serializers.IntegerField(min_value=0, max_value=100_000)


class HubsDisputeAnswerInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=4000)


def _managed(request, shop_id):
    return managed_shop_for_agent(user=request.user, shop_id=shop_id)


class ManagedShopsApi(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    # Tells the schema the GET answer is a page ({count, next, previous, results}).
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS

    @extend_schema(responses={200: HubsManagedShopOutputSerializer(many=True)})
    def get(self, request):
        """The shops the signed-in agent runs now (none for anyone else), by name."""
        paginator = api_settings.DEFAULT_PAGINATION_CLASS()
        page = paginator.paginate_queryset(managed_shops_listed(user=request.user), request,
                                           self)
        return paginator.get_paginated_response(
            HubsManagedShopOutputSerializer(page, many=True).data)

    @extend_schema(request={"application/json": HubsManagedShopOpenInputSerializer,
                            "multipart/form-data": HubsManagedShopOpenInputSerializer},
                   responses={201: HubsManagedShopOutputSerializer})
    def post(self, request):
        _refuse_oversized(request)
        data = HubsManagedShopOpenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        managed = managed_shop_open(agent=request.user, **data.validated_data)
        return Response(HubsManagedShopOutputSerializer(managed).data,
                        status=status.HTTP_201_CREATED)


class ManagedShopApi(APIView):
    @extend_schema(responses={200: HubsManagedShopDetailOutputSerializer})
    def get(self, request, shop_id):
        managed = _managed(request, shop_id)
        return Response(HubsManagedShopDetailOutputSerializer(
            {"managed": managed, **managed_shop_overview(managed=managed)}).data)


class ManagedListingsApi(APIView):
    @extend_schema(request=SellersListingCreateInputSerializer,
                   responses={201: SellersListingCreatedOutputSerializer})
    def post(self, request, shop_id):
        data = SellersListingCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        listing = agent_acts.agent_listing_create(agent=request.user, shop_id=shop_id,
                                                  values=data.validated_data)
        return Response(SellersListingCreatedOutputSerializer(listing).data,
                        status=status.HTTP_201_CREATED)


def _listing_detail(request, shop_id, listing_id):
    managed = _managed(request, shop_id)
    listing = listing_of_owner(listing_id=listing_id, user=managed.shop.owner)
    return Response(SellersListingDetailOutputSerializer(listing).data)


class ManagedListingApi(APIView):
    @extend_schema(request=SellersListingUpdateInputSerializer,
                   responses={200: SellersListingDetailOutputSerializer})
    def patch(self, request, shop_id, listing_id):
        data = SellersListingUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        agent_acts.agent_listing_update(agent=request.user, shop_id=shop_id,
                                        listing_id=listing_id, changes=data.validated_data)
        return _listing_detail(request, shop_id, listing_id)


class ManagedListingStockApi(APIView):
    @extend_schema(request=HubsStockInputSerializer,
                   responses={200: SellersListingDetailOutputSerializer})
    def post(self, request, shop_id, listing_id):
        data = HubsStockInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        agent_acts.agent_stock_set(agent=request.user, shop_id=shop_id, listing_id=listing_id,
                                   stock=data.validated_data["stock"])
        return _listing_detail(request, shop_id, listing_id)


class ManagedListingImagesApi(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": inline_serializer(
            "HubsImageUploadInput", {"image": serializers.FileField()})},
        responses={201: SellersImageOutputSerializer},
    )
    def post(self, request, shop_id, listing_id):
        _refuse_oversized(request)
        upload = request.FILES.get("image")
        if upload is None:
            raise serializers.ValidationError({"image": ["Choose a photo to upload."]})
        photo = agent_acts.agent_photo_add(agent=request.user, shop_id=shop_id,
                                           listing_id=listing_id, upload=upload)
        return Response(SellersImageOutputSerializer(photo).data,
                        status=status.HTTP_201_CREATED)


class ManagedOrderShipApi(APIView):
    @extend_schema(request=OrderShipInputSerializer,
                   responses={200: HubsManagedOrderOutputSerializer})
    def post(self, request, shop_id, order_id):
        data = OrderShipInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = agent_acts.agent_order_ship(agent=request.user, shop_id=shop_id,
                                            order_id=order_id, **data.validated_data)
        return Response(HubsManagedOrderOutputSerializer(order).data)


class ManagedOrderPickupApi(APIView):
    @extend_schema(request=OrderPickupInputSerializer,
                   responses={200: HubsManagedOrderOutputSerializer})
    def post(self, request, shop_id, order_id):
        data = OrderPickupInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = agent_acts.agent_order_hand_over(agent=request.user, shop_id=shop_id,
                                                 order_id=order_id,
                                                 code=data.validated_data["code"])
        return Response(HubsManagedOrderOutputSerializer(order).data)


class ManagedDisputeAnswerApi(APIView):
    @extend_schema(request=HubsDisputeAnswerInputSerializer,
                   responses={201: inline_serializer("HubsDisputeAnswerOutput", {
                       "order_id": serializers.IntegerField(),
                       "role": serializers.CharField(),
                       "created": serializers.DateTimeField()})})
    def post(self, request, shop_id, order_id):
        data = HubsDisputeAnswerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        statement = agent_acts.agent_dispute_answer(agent=request.user, shop_id=shop_id,
                                                    order_id=order_id,
                                                    text=data.validated_data["text"])
        return Response({"order_id": statement.order_id, "role": statement.role,
                         "created": serializers.DateTimeField().to_representation(
                             statement.created)}, status=status.HTTP_201_CREATED)


class ManagedTakeoverLinkApi(APIView):
    @extend_schema(request=None, responses={202: inline_serializer(
        "HubsTakeoverLinkOutput", {"detail": serializers.CharField()})})
    def post(self, request, shop_id):
        managed = takeover.takeover_link_send(agent=request.user, shop_id=shop_id)
        return Response({"detail": f"A link to run the shop is sent to "
                                   f"{managed.shop.owner.display_name}."},
                        status=status.HTTP_202_ACCEPTED)


class OwnerHubAgentApi(APIView):
    """The owner's view of the agency over their shop (live or the latest ended one)."""

    @extend_schema(responses={200: inline_serializer("HubsOwnerAgency", {
        "managed": HubsManagedShopOutputSerializer(),
        "activity": HubsActOutputSerializer(many=True)})})
    def get(self, request):
        managed = managed_shop_latest_of_owner(owner=request.user)
        if managed is None:
            raise NotFound("No agent runs your shop.")
        return Response({"managed": HubsManagedShopOutputSerializer(managed).data,
                         "activity": HubsActOutputSerializer(
                             shop_activity(shop_id=managed.shop_id), many=True).data})


class OwnerHubAgentRevokeApi(APIView):
    @extend_schema(request=None, responses={200: HubsManagedShopOutputSerializer})
    def post(self, request):
        managed = managed_shop_latest_of_owner(owner=request.user)
        if managed is None:
            raise NotFound("No agent runs your shop.")
        managed = managed_shop_revoke(owner=request.user, shop_id=managed.shop_id)
        return Response(HubsManagedShopOutputSerializer(managed).data)


class HubsTakeoverInputSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=1000, help_text="From the take-over link "
                                                             "(/hub/takeover/<token>/).")
    email = serializers.CharField(max_length=1000)
    password = serializers.CharField(max_length=1000, trim_whitespace=False)


class TakeoverApi(APIView):
    """Signed out: the owner of a managed shop takes it over; the signed token is the
    credential."""

    permission_classes = [AllowAny]

    @extend_schema(request=HubsTakeoverInputSerializer, responses={200: inline_serializer(
        "HubsTakeoverOutput", {"detail": serializers.CharField()})})
    def post(self, request):
        data = HubsTakeoverInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        takeover.managed_shop_take_over(**data.validated_data)
        return Response({"detail": "The shop is yours to run. Log in with your e-mail "
                                   "address and new password."})
