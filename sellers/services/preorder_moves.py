"""A pre-order listing's promise: the seller may move its ship date once, by at most 30 days.

The orders that carry the promise are the orders app's: it calls this inside its own
transaction and moves their deadlines with it.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..errors import Conflict, NotFound
from ..models import Listing

MOVE_MAX_DAYS = 30


def _parse_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise ValidationError(
            {"ships_by": ["Enter the new ship date as a date, such as 2027-01-15."]}
        ) from None


def listing_preorder_move(*, listing_id: int, ships_by) -> tuple[Listing, datetime.date]:
    """Move a pre-order's promised date later, once, by at most 30 days.

    Locks the listing (so two moves cannot both pass the "once" check) and returns it with the
    date it was moved from. Runs inside the caller's transaction if any.
    """
    new_date = _parse_date(ships_by)
    with transaction.atomic():
        listing = Listing.objects.select_for_update().filter(pk=listing_id).first()
        if listing is None:
            raise NotFound("No listing with that number.")
        old_date = listing.preorder_ships_by
        if old_date is None:
            raise Conflict("This listing is not a pre-order; it has no ship date to move.")
        if listing.preorder_moved_from is not None:
            raise Conflict(
                f"The ship date was already moved once (from "
                f"{listing.preorder_moved_from:%B} {listing.preorder_moved_from.day}); "
                "it cannot be moved again."
            )
        today = timezone.localdate()
        if old_date < today:
            raise Conflict("The promised date has passed; it can no longer be moved.")
        if new_date < today:
            raise ValidationError({"ships_by": ["The new date is in the past."]})
        if new_date <= old_date:
            raise ValidationError({"ships_by": [
                f"Choose a date after the one promised now "
                f"({old_date:%B} {old_date.day}, {old_date.year})."]})
        if (new_date - old_date).days > MOVE_MAX_DAYS:
            latest = old_date + datetime.timedelta(days=MOVE_MAX_DAYS)
            raise ValidationError({"ships_by": [
                f"The date can move by at most {MOVE_MAX_DAYS} days: "
                f"{latest:%B} {latest.day}, {latest.year} at the latest."]})
        listing.preorder_moved_from = old_date
        listing.preorder_ships_by = new_date
        listing.save(update_fields=["preorder_moved_from", "preorder_ships_by"])
    return listing, old_date


def listing_preorder_sold_out(*, listing_id: int) -> None:
    """A short harvest: nothing more of this pre-order is sold (its stock left becomes 0)."""
    Listing.objects.filter(pk=listing_id).update(stock=0)
