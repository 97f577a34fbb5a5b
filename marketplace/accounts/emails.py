"""E-mails about the account itself, sent to an address rather than to a notification's
recipient: the link to confirm an address goes to that address, and the notice of a change
or of a closing goes to the address the person had before.

The links are made in the worker, when the mail is sent, so no token is stored anywhere.
Texts are templates/accounts/email/<kind>.txt and .html (on the notifications e-mail layout);
times in them show in the person's own zone.
"""

import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from . import links
from .time_zones import time_zone_or_default


@dataclass(frozen=True)
class AccountEmail:
    subject: str
    needs: tuple[str, ...] = ()  # keys of `extra` the kind needs


KINDS = {
    "confirm_email": AccountEmail("Confirm your e-mail address"),
    "change_email": AccountEmail("Confirm your new e-mail address", ("new_email", "serial")),
    "email_changed": AccountEmail("Your e-mail address was changed", ("new_email",)),
    "email_in_use": AccountEmail("Someone tried to use your e-mail address"),
    "password_reset": AccountEmail("Reset your password"),
    "password_changed": AccountEmail("Your password was changed"),
    "account_closed": AccountEmail("Your account is closed", ("display_name",)),
}


def _site(name: str, *args) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def _mask(address: str) -> str:
    """`b•••@example.com`: enough for the owner to recognise, little for anyone else."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else "•••"


def account_email_send(*, kind: str, user_id: int, to: str = "", extra: dict | None = None):
    """Render and send one account e-mail now (called by the task, after the action commits).

    `to` defaults to the account's address; a closed or missing account gets nothing, except
    the notice of its own closing (sent to the address it had).
    """
    spec = KINDS[kind]
    extra = dict(extra or {})
    missing = [key for key in spec.needs if key not in extra]
    if missing:
        raise ValueError(f"account e-mail {kind!r} needs {', '.join(missing)}")
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None or (user.closed_at is not None and kind != "account_closed"):
        return False
    context = {
        "recipient_name": extra.get("display_name") or user.display_name or "there",
        "site_url": settings.SITE_URL.rstrip("/"),
        "is_essential": True,
        "max_age_hours": settings.EMAIL_CONFIRMATION_MAX_AGE // 3600,
        "reset_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        **extra,
    }
    address = to or user.email
    if kind == "confirm_email":
        token = links.confirmation_token(user_id=user.pk, email=user.email)
        context["link"] = _site("email-confirm", token)
    elif kind == "change_email":
        token = links.change_token(user_id=user.pk, new_email=extra["new_email"],
                                   old_email=user.email, serial=extra["serial"],
                                   password_hash=user.password)
        context["link"] = _site("email-change-confirm", token)
        address = extra["new_email"]
    elif kind == "password_reset":
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        context["link"] = _site("password-reset-confirm", uid, token)
    elif kind == "email_changed":
        context["link"] = _site("password-reset")
        context["new_email_masked"] = _mask(extra["new_email"])
    else:
        context["link"] = _site("password-reset" if kind in {"password_changed", "email_in_use"}
                                else "home")
    if not address:
        return False  # a hub's neighbour with no e-mail address: nothing to send
    with timezone.override(zoneinfo.ZoneInfo(time_zone_or_default(user.time_zone))):
        context["sent_at"] = timezone.localtime()
        text = render_to_string(f"accounts/email/{kind}.txt", context)
        html = render_to_string(f"accounts/email/{kind}.html", context)
    message = EmailMultiAlternatives(subject=spec.subject, body=text, to=[address])
    message.attach_alternative(html, "text/html")
    message.send()
    return True
