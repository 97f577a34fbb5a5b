import logging

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from sellers.selectors import shop_of_user

from .errors import PaymentsError, WebhookInvalid
from .selectors import payout_account_of, payout_list, shop_balance
from .services import webhook_event_receive
from .services.payout_accounts import payout_account_link, requirement_words

logger = logging.getLogger(__name__)


class SellerBalanceOutputSerializer(serializers.Serializer):
    currency = serializers.CharField()
    escrow_cents = serializers.IntegerField()
    available_cents = serializers.IntegerField()
    paid_out_cents = serializers.IntegerField()
    fees_cents = serializers.IntegerField()
    frozen_cents = serializers.IntegerField(
        help_text="Money a chargeback has frozen (held or released): not paid out meanwhile.")
    owed_cents = serializers.IntegerField(
        help_text="What the seller owes after a lost chargeback (available_cents is negative "
                  "by this much); later releases pay it back before any payout.")


class SellerPayoutOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    amount_cents = serializers.IntegerField()
    currency = serializers.CharField()
    status = serializers.CharField()
    method = serializers.CharField()
    created = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)
    provider_ref = serializers.CharField()


class SellerBalanceApi(APIView):
    @extend_schema(responses={200: SellerBalanceOutputSerializer})
    def get(self, request):
        balance = shop_balance(shop=shop_of_user(user=request.user))
        return Response(SellerBalanceOutputSerializer(balance).data)


class SellerPayoutListApi(generics.ListAPIView):
    serializer_class = SellerPayoutOutputSerializer

    def get_queryset(self):
        return payout_list(shop=shop_of_user(user=self.request.user))


class PayoutAccountOutputSerializer(serializers.Serializer):
    status = serializers.CharField(
        help_text="none (not set up) | onboarding | verifying | action_needed | enabled")
    status_label = serializers.CharField()
    charges_enabled = serializers.BooleanField()
    payouts_enabled = serializers.BooleanField()
    requirements_due = serializers.ListField(
        child=serializers.CharField(), help_text="Stripe's names of what is currently due.")
    requirements_due_words = serializers.ListField(child=serializers.CharField())


class PayoutAccountLinkOutputSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="Single-use Stripe onboarding link; it expires soon.")


def _payout_account_data(shop) -> dict:
    account = payout_account_of(shop_id=shop.pk)
    if account is None:
        return {"status": "none", "status_label": "Not set up", "charges_enabled": False,
                "payouts_enabled": False, "requirements_due": [], "requirements_due_words": []}
    return {"status": account.status, "status_label": account.get_status_display(),
            "charges_enabled": account.charges_enabled,
            "payouts_enabled": account.payouts_enabled,
            "requirements_due": account.requirements_due,
            "requirements_due_words": requirement_words(account.requirements_due)}


class SellerPayoutAccountApi(APIView):
    @extend_schema(responses={200: PayoutAccountOutputSerializer})
    def get(self, request):
        data = _payout_account_data(shop_of_user(user=request.user))
        return Response(PayoutAccountOutputSerializer(data).data)


class SellerPayoutAccountLinkApi(APIView):
    @extend_schema(request=None, responses={200: PayoutAccountLinkOutputSerializer})
    def post(self, request):
        """Create the payout account (the first time) and a Stripe onboarding link to it."""
        url = payout_account_link(
            shop=shop_of_user(user=request.user), email=request.user.email,
            return_url=request.build_absolute_uri("/sell/payouts/return/"),
            refresh_url=request.build_absolute_uri("/sell/payouts/refresh/"),
        )
        return Response(PayoutAccountLinkOutputSerializer({"url": url}).data)


@csrf_exempt  # the one CSRF-exempt view: Stripe signs the body instead (verified below)
@require_POST
def stripe_webhook(request):
    """Receive a Stripe event: 400 unless the signature matches the raw body."""
    try:
        result = webhook_event_receive(
            payload=request.body, signature=request.headers.get("Stripe-Signature")
        )
    except WebhookInvalid as error:
        return JsonResponse({"detail": str(error)}, status=400)
    except PaymentsError as error:
        logger.warning("Stripe webhook not applied yet: %s", error)
        return JsonResponse({"detail": str(error)}, status=503)
    return JsonResponse({"received": True, "result": result})
