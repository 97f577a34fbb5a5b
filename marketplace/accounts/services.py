"""Writes about accounts: sign-up, log-in, confirming and changing the e-mail address,
passwords (set, changed, reset), the time zone. Closing an account and downloading its data
are in closing.py.

Every check of a password a signed-in person types again (changing the address or the
password, downloading data, closing) goes through the log-in throttle (password_check): the
same per-account and per-IP counters as the log-in page, 429 past the limit.
"""

from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from rest_framework.authtoken.models import Token

import staffguard
from marketplace.ratelimit import rate_limit_take

from . import links
from .models import StaffToken
from .tasks import account_email_task
from .throttling import login_attempt_begin, login_attempt_succeeded
from .time_zones import is_time_zone, time_zone_or_default

User = get_user_model()

ADDRESS_TAKEN = "An account with this e-mail address already exists."


class InvalidCredentials(Exception):
    http_status = 400

    def __init__(self):
        super().__init__("That e-mail address and password do not match an account.")


class WrongPassword(Exception):
    http_status = 400

    def __init__(self):
        super().__init__("That is not your current password.")


class AccountConflict(Exception):
    http_status = 409


def _ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


def _email_normalize(email: str) -> str:
    return User.objects.normalize_email((email or "").strip()).lower()


def account_email_later(kind: str, user_id: int, *, to: str = "", extra: dict | None = None):
    account_email_task.delay_on_commit(kind, user_id, to, extra or {})


def user_register(*, email: str, password: str, display_name: str,
                  time_zone: str = "") -> User:
    """Create a buyer account and mail the link that confirms its address; raise
    ValidationError with field errors on bad input. A time zone that is not a known IANA
    name (the browser's guess) falls back to the default."""
    email = User.objects.normalize_email(email.strip()).lower()
    display_name = display_name.strip()
    errors: dict[str, list[str]] = {}
    if User.objects.filter(email__iexact=email).exists():
        errors["email"] = [ADDRESS_TAKEN]
    if not display_name:
        errors["display_name"] = ["Please tell us the name to show on your account."]
    try:
        validate_password(password, user=User(email=email, display_name=display_name))
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email, password=password, display_name=display_name,
                time_zone=time_zone_or_default(time_zone),
            )
            account_email_later("confirm_email", user.pk)
            return user
    except IntegrityError:  # the same address registered a moment ago by another request
        raise ValidationError({"email": [ADDRESS_TAKEN]}) from None


def user_authenticate(*, request, email: str, password: str) -> User:
    """Check a log-in under the attempt limits; raise InvalidCredentials or LoginThrottled."""
    email = email.strip().lower()
    ip = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    login_attempt_begin(email=email, ip=ip)
    user = authenticate(request, email=email, password=password)
    if user is None:
        raise InvalidCredentials()
    # Staff still owe a code: their account's failures are cleared by a verified code, so a
    # known password cannot be used to wipe the count of wrong codes.
    owes_code = user.is_staff and staffguard.second_factor_required()
    login_attempt_succeeded(email=email, ip=ip, account=not owes_code)
    return user


def password_check(*, request, user, password: str) -> None:
    """A signed-in person types their password again: counted in the log-in throttle.

    Raises LoginThrottled (429) past the limit, WrongPassword (400) otherwise.
    """
    ip = _ip(request)
    login_attempt_begin(email=user.email, ip=ip)
    if not password or not user.check_password(password):
        raise WrongPassword()
    login_attempt_succeeded(email=user.email, ip=ip)


# --- confirming the address ---------------------------------------------------------------

def email_confirmation_send(*, user) -> bool:
    """Mail a new confirmation link (limited per account); False if already confirmed."""
    if user.email_confirmed_at is not None:
        return False
    rate_limit_take(scope="email_link", who=f"user:{user.pk}")
    with transaction.atomic():
        account_email_later("confirm_email", user.pk)
    return True


def email_confirm(*, token: str) -> tuple[User, bool]:
    """Confirm the address a link was sent to; return (user, whether it was new).

    Raises links.LinkInvalid: expired, tampered, or used (the account has another address
    now, or is closed). Opening a link twice is harmless: the second time says so.
    """
    claim = links.confirmation_read(token)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=claim.user_id).first()
        if user is None or user.closed_at is not None or user.email != claim.email:
            raise links.LinkInvalid("used")
        if user.email_confirmed_at is not None:
            return user, False
        user.email_confirmed_at = timezone.now()
        user.save(update_fields=["email_confirmed_at"])
    return user, True


# --- changing the address -----------------------------------------------------------------

def email_change_request(*, request, user, new_email: str, password: str) -> str:
    """Mail a link to `new_email` that switches the account to it; the address stays until
    then. Needs the current password (wrong ones count in the log-in throttle, like every
    password door); limited per account, the limit taken once the password is right and before
    the address is looked at. Returns the normalised address.

    The answer is the same whether another account has the address or not, so the form tells
    nothing about who is registered: if it is taken, its holder gets a note that someone tried
    to use it, and nothing changes.
    """
    address = _email_normalize(new_email)
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError({"email": ["Enter a valid e-mail address."]}) from None
    if len(address) > 254:
        raise ValidationError({"email": ["Use an address of at most 254 characters."]})
    password_check(request=request, user=user, password=password)
    rate_limit_take(scope="email_link", who=f"user:{user.pk}")
    if address == user.email:
        raise ValidationError({"email": ["That is already your address."]})
    holder = User.objects.filter(email__iexact=address).exclude(pk=user.pk).first()
    if holder is not None:
        with transaction.atomic():
            account_email_later("email_in_use", holder.pk)
        return address
    with transaction.atomic():
        serial = _email_change_serial_bump(user)
        account_email_later("change_email", user.pk,
                            extra={"new_email": address, "serial": serial})
    return address


def _email_change_serial_bump(user) -> int:
    """Void every change-of-address link sent so far (inside the caller's transaction)."""
    User.objects.filter(pk=user.pk).update(email_change_serial=F("email_change_serial") + 1)
    user.email_change_serial = (User.objects.values_list("email_change_serial", flat=True)
                                .get(pk=user.pk))
    return user.email_change_serial


def email_change_confirm(*, token: str) -> User:
    """Switch the account to the address the link was sent to, and tell the old address.

    Raises links.LinkInvalid (expired, tampered; used: the account's address is not the one
    the link was made for any more; replaced: a newer change was asked for; password: the
    password changed since) or AccountConflict when another account took the address.
    """
    claim = links.change_read(token)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=claim.user_id).first()
        email_change_link_check(user, claim)
        taken = AccountConflict(
            "Another account uses that address now, so yours keeps its old one.")
        if User.objects.filter(email__iexact=claim.email).exclude(pk=user.pk).exists():
            raise taken
        user.email = claim.email
        user.email_confirmed_at = timezone.now()  # the link reached the new address
        user.email_change_serial += 1  # this link, and any copy of it, is spent
        try:
            with transaction.atomic():
                user.save(update_fields=["email", "email_confirmed_at", "email_change_serial"])
        except IntegrityError:
            raise taken from None
        account_email_later("email_changed", user.pk, to=claim.old_email,
                        extra={"new_email": claim.email})
    return user


def email_change_link_read(token: str) -> links.LinkClaim:
    """The claim of a change-of-address link that would work now (for the page that shows
    the button); raises links.LinkInvalid like email_change_confirm."""
    claim = links.change_read(token)
    email_change_link_check(User.objects.filter(pk=claim.user_id).first(), claim)
    return claim


def email_change_link_check(user, claim: links.LinkClaim) -> None:
    """Raise links.LinkInvalid unless `claim` is the pending change of `user`'s address."""
    if user is None or user.closed_at is not None or user.email != claim.old_email:
        raise links.LinkInvalid("used")
    if not links.password_unchanged(claim, user.password):
        raise links.LinkInvalid("password")
    if claim.serial != user.email_change_serial:
        raise links.LinkInvalid("replaced")


# --- passwords ----------------------------------------------------------------------------

def password_set(*, user, password: str, confirms_email: bool = False) -> User:
    """Give `user` a new password (already validated): API tokens and staff tokens made with
    the old one stop working, other sessions end (Django's session hash), and the person is
    told by e-mail. `confirms_email`: set by a reset link, which proved the address."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.set_password(password)
        locked.email_change_serial += 1  # a pending change-of-address link stops working
        fields = ["password", "email_change_serial"]
        if confirms_email and locked.email_confirmed_at is None:
            locked.email_confirmed_at = timezone.now()
            fields.append("email_confirmed_at")
        locked.save(update_fields=fields)
        Token.objects.filter(user=locked).delete()
        StaffToken.objects.filter(user=locked).delete()
        account_email_later("password_changed", locked.pk)
    user.password = locked.password
    user.email_confirmed_at = locked.email_confirmed_at
    return user


def password_change(*, request, user, old_password: str, new_password: str) -> User:
    """The API's change of password: the current one first (throttled), then the new one."""
    password_check(request=request, user=user, password=old_password)
    try:
        validate_password(new_password, user=user)
    except ValidationError as exc:
        raise ValidationError({"new_password": list(exc.messages)}) from None
    return password_set(user=user, password=new_password)


def password_reset_request(*, email: str) -> None:
    """Mail a reset link to the account of `email`, if there is one that may reset.

    Says nothing either way (the caller shows the same answer for every address). Limited
    per address asked for, whether an account has it or not, so the limit tells nothing
    either; the per-IP limit is the view's (RATE_LIMITED_VIEWS).
    """
    address = _email_normalize(email)
    rate_limit_take(scope="password_reset_address", who=f"email:{address}")
    users = User.objects.filter(email__iexact=address, is_active=True, closed_at__isnull=True)
    with transaction.atomic():
        for user in users:
            if user.has_usable_password():
                account_email_later("password_reset", user.pk)


# --- the rest of the profile --------------------------------------------------------------

def user_profile_update(*, user, display_name: str | None = None,
                        time_zone: str | None = None) -> User:
    """Change the name shown and the time zone; raise ValidationError on bad input."""
    errors: dict[str, list[str]] = {}
    fields = []
    if display_name is not None:
        display_name = display_name.strip()
        if not display_name or len(display_name) > 60:
            errors["display_name"] = ["Please tell us the name to show (at most 60 letters)."]
        else:
            user.display_name = display_name
            fields.append("display_name")
    if time_zone is not None:
        if not is_time_zone(time_zone):
            errors["time_zone"] = ["Choose a time zone from the list, such as America/Chicago."]
        else:
            user.time_zone = time_zone
            fields.append("time_zone")
    if errors:
        raise ValidationError(errors)
    if fields:
        with transaction.atomic():
            User.objects.filter(pk=user.pk).update(**{name: getattr(user, name)
                                                       for name in fields})
    return user
