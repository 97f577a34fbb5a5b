"""Parse rate strings such as "30/minute"; plain Python, so settings.py may import it."""

import re
from dataclasses import dataclass

_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60,
          "h": 3600, "hour": 3600, "d": 86400, "day": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+?)s?\s*$")


@dataclass(frozen=True)
class Rate:
    limit: int
    window: int  # seconds


def rate_parse(text: str) -> Rate:
    """Read "30/minute", "10/hour", "5/15min" or "100/900s"; raise ValueError otherwise."""
    match = _RATE.match(text.lower())
    if not match or match.group(3) not in _UNITS:
        raise ValueError(f"a rate looks like 30/minute or 10/hour, not {text!r}")
    limit, count = int(match.group(1)), int(match.group(2) or 1)
    if limit < 1 or count < 1:
        raise ValueError(f"a rate needs a limit and a window of at least 1, not {text!r}")
    return Rate(limit=limit, window=count * _UNITS[match.group(3)])
