"""Turn a kind and its context into texts: the in-app message, the subject, the e-mail bodies,
the text message."""

import contextlib
import functools
import json
import re
import unicodedata
import zoneinfo
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.template import engines
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .errors import BadNotificationContext, UnknownNotificationKind
from .kinds import KINDS, Kind


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def recipient_time_zone(recipient) -> zoneinfo.ZoneInfo:
    """The recipient's own zone (their account's `time_zone`), else the site's default one."""
    name = getattr(recipient, "time_zone", "") or ""
    try:
        return zoneinfo.ZoneInfo(name)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return zoneinfo.ZoneInfo(settings.DEFAULT_USER_TIME_ZONE)


@contextlib.contextmanager
def in_time_zone_of(recipient):
    """Render times inside the block in the recipient's zone, whoever's request this is."""
    with timezone.override(recipient_time_zone(recipient)):
        yield


def kind_get(key: str) -> Kind:
    try:
        return KINDS[key]
    except KeyError:
        raise UnknownNotificationKind(f"Unknown notification kind {key!r}.") from None


def context_clean(*, kind: Kind, context: dict) -> dict:
    """Return the context as JSON-round-tripped plain data, checking the kind's required keys."""
    missing = [key for key in kind.required if key not in context]
    if missing:
        raise BadNotificationContext(
            f"Notification {kind.key!r} needs context keys: {', '.join(missing)}."
        )
    try:
        # Dates become ISO strings, Decimals strings: what the worker will read back later.
        values = json.loads(json.dumps(context, cls=DjangoJSONEncoder))
    except TypeError as exc:
        raise BadNotificationContext(f"Notification context must be plain data: {exc}") from None
    return _without_nul(values)


def _without_nul(value):
    """Drop NUL characters, which PostgreSQL cannot store in text or JSON (a pasted name)."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    return value


def url_clean(url: str) -> str:
    """Accept only a site-relative path, so a link can never leave the site or run script."""
    url = url or reverse("notifications")
    parts = urlsplit(url)
    if not url.startswith("/") or url.startswith("//") or parts.scheme or parts.netloc:
        raise BadNotificationContext(
            f"Notification url must be a site path like /orders/1/: {url!r}"
        )
    if len(url) > 500:
        raise BadNotificationContext("Notification url is longer than 500 characters.")
    return url


@functools.cache
def _plain_template(source: str):
    # Plain text, never HTML: autoescaping would turn "Tom's" into "Tom&#x27;s" in a subject.
    return engines["django"].from_string(
        "{% load notification_format %}{% autoescape off %}" + source + "{% endautoescape %}"
    )


def _plain(source: str, context: dict) -> str:
    return " ".join(_plain_template(source).render(context).split())


def message_render(*, kind: Kind, context: dict) -> str:
    values = {key: None for key in kind.optional}
    values.update(context)
    return _plain(kind.message, values)


def absolute_url(url: str) -> str:
    return settings.SITE_URL.rstrip("/") + url


def email_render(*, kind: Kind, context: dict, url: str, recipient_name: str) -> RenderedEmail:
    """Render the subject (one line), the plain-text body and the autoescaped HTML body."""
    values = {key: None for key in kind.optional}
    values.update(context)
    values.update(
        {
            "recipient_name": recipient_name,
            "link": absolute_url(url),
            "site_url": settings.SITE_URL.rstrip("/"),
            "preferences_link": absolute_url(reverse("notifications-preferences")),
            "is_essential": kind.is_essential,
            "message": message_render(kind=kind, context=values),
        }
    )
    subject = _plain(kind.subject, values)[:200]
    text = render_to_string(f"notifications/email/{kind.key}.txt", values)
    html = render_to_string(f"notifications/email/{kind.key}.html", values)
    return RenderedEmail(subject=subject, text=text, html=html)


# --- text messages -------------------------------------------------------------------------
SMS_MAX_CHARS = 160  # one SMS of GSM-7 letters
SMS_VALUE_CHARS = 40  # a long name in the context must not push the amount or date out
# Printable ASCII less the characters GSM-7 sends as two (or cannot send): each text is one SMS.
_SMS_FOLD = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
    "\u2026": "...", "\u20ac": "EUR ", "\u00a3": "GBP ", "[": "(", "]": ")", "{": "(", "}": ")",
    "\u00a0": " ", "\u00df": "ss", "\u00e6": "ae", "\u00c6": "AE", "\u00f8": "o", "\u00d8": "O",
})
_SMS_DROPPED = set("\\~^|`")


def sms_safe(text: str, *, limit: int = SMS_MAX_CHARS) -> str:
    """One SMS of plain letters: quotes and dashes folded, accents taken off, emoji and control
    characters dropped, spaces collapsed, cut at a word to at most `limit` characters."""
    folded = unicodedata.normalize("NFKD", text.translate(_SMS_FOLD))
    kept = "".join(
        char if " " <= char <= "~" and char not in _SMS_DROPPED else " " if char.isspace() else ""
        for char in folded
    )
    plain = re.sub(r"\.{4,}", "...", " ".join(kept.split()))
    if len(plain) <= limit:
        return plain
    cut = plain[: limit - 3]
    if " " in cut[limit // 2:]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" .,;:-") + "..."


def sms_render(*, kind: Kind, context: dict) -> str:
    """The text message of `kind` (empty when the kind has none), safe for one SMS."""
    if not kind.sms:
        return ""
    values = {key: None for key in kind.optional}
    for key, value in context.items():
        values[key] = sms_safe(value, limit=SMS_VALUE_CHARS) if isinstance(value, str) else value
    return sms_safe(_plain(kind.sms, values))
