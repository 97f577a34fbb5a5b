"""Pre-orders: a listing sold before its harvest is in, with a promised ship date.

While `Listing.preorder_ships_by` is set, `stock` is the planned harvest still to sell and
`preorder_deposit_bps` the share of the price a buyer pays at checkout (the balance is paid
when the seller marks the order ready to ship). Ending a pre-order while orders of it are open
is refused: orders tells this app how many are open through the counter it registers here
(sellers imports nothing from orders).
"""

import datetime
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..errors import Conflict, NotFound
from ..models import Listing
from .fields import whole_number_field
from .listings import MAX_STOCK

PREORDER_MAX_DAYS = 120
DEPOSIT_MIN_BPS = 2000
DEPOSIT_MAX_BPS = 10000

_open_order_counters: list[Callable[[int], int]] = []


def preorder_open_orders_counter_register(counter: Callable[[int], int]) -> None:
    """Orders registers `counter(listing_id) -> open pre-orders of it` (in AppConfig.ready)."""
    if counter not in _open_order_counters:
        _open_order_counters.append(counter)


def preorder_open_orders(*, listing_id: int) -> int:
    return sum(counter(listing_id) for counter in _open_order_counters)


def _date_field(value, *, errors: dict, today: datetime.date) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, datetime.date):
        errors["ships_by"] = ["Enter the date you promise to ship, such as 2027-03-15."]
        return None
    latest = today + datetime.timedelta(days=PREORDER_MAX_DAYS)
    if value <= today:
        errors["ships_by"] = ["The promised ship date must be after today."]
    elif value > latest:
        errors["ships_by"] = [
            f"The promised ship date can be at most {PREORDER_MAX_DAYS} days ahead "
            f"(by {latest.isoformat()})."
        ]
    return value


def preorder_fields_clean(*, ships_by, stock, deposit_bps=DEPOSIT_MAX_BPS) -> dict:
    """Check a pre-order's promise; raise ValidationError with a message per bad field."""
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    date = _date_field(ships_by, errors=errors, today=today)
    quantity = whole_number_field(
        stock, minimum=1, maximum=MAX_STOCK, errors=errors, field="stock",
        message=f"Enter how many you plan to harvest, a whole number from 1 to {MAX_STOCK:,}.",
    )
    deposit = whole_number_field(
        DEPOSIT_MAX_BPS if deposit_bps in (None, "") else deposit_bps,
        minimum=DEPOSIT_MIN_BPS, maximum=DEPOSIT_MAX_BPS, errors=errors, field="deposit_bps",
        message="The deposit is a share from 20 % to 100 % of the price: enter 2000 to 10000 "
                "basis points.",
    )
    if errors:
        raise ValidationError(errors)
    return {"preorder_ships_by": date, "stock": quantity, "preorder_deposit_bps": deposit}


def _owned_locked(*, listing_id, user) -> Listing:
    try:
        pk = int(listing_id)
    except (TypeError, ValueError):
        raise NotFound("No listing with that number.") from None
    listing = (Listing.objects.select_for_update(of=("self",))
               .filter(pk=pk, shop__owner_id=user.pk).first())
    if listing is None:
        raise NotFound("No listing with that number.")
    if listing.status == Listing.Status.ARCHIVED:
        raise Conflict("This listing is archived and can no longer be changed.")
    return listing


def listing_preorder_set(*, user, listing_id, ships_by, stock, deposit_bps=None) -> Listing:
    """Make the owner's listing a pre-order (or change its promise): ship date after today and
    at most 120 days ahead, quantity to sell, deposit share 20–100 % (100 % when not given).

    Changing the deposit share or the date changes only later orders: each order keeps its own
    copy. Moving the promise of a pre-order that has open orders is refused (409).
    """
    fields = preorder_fields_clean(ships_by=ships_by, stock=stock, deposit_bps=deposit_bps)
    with transaction.atomic():
        listing = _owned_locked(listing_id=listing_id, user=user)
        if (listing.is_preorder
                and listing.preorder_ships_by != fields["preorder_ships_by"]
                and preorder_open_orders(listing_id=listing.pk)):
            raise Conflict("Buyers have open orders with the promised date: it cannot be "
                           "changed here.")
        if listing.preorder_ships_by != fields["preorder_ships_by"]:
            fields["preorder_moved_from"] = None  # a new promise may be moved once again
        for name, value in fields.items():
            setattr(listing, name, value)
        listing.save(update_fields=[*fields, "updated"])
    return listing


def listing_preorder_end(*, user, listing_id) -> Listing:
    """Sell the owner's listing from stock again; refused (409) while pre-orders are open."""
    with transaction.atomic():
        listing = _owned_locked(listing_id=listing_id, user=user)
        if not listing.is_preorder:
            return listing
        open_orders = preorder_open_orders(listing_id=listing.pk)
        if open_orders:
            raise Conflict(
                f"{open_orders} pre-order{'s are' if open_orders != 1 else ' is'} still open: "
                "ship or cancel them before selling this listing from stock."
            )
        listing.preorder_ships_by = None
        listing.preorder_deposit_bps = DEPOSIT_MAX_BPS
        listing.preorder_moved_from = None
        listing.save(update_fields=["preorder_ships_by", "preorder_deposit_bps",
                                    "preorder_moved_from", "updated"])
    return listing
