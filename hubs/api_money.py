"""REST endpoints of the money at a hub (docs/api.md "Village hubs: money"): an agent starts a
cash-out for a managed shop's owner and confirms it with the owner's code or the signed
receipt; the agent reads the owner's statement. Not a verified agent → 403; another hub's or
agent's shop or cash-out → 404."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from payments.selectors import hub_cash_out_rooms, statement_totals

from .errors import NotFound
from .selectors import agency_of, managed_shop_for_agent
from .services import money


class IsVerifiedAgent(BasePermission):
    message = "Only a hub's verified agents may do this."

    def has_permission(self, request, view):
        return agency_of(user=request.user) is not None


class CashOutStartInputSerializer(serializers.Serializer):
    amount_cents = serializers.IntegerField(min_value=1, max_value=10**11)


class CashOutConfirmInputSerializer(serializers.Serializer):
    code = serializers.CharField(required=False, allow_blank=True, max_length=6,
                                 help_text="The 6-digit code the owner was sent.")
    receipt = serializers.ImageField(required=False,
                                     help_text="Or a photo of the signed receipt (multipart).")


class CashOutOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    shop_id = serializers.IntegerField()
    hub_id = serializers.IntegerField()
    amount_cents = serializers.IntegerField()
    currency = serializers.CharField()
    status = serializers.CharField(help_text="awaiting | collected | cancelled")
    status_label = serializers.CharField(source="get_status_display")
    proof = serializers.CharField(help_text='"code", "receipt" or "" while awaiting')
    code_sent_to = serializers.CharField(help_text='"phone +1…" or "email …"')
    code_expires_at = serializers.DateTimeField(allow_null=True)
    code_failed_attempts = serializers.IntegerField()
    created = serializers.DateTimeField()
    collected_at = serializers.DateTimeField(allow_null=True)


class ShopCashOutsApi(APIView):
    permission_classes = [IsVerifiedAgent]

    @extend_schema(request=CashOutStartInputSerializer, responses={201: CashOutOutputSerializer},
                   summary="Start a cash-out at the hub for a managed shop's owner")
    def post(self, request, shop_id):
        data = CashOutStartInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cash_out = money.cash_out_start(user=request.user, shop_id=shop_id,
                                        amount_cents=data.validated_data["amount_cents"])
        return Response(CashOutOutputSerializer(cash_out).data, status=status.HTTP_201_CREATED)


class CashOutConfirmApi(APIView):
    permission_classes = [IsVerifiedAgent]

    @extend_schema(request=CashOutConfirmInputSerializer, responses={200: CashOutOutputSerializer},
                   summary="Confirm the owner collected the money (code or signed receipt)")
    def post(self, request, cash_out_id):
        code = request.data.get("code", "")
        if not isinstance(code, str):
            code = ""
        cash_out = money.cash_out_confirm(user=request.user, cash_out_id=cash_out_id,
                                          code=code, receipt=request.FILES.get("receipt"))
        return Response(CashOutOutputSerializer(cash_out).data)


class CashOutCancelApi(APIView):
    permission_classes = [IsVerifiedAgent]

    @extend_schema(request=None, responses={200: CashOutOutputSerializer},
                   summary="Cancel a cash-out still waiting for the owner")
    def post(self, request, cash_out_id):
        cash_out = money.cash_out_cancel(user=request.user, cash_out_id=cash_out_id)
        return Response(CashOutOutputSerializer(cash_out).data)


class ShopStatementOutputSerializer(serializers.Serializer):
    currency = serializers.CharField()
    sales_cents = serializers.IntegerField(help_text="Released from escrow, before deductions.")
    fees_cents = serializers.IntegerField()
    hub_commission_cents = serializers.IntegerField()
    owner_gets_cents = serializers.IntegerField()
    refunded_cents = serializers.IntegerField()
    paid_out_cents = serializers.IntegerField()
    collected_at_hub_cents = serializers.IntegerField()
    ready_to_collect_cents = serializers.IntegerField(
        help_text="What the owner may collect at the hub now.")


class ShopStatementApi(APIView):
    permission_classes = [IsVerifiedAgent]

    @extend_schema(responses={200: ShopStatementOutputSerializer},
                   summary="A managed shop's statement totals, for its agent")
    def get(self, request, shop_id):
        managed = managed_shop_for_agent(user=request.user, shop_id=shop_id)
        if managed.shop.owner_id == request.user.pk:
            raise NotFound("No managed shop with that number.")
        totals = statement_totals(shop=managed.shop)
        room = hub_cash_out_rooms(shops=[managed.shop]).get(managed.shop_id, 0)
        return Response(ShopStatementOutputSerializer(
            {**totals.__dict__, "ready_to_collect_cents": room}).data)
