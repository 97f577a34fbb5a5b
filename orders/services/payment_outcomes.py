"""Applying a checkout's payment outcome: the one service the webhook and `sync` both reach.

`payments` verifies what Stripe says and hands the outcome to `checkout_outcome_apply`
(registered for references "checkout:<id>" in OrdersConfig.ready). Applying twice, or from the
webhook and a sync at once, moves money once: the checkout row lock and its status decide.
Nothing is paid that cannot be delivered: a checkout with no order left to pay refuses payment
(409), and a payment that still arrives for it is refunded at once and the buyer told.
"""

import functools
import logging

from django.db import transaction
from django.utils import timezone

from jobs.services import JobRun
from orders.errors import (
    CheckoutCancelled,
    CheckoutExpired,
    CheckoutInvalidTransition,
    PaymentUnavailable,
)
from orders.models import Checkout, Order
from orders.services import order_notify
from orders.services.addresses import saved_address_keep
from orders.services.cart import cart_items_bought_remove
from orders.services.checkout import (
    checkout_close_for_closed_shop,
    checkout_for_buyer,
    checkout_lock,
    checkout_payment_cancel,
    checkout_payment_intent_cancel_due,
    checkout_payment_intent_ensure,
)
from orders.services.checkout_states import checkout_transition
from orders.services.deadlines import ship_by_for
from orders.services.lifecycle import pickup_code_new
from orders.services.money_events import money_outcome_apply
from orders.services.stock import order_cancel_restock
from orders.services.transitions import order_transition
from payments.errors import (
    GatewayRefused,
    PaymentDeclined,
    PaymentProviderUnavailable,
    PaymentsError,
)
from payments.services import (
    PaymentOutcome,
    PaymentResult,
    escrow_hold,
    escrow_refund,
    payment_intent_cancel,
    payment_intent_confirm,
    payment_intent_sync,
)

logger = logging.getLogger(__name__)
CheckoutStatus = Checkout.Status
EXPIRE_JOB = "checkouts-expire"  # its name in marketplace.jobs


def _checkout_id(reference: str) -> int:
    return int(reference.split(":", 1)[1])


def checkout_payable_check(checkout: Checkout) -> None:
    """Raise 409 for a checkout that can no longer be paid (expired, or nothing left to pay)."""
    refunded = checkout.paid_at is not None  # paid after it closed: refunded at once
    if checkout.status == CheckoutStatus.EXPIRED:
        raise CheckoutExpired(refunded=refunded)
    if checkout.status == CheckoutStatus.CANCELLED:
        raise CheckoutCancelled(refunded=refunded, changed=checkout.changed_at is not None)
    # Every order cancelled before the payment. (Orders paid by a webhook that committed after
    # this checkout was read are not "nothing left to pay": the payment stands.)
    if checkout.status == CheckoutStatus.PENDING_PAYMENT and not checkout.orders.exclude(
        status=Order.Status.CANCELLED
    ).exists():
        raise CheckoutCancelled()


def checkout_outcome_apply(outcome: PaymentOutcome) -> None:
    """Apply a verified payment outcome to a checkout and its orders (idempotent)."""
    if outcome.escrow_references:  # chargebacks and refunds after payment, per order
        return money_outcome_apply(outcome)
    checkout_id = _checkout_id(outcome.reference)
    late: list[Order] = []
    with transaction.atomic():
        checkout = checkout_lock(checkout_id=checkout_id)
        if outcome.status != "succeeded":
            if checkout.status == CheckoutStatus.PENDING_PAYMENT:
                checkout.payment_status = outcome.status
                checkout.payment_message = (outcome.message or "The payment did not go through.")[
                    :300
                ]
                checkout.save(update_fields=["payment_status", "payment_message"])
                if outcome.status == "failed":
                    order_notify.payment_failed_notify(
                        buyer=checkout.buyer, checkout=checkout, reason=checkout.payment_message
                    )
            return
        if checkout.status == CheckoutStatus.PAID or checkout.paid_at is not None:
            return  # applied already (a late payment keeps its checkout's status)
        if (outcome.amount_cents, outcome.currency) != (checkout.amount_cents, checkout.currency):
            logger.error("Checkout %s: payment amount differs; not applied", checkout.pk)
            return
        # A shop in it closed before the money came: cancelled now, and refunded below.
        checkout_close_for_closed_shop(checkout=checkout)
        checkout.refresh_from_db()
        orders = list(checkout.orders.select_for_update().order_by("pk"))
        now = timezone.now()
        # expired or cancelled meanwhile
        is_late = checkout.status != CheckoutStatus.PENDING_PAYMENT
        paid = {"paid_at": now, "payment_status": "succeeded", "payment_message": "",
                "provider_cancel_due": False}
        if is_late:
            for name, value in paid.items():
                setattr(checkout, name, value)
            checkout.save(update_fields=list(paid))
        else:
            checkout = checkout_transition(checkout=checkout, to=CheckoutStatus.PAID,
                                           expected={CheckoutStatus.PENDING_PAYMENT}, **paid)
        for order in orders:
            # A pre-order with a deposit holds the deposit now; its balance is added later.
            escrow_hold(
                reference=order.reference, shop=order.shop, amount_cents=order.deposit_cents,
                currency=order.currency, payment_intent_id=outcome.payment_intent_id,
            )
            if is_late or order.status != Order.Status.PENDING_PAYMENT:
                # Its order was cancelled (or the checkout expired) before the money came:
                # held, and refunded in full below; the order stays cancelled.
                late.append(order)
                continue
            fields = {"paid_at": now, "ship_by": ship_by_for(order, paid_at=now)}
            if order.fulfillment == Order.Fulfillment.PICKUP or order.hub_reference:
                # A hub parcel is handed over by the same code (shown once it arrives).
                fields["pickup_code"] = pickup_code_new()
            order = order_transition(
                order=order, to=Order.Status.PAID, note="Payment received; held in escrow.",
                expected={Order.Status.PENDING_PAYMENT},
                **fields,
            )
            order_notify.order_paid_notify(order)
        if not is_late:  # bought: out of the cart now, and the address kept if asked
            cart_items_bought_remove(checkout=checkout)
            if checkout.save_address and checkout.shipping_address:
                saved_address_keep(user=checkout.buyer, address=checkout.shipping_address)
        if late:
            order_notify.late_payment_refunded_notify(checkout=checkout, orders=late)
    for order in late:
        try:
            escrow_refund(reference=order.reference, note="Paid after the order was cancelled")
        except PaymentsError as error:  # the settle job refunds it on its next run
            logger.warning("Order %s: late payment not refunded yet: %s", order.pk, error)


def _apply_result(checkout: Checkout, result: PaymentResult) -> Checkout:
    Checkout.objects.filter(pk=checkout.pk, status=CheckoutStatus.PENDING_PAYMENT).update(
        payment_status=result.status, payment_message=(result.message or "")[:300],
        client_secret=result.client_secret or checkout.client_secret,
    )
    checkout.refresh_from_db()
    return checkout


def _provider_settle(checkout: Checkout) -> Checkout:
    """For a checkout that can no longer be paid: finish its cancel at Stripe, or pick up a
    payment that arrived anyway (refunded at once). Best effort: the expiry job retries."""
    try:
        if checkout.provider_cancel_due:
            checkout_payment_intent_cancel_due(checkout=checkout)
        elif checkout.payment_intent_id and checkout.paid_at is None and (
            checkout.payment_status != "canceled"  # cancelled at Stripe: it cannot succeed
        ):
            payment_intent_sync(reference=checkout.reference)
    except (PaymentsError, GatewayRefused) as error:
        logger.warning("Checkout %s: provider not settled yet: %r", checkout.pk, error)
    checkout.refresh_from_db()
    return checkout


def checkout_payable_for_buyer(*, buyer, checkout_id) -> Checkout:
    """The buyer's checkout, paid or still payable; 404 if not theirs, 409 if nothing is left
    to pay (after finishing its cancel at Stripe, or refunding a payment that came anyway)."""
    checkout = checkout_for_buyer(buyer=buyer, checkout_id=checkout_id)
    if checkout.status == CheckoutStatus.PAID:
        return checkout
    if checkout.status == CheckoutStatus.PENDING_PAYMENT:
        with transaction.atomic():  # a shop in it closed: nothing in it can be paid any more
            closed = checkout_close_for_closed_shop(
                checkout=checkout_lock(checkout_id=checkout.pk))
        if closed:
            checkout_payment_cancel(checkout_id=checkout.pk)
            checkout.refresh_from_db()
    if checkout.status != CheckoutStatus.PENDING_PAYMENT:
        checkout = _provider_settle(checkout)
    checkout_payable_check(checkout)
    return checkout


def checkout_pay(*, buyer, checkout_id, payment_method: str) -> Checkout:
    """Confirm the checkout's PaymentIntent server-side with the buyer's PaymentMethod.

    A declined card raises PaymentDeclined (402) after recording the message on the checkout.
    A checkout with nothing left to pay raises 409 and charges nothing.
    """
    checkout = checkout_payable_for_buyer(buyer=buyer, checkout_id=checkout_id)
    if checkout.status == CheckoutStatus.PAID:
        return checkout
    checkout = checkout_payment_intent_ensure(checkout=checkout)
    try:
        result = payment_intent_confirm(reference=checkout.reference, payment_method=payment_method)
    except PaymentDeclined as exc:
        with transaction.atomic():
            Checkout.objects.filter(pk=checkout.pk).update(
                payment_status="failed", payment_message=str(exc)[:300]
            )
            order_notify.payment_failed_notify(buyer=buyer, checkout=checkout, reason=str(exc))
        raise
    except PaymentsError:
        checkout.refresh_from_db()
        checkout_payable_check(checkout)  # cancelled while paying: say that, not "failed"
        raise
    checkout = _apply_result(checkout, result)
    checkout_payable_check(checkout)  # the orders were cancelled as the money came: refunded
    return checkout


def checkout_sync(*, buyer, checkout_id) -> Checkout:
    """Ask the payment provider for the payment's state and apply it (the webhook's path)."""
    checkout = checkout_payable_for_buyer(buyer=buyer, checkout_id=checkout_id)
    if checkout.status == CheckoutStatus.PAID or not checkout.payment_intent_id:
        return checkout
    try:
        result = payment_intent_sync(reference=checkout.reference)
    except GatewayRefused as refused:  # Stripe does not know the payment: not the buyer's fault
        logger.error("Checkout %s: Stripe refused to look up its payment: %s", checkout.pk,
                     refused)
        raise PaymentUnavailable(
            "The payment provider could not look up this payment right now. Nothing new was "
            "charged; please try again later."
        ) from None
    checkout = _apply_result(checkout, result)
    checkout_payable_check(checkout)
    return checkout


def _checkout_expire(checkout: Checkout) -> bool:
    """Expire one checkout: ask Stripe first, then cancel its unpaid orders; True if expired."""
    if checkout.payment_intent_id:
        try:
            result = payment_intent_sync(reference=checkout.reference)
            if result.status == "succeeded":
                return False  # paid at the last moment: applied by the sync, not expired
            payment_intent_cancel(reference=checkout.reference)
        except (PaymentsError, GatewayRefused) as error:
            # Down, or refusing to say (say, it no longer knows the payment): expire anyway,
            # or the stock stays reserved for ever; a success arriving later is refunded.
            logger.warning("Checkout %s: provider did not confirm at expiry (%r)",
                           checkout.pk, error)
    with transaction.atomic():
        try:
            locked = checkout_transition(checkout=checkout, to=CheckoutStatus.EXPIRED,
                                         expected={CheckoutStatus.PENDING_PAYMENT})
        except CheckoutInvalidTransition:
            return False  # paid or cancelled a moment ago
        # Under the checkout's lock no order of it can change: the buyer's cancel takes it too.
        for order in locked.orders.filter(status=Order.Status.PENDING_PAYMENT).order_by("pk"):
            order = order_cancel_restock(
                order=order, note="Not paid in time; items back on sale.",
                expected={Order.Status.PENDING_PAYMENT},
            )
            order_notify.order_cancelled_notify(
                order, reason="not paid in time", tell_buyer=True, tell_seller=False
            )
    return True


def _checkout_cancel_finish(checkout: Checkout) -> bool:
    try:
        checkout_payment_intent_cancel_due(checkout=checkout)
    except PaymentProviderUnavailable:
        return False  # still down: next run
    except GatewayRefused as refused:
        # Stripe will neither cancel it nor say where it is (it does not know it): nothing
        # can be charged through it now, and a success arriving anyway is refunded at once.
        logger.warning("Checkout %s: PaymentIntent not cancellable (%s); not asked again",
                       checkout.pk, refused)
        Checkout.objects.filter(pk=checkout.pk).update(provider_cancel_due=False)
    return True


def checkouts_expire() -> int:
    """Expire unpaid checkouts past their deadline: stock back on sale, orders cancelled.

    The provider is asked first: a payment that succeeded at the last moment is applied, not
    expired; one still open is cancelled there so it can no longer succeed. Cancelled
    checkouts are skipped, except to cancel a PaymentIntent Stripe did not hear about yet.
    Each checkout is one item: one that fails is recorded for staff and the rest go on.
    """
    run = JobRun(EXPIRE_JOB)
    expired = 0
    due = Checkout.objects.filter(status=CheckoutStatus.PENDING_PAYMENT,
                                  expires_at__lte=timezone.now())
    for checkout in due.order_by("pk"):
        # Not one transaction: Stripe is called first, with no lock held.
        result = run.item(checkout.reference, functools.partial(_checkout_expire, checkout),
                          atomic=False)
        expired += bool(result.value)
    unfinished = Checkout.objects.filter(status=CheckoutStatus.CANCELLED, provider_cancel_due=True)
    for checkout in unfinished.order_by("pk"):
        run.item(checkout.reference, functools.partial(_checkout_cancel_finish, checkout),
                 atomic=False)
    run.finish()
    return expired
