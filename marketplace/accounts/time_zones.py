"""People's time zones: the IANA names offered, the default, and the check of a submitted one.

Times are stored in UTC; each request shows them in its person's zone (TimeZoneMiddleware) and
each e-mail in its recipient's (notifications). Anonymous visitors and new accounts without a
guess from the browser get DEFAULT_USER_TIME_ZONE (US Central).
"""

import functools
import zoneinfo

from django.conf import settings

# The zones most of our buyers and sellers live in, first in the list, with plain names.
US_TIME_ZONES = [
    ("America/New_York", "Eastern time (New York)"),
    ("America/Chicago", "Central time (Chicago)"),
    ("America/Denver", "Mountain time (Denver)"),
    ("America/Phoenix", "Arizona (no daylight saving)"),
    ("America/Los_Angeles", "Pacific time (Los Angeles)"),
    ("America/Anchorage", "Alaska time (Anchorage)"),
    ("Pacific/Honolulu", "Hawaii time (Honolulu)"),
    ("America/Puerto_Rico", "Atlantic time (Puerto Rico)"),
    ("Pacific/Guam", "Chamorro time (Guam)"),
]


@functools.cache
def available_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def default_time_zone() -> str:
    """The zone of new accounts and anonymous visitors (a callable: read at call time)."""
    return settings.DEFAULT_USER_TIME_ZONE


def is_time_zone(name: str) -> bool:
    return isinstance(name, str) and name in available_time_zones()


def time_zone_or_default(name: str | None) -> str:
    """`name` if it is a known IANA zone, else the default (a browser's guess may be anything)."""
    name = (name or "").strip()
    return name if is_time_zone(name) else default_time_zone()


@functools.cache
def time_zone_choices() -> list:
    """Grouped choices for a select: the US zones by their plain names, then every other zone."""
    us = {name for name, _ in US_TIME_ZONES}
    others = sorted(
        zone for zone in available_time_zones()
        if zone not in us and "/" in zone and not zone.startswith(("Etc/", "SystemV/"))
    )
    return [
        ("United States", US_TIME_ZONES),
        ("Other places", [(zone, zone.replace("_", " ")) for zone in others] + [("UTC", "UTC")]),
    ]


def time_zone_label(name: str) -> str:
    return dict(US_TIME_ZONES).get(name, name.replace("_", " "))
