"""Turn a kind and its context into texts: the in-app message, the subject, the e-mail bodies."""

import contextlib
import functools
import json
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
        return json.loads(json.dumps(context, cls=DjangoJSONEncoder))
    except TypeError as exc:
        raise BadNotificationContext(f"Notification context must be plain data: {exc}") from None


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
