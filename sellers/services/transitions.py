"""The listing and shop state machines: one table of allowed moves each, and one function each
that writes `status` (checked under the row lock, saved with update_fields).

Every write of Listing.status or Shop.status after creation goes through listing_transition or
shop_transition; a move the table does not allow raises InvalidTransition (409). The labels
people read are the `Status` choices on the models.
"""

from django.db import transaction

from ..errors import InvalidTransition, NotFound
from ..models import Listing, Shop

ListingStatus = Listing.Status
LISTING_TRANSITIONS: dict[str, set[str]] = {
    # Published when the shop is verified: live, or held for review like any new listing.
    ListingStatus.DRAFT: {
        ListingStatus.PENDING_REVIEW, ListingStatus.ACTIVE, ListingStatus.ARCHIVED,
    },
    ListingStatus.PENDING_REVIEW: {
        ListingStatus.ACTIVE, ListingStatus.REJECTED, ListingStatus.TAKEN_DOWN,
        ListingStatus.ARCHIVED,
    },
    ListingStatus.ACTIVE: {
        ListingStatus.PENDING_REVIEW, ListingStatus.TAKEN_DOWN, ListingStatus.ARCHIVED,
    },
    # edited by its seller: reviewed again
    ListingStatus.REJECTED: {ListingStatus.PENDING_REVIEW, ListingStatus.ARCHIVED},
    # back on sale only when the rights notice that took it down ends (withdrawn, reversed,
    # or answered with no court action): sellers.services.listing_restore
    ListingStatus.TAKEN_DOWN: {ListingStatus.ACTIVE, ListingStatus.ARCHIVED},
    ListingStatus.ARCHIVED: set(),
}
LISTING_INITIAL = {ListingStatus.DRAFT, ListingStatus.PENDING_REVIEW, ListingStatus.ACTIVE}

ShopStatus = Shop.Status
SHOP_TRANSITIONS: dict[str, set[str]] = {
    ShopStatus.PENDING_VERIFICATION: {
        ShopStatus.ACTIVE, ShopStatus.SUSPENDED, ShopStatus.CLOSED},
    ShopStatus.ACTIVE: {ShopStatus.SUSPENDED, ShopStatus.CLOSED},
    ShopStatus.SUSPENDED: {ShopStatus.ACTIVE, ShopStatus.CLOSED},
    ShopStatus.CLOSED: set(),
}
SHOP_INITIAL = {ShopStatus.PENDING_VERIFICATION}


def _refuse(obj, *, to: str, refusal: str, labels) -> InvalidTransition:
    status = labels(obj.status).lower()
    text = refusal or "{obj} is {status}: it cannot become {to}."
    return InvalidTransition(text.format(obj=obj, status=status, to=labels(to).lower()))


def listing_transition(
    *, listing_id: int, to: str, expected: set[str] | None = None, refusal: str = "",
    hold: str = "", **fields,
) -> Listing:
    """Lock the listing, check the move, save status (with `fields`); return the saved row.

    `expected`: the statuses the caller's action starts from (a narrower rule than the table).
    `refusal`: the message of the 409, with {obj}, {status} and {to}. `hold`: the HoldReason,
    required when the listing goes to pending_review, cleared on every other move.
    Runs inside the caller's transaction if any.
    """
    is_held = to == ListingStatus.PENDING_REVIEW
    if is_held != bool(hold) or (hold and hold not in Listing.HoldReason):
        raise ValueError("a listing waits for review for exactly one HoldReason")
    with transaction.atomic():
        listing = (Listing.objects.select_for_update(of=("self",))
                   .filter(pk=listing_id).first())
        if listing is None:
            raise NotFound("No listing with that number.")
        if to not in LISTING_TRANSITIONS[listing.status] or (
                expected is not None and listing.status not in expected):
            raise _refuse(listing, to=to, refusal=refusal, labels=lambda v: ListingStatus(v).label)
        listing.status, listing.hold_reason = to, hold
        for name, value in fields.items():
            setattr(listing, name, value)
        listing.save(update_fields=["status", "hold_reason", *fields, "updated"])
    return listing


def shop_transition(
    *, shop_id: int, to: str, expected: set[str] | None = None, refusal: str = "", **fields,
) -> Shop:
    """Lock the shop, check the move, save status (with `fields`); return the saved row."""
    with transaction.atomic():
        shop = Shop.objects.select_for_update(of=("self",)).filter(pk=shop_id).first()
        if shop is None:
            raise NotFound("No shop with that address.")
        if to not in SHOP_TRANSITIONS[shop.status] or (
                expected is not None and shop.status not in expected):
            raise _refuse(shop, to=to, refusal=refusal, labels=lambda v: ShopStatus(v).label)
        shop.status = to
        for name, value in fields.items():
            setattr(shop, name, value)
        shop.save(update_fields=["status", *fields])
    return shop
