"""What happens to orders when their money moves after payment without an order action:
a chargeback opens, is won or lost; a refund is made outside the app, is retried by staff,
or is refused or reported failed.

`payments` hands these outcomes (with the escrow references "order:<id>") to the checkout
handler, which routes them here. Each step is idempotent: notifications carry dedupe keys and
status moves are checked under the order's lock.
"""

import logging

from django.db import transaction
from django.urls import reverse

from notifications.services import notify
from orders.models import Order, OrderEvent
from orders.services import order_notify
from orders.services.stock import order_stock_return
from orders.services.transitions import order_transition
from payments.models import Escrow
from payments.selectors import escrow_summary_or_none, shop_balance
from payments.services import PaymentOutcome

logger = logging.getLogger(__name__)
OrderStatus = Order.Status
CAN_END_REFUNDED = {
    OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DISPUTED, OrderStatus.COMPLETED,
}


def _orders(outcome: PaymentOutcome) -> list[Order]:
    ids = []
    for reference in outcome.escrow_references:
        kind, _, number = reference.partition(":")
        if kind == "order" and number.isdigit():
            ids.append(int(number))
    return list(Order.objects.filter(pk__in=ids).select_related("shop__owner", "buyer")
                .order_by("pk"))


def _event(order: Order, note: str) -> None:
    """A timeline line at the order's current status (once per note)."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if not OrderEvent.objects.filter(order=locked, note=note[:500]).exists():
        OrderEvent.objects.create(order=locked, status=locked.status, note=note[:500])


def _order_refunded(locked: Order, note: str) -> Order:
    """The order ends refunded; one never shipped puts its goods back on sale, as a cancel does."""
    was_unshipped = locked.status == OrderStatus.PAID
    order = order_transition(order=locked, to=OrderStatus.REFUNDED, note=note)
    if was_unshipped:
        order_stock_return(order)
    return order


def money_outcome_apply(outcome: PaymentOutcome) -> None:
    handlers = {
        "disputed": _chargeback_opened, "dispute_won": _chargeback_won,
        "dispute_lost": _chargeback_lost, "refunded": _refunded,
        "refunded_after_release": _refunded,
        "refund_failed": _refund_failed,
    }
    handler = handlers.get(outcome.status)
    if handler is None:
        logger.info("No order step for money outcome %s", outcome.status)
        return
    for order in _orders(outcome):
        with transaction.atomic():
            handler(order, outcome)


def _chargeback_opened(order: Order, outcome: PaymentOutcome) -> None:
    _event(order, "The buyer's bank opened a chargeback: the payment is frozen until it "
                  "decides.")
    notify(recipient=order.shop.owner, kind="chargeback_opened",
           url=reverse("seller-order", args=[order.pk]),
           dedupe_key=f"chargeback_opened:{order.pk}",
           context={"order_id": order.pk, "amount_cents": order.total_cents,
                    "currency": order.currency})


def _chargeback_won(order: Order, outcome: PaymentOutcome) -> None:
    _event(order, "The chargeback was decided for the seller: the payment is no longer "
                  "frozen.")
    notify(recipient=order.shop.owner, kind="chargeback_won",
           url=reverse("seller-order", args=[order.pk]),
           dedupe_key=f"chargeback_won:{order.pk}", context={"order_id": order.pk})


def _chargeback_lost(order: Order, outcome: PaymentOutcome) -> None:
    note = "The chargeback was decided for the buyer: the money went back through their bank."
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status in CAN_END_REFUNDED:
        order = _order_refunded(locked, note)
    else:
        _event(locked, note)
    summary = escrow_summary_or_none(reference=order.reference)
    cents = summary.charged_back_cents if summary else 0
    owed = shop_balance(shop=order.shop, currency=order.currency).owed_cents
    notify(recipient=order.shop.owner, kind="chargeback_lost", url=reverse("seller-balance"),
           dedupe_key=f"chargeback_lost:{order.pk}",
           context={"order_id": order.pk, "amount_cents": cents, "currency": order.currency,
                    "owed_cents": owed})
    notify(recipient=order.buyer, kind="chargeback_refunded", url=reverse("order", args=[order.pk]),
           dedupe_key=f"chargeback_refunded:{order.pk}",
           context={"order_id": order.pk, "amount_cents": cents, "currency": order.currency})


def _refunded(order: Order, outcome: PaymentOutcome) -> None:
    """A refund posted without an order action (made in the dashboard, or retried by staff)."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    escrow = escrow_summary_or_none(reference=order.reference)
    note = f"{outcome.message or 'Refunded'}: {outcome.amount_cents / 100:.2f} " \
           f"{outcome.currency} went back to the buyer."
    was_released = outcome.status == "refunded_after_release"
    if escrow is not None and escrow.status == Escrow.Status.REFUNDED and (
        locked.status in CAN_END_REFUNDED
    ):
        _order_refunded(locked, note)
    else:
        _event(locked, note)
    order_notify.order_refunded_notify(order, amount_cents=outcome.amount_cents)
    if was_released:  # the money came back from the seller's balance: never silently
        owed = shop_balance(shop=order.shop, currency=order.currency).owed_cents
        notify(recipient=order.shop.owner, kind="refund_after_release",
               url=reverse("seller-balance"),
               dedupe_key=f"refund_after_release:{order.pk}:{outcome.amount_cents}",
               context={"order_id": order.pk, "amount_cents": outcome.amount_cents,
                        "currency": order.currency, "owed_cents": owed})


def _refund_failed(order: Order, outcome: PaymentOutcome) -> None:
    _event(order, "The refund did not go through yet; our team will try again.")
    notify(recipient=order.buyer, kind="refund_delayed", url=reverse("order", args=[order.pk]),
           dedupe_key=f"refund_delayed:{order.pk}:{outcome.amount_cents}:{outcome.message}"[:200],
           context={"order_id": order.pk, "amount_cents": outcome.amount_cents,
                    "currency": order.currency})
