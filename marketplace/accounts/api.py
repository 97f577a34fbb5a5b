from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from . import second_factor
from .authentication import SessionAuthentication, StaffTokenAuthentication
from .closing import AccountCloseRefused, account_close, account_data_export
from .models import StaffToken
from .services import (
    email_change_request,
    email_confirmation_send,
    password_change,
    password_reset_request,
    user_authenticate,
    user_profile_update,
    user_register,
)

# Serializer class names are unique across the project: drf-spectacular names schema components
# after them, and two components of one name would corrupt the OpenAPI document.


class RegisterInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    display_name = serializers.CharField(max_length=60)
    time_zone = serializers.CharField(
        max_length=64, required=False, allow_blank=True,
        help_text="IANA name (America/Denver); unknown or missing: America/Chicago.")


class UserOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    display_name = serializers.CharField()


class TokenInputSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class MeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    display_name = serializers.CharField()
    is_seller = serializers.BooleanField()
    shop = serializers.CharField(allow_null=True)
    is_staff = serializers.BooleanField()
    email_confirmed = serializers.BooleanField(
        help_text="Opening a shop and being paid out need a confirmed address.")
    time_zone = serializers.CharField()


class MeUpdateInputSerializer(serializers.Serializer):
    display_name = serializers.CharField(max_length=60, required=False)
    time_zone = serializers.CharField(max_length=64, required=False,
                                      help_text="An IANA time zone name, e.g. America/Denver.")


class PasswordAgainInputSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=128, trim_whitespace=False,
                                     help_text="The account's current password.")


class PasswordResetInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class EmailChangeInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254, help_text="The new address.")
    password = serializers.CharField(max_length=128, trim_whitespace=False,
                                     help_text="The account's current password.")


class PasswordChangeInputSerializer(serializers.Serializer):
    old_password = serializers.CharField(max_length=128, trim_whitespace=False)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)


class AcceptedOutputSerializer(serializers.Serializer):
    detail = serializers.CharField()


class CloseRefusedOutputSerializer(serializers.Serializer):
    detail = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())


class RegisterApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=RegisterInputSerializer, responses={201: UserOutputSerializer})
    def post(self, request):
        data = RegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_register(**data.validated_data)
        return Response(UserOutputSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=TokenInputSerializer,
        responses={200: inline_serializer("TokenOutput", {"token": serializers.CharField()})},
    )
    def post(self, request):
        data = TokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_authenticate(request=request, **data.validated_data)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


def _me(user) -> dict:
    shop = getattr(user, "shop", None)
    return MeOutputSerializer({
        "id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "is_seller": shop is not None,
        "shop": shop.slug if shop is not None else None,
        "is_staff": user.is_staff,
        "email_confirmed": user.email_confirmed_at is not None,
        "time_zone": user.time_zone,
    }).data


class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: MeOutputSerializer})
    def get(self, request):
        return Response(_me(request.user))

    @extend_schema(request=MeUpdateInputSerializer, responses={200: MeOutputSerializer})
    def patch(self, request):
        data = MeUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_profile_update(user=request.user, **data.validated_data)
        return Response(_me(user))

    @extend_schema(
        request=PasswordAgainInputSerializer,
        responses={204: None, 409: CloseRefusedOutputSerializer},
        description=(
            "Close the account: needs the password (counted in the log-in throttle) and is "
            "limited (429). Refused with 409 and `reasons` while an order is open or money "
            "is open (held in escrow, a refund or payout not settled, a balance owed). "
            "Afterwards the name, address and saved addresses are erased, the shop is "
            "closed and every token stops working."),
    )
    def delete(self, request):
        data = PasswordAgainInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            account_close(request=request._request, user=request.user,
                          password=data.validated_data["password"])
        except AccountCloseRefused as exc:
            return Response({"detail": str(exc), "reasons": exc.reasons},
                            status=status.HTTP_409_CONFLICT)
        if hasattr(request._request, "session"):
            request._request.session.flush()
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=PasswordResetInputSerializer, responses={202: AcceptedOutputSerializer},
        description=(
            "Mail a link to choose a new password (on the site) to the account of this "
            "address. The answer is the same whether an account has it or not. Limited per "
            "IP address and per address asked for (429)."),
    )
    def post(self, request):
        data = PasswordResetInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        password_reset_request(email=data.validated_data["email"])
        return Response({"detail": "If an account uses that address, a link to choose a new "
                                   "password is on its way."}, status=status.HTTP_202_ACCEPTED)


class EmailConfirmationApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={202: AcceptedOutputSerializer,
                                            200: AcceptedOutputSerializer},
                   description="Mail a new link that confirms the account's address (429 "
                               "past the limit); 200 when it is confirmed already.")
    def post(self, request):
        if not email_confirmation_send(user=request.user):
            return Response({"detail": "Your e-mail address is already confirmed."})
        return Response({"detail": f"We sent a new link to {request.user.email}."},
                        status=status.HTTP_202_ACCEPTED)


class EmailChangeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=EmailChangeInputSerializer, responses={202: AcceptedOutputSerializer},
        description=(
            "Mail a link to the new address; the account switches to it when the link is "
            "opened, and the old address is told. Needs the current password (log-in "
            "throttle); limited per account (429)."),
    )
    def post(self, request):
        data = EmailChangeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        address = email_change_request(request=request._request, user=request.user,
                                       new_email=data.validated_data["email"],
                                       password=data.validated_data["password"])
        return Response({"detail": f"We sent a link to {address}. Your address changes when "
                                   "you open it."}, status=status.HTTP_202_ACCEPTED)


class PasswordChangeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=PasswordChangeInputSerializer,
        responses={200: inline_serializer("PasswordChangedOutput",
                                          {"token": serializers.CharField()})},
        description=(
            "Change the password (the current one is checked under the log-in throttle). "
            "Every API token of the account stops working; the answer carries a new one."),
    )
    def post(self, request):
        data = PasswordChangeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = password_change(request=request._request, user=request.user,
                               old_password=data.validated_data["old_password"],
                               new_password=data.validated_data["new_password"])
        if hasattr(request._request, "session") and request._request.user.is_authenticated:
            update_session_auth_hash(request._request, user)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class DataExportApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=PasswordAgainInputSerializer,
        responses={200: inline_serializer("AccountDataOutput", {
            "exported_at": serializers.DateTimeField(), "profile": serializers.DictField(),
            "orders_as_buyer": serializers.ListField(),
            "shop": serializers.DictField(allow_null=True),
            "orders_as_seller": serializers.ListField(),
            "reviews_written": serializers.ListField(),
            "reviews_received": serializers.ListField(),
            "notifications": serializers.ListField(), "addresses": serializers.ListField(),
        })},
        description=(
            "Everything kept about the account, as JSON. A POST because it needs the "
            "password again (log-in throttle); limited per account (429)."),
    )
    def post(self, request):
        data = PasswordAgainInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        export = account_data_export(request=request._request, user=request.user,
                                     password=data.validated_data["password"])
        response = Response(export)
        response["Cache-Control"] = "no-store"
        return response


class StaffTokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: StaffToken <token>`.")
    expires_at = serializers.DateTimeField()


class StaffCodeInputSerializer(serializers.Serializer):
    code = serializers.CharField(
        max_length=32, help_text="The current authenticator code, or an unused recovery code.")


class StaffCodeOutputSerializer(serializers.Serializer):
    code_verified_at = serializers.DateTimeField()


class StaffTokenApi(APIView):
    """A staff token, from a session verified with an authenticator code only."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None, responses={201: StaffTokenOutputSerializer},
        description=(
            "Staff endpoints (/api/v1/moderation/…) do not accept an API token alone. Sign in "
            "on the site, enter your authenticator code, then call this with that session "
            "(cookie and CSRF token) to get a staff token. It expires 12 hours after creation "
            "and is shown once; send it as `Authorization: StaffToken <token>`. Decisions that "
            "move money also need a code entered in the last 15 minutes: "
            "POST /api/v1/auth/staff-code."),
    )
    def post(self, request):
        key, token = second_factor.staff_token_create(request=request._request)
        return Response({"token": key, "expires_at": token.expires_at},
                        status=status.HTTP_201_CREATED)


class StaffCodeApi(APIView):
    """Enter a fresh authenticator code for the staff token or session of this call."""

    authentication_classes = [StaffTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=StaffCodeInputSerializer, responses={200: StaffCodeOutputSerializer},
        description=(
            "Dispute outcomes, refunds and payouts need a code entered in the last 15 minutes. "
            "Send the current code (counted in the log-in throttle: 429 with Retry-After after "
            "10 wrong ones) with the staff token or the session that makes the decision."),
    )
    def post(self, request):
        if not request.user.is_staff:
            raise PermissionDenied("Only staff members enter codes here.")
        data = StaffCodeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        code = data.validated_data["code"]
        if isinstance(request.auth, StaffToken):
            token = second_factor.token_code_refresh(request=request._request,
                                                     token=request.auth, code=code)
            moment = token.code_verified_at
        else:
            second_factor.session_verify(request=request._request, code=code)
            moment = timezone.now()
        return Response({"code_verified_at": moment})
