"""Pre-orders with a deposit: the seller marks the order ready, the buyer pays the balance.

The deposit was paid at checkout and is held in escrow like any payment. "Ready to ship" makes
the balance due within BALANCE_DAYS; the buyer pays it on the order's pay page through its own
PaymentIntent (reference "balance:<order id>"), whose outcome `balance_outcome_apply` adds to
the order's escrow (`escrow_top_up`), so the escrow holds deposit + balance and is released or
refunded as one. An order cannot ship while its balance is unpaid (orders.services.transitions).
A balance not paid in time: `preorders_cancel_balance_unpaid` (a periodic job) cancels the
order, puts its stock back and refunds the deposit in full.
"""

import functools
import logging

from django.db import transaction
from django.utils import timezone

from jobs.services import JobRun
from orders.errors import InvalidTransition, NoBalanceDue, OrderError, PaymentUnavailable
from orders.models import Order, OrderEvent
from orders.selectors import BUYER, SELLER, order_for_party
from orders.services import order_notify
from orders.services.lifecycle import order_refund_in_full
from orders.services.money_events import money_outcome_apply
from orders.services.stock import order_cancel_restock
from payments.errors import GatewayRefused, PaymentProviderUnavailable, PaymentsError
from payments.services import (
    PaymentOutcome,
    escrow_hold,
    escrow_refund,
    escrow_top_up,
    payment_intent_cancel,
    payment_intent_confirm,
    payment_intent_create,
    payment_intent_sync,
)

logger = logging.getLogger(__name__)
BALANCE_DAYS = 5
BALANCE_KIND = "balance"  # references "balance:<order id>" (registered in OrdersConfig.ready)
BALANCE_JOB = "preorders-cancel-balance-unpaid"  # its name in marketplace.jobs


def balance_reference(order: Order) -> str:
    return f"{BALANCE_KIND}:{order.pk}"


def preorder_mark_ready(*, order_id, seller) -> Order:
    """The seller has the harvest in: the buyer's balance is due within BALANCE_DAYS.

    Only a paid pre-order with a balance; marking it twice returns it as it is. A pre-order
    paid in full needs no such step: the seller ships it.
    """
    order = order_for_party(user=seller, order_id=order_id, side=SELLER)
    with transaction.atomic():
        locked = Order.objects.select_for_update().select_related("shop", "buyer").get(
            pk=order.pk)
        if locked.balance_due_at is not None and locked.status == Order.Status.PAID:
            return locked
        if locked.status != Order.Status.PAID:
            raise InvalidTransition(locked.status, "ready to ship")
        if not locked.balance_cents:
            raise NoBalanceDue("This order is paid in full: ship it when it is ready.")
        locked.balance_due_at = timezone.now() + timezone.timedelta(days=BALANCE_DAYS)
        locked.save(update_fields=["balance_due_at"])
        OrderEvent.objects.create(
            order=locked, status=locked.status, actor=seller,
            note=f"Ready to ship: the buyer has {BALANCE_DAYS} days to pay the balance.")
        order_notify.preorder_balance_due_notify(locked)
    return locked


def _balance_order(*, buyer, order_id) -> Order:
    order = order_for_party(user=buyer, order_id=order_id, side=BUYER)
    if order.status != Order.Status.PAID or not order.balance_due:
        raise NoBalanceDue("There is no balance to pay on this order now.")
    return order


def preorder_balance_for_buyer(*, buyer, order_id) -> Order:
    """The buyer's order with a balance due (404 if not theirs, 409 if nothing is due)."""
    return _balance_order(buyer=buyer, order_id=order_id)


def _intent_ensure(order: Order):
    try:
        return payment_intent_create(
            reference=balance_reference(order), amount_cents=order.balance_cents,
            currency=order.currency, idempotency_key=f"balance-{order.pk}",
            metadata={"buyer": order.buyer_id, "order": order.pk},
        )
    except PaymentProviderUnavailable:
        raise PaymentUnavailable(
            "We could not reach the payment provider. Nothing was charged: please try again "
            "in a moment.") from None
    except PaymentsError as exc:
        raise PaymentUnavailable(str(exc)) from None


def preorder_balance_pay(*, buyer, order_id, payment_method: str) -> Order:
    """Charge the balance with the buyer's card (server-side confirmation, like checkout).

    A declined card raises PaymentDeclined (402); the outcome is applied through the same
    handler the webhook reaches, so the money is added to escrow once.
    """
    order = _balance_order(buyer=buyer, order_id=order_id)
    _intent_ensure(order)
    payment_intent_confirm(reference=balance_reference(order), payment_method=payment_method)
    order.refresh_from_db()
    return order


def preorder_balance_sync(*, buyer, order_id) -> Order:
    """Ask the payment provider where the balance payment is and apply it (the webhook's path)."""
    order = order_for_party(user=buyer, order_id=order_id, side=BUYER)
    if order.balance_cents and order.status == Order.Status.PAID:
        try:
            payment_intent_sync(reference=balance_reference(order))
        except GatewayRefused:
            raise PaymentUnavailable("The payment provider could not look up this payment "
                                     "right now. Nothing new was charged.") from None
        except PaymentsError:
            pass  # never started: nothing to look up
        order.refresh_from_db()
    return order


def balance_outcome_apply(outcome: PaymentOutcome) -> None:
    """Apply a verified outcome of a balance payment (idempotent): on success the balance is
    added to the order's escrow and the seller may ship."""
    if outcome.escrow_references:  # refunds and chargebacks after payment, per order
        return money_outcome_apply(outcome)
    if outcome.status != "succeeded":
        return  # a declined card: the buyer may try another before the deadline
    order_id = int(outcome.reference.split(":", 1)[1])
    late = False
    with transaction.atomic():
        order = Order.objects.select_for_update().select_related("shop", "buyer").get(
            pk=order_id)
        if not order.balance_cents:
            return  # applied already
        if (outcome.amount_cents, outcome.currency) != (order.balance_cents, order.currency):
            logger.error("Order %s: balance payment amount differs; not applied", order.pk)
            return
        if order.status != Order.Status.PAID:
            # Cancelled before the money came: held on its own reference and refunded below.
            escrow_hold(reference=outcome.reference, shop=order.shop,
                        amount_cents=order.balance_cents, currency=order.currency,
                        payment_intent_id=outcome.payment_intent_id)
            late = True
        else:
            _balance_add(order, outcome)
    if late:
        try:
            escrow_refund(reference=outcome.reference,
                          note="Balance paid after the order was cancelled")
        except PaymentsError as error:
            logger.warning("Order %s: late balance not refunded yet: %s", order_id, error)


def _balance_add(order: Order, outcome: PaymentOutcome) -> None:
    """Add a paid balance to the order's escrow (call holding the order's lock)."""
    escrow_top_up(reference=order.reference, amount_cents=order.balance_cents,
                  currency=order.currency, payment_intent_id=outcome.payment_intent_id)
    paid = order.balance_cents
    order.balance_cents = 0
    order.save(update_fields=["balance_cents"])
    OrderEvent.objects.create(order=order, status=order.status,
                              note="Balance paid; held in escrow with the deposit.")
    order_notify.preorder_balance_paid_notify(order, amount_cents=paid)


def _cancel_balance_unpaid(order: Order) -> Order | None:
    # Stripe first, with no lock held: a balance paid at the last moment stands.
    try:
        result = payment_intent_cancel(reference=balance_reference(order))
        if result.status == "succeeded":
            return None
    except (PaymentsError, GatewayRefused) as error:
        logger.info("Order %s: no balance payment to cancel (%r)", order.pk, error)
    try:
        with transaction.atomic():
            locked = Order.objects.select_for_update().get(pk=order.pk)
            if not (locked.status == Order.Status.PAID and locked.balance_due
                    and locked.balance_due_at <= timezone.now()):
                return None  # paid or cancelled a moment ago
            order = order_cancel_restock(
                order=locked, expected={Order.Status.PAID},
                note="The balance was not paid in time; cancelled and the deposit refunded.",
            )
            order_notify.order_cancelled_notify(
                order, reason="the balance was not paid in time", tell_buyer=True,
                tell_seller=True)
    except OrderError:
        return None
    try:
        order_refund_in_full(order, None, "Balance not paid in time")
    except PaymentsError:
        logger.warning("Order %s: refund deferred to the settle job", order.pk)
    return order


def preorders_cancel_balance_unpaid() -> int:
    """Pre-orders whose balance was not paid by its deadline: cancelled, deposit refunded."""
    run = JobRun(BALANCE_JOB)
    done = 0
    due = Order.objects.filter(status=Order.Status.PAID, balance_cents__gt=0,
                               balance_due_at__lte=timezone.now()).order_by("pk")
    for order in due:
        result = run.item(order.reference, functools.partial(_cancel_balance_unpaid, order),
                          atomic=False)
        done += bool(result.value)
    run.finish()
    return done

