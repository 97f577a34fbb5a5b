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
from .models import StaffToken
from .services import user_authenticate, user_register

# Serializer class names are unique across the project: drf-spectacular names schema components
# after them, and two components of one name would corrupt the OpenAPI document.


class RegisterInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    display_name = serializers.CharField(max_length=60)


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


class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: MeOutputSerializer})
    def get(self, request):
        user = request.user
        shop = getattr(user, "shop", None)
        return Response(
            MeOutputSerializer(
                {
                    "id": user.id,
                    "email": user.email,
                    "display_name": user.display_name,
                    "is_seller": shop is not None,
                    "shop": shop.slug if shop is not None else None,
                    "is_staff": user.is_staff,
                }
            ).data
        )


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
