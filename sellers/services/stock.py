"""Stock: what an order takes from a listing and what a cancelled order puts back. Orders ask
for these; only sellers writes `Listing.stock`."""

from django.db import transaction
from django.db.models import F

from ..errors import OutOfStock
from ..models import Listing


def listing_stock_take(*, quantities: dict[int, int]) -> None:
    """Take `quantities` (listing id → how many) from stock, all of it or none.

    The listings are locked in pk order (so two checkouts never deadlock) and each must be
    active with enough left; otherwise OutOfStock names the first one short and nothing is
    taken. Runs inside the caller's transaction if any.
    """
    with transaction.atomic():
        locked = {
            listing.pk: listing
            for listing in Listing.objects.select_for_update()
            .filter(pk__in=list(quantities)).order_by("pk")
        }
        for pk in sorted(quantities):
            listing = locked.get(pk)
            if listing is None or listing.status != Listing.Status.ACTIVE:
                raise OutOfStock(listing_id=pk, title=listing.title if listing else "",
                                 available=0)
            # A conditional UPDATE: stock never goes below zero, whatever races it.
            taken = Listing.objects.filter(pk=pk, stock__gte=quantities[pk]).update(
                stock=F("stock") - quantities[pk]
            )
            if not taken:
                raise OutOfStock(listing_id=pk, title=listing.title, available=listing.stock)


def listings_lock(*, listing_ids) -> None:
    """Lock these listings in pk order until the caller's transaction ends: for a caller that
    returns one order's stock and takes another's in one go (a checkout replacing an unpaid
    one), so its row locks are taken in the same order as every other checkout's."""
    list(Listing.objects.select_for_update().filter(pk__in=list(listing_ids)).order_by("pk")
         .values_list("pk", flat=True))


def listing_stock_return(*, listing_id: int, quantity: int) -> None:
    """Put `quantity` back on sale (an order that will never ship gave it up)."""
    Listing.objects.filter(pk=listing_id).update(stock=F("stock") + quantity)
