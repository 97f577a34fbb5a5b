"""Relative times people read ("just now", "5 minutes ago") in every page's own words."""

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def ago(value, now=None) -> str:
    """"just now" under a minute, else Django's timesince with "ago"; empty for no value."""
    if not value:
        return ""
    now = now or timezone.now()
    if abs((now - value).total_seconds()) < 60:
        return "just now"
    return f"{timesince(value, now)} ago"


@register.filter
def age(value, now=None) -> str:
    """How long something has waited: "under a minute", else Django's timesince."""
    if not value:
        return ""
    now = now or timezone.now()
    if abs((now - value).total_seconds()) < 60:
        return "under a minute"
    return timesince(value, now)
