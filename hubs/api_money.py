"""REST endpoints of the money at a hub (docs/api.md "Village hubs: money"): an agent starts a
cash-out for a managed shop's owner and confirms it with the owner's code or the signed
receipt; the agent reads the owner's statement. Not a verified agent → 403; another hub's or
agent's shop or cash-out → 404."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from payments.selectors import hub_cash_out_rooms, hub_cash_owed, statement_totals
from staffguard import FreshCode
from staffguard.admin import staff_holds

from .errors import NotFound
from .models import Hub
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


class ManagesPayouts(BasePermission):
    message = "Only staff who manage payouts may settle hubs."

    def has_permission(self, request, view):
        return staff_holds(request.user, "payments.manage_payouts")


class HubCashOutputSerializer(serializers.Serializer):
    hub_id = serializers.IntegerField()
    name = serializers.CharField()
    village = serializers.CharField()
    owed_cents = serializers.IntegerField(help_text="What the platform owes the hub now.")


class HubSettleInputSerializer(serializers.Serializer):
    amount_cents = serializers.IntegerField(min_value=1, max_value=10**11)
    note = serializers.CharField(max_length=300, help_text="How the hub was paid.")


class HubSettlementOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    hub_id = serializers.IntegerField()
    amount_cents = serializers.IntegerField()
    currency = serializers.CharField()
    note = serializers.CharField()
    created = serializers.DateTimeField()
    owed_cents = serializers.IntegerField(help_text="What the platform still owes the hub.")


class StaffHubCashApi(APIView):
    permission_classes = [ManagesPayouts]

    @extend_schema(responses={200: HubCashOutputSerializer(many=True)},
                   summary="What the platform owes each hub for cash handed to owners")
    def get(self, request):
        owed = hub_cash_owed()
        hubs = Hub.objects.select_related("village").filter(pk__in=list(owed)).order_by("name")
        return Response(HubCashOutputSerializer([
            {"hub_id": hub.pk, "name": hub.name, "village": str(hub.village),
             "owed_cents": owed[hub.pk]} for hub in hubs], many=True).data)


class StaffHubSettleApi(APIView):
    permission_classes = [ManagesPayouts, FreshCode]

    @extend_schema(request=HubSettleInputSerializer,
                   responses={201: HubSettlementOutputSerializer},
                   summary="Record that staff paid a hub part or all of what it is owed")
    def post(self, request, hub_id):
        data = HubSettleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        settlement = money.hub_settle(staff=request.user, hub_id=hub_id, **data.validated_data)
        left = hub_cash_owed(hub_ids=[settlement.hub_id]).get(settlement.hub_id, 0)
        return Response(HubSettlementOutputSerializer(
            {**{field: getattr(settlement, field) for field in
                ("id", "hub_id", "amount_cents", "currency", "note", "created")},
             "owed_cents": left}).data, status=status.HTTP_201_CREATED)
