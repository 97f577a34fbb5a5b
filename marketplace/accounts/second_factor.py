"""Staff second factor (django-otp): enrolment, verification, recovery codes, staff tokens,
resets, and the e-mail about a new browser.

Every check of a code goes through the log-in throttle (marketplace/accounts/throttling.py):
a wrong code counts like a wrong password, per account and per IP, and a staff member's
failure counter is cleared only by a verified code, not by the password alone. Codes are
checked only against the signed-in person's own devices, each under a row lock, so a code is
accepted once (django-otp keeps the last TOTP time step; a recovery code is deleted).
"""

import hashlib
import secrets
from base64 import b32encode
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import segno
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

import staffguard
from moderation.models import AuditLog
from moderation.services.audit import audit_record
from notifications.services import notify

from .models import KnownBrowser, StaffToken
from .throttling import login_attempt_begin, login_attempt_succeeded

User = get_user_model()

RECOVERY_CODES = 10
BROWSER_COOKIE = "staff_browser"
BROWSER_COOKIE_SALT = "accounts.staff-browser"
BROWSER_COOKIE_AGE = 400 * 24 * 3600
RESET_PERMISSION = "accounts.reset_second_factor"


class InvalidCode(Exception):
    http_status = 400

    def __init__(self):
        super().__init__("That code is not right, or it was already used. Enter the current "
                         "code from your authenticator app, or an unused recovery code.")


class ResetRefused(Exception):
    http_status = 403

    def __init__(self, message: str):
        super().__init__(message)


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


def needs_second_factor(user) -> bool:
    """Staff must enter a code (STAFF_SECOND_FACTOR=required, the default)."""
    return bool(getattr(user, "is_staff", False)) and staffguard.second_factor_required()


def has_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def session_is_verified(request) -> bool:
    """The session's person entered a code on a device still theirs, within the last 12 h."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    if getattr(user, "otp_device", None) is None:
        return False
    verified_at = request.session.get(staffguard.VERIFIED_AT)
    max_age = settings.STAFF_SESSION_MAX_HOURS * 3600
    return verified_at is not None and staffguard.now() - float(verified_at) <= max_age


# --- enrolment ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    secret: str  # base32, grouped by four for typing
    qr_data_uri: str  # the otpauth:// link as an SVG image, inline (no external service)


def enrolment_start(*, user) -> Enrolment:
    """The person's pending (unconfirmed) authenticator, created once; refused if they have one."""
    if has_device(user):
        raise PermissionDenied("You already have an authenticator app set up.")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    secret = b32encode(device.bin_key).decode()
    qr = segno.make(device.config_url, error="m")
    uri = qr.svg_data_uri(scale=5, border=2, dark="#1f2a1f", light="#ffffff",
                          title="QR code of your authenticator secret")
    return Enrolment(device=device, secret=" ".join(secret[i:i + 4]
                                                    for i in range(0, len(secret), 4)),
                     qr_data_uri=uri)


def enrolment_confirm(*, request, user, code: str) -> list[str]:
    """Confirm the pending authenticator with its first code; return 10 new recovery codes."""
    ip = _client_ip(request)
    login_attempt_begin(email=user.email, ip=ip)
    with transaction.atomic():
        if TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).exists():
            raise PermissionDenied("You already have an authenticator app set up.")
        device = (TOTPDevice.objects.select_for_update()
                  .filter(user=user, confirmed=False).order_by("pk").first())
        if device is None or not device.verify_token(_clean(code)):
            raise InvalidCode()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        codes = _recovery_codes_replace(user=user)
    login_attempt_succeeded(email=user.email, ip=ip)
    _session_mark_verified(request, device, enrolment=True)
    return codes


def _recovery_codes_replace(*, user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def _clean(code: str) -> str:
    return "".join((code or "").split()).lower()[:32]


# --- verification ---------------------------------------------------------------------------

def code_verify(*, request, user, code: str):
    """Check a code (authenticator or recovery) under the log-in throttle; return the device.

    Raises LoginThrottled (429) past the limit, InvalidCode otherwise.
    """
    ip = _client_ip(request)
    login_attempt_begin(email=user.email, ip=ip)
    token = _clean(code)
    device = None
    if token:
        with transaction.atomic():
            candidates = [
                *TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True),
                *StaticDevice.objects.select_for_update().filter(user=user, confirmed=True),
            ]
            for candidate in candidates:
                if candidate.verify_token(token):
                    device = candidate
                    break
    if device is None:
        raise InvalidCode()
    login_attempt_succeeded(email=user.email, ip=ip)
    return device


def session_verify(*, request, code: str):
    """The verify page: check the code, mark the session verified, e-mail about a new browser."""
    device = code_verify(request=request, user=request.user, code=code)
    _session_mark_verified(request, device)
    return device


def _session_mark_verified(request, device, *, enrolment: bool = False) -> None:
    first = request.session.get(staffguard.VERIFIED_AT) is None
    if first:
        request.session.cycle_key()  # a new session id once the second factor is in
    otp_login(request, device)
    request.session[staffguard.VERIFIED_AT] = staffguard.now()
    if first:
        browser_check(request=request, user=request.user, enrolment=enrolment)


def browser_check(*, request, user, enrolment: bool = False) -> bool:
    """Remember this browser for `user`; True if it is new to them.

    The person is e-mailed about a new browser when they set up an authenticator (the page
    does it in a browser of its own) and whenever a code is entered from a browser they have
    not used, once they have used any. (An account whose authenticator was made outside the
    set-up page, with no browser on record, has its first one recorded without an e-mail.)
    """
    raw = request.COOKIES.get(BROWSER_COOKIE, "")
    try:
        browser_id = signing.loads(raw, salt=BROWSER_COOKIE_SALT) if raw else None
    except signing.BadSignature:
        browser_id = None
    if not isinstance(browser_id, str):
        browser_id = secrets.token_urlsafe(24)
    request.staff_browser_cookie = signing.dumps(browser_id, salt=BROWSER_COOKIE_SALT)
    digest = hashlib.sha256(browser_id.encode()).hexdigest()
    with transaction.atomic():
        had_any = KnownBrowser.objects.filter(user=user).exists()
        _, created = KnownBrowser.objects.get_or_create(user=user, browser_digest=digest)
        if created and (had_any or enrolment):
            moment = timezone.now()
            notify(recipient=user, kind="staff_new_browser",
                   context={"browser": _browser_name(request.META.get("HTTP_USER_AGENT", "")),
                            "signed_in_at": moment.isoformat()},
                   dedupe_key=f"staff-new-browser:{digest[:40]}",
                   url=reverse("staff-dashboard"))
    return created


def _browser_name(agent: str) -> str:
    agent = agent or ""
    for name in ("Edg", "Firefox", "Chrome", "Safari"):
        if name in agent:
            browser = {"Edg": "Edge"}.get(name, name)
            break
    else:
        browser = "an unknown browser"
    for system in ("Android", "iPhone", "iPad", "Windows", "Mac OS X", "Linux"):
        if system in agent:
            return f"{browser} on {system.replace('Mac OS X', 'macOS')}"
    return browser


# --- staff tokens ---------------------------------------------------------------------------

def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def staff_token_create(*, request) -> tuple[str, StaffToken]:
    """A staff token for the person of a verified session; the key is returned once."""
    if not (request.user.is_authenticated and request.user.is_staff):
        raise PermissionDenied("Only staff members get staff tokens.")
    if staffguard.second_factor_required() and not session_is_verified(request):
        raise PermissionDenied("Enter a code from your authenticator app first.")
    key = secrets.token_urlsafe(32)
    moment = timezone.now()
    verified_at = request.session.get(staffguard.VERIFIED_AT)
    token = StaffToken.objects.create(
        user=request.user, key_digest=_digest(key), created=moment,
        expires_at=moment + timedelta(hours=settings.STAFF_TOKEN_HOURS),
        code_verified_at=(datetime.fromtimestamp(float(verified_at), tz=UTC)
                          if verified_at is not None else moment),
    )
    return key, token


def staff_token_find(key: str) -> StaffToken | None:
    return (StaffToken.objects.select_related("user").filter(key_digest=_digest(key)).first()
            if key else None)


def token_code_refresh(*, request, token: StaffToken, code: str) -> StaffToken:
    """POST /api/v1/auth/staff-code with a staff token: a fresh code for money decisions."""
    code_verify(request=request, user=token.user, code=code)
    token.code_verified_at = timezone.now()
    token.save(update_fields=["code_verified_at"])
    return token


# --- lost device ----------------------------------------------------------------------------

def second_factor_reset(*, actor, person_email: str, reason: str):
    """Remove a staff member's authenticator, recovery codes and staff tokens (audited, and
    the person is told by e-mail). Needs accounts.reset_second_factor; never one's own."""
    reason = (reason or "").strip()
    if not (actor.is_staff and actor.has_perm(RESET_PERMISSION)):
        raise ResetRefused("You may not reset second factors.")
    if not reason:
        raise ResetRefused("Say why the second factor is reset (for example how the person "
                           "confirmed who they are).")
    email = (person_email or "").strip().lower()
    with transaction.atomic():
        person = User.objects.select_for_update().filter(email__iexact=email,
                                                         is_staff=True).first()
        if person is None:
            raise ResetRefused("No staff member has that e-mail address.")
        if person.pk == actor.pk:
            raise ResetRefused("Ask another staff member to reset your own second factor.")
        removed = (TOTPDevice.objects.filter(user=person).delete()[0]
                   + StaticDevice.objects.filter(user=person).delete()[0])
        StaffToken.objects.filter(user=person).delete()
        entry = audit_record(
            actor=actor, action=AuditLog.Action.SECOND_FACTOR_RESET, object_type="user",
            object_id=person.pk, object_repr=person.email, reason=reason,
            status_before="enrolled" if removed else "not enrolled",
            status_after="not enrolled")
        notify(recipient=person, kind="staff_second_factor_reset",
               context={"reset_by": actor.display_name, "reason": reason},
               dedupe_key=f"second-factor-reset:{entry.pk}",
               url=reverse("second-factor-setup"))
    return person
