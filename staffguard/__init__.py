"""Staff second-factor checks that any app may use: plain Python on the session, no models.

It sits below every domain app (like notifications it imports none), so moderation and
payments can guard their money-moving decisions without importing marketplace. The writes
(enrolling, verifying, staff tokens, resets) live in marketplace/accounts/second_factor.py,
which records the time of the last verified code in the session under VERIFIED_AT, or on the
staff token (`code_verified_at`) for a call authenticated by one.

- `fresh_code_required`: a page decorator; without a code from the last
  STAFF_FRESH_CODE_MINUTES (15) it sends the person to enter one and comes back.
- `FreshCode`: the same rule as a DRF permission (403 with a message saying what to do).
"""

import functools
import time

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from rest_framework.permissions import BasePermission

VERIFIED_AT = "staff_code_verified_at"  # epoch seconds of the last verified code
SIGNED_IN_AT = "staff_signed_in_at"  # epoch seconds of the password step
SEEN_AT = "staff_seen_at"  # epoch seconds of the last request
FRESH_CODE_MESSAGE = (
    "This decision moves money: confirm it with a fresh code from your authenticator app "
    "(the last one was entered more than {minutes} minutes ago)."
)
FRESH_CODE_API_MESSAGE = (
    "This decision moves money and needs a code entered in the last {minutes} minutes: send "
    "a fresh one to POST /api/v1/auth/staff-code, then repeat this request."
)


def now() -> float:
    """Epoch seconds from Django's clock (tests move it by replacing timezone.now)."""
    return timezone.now().timestamp() if settings.USE_TZ else time.time()


def second_factor_required() -> bool:
    return settings.STAFF_SECOND_FACTOR == "required"


def code_age(request) -> float | None:
    """Seconds since the caller last entered a code, or None if never in this session/token."""
    auth = getattr(request, "auth", None)
    stamped = getattr(auth, "code_verified_at", None)
    if stamped is not None:
        return now() - stamped.timestamp()
    session = getattr(request, "session", None)
    verified_at = session.get(VERIFIED_AT) if session is not None else None
    return None if verified_at is None else now() - float(verified_at)


def has_fresh_code(request) -> bool:
    if not second_factor_required():
        return True
    age = code_age(request)
    return age is not None and age <= settings.STAFF_FRESH_CODE_MINUTES * 60


def _back_to(request) -> str:
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return referer
    return request.path if request.method == "GET" else reverse("staff-dashboard")


def fresh_code_required(view):
    """Pages: a money-moving decision needs a code from the last 15 minutes."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            raise PermissionDenied("Sign in first.")
        if not has_fresh_code(request):
            minutes = settings.STAFF_FRESH_CODE_MINUTES
            messages.warning(request, FRESH_CODE_MESSAGE.format(minutes=minutes))
            verify = reverse("second-factor-verify")
            return redirect(f"{verify}?{urlencode({'next': _back_to(request)})}")
        return view(request, *args, **kwargs)

    return wrapped


class FreshCode(BasePermission):
    """DRF: a money-moving decision needs a code from the last 15 minutes (else 403)."""

    def has_permission(self, request, view):
        if has_fresh_code(request):
            return True
        self.message = FRESH_CODE_API_MESSAGE.format(minutes=settings.STAFF_FRESH_CODE_MINUTES)
        return False
