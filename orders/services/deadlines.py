"""Deadline jobs (beat, and `run_due_jobs`): each finds what is due and applies the same
service a person would, so a job run twice, or racing a person, changes an order once.

Each order is one item of a JobRun: an order that fails is recorded for staff (with its id)
and the job goes on with the others."""

import datetime
import functools
import logging
import zoneinfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jobs.services import JobRun
from orders.errors import OrderError
from orders.models import Order
from orders.services import order_notify
from orders.services.lifecycle import order_auto_confirm, order_refund_in_full
from orders.services.stock import order_cancel_restock
from payments.errors import PaymentsError
from payments.selectors import escrow_references_frozen, escrow_references_held
from payments.services import escrow_release, escrow_resolve_partial

logger = logging.getLogger(__name__)
OrderStatus = Order.Status


def ship_by_for(order: Order, *, paid_at) -> "datetime.datetime":
    """When a paid order must be shipped (or handed over) by: SHIP_BY_DAYS after payment, or
    for a pre-order the end of its promised date in the seller's time zone."""
    if order.preorder_ships_by is None:
        return paid_at + datetime.timedelta(days=settings.SHIP_BY_DAYS)
    try:
        zone = zoneinfo.ZoneInfo(order.shop.owner.time_zone or settings.DEFAULT_USER_TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo(settings.DEFAULT_USER_TIME_ZONE)
    # The last moment of that day, so pages show the promised date itself.
    return datetime.datetime.combine(order.preorder_ships_by, datetime.time.max, tzinfo=zone)


def orders_cancel_unshipped() -> int:
    """Paid orders not shipped (or handed over) by ship_by: cancelled, stock back, refunded."""
    run = JobRun("orders-cancel-unshipped")
    done = 0
    due = Order.objects.filter(status=OrderStatus.PAID, ship_by__lte=timezone.now()).order_by("pk")
    for order in due:
        # Not one transaction: the refund talks to Stripe after the cancel has committed.
        result = run.item(order.reference, functools.partial(_cancel_overdue, order),
                          atomic=False)
        done += bool(result.value)
    run.finish()
    return done


def _cancel_overdue(order: Order) -> Order | None:
    try:
        with transaction.atomic():
            order = order_cancel_restock(
                order=order, note="Not shipped in time; cancelled and refunded.",
                expected={OrderStatus.PAID},
            )
            order_notify.order_cancelled_notify(
                order, reason="not shipped in time", tell_buyer=True, tell_seller=True
            )
    except OrderError:
        return None  # shipped or cancelled by a person a moment ago
    try:
        order_refund_in_full(order, None, "Not shipped in time")
    except PaymentsError:
        logger.warning("Order %s: refund deferred to the settle job", order.pk)
    return order


def _order_ids(references: list[str]) -> list[int]:
    return [int(ref.split(":", 1)[1]) for ref in references if ref.startswith("order:")]


def orders_complete_unconfirmed() -> int:
    """Shipped orders past auto_confirm_at: completed and released, as if the buyer confirmed."""
    run = JobRun("orders-complete-unconfirmed")
    done = 0
    due = Order.objects.filter(status=OrderStatus.SHIPPED, auto_confirm_at__lte=timezone.now())
    frozen = escrow_references_frozen(prefix="order:")
    due = due.exclude(pk__in=_order_ids(frozen))  # a chargeback is open: nothing is released
    for order in due.order_by("pk"):
        result = run.item(order.reference, functools.partial(_complete_unconfirmed, order))
        done += bool(result.value)
    run.finish()
    return done


def _complete_unconfirmed(order: Order) -> Order | None:
    try:
        return order_auto_confirm(order=order)
    except OrderError:
        return None  # confirmed, disputed, extended or cancelled by a person a moment ago


def orders_money_settle() -> int:
    """Finish money steps a provider outage interrupted: an order in a final state whose
    escrow still holds money gets its release or refund now (each step is idempotent)."""
    # A refund Stripe refused waits for staff (the failed refunds page), not for this job.
    ids = _order_ids(escrow_references_held(prefix="order:"))
    finals = Order.objects.filter(
        pk__in=ids, status__in=[OrderStatus.COMPLETED, OrderStatus.CANCELLED, OrderStatus.REFUNDED]
    )
    run = JobRun("orders-money-settle")
    settled = 0
    for order in finals.order_by("pk"):
        # Not one transaction: refunds talk to Stripe; each money step commits on its own.
        result = run.item(order.reference, functools.partial(_money_settle, order),
                          atomic=False)
        settled += bool(result.value)
    run.finish()
    return settled


def _money_settle(order: Order) -> bool:
    try:
        if order.status == OrderStatus.COMPLETED and order.dispute_refund_cents:
            escrow_resolve_partial(
                reference=order.reference, refund_cents=order.dispute_refund_cents
            )
        elif order.status == OrderStatus.COMPLETED:
            escrow_release(reference=order.reference)
        else:
            order_refund_in_full(order, None, "Settled after an interruption")
    except PaymentsError:
        logger.warning("Order %s: money step still pending", order.pk)
        return False
    return True


def orders_remind_deadlines() -> int:
    """Remind sellers 24 h before ship_by and buyers 48 h before auto-confirm (once each)."""
    now = timezone.now()
    run = JobRun("orders-remind-deadlines")
    reminded = 0
    to_ship = Order.objects.filter(
        status=OrderStatus.PAID, ship_by__gt=now, ship_by__lte=now + timezone.timedelta(hours=24)
    ).select_related("shop__owner")
    for order in to_ship.order_by("pk"):
        result = run.item(order.reference,
                          functools.partial(order_notify.ship_by_soon_notify, order))
        reminded += result.ok
    to_confirm = Order.objects.filter(
        status=OrderStatus.SHIPPED, auto_confirm_at__gt=now,
        auto_confirm_at__lte=now + timezone.timedelta(hours=48),
    ).select_related("buyer", "shop")
    for order in to_confirm.order_by("pk"):
        result = run.item(order.reference,
                          functools.partial(order_notify.auto_confirm_soon_notify, order))
        reminded += result.ok
    run.finish()
    return reminded
