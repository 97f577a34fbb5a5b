"""Applying a checkout's payment outcome: the one service the webhook and `sync` both reach.

`payments` verifies what Stripe says and hands the outcome to `checkout_outcome_apply`
(registered for references "checkout:<id>" in OrdersConfig.ready). Applying twice, or from the
webhook and a sync at once, moves money once: the checkout row lock and its status decide.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from orders.errors import OrderError
from orders.models import Checkout, Order
from orders.services import notices
from orders.services.checkout import checkout_for_buyer, checkout_payment_intent_ensure
from orders.services.lifecycle import order_cancel_restock, pickup_code_new
from orders.services.money_events import money_outcome_apply
from orders.services.transitions import order_transition
from payments.errors import PaymentDeclined, PaymentsError
from payments.services.escrow import escrow_hold, escrow_refund
from payments.services.intents import (
    PaymentOutcome,
    PaymentResult,
    payment_intent_cancel,
    payment_intent_confirm,
    payment_intent_sync,
)

logger = logging.getLogger(__name__)


class CheckoutExpired(OrderError):
    def __init__(self):
        super().__init__(
            "This checkout expired before it was paid; its items went back on sale. "
            "Please check out again."
        )


def _checkout_id(reference: str) -> int:
    return int(reference.split(":", 1)[1])


def checkout_outcome_apply(outcome: PaymentOutcome) -> None:
    """Apply a verified payment outcome to a checkout and its orders (idempotent)."""
    if outcome.escrow_references:  # chargebacks and refunds after payment, per order
        return money_outcome_apply(outcome)
    checkout_id = _checkout_id(outcome.reference)
    late_refunds: list[str] = []
    with transaction.atomic():
        checkout = Checkout.objects.select_for_update().get(pk=checkout_id)
        if outcome.status != "succeeded":
            if checkout.status == Checkout.Status.PENDING_PAYMENT:
                checkout.payment_status = outcome.status
                checkout.payment_message = (outcome.message or "The payment did not go through.")[
                    :300
                ]
                checkout.save(update_fields=["payment_status", "payment_message"])
                if outcome.status == "failed":
                    notices.payment_failed_notify(
                        buyer=checkout.buyer, checkout=checkout, reason=checkout.payment_message
                    )
            return
        if checkout.status == Checkout.Status.PAID:
            return
        if (outcome.amount_cents, outcome.currency) != (checkout.amount_cents, checkout.currency):
            logger.error("Checkout %s: payment amount differs; not applied", checkout.pk)
            return
        orders = list(checkout.orders.select_for_update().order_by("pk"))
        now = timezone.now()
        was_expired = checkout.status == Checkout.Status.EXPIRED
        checkout.status = Checkout.Status.PAID
        checkout.paid_at = now
        checkout.payment_status = "succeeded"
        checkout.payment_message = ""
        checkout.save(update_fields=["status", "paid_at", "payment_status", "payment_message"])
        for order in orders:
            escrow_hold(
                reference=order.reference, shop=order.shop, amount_cents=order.total_cents,
                currency=order.currency, payment_intent_id=outcome.payment_intent_id,
            )
            if was_expired or order.status != Order.Status.PENDING_PAYMENT:
                # Paid after the checkout expired and its stock went back on sale: the money
                # was held, and is refunded in full below; the order stays cancelled.
                late_refunds.append(order.reference)
                continue
            fields = {
                "paid_at": now,
                "ship_by": now + timezone.timedelta(days=settings.SHIP_BY_DAYS),
            }
            if order.fulfillment == Order.Fulfillment.PICKUP:
                fields["pickup_code"] = pickup_code_new()
            order = order_transition(
                order=order, to=Order.Status.PAID, note="Payment received; held in escrow.",
                expected={Order.Status.PENDING_PAYMENT},
                **fields,
            )
            notices.order_paid_notify(order)
    for reference in late_refunds:
        escrow_refund(reference=reference, note="Paid after the checkout expired")


def _apply_result(checkout: Checkout, result: PaymentResult) -> Checkout:
    Checkout.objects.filter(pk=checkout.pk, status=Checkout.Status.PENDING_PAYMENT).update(
        payment_status=result.status, payment_message=(result.message or "")[:300],
        client_secret=result.client_secret or checkout.client_secret,
    )
    checkout.refresh_from_db()
    return checkout


def checkout_pay(*, buyer, checkout_id, payment_method: str) -> Checkout:
    """Confirm the checkout's PaymentIntent server-side with the buyer's PaymentMethod.

    A declined card raises PaymentDeclined (402) after recording the message on the checkout.
    """
    checkout = checkout_for_buyer(buyer=buyer, checkout_id=checkout_id)
    if checkout.status == Checkout.Status.PAID:
        return checkout
    if checkout.status == Checkout.Status.EXPIRED:
        raise CheckoutExpired()
    checkout = checkout_payment_intent_ensure(checkout=checkout)
    try:
        result = payment_intent_confirm(reference=checkout.reference, payment_method=payment_method)
    except PaymentDeclined as exc:
        with transaction.atomic():
            Checkout.objects.filter(pk=checkout.pk).update(
                payment_status="failed", payment_message=str(exc)[:300]
            )
            notices.payment_failed_notify(buyer=buyer, checkout=checkout, reason=str(exc))
        raise
    return _apply_result(checkout, result)


def checkout_sync(*, buyer, checkout_id) -> Checkout:
    """Ask the payment provider for the payment's state and apply it (the webhook's path)."""
    checkout = checkout_for_buyer(buyer=buyer, checkout_id=checkout_id)
    if checkout.status == Checkout.Status.PAID or not checkout.payment_intent_id:
        return checkout
    return _apply_result(checkout, payment_intent_sync(reference=checkout.reference))


def checkouts_expire() -> int:
    """Expire unpaid checkouts past their deadline: stock back on sale, orders cancelled.

    The provider is asked first: a payment that succeeded at the last moment is applied, not
    expired; one still open is cancelled there so it can no longer succeed.
    """
    due = Checkout.objects.filter(
        status=Checkout.Status.PENDING_PAYMENT, expires_at__lte=timezone.now()
    ).order_by("pk")
    expired = 0
    for checkout in due:
        if checkout.payment_intent_id:
            try:
                result = payment_intent_sync(reference=checkout.reference)
                if result.status == "succeeded":
                    continue
                payment_intent_cancel(reference=checkout.reference)
            except PaymentsError:  # provider down: expire anyway; a late success is refunded
                logger.warning("Checkout %s: provider unreachable at expiry", checkout.pk)
        with transaction.atomic():
            locked = Checkout.objects.select_for_update().get(pk=checkout.pk)
            if locked.status != Checkout.Status.PENDING_PAYMENT:
                continue
            locked.status = Checkout.Status.EXPIRED
            locked.save(update_fields=["status"])
            for order in locked.orders.order_by("pk"):
                order = order_cancel_restock(
                    order=order, note="Not paid in time; items back on sale.",
                    expected={Order.Status.PENDING_PAYMENT},
                )
                notices.order_cancelled_notify(
                    order, reason="not paid in time", tell_buyer=True, tell_seller=False
                )
        expired += 1
    return expired
