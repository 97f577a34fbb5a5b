"""Filters for notification texts: amounts in cents and ISO dates handed over in a context."""

import datetime

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

register = template.Library()

_SYMBOLS = {"USD": "$"}


@register.filter
def money(cents, currency="USD") -> str:
    """Format integer cents as `$12.50` (USD) or `12.50 EUR`; anything else is shown as is."""
    if isinstance(cents, bool) or not isinstance(cents, int):
        return str(cents)
    currency = (currency or "USD").upper()
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    amount = f"{whole:,}.{part:02d}"
    symbol = _SYMBOLS.get(currency)
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {currency}"


@register.filter
def when(value) -> str:
    """Format an ISO date or date-time string as `Mon, Mar 2, 2026` (with the time if any, in
    the active time zone: the recipient's, see notifications.rendering.recipient_time_zone)."""
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        return f"{value:%a, %b} {value.day}, {value.year}"
    else:
        text = str(value)
        try:
            moment = parse_datetime(text)
            day = None if moment else parse_date(text)
        except ValueError:
            return text
        if day is not None:
            return f"{day:%a, %b} {day.day}, {day.year}"
        if moment is None:
            return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    moment = timezone.localtime(moment)
    hour = moment.hour % 12 or 12
    return (
        f"{moment:%a, %b} {moment.day}, {moment.year}, "
        f"{hour}:{moment:%M} {'AM' if moment.hour < 12 else 'PM'} {moment.tzname()}"
    )
