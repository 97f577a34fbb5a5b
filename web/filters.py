"""The one parser of a list's `?status=` filter, for every page and API that lists things by
status: an unknown value is a 400 in the API and a message on the page, never ignored."""

from collections.abc import Iterable

from django.contrib import messages
from django.core.exceptions import ValidationError


def status_filter(raw, *, allowed: Iterable[str], default: str = "") -> str:
    """Return `raw` if it is one of `allowed`, `default` if it is empty; else ValidationError
    {"status": [...]} naming the values that work (the API's handler answers it with 400)."""
    value = str(raw or "").strip()
    if not value:
        return default
    allowed = [str(choice) for choice in allowed]
    if value not in allowed:
        raise ValidationError({"status": [
            f"There is no status “{value[:40]}” to filter by. Use one of: {', '.join(allowed)}."
        ]})
    return value


def status_filter_for_page(request, *, allowed: Iterable[str], default: str = "",
                           ) -> tuple[str, int]:
    """A page's `?status=`: (the value, 200), or (`default`, 400) with the reason shown as a
    message above the unfiltered list."""
    try:
        return status_filter(request.GET.get("status"), allowed=allowed, default=default), 200
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return default, 400
