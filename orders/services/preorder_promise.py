"""Keeping a pre-order's promise: the seller moves the date (once), the buyer may then cancel,
a short harvest cancels some orders, and the seller is reminded before the date.

A pre-order not shipped by its (moved) date needs nothing here: its `ship_by` is the end of
the promised day, so `orders_cancel_unshipped` (services/deadlines.py) cancels and refunds it
like any late order. Every cancellation here refunds in full through `order_refund_in_full`,
after the order's change has committed (a refund talks to Stripe and holds no lock).
"""

import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone

from jobs.services import JobRun
from notifications.services import notify
from orders.errors import InvalidTransition, OrderError
from orders.models import Order, OrderEvent, OrderItem
from orders.selectors import BUYER, order_for_party, preorder_harvest_plan_orders
from orders.services import order_notify
from orders.services.checkout import checkout_lock
from orders.services.deadlines import ship_by_for
from orders.services.lifecycle import order_refund_in_full
from orders.services.stock import order_stock_return
from orders.services.transitions import order_transition
from sellers.selectors import listing_of_owner
from sellers.services import listing_preorder_move, listing_preorder_sold_out

OrderStatus = Order.Status
CANCEL_WINDOW = datetime.timedelta(days=7)
REMINDER_DAYS = (1, 3, 14)  # the seller hears 14, 3 and 1 days before the promised date
NOTE_MAX = 300


def _day(value: datetime.date) -> str:
    return f"{value:%B} {value.day}, {value.year}"


def preorder_listing_for_seller(*, listing_id, seller):
    """The seller's own pre-order listing; anyone else's (or a missing one) is 404, an
    in-stock listing of theirs 409."""
    listing = listing_of_owner(listing_id=listing_id, user=seller)
    if listing.preorder_ships_by is None:
        raise OrderError("This listing is not a pre-order.")
    return listing


def _listing_order_ids(*, listing_id: int, statuses) -> list[int]:
    return list(
        Order.objects.filter(items__listing_id=listing_id, status__in=statuses,
                             preorder_ships_by__isnull=False)
        .order_by("pk").values_list("pk", flat=True).distinct()
    )


# --- moving the date ---------------------------------------------------------------------

@dataclass(frozen=True)
class PreorderMove:
    listing_id: int
    moved_from: datetime.date
    ships_by: datetime.date
    cancel_until: datetime.datetime
    orders_told: int  # paid orders whose buyers were told (and may cancel)


def preorder_date_move(*, listing_id, seller, ships_by) -> PreorderMove:
    """Move a pre-order's promised date (once, later, by at most 30 days) and the deadline of
    every open order of it; each paying buyer is told and may cancel in full for 7 days.

    Locks the open orders (by pk) before the listing: the order in which a cancel takes
    them, so the two never deadlock.
    """
    listing = preorder_listing_for_seller(listing_id=listing_id, seller=seller)
    now = timezone.now()
    cancel_until = now + CANCEL_WINDOW
    open_statuses = (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID)
    with transaction.atomic():
        before = _listing_order_ids(listing_id=listing.pk, statuses=open_statuses)
        list(Order.objects.select_for_update().filter(pk__in=before).order_by("pk")
             .values_list("pk", flat=True))
        listing, moved_from = listing_preorder_move(listing_id=listing.pk, ships_by=ships_by)
        # A checkout that reserved stock a moment before the listing's lock is counted too.
        ids = _listing_order_ids(listing_id=listing.pk, statuses=open_statuses)
        orders = Order.objects.filter(pk__in=ids, preorder_ships_by=moved_from)
        orders.filter(status=OrderStatus.PENDING_PAYMENT).update(
            preorder_ships_by=listing.preorder_ships_by)
        paid = list(orders.filter(status=OrderStatus.PAID)
                    .select_related("buyer", "shop__owner").order_by("pk"))
        note = (f"The seller moved the ship date from {_day(moved_from)} to "
                f"{_day(listing.preorder_ships_by)}; the buyer may cancel for a full refund "
                "within 7 days.")
        for order in paid:
            order.preorder_ships_by = listing.preorder_ships_by
            # The end of the new day in the seller's time zone, as checkout set the first.
            order.ship_by = ship_by_for(order, paid_at=order.paid_at)
            order.preorder_cancel_until = cancel_until
            order.save(update_fields=["preorder_ships_by", "ship_by", "preorder_cancel_until"])
            OrderEvent.objects.create(order=order, status=order.status, actor=seller, note=note)
            notify(recipient=order.buyer, kind="preorder_date_moved",
                   url=reverse("order", args=[order.pk]),
                   dedupe_key=f"preorder_date_moved:{order.pk}",
                   context={"order_id": order.pk, "shop_name": order.shop.name,
                            "listing_title": listing.title, "moved_from": moved_from,
                            "ship_by": listing.preorder_ships_by,
                            "cancel_until": cancel_until})
    return PreorderMove(listing_id=listing.pk, moved_from=moved_from,
                        ships_by=listing.preorder_ships_by, cancel_until=cancel_until,
                        orders_told=len(paid))


# --- cancelling in full ------------------------------------------------------------------

def _cancel_in_full(*, order: Order, actor, note: str, check: Callable[[Order], None],
                    restock: bool, tell: Callable[[Order], None]) -> Order:
    """Cancel a paid order under its checkout's and its own lock, then refund all that is
    held. `check(locked)` raises to refuse; `tell(order)` writes the notices."""
    with transaction.atomic():
        checkout_lock(checkout_id=order.checkout_id)  # checkout before order, as payment does
        locked = Order.objects.select_for_update().get(pk=order.pk)
        check(locked)
        order = order_transition(order=locked, to=OrderStatus.CANCELLED, actor=actor,
                                 note=note, expected={OrderStatus.PAID})
        if restock:
            order_stock_return(order)
        tell(order)
    order_refund_in_full(order, actor, note)
    return order


def preorder_cancel_after_move(*, order_id, buyer) -> Order:
    """The buyer cancels a pre-order whose date the seller moved, within 7 days: full refund."""
    order = order_for_party(user=buyer, order_id=order_id, side=BUYER)

    def check(locked: Order) -> None:
        if locked.status != OrderStatus.PAID:
            raise InvalidTransition(locked.status, OrderStatus.CANCELLED)
        if locked.preorder_cancel_until is None:
            raise OrderError("The seller has not moved this order's ship date, so there is "
                             "nothing to cancel for.")
        if locked.preorder_cancel_until <= timezone.now():
            raise OrderError("The 7 days to cancel after the ship date moved have ended.")

    def tell(cancelled: Order) -> None:
        order_notify.order_cancelled_notify(
            cancelled, reason="cancelled by the buyer after the ship date moved",
            tell_buyer=False, tell_seller=True)

    return _cancel_in_full(order=order, actor=buyer, check=check, tell=tell, restock=True,
                           note="Cancelled by the buyer after the ship date moved.")


# --- a short harvest ---------------------------------------------------------------------

@dataclass(frozen=True)
class ShortHarvestPlan:
    listing: object
    orders: list[Order]  # to cancel, newest first; each with .units and .escrow
    units_kept: int  # units of the orders that stay
    note: str

    @property
    def refund_cents(self) -> int:
        return sum(held_cents(order) for order in self.orders)

    @property
    def units_cancelled(self) -> int:
        return sum(order.units for order in self.orders)


def held_cents(order: Order) -> int:
    """What escrow holds for an order with `.escrow` set (what a full refund returns)."""
    return order.escrow.remaining_cents if order.escrow is not None else 0


def _whole(value, *, field: str, message: str) -> int:
    if isinstance(value, bool):
        raise ValidationError({field: [message]})
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError({field: [message]}) from None
    if number < 0 or number > 1_000_000:
        raise ValidationError({field: [message]})
    return number


def preorder_short_harvest_plan(*, listing_id, seller, harvested=None, order_ids=None,
                                note: str = "") -> ShortHarvestPlan:
    """Which paid orders a short harvest cancels: the newest first until the rest fit in
    `harvested` units, or exactly the `order_ids` the seller chose (one of the two)."""
    listing = preorder_listing_for_seller(listing_id=listing_id, seller=seller)
    note = " ".join(str(note or "").split())
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": [f"Keep the message under {NOTE_MAX} characters."]})
    if (harvested in (None, "")) == (not order_ids):
        raise ValidationError({"harvested": [
            "Say how many you harvested, or choose the orders to cancel (one of the two)."]})
    orders = preorder_harvest_plan_orders(listing=listing)  # paid, newest first
    if order_ids:
        try:
            chosen = {int(pk) for pk in order_ids}
        except (TypeError, ValueError):
            raise ValidationError({"orders": ["Choose orders by their numbers."]}) from None
        known = {order.pk for order in orders}
        unknown = sorted(chosen - known)
        if unknown:
            raise ValidationError({"orders": [
                f"Order #{unknown[0]} is not a paid, unshipped order of this pre-order."]})
        cancel = [order for order in orders if order.pk in chosen]
    else:
        harvested = _whole(harvested, field="harvested",
                           message="Enter how many you harvested, a whole number from 0.")
        total = sum(order.units for order in orders)
        if harvested >= total:
            raise ValidationError({"harvested": [
                f"The paid orders need {total}; a harvest of {harvested} covers them all, "
                "so nothing needs cancelling."]})
        cancel, left = [], total
        for order in orders:  # newest first
            if left <= harvested:
                break
            cancel.append(order)
            left -= order.units
    kept = sum(order.units for order in orders) - sum(order.units for order in cancel)
    return ShortHarvestPlan(listing=listing, orders=cancel, units_kept=kept, note=note)


def preorder_short_harvest(*, listing_id, seller, harvested=None, order_ids=None,
                           note: str = "") -> list[Order]:
    """Cancel the planned orders with full refunds, tell each buyer, and stop selling more.

    Each order is cancelled on its own (a refund talks to Stripe); one that shipped or was
    cancelled a moment ago is left as it is. Stock is not put back: the goods do not exist.
    """
    plan = preorder_short_harvest_plan(listing_id=listing_id, seller=seller,
                                       harvested=harvested, order_ids=order_ids, note=note)
    listing = plan.listing
    listing_preorder_sold_out(listing_id=listing.pk)
    cancelled = []
    for order in plan.orders:
        amount = held_cents(order)

        def check(locked: Order) -> None:
            if locked.status != OrderStatus.PAID:
                raise InvalidTransition(locked.status, OrderStatus.CANCELLED)

        def tell(done: Order, amount=amount) -> None:
            notify(recipient=done.buyer, kind="preorder_short_harvest",
                   url=reverse("order", args=[done.pk]),
                   dedupe_key=f"preorder_short_harvest:{done.pk}",
                   context={"order_id": done.pk, "shop_name": listing.shop.name,
                            "listing_title": listing.title, "amount_cents": amount,
                            "currency": done.currency, "note": plan.note})

        try:
            cancelled.append(_cancel_in_full(
                order=order, actor=seller, check=check, tell=tell, restock=False,
                note="Cancelled by the seller: the harvest came in short."))
        except OrderError:
            continue  # shipped or cancelled by someone a moment ago
    return cancelled


# --- reminders ---------------------------------------------------------------------------

def _stage(days_left: int) -> int | None:
    """The reminder due with `days_left` to go: the nearest of 14, 3, 1 not yet passed."""
    return next((days for days in REMINDER_DAYS if days_left <= days), None)


def preorders_remind_sellers() -> int:
    """Remind sellers 14, 3 and 1 days before a promised date of paid pre-orders still to
    ship: one notice per listing, date and step (a late run sends only the nearest step)."""
    today = timezone.localdate()
    run = JobRun("preorders-remind")
    rows = (
        OrderItem.objects.filter(
            order__status=OrderStatus.PAID, order__preorder_ships_by__gte=today,
            order__preorder_ships_by__lte=today + datetime.timedelta(days=max(REMINDER_DAYS)),
        )
        .values("listing_id", "listing__title", "order__shop__owner_id",
                "order__preorder_ships_by")
        .annotate(order_count=Count("order_id", distinct=True), units=Sum("quantity"))
        .order_by("order__preorder_ships_by", "listing_id")
    )
    rows = list(rows)
    owners = _users_by_id({row["order__shop__owner_id"] for row in rows})
    reminded = 0
    for row in rows:
        ships_by = row["order__preorder_ships_by"]
        days_left = (ships_by - today).days
        stage = _stage(days_left)
        result = run.item(f"listing:{row['listing_id']}", functools.partial(
            _remind, owner=owners[row["order__shop__owner_id"]], row=row, stage=stage,
            days_left=days_left))
        reminded += result.ok
    run.finish()
    return reminded


def _users_by_id(ids) -> dict:
    return get_user_model().objects.in_bulk(list(ids))


def _remind(*, owner, row: dict, stage: int, days_left: int) -> None:
    ships_by = row["order__preorder_ships_by"]
    notify(recipient=owner, kind="preorder_due_soon",
           url=reverse("seller-harvest", args=[row["listing_id"]]),
           dedupe_key=f"preorder_due_soon:{row['listing_id']}:{ships_by.isoformat()}:{stage}",
           context={"listing_id": row["listing_id"], "listing_title": row["listing__title"],
                    "ship_by": ships_by, "days": days_left,
                    "order_count": row["order_count"], "units": int(row["units"])})

