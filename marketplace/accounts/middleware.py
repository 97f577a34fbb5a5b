"""Staff sessions that end, and the second-factor door in front of staff pages.

For a signed-in staff member, on every request:
- the session ends after STAFF_SESSION_IDLE_MINUTES (30) without a request and
  STAFF_SESSION_MAX_HOURS (12) after the password was entered, whatever happens in between;
- /staff/… and /admin/… open only once the session is verified with a code (django-otp's
  OTPMiddleware, installed just before this one, finds the verified device in the session):
  a page asked for with GET goes to "verify your code" (or to setting up an authenticator when
  the person has none), any other method is refused with 403.
The staff API applies the same rule in marketplace/accounts/authentication.py.
"""

import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpResponseForbidden
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

import staffguard

from .second_factor import (
    BROWSER_COOKIE,
    BROWSER_COOKIE_AGE,
    has_device,
    needs_second_factor,
    session_is_verified,
)
from .time_zones import time_zone_or_default

STAFF_PAGE_PREFIXES = ("/staff/", "/admin/")
OPEN_STAFF_PAGES = ("/admin/login/", "/admin/logout/")
API_PREFIX = "/api/"
SEEN_EVERY = 60  # seconds: the last-seen time is written at most once a minute


@receiver(user_logged_in)
def _staff_signed_in(sender, request, user, **kwargs):
    if request is not None and getattr(user, "is_staff", False) and hasattr(request, "session"):
        moment = staffguard.now()
        request.session[staffguard.SIGNED_IN_AT] = moment
        request.session[staffguard.SEEN_AT] = moment
        request.session.pop(staffguard.VERIFIED_AT, None)
        request.session.set_expiry(settings.STAFF_SESSION_IDLE_MINUTES * 60)


def second_factor_url(request, user, next_url: str) -> str:
    target = reverse("second-factor-verify" if has_device(user) else "second-factor-setup")
    return f"{target}?{urlencode({'next': next_url})}"


class StaffSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            ended = self._session_ended(request)
            if ended:
                logout(request)
                messages.info(request, ended)
            elif (request.path.startswith(STAFF_PAGE_PREFIXES)
                  and not request.path.startswith(OPEN_STAFF_PAGES)
                  and needs_second_factor(request.user) and not session_is_verified(request)):
                if request.method in ("GET", "HEAD"):
                    return redirect(second_factor_url(request, request.user,
                                                      request.get_full_path()))
                return HttpResponseForbidden(
                    "Staff pages need the code from your authenticator app first.")
        response = self.get_response(request)
        cookie = getattr(request, "staff_browser_cookie", None)
        if cookie:
            response.set_cookie(BROWSER_COOKIE, cookie, max_age=BROWSER_COOKIE_AGE,
                                httponly=True, secure=settings.SESSION_COOKIE_SECURE,
                                samesite="Lax")
        return response

    @staticmethod
    def _session_ended(request) -> str | None:
        session = request.session
        moment = staffguard.now()
        signed_in = session.get(staffguard.SIGNED_IN_AT)
        seen = session.get(staffguard.SEEN_AT)
        if signed_in is None or seen is None:  # signed in before these limits existed
            session[staffguard.SIGNED_IN_AT] = session[staffguard.SEEN_AT] = moment
            session.set_expiry(settings.STAFF_SESSION_IDLE_MINUTES * 60)
            return None
        if moment - float(seen) > settings.STAFF_SESSION_IDLE_MINUTES * 60:
            return (f"Your staff session ended after {settings.STAFF_SESSION_IDLE_MINUTES} "
                    "minutes without activity. Please log in again.")
        if moment - float(signed_in) > settings.STAFF_SESSION_MAX_HOURS * 3600:
            return (f"Staff sessions last at most {settings.STAFF_SESSION_MAX_HOURS} hours. "
                    "Please log in again.")
        if moment - float(seen) >= SEEN_EVERY:
            session[staffguard.SEEN_AT] = moment
            session.set_expiry(settings.STAFF_SESSION_IDLE_MINUTES * 60)
        return None


class TimeZoneMiddleware:
    """Show every time of a page in its person's zone (the default for anonymous ones).

    The API is left in UTC: its contract gives every timestamp in ISO 8601 UTC, and clients
    convert them themselves (they can read the person's zone at GET /api/v1/me).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(API_PREFIX):
            return self.get_response(request)
        user = getattr(request, "user", None)
        name = user.time_zone if user is not None and user.is_authenticated else ""
        timezone.activate(zoneinfo.ZoneInfo(time_zone_or_default(name)))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
