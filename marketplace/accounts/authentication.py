"""API authentication: API tokens, staff tokens and sessions, with the staff door rule.

Staff endpoints (STAFF_API_PREFIXES) need more than an API token: a session verified with a
code within the last 12 hours (SessionAuthentication) or a staff token (StaffTokenAuthentication,
`Authorization: StaffToken <key>`, created only from such a session, valid 12 hours). A staff
member who comes with a plain API token or an unverified session is refused with 403 and a
message saying what to do; everyone else reaches the endpoint's own permission check as before.
"""

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .second_factor import needs_second_factor, session_is_verified, staff_token_find

STAFF_API_PREFIXES = ("/api/v1/moderation/",)
STAFF_API_MESSAGE = (
    "Staff endpoints need a staff token (POST /api/v1/auth/staff-token from a session verified "
    "with your authenticator code) or such a session; an API token alone is not enough."
)


def is_staff_api(request) -> bool:
    return request.path.startswith(STAFF_API_PREFIXES)


def _staff_door(request, user) -> None:
    if is_staff_api(request) and needs_second_factor(user):
        raise exceptions.PermissionDenied(STAFF_API_MESSAGE)


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            _staff_door(request, result[0])
        return result


class SessionAuthentication(authentication.SessionAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and not session_is_verified(request._request):
            _staff_door(request, result[0])
        return result


class StaffTokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: StaffToken <key>`: a header the browser never sends on its own."""

    keyword = "StaffToken"

    def authenticate_credentials(self, key):
        token = staff_token_find(key)
        if token is None or not token.user.is_active or not token.user.is_staff:
            raise exceptions.AuthenticationFailed("Invalid staff token.")
        if token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed(
                "This staff token has expired: staff tokens last 12 hours. Sign in, enter a "
                "code and create a new one.")
        return token.user, token


class StaffTokenScheme(OpenApiAuthenticationExtension):
    target_class = "marketplace.accounts.authentication.StaffTokenAuthentication"
    name = "staffTokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey", "in": "header", "name": "Authorization",
            "description": (
                "`StaffToken <key>`: for staff endpoints (/api/v1/moderation/…). Created by "
                "POST /api/v1/auth/staff-token from a session verified with an authenticator "
                "code; expires 12 hours after creation. Decisions that move money also need "
                "a code from the last 15 minutes (POST /api/v1/auth/staff-code)."),
        }


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "marketplace.accounts.authentication.TokenAuthentication"
    name = "tokenAuth"
    match_subclasses = True
    priority = 1

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey", "in": "header", "name": "Authorization",
            "description": ("`Token <key>` from POST /api/v1/auth/token. Not enough on its "
                            "own for staff endpoints."),
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "marketplace.accounts.authentication.SessionAuthentication"
    name = "cookieAuth"
    priority = 1

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid",
                "description": "The site's session; staff endpoints need it verified with "
                               "an authenticator code in the last 12 hours."}
