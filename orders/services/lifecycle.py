"""What people (and deadlines) do to an order after checkout: ship, hand over, confirm,
cancel, dispute, resolve, review.

Every status change goes through `order_transition`. Money moves only through `payments`:
a release is posted inside the order's transaction (it is ledger-only); a refund talks to
Stripe, so it runs after the order's transaction has committed and holds no lock.
"""

import logging
import secrets
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Count
from django.utils import timezone

from orders.errors import (
    HubParcelState,
    InvalidTransition,
    NotAllowed,
    OrderError,
    OrderNotFound,
    PickupCodeWrong,
    PickupLocked,
    PreorderCancelClosed,
    WindowOpen,
)
from orders.models import Order, Review
from orders.selectors import BUYER, SELLER, order_for_party, order_party
from orders.services import order_notify
from orders.services.checkout import (
    checkout_close_if_unpayable,
    checkout_lock,
    checkout_payment_cancel,
)
from orders.services.stock import order_stock_return
from orders.services.transitions import order_transition
from payments.errors import EscrowFrozen, EscrowNotFound, PaymentsError, RefundRefused
from payments.selectors import escrow_summary_or_none
from payments.services import escrow_refund, escrow_release, escrow_resolve_partial
from sellers.services import shop_rating_record

logger = logging.getLogger(__name__)
OrderStatus = Order.Status
PICKUP_MAX_WRONG = 10
EXTENSION = timezone.timedelta(days=5)
# A parcel waiting at a village hub: the buyer has this long to collect it before the usual
# confirmation window starts counting (docs/architecture.md, "A parcel shipped to a hub").
HUB_COLLECT = timezone.timedelta(days=14)
DISPUTE_REASONS = tuple(Order.DisputeReason.values)


def pickup_code_new() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def order_lock(*, order_id: int) -> Order:
    """Lock an order until the caller's transaction ends, so its status cannot move while
    another app writes something that depends on it (a dispute statement)."""
    return Order.objects.select_for_update().get(pk=order_id)


def _auto_confirm_days(order: Order) -> int:
    days = [settings.ESCROW_AUTO_CONFIRM_DAYS]
    days += [
        d for d in order.items.values_list("listing__category__auto_confirm_days", flat=True)
        if d is not None
    ]
    return min(days)


def order_ship(*, order_id, seller, carrier: str, tracking_number: str) -> Order:
    order = order_for_party(user=seller, order_id=order_id, side=SELLER)
    carrier, tracking_number = carrier.strip(), tracking_number.strip()
    errors = {}
    if not carrier or len(carrier) > 40:
        errors["carrier"] = ["Name the carrier (at most 40 characters), such as USPS."]
    if not tracking_number or len(tracking_number) > 64:
        errors["tracking_number"] = ["Enter the tracking number (at most 64 characters)."]
    if errors:
        raise ValidationError(errors)
    if order.fulfillment == Order.Fulfillment.PICKUP:
        raise InvalidTransition(order.status, "shipped (this is a local pickup order)")
    now = timezone.now()
    with transaction.atomic():
        order = order_transition(
            order=order, to=OrderStatus.SHIPPED, actor=seller, expected={OrderStatus.PAID},
            note=f"Shipped with {carrier}, tracking {tracking_number}.",
            carrier=carrier, tracking_number=tracking_number, shipped_at=now,
            # Until someone marks it delivered, the window starts after the transit allowance;
            # a parcel to a hub also leaves the buyer the time to collect it there.
            auto_confirm_at=now + timezone.timedelta(
                days=settings.ESCROW_TRANSIT_DAYS + _auto_confirm_days(order))
            + (HUB_COLLECT if order.hub_reference else timezone.timedelta(0)),
        )
        order_notify.order_shipped_notify(order)
    return order


def order_mark_delivered(*, order_id, user) -> Order:
    """The seller or the buyer says a shipped parcel arrived: the window runs from now.

    Marking an order that is already marked changes nothing and returns it as it is.
    """
    order = order_for_party(user=user, order_id=order_id)
    if order.hub_reference:
        raise HubParcelState("This parcel goes to a village hub: the hub records its arrival, "
                             "and the buyer collects it there with their code.")
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.delivered_at is not None:
            return locked
        if locked.status != OrderStatus.SHIPPED:
            raise InvalidTransition(locked.status, "delivered")
        now = timezone.now()
        window = timezone.timedelta(days=_auto_confirm_days(locked))
        if locked.auto_confirm_extended:
            window += EXTENSION
        locked.delivered_at = now
        locked.auto_confirm_at = now + window
        locked.save(update_fields=["delivered_at", "auto_confirm_at"])
        by_buyer = locked.buyer_id == user.pk
        who = "the buyer" if by_buyer else "the seller"
        locked.events.create(status=locked.status, actor=user,
                             note=f"Marked as delivered by {who}.")
        if not by_buyer:  # the window now runs on the seller's word: the buyer must know
            order_notify.order_marked_delivered_notify(locked)
    return locked


def _complete(*, order: Order, actor, note: str, expected: set[str]) -> Order:
    """Completed and released together, or neither."""
    with transaction.atomic():
        order = order_transition(
            order=order, to=OrderStatus.COMPLETED, actor=actor, note=note, expected=expected,
            completed_at=timezone.now(),
        )
        summary = escrow_release(reference=order.reference, actor=actor)
        order_notify.order_completed_notify(
            order, by_buyer=actor is not None and actor.pk == order.buyer_id,
            released_cents=summary.seller_cents,
        )
    return order


def order_confirm_receipt(*, order_id, buyer) -> Order:
    order = order_for_party(user=buyer, order_id=order_id, side=BUYER)
    if order.status != OrderStatus.SHIPPED:
        raise InvalidTransition(order.status, OrderStatus.COMPLETED)
    return _complete(order=order, actor=buyer, note="The buyer confirmed receipt.",
                     expected={OrderStatus.SHIPPED})


def _code_hand_over(*, order: Order, actor, code: str, from_status: str, note: str,
                    ready=None, and_then=None) -> Order:
    """The one hand-over by the buyer's code: a local pickup at the seller's, or a parcel at
    a village hub. Right code: completed and released at once (`and_then(order)` runs in the
    same transaction). Ten wrong codes per order in total lock it until the buyer asks for a
    new code; each wrong try is counted even though the call raises. `ready(locked)` may
    refuse the hand-over, under the order's lock, before the code is read.
    """
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status != from_status:
            raise InvalidTransition(locked.status, OrderStatus.COMPLETED)
        if ready is not None:
            ready(locked)
        if locked.pickup_failed_attempts >= PICKUP_MAX_WRONG:
            raise PickupLocked()
        if not secrets.compare_digest(str(code).strip(), locked.pickup_code):
            locked.pickup_failed_attempts += 1
            left = PICKUP_MAX_WRONG - locked.pickup_failed_attempts
            if left == 0:
                locked.pickup_locked_until = timezone.now()  # when it locked, for the record
                locked.events.create(status=locked.status, actor=actor, note=(
                    "Hand-over code locked after 10 wrong tries; the buyer must ask for a "
                    "new code."))
                order_notify.pickup_code_locked_notify(locked)
                wrong = PickupLocked()
            else:
                wrong = PickupCodeWrong(
                    f"That hand-over code is not right ({left} tr{'y' if left == 1 else 'ies'} "
                    "left before it locks).")
            locked.save(update_fields=["pickup_failed_attempts", "pickup_locked_until"])
        else:
            wrong = None
    if wrong is not None:  # raised after commit, so the failed attempt is counted
        raise wrong
    with transaction.atomic():
        done = _complete(order=order, actor=actor, note=note, expected={from_status})
        if and_then is not None:
            and_then(done)
    return done


def order_pickup_complete(*, order_id, seller, code: str) -> Order:
    """The seller enters the buyer's hand-over code: completed and released at once.

    Ten wrong codes per order in total lock it until the buyer asks for a new code.
    """
    order = order_for_party(user=seller, order_id=order_id, side=SELLER)
    if order.fulfillment != Order.Fulfillment.PICKUP:
        raise InvalidTransition(order.status, "handed over (this order ships)")
    return _code_hand_over(order=order, actor=seller, code=code, from_status=OrderStatus.PAID,
                           note="Handed over in person; code confirmed.")


def _hub_order(*, order_id, hub_reference: str) -> Order:
    """An order shipped to the hub `hub_reference`; any other order is OrderNotFound."""
    try:
        order_id = int(order_id)
    except (TypeError, ValueError):
        raise OrderNotFound() from None
    order = Order.objects.filter(pk=order_id).exclude(hub_reference="").first()
    if order is None or not hub_reference or order.hub_reference != hub_reference:
        raise OrderNotFound()
    return order


def order_hub_arrived(*, order_id, hub_reference: str, actor, and_then=None) -> Order:
    """The hub's agent records that the parcel arrived: the buyer is told, with the hub's
    address and hours, and may now collect it with their code.

    The confirmation clock restarts: the buyer has HUB_COLLECT to collect, then the usual
    window (and their extension, if they took it). Only a shipped parcel can arrive, and only
    once (409 otherwise). `and_then(order)` runs in the same transaction (the hub's record).
    """
    order = _hub_order(order_id=order_id, hub_reference=hub_reference)
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.hub_arrived_at is not None:
            raise HubParcelState(f"Order #{locked.pk} was already marked arrived on "
                                 f"{timezone.localtime(locked.hub_arrived_at):%b %-d, %Y}.")
        if locked.status != OrderStatus.SHIPPED:
            state = ("has not been shipped yet" if locked.status == OrderStatus.PAID else
                     f"is {locked.get_status_display().lower()}")
            raise HubParcelState(f"Order #{locked.pk} {state}; it cannot be marked arrived.")
        now = timezone.now()
        window = HUB_COLLECT + timezone.timedelta(days=_auto_confirm_days(locked))
        if locked.auto_confirm_extended:
            window += EXTENSION
        locked.hub_arrived_at = now
        locked.auto_confirm_at = now + window
        locked.save(update_fields=["hub_arrived_at", "auto_confirm_at"])
        locked.events.create(status=locked.status, actor=actor, note=(
            f"Arrived at {locked.hub_name}; waiting for the buyer to collect it.")[:500])
        order_notify.hub_parcel_arrived_notify(locked)
        if and_then is not None:
            and_then(locked)
    return locked


def order_hub_hand_over(*, order_id, hub_reference: str, actor, code: str,
                        and_then=None) -> Order:
    """The hub's agent types the buyer's code: completed exactly like a local pickup (escrow
    released at once, the same wrong-code lock). A parcel not yet arrived is 409."""
    order = _hub_order(order_id=order_id, hub_reference=hub_reference)

    def arrived(locked: Order) -> None:
        if locked.hub_arrived_at is None:
            raise HubParcelState(f"Order #{locked.pk} has not arrived at the hub yet: mark it "
                                 "arrived when it comes in, then hand it over.")

    return _code_hand_over(order=order, actor=actor, code=code, from_status=OrderStatus.SHIPPED,
                           note=f"Collected at {order.hub_name}; code confirmed.",
                           ready=arrived, and_then=and_then)


def order_pickup_code_renew(*, order_id, buyer) -> Order:
    """The buyer asks for a new hand-over code: the old one stops working and the lock lifts."""
    order = order_for_party(user=buyer, order_id=order_id)
    if order_party(order=order, user=buyer) != BUYER:
        raise NotAllowed("Only the buyer can ask for a new hand-over code.")
    if order.fulfillment != Order.Fulfillment.PICKUP and not order.hub_reference:
        raise InvalidTransition(order.status, "given a new hand-over code (this order ships)")
    # A local pickup is handed over while paid; a hub parcel once shipped (and arrived).
    code_status = OrderStatus.SHIPPED if order.hub_reference else OrderStatus.PAID
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status != code_status:
            raise InvalidTransition(locked.status, "given a new hand-over code")
        locked.pickup_code = pickup_code_new()
        locked.pickup_failed_attempts = 0
        locked.pickup_locked_until = None
        locked.save(update_fields=["pickup_code", "pickup_failed_attempts",
                                   "pickup_locked_until"])
        locked.events.create(status=locked.status, actor=buyer,
                             note="The buyer asked for a new hand-over code.")
    return locked


def order_extend_confirm_window(*, order_id, buyer) -> Order:
    order = order_for_party(user=buyer, order_id=order_id, side=BUYER)
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status != OrderStatus.SHIPPED:
            raise InvalidTransition(locked.status, "extended")
        if locked.auto_confirm_extended:
            raise OrderError("The confirmation window can be extended only once.")
        if locked.auto_confirm_at is None or locked.auto_confirm_at <= timezone.now():
            raise OrderError("The confirmation window has already ended; it cannot be "
                             "extended.")
        locked.auto_confirm_at = locked.auto_confirm_at + EXTENSION
        locked.auto_confirm_extended = True
        locked.save(update_fields=["auto_confirm_at", "auto_confirm_extended"])
        locked.events.create(status=locked.status, actor=buyer,
                             note="The buyer extended the confirmation window by 5 days.")
    return locked


def order_auto_confirm(*, order: Order) -> Order:
    """Complete a shipped order whose confirmation window has passed, as if the buyer had.

    The deadline is read again under the order's lock, so an extension committed a moment
    before wins; a window not yet over raises WindowOpen.
    """
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status != OrderStatus.SHIPPED:
            raise InvalidTransition(locked.status, OrderStatus.COMPLETED)
        if locked.auto_confirm_at is None or locked.auto_confirm_at > timezone.now():
            raise WindowOpen()
        return _complete(order=locked, actor=None,
                         note="Confirmed automatically after the window.",
                         expected={OrderStatus.SHIPPED})


def order_refund_in_full(order: Order, actor, note: str) -> None:
    """Refund whatever is held for the order (call it after the order's change commits)."""
    before = escrow_summary_or_none(reference=order.reference)
    if before is None:
        return
    try:
        after = escrow_refund(reference=order.reference, actor=actor, note=note[:200])
    except RefundRefused:
        # Recorded as failed: the buyer is told it is delayed, staff retry it (failed refunds).
        logger.warning("Order %s: refund refused by the provider; waiting for staff", order.pk)
        return
    except EscrowFrozen:
        # A chargeback is open: won, the settle job refunds; lost, the bank refunded the buyer.
        logger.warning("Order %s: refund waits for the chargeback's outcome", order.pk)
        return
    order_notify.order_refunded_notify(order, amount_cents=after.refunded_cents)


def partial_refund_in_range(*, refund_cents, held_cents: int) -> bool:
    """A partial dispute refund is whole cents, more than nothing and less than all held."""
    return (isinstance(refund_cents, int) and not isinstance(refund_cents, bool)
            and 0 < refund_cents < held_cents)


def order_cancel(*, order_id, actor) -> Order:
    """The buyer (before shipping) or the seller cancels: stock back, full refund if paid."""
    order = order_for_party(user=actor, order_id=order_id)
    is_seller = order_party(order=order, user=actor) == SELLER
    if order.status not in (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID):
        raise InvalidTransition(order.status, OrderStatus.CANCELLED)
    if not is_seller and order.preorder_held:
        raise PreorderCancelClosed()
    who = "the seller" if is_seller else "the buyer"
    with transaction.atomic():
        checkout_lock(checkout_id=order.checkout_id)  # checkout before order, as payment does
        order = order_transition(
            order=order, to=OrderStatus.CANCELLED, actor=actor, note=f"Cancelled by {who}.",
            expected={OrderStatus.PENDING_PAYMENT, OrderStatus.PAID},
        )
        order_stock_return(order)
        order_notify.order_cancelled_notify(
            order, reason=f"cancelled by {who}", tell_buyer=is_seller,
            tell_seller=not is_seller and order.paid_at is not None,
        )
        checkout_closed = checkout_close_if_unpayable(checkout_id=order.checkout_id)
    if checkout_closed:  # nothing left to pay: its PaymentIntent can no longer succeed
        checkout_payment_cancel(checkout_id=order.checkout_id)
    if order.paid_at is not None:  # unpaid: a payment arriving later is refunded where applied
        order_refund_in_full(order, actor, f"Order cancelled by {who}")
    return order


def order_dispute(*, order_id, buyer, reason: str, details: str) -> Order:
    order = order_for_party(user=buyer, order_id=order_id, side=BUYER)
    reason = (reason or "").strip()
    if reason not in DISPUTE_REASONS:
        raise ValidationError({"reason": [f"Choose one of: {', '.join(DISPUTE_REASONS)}."]})
    details = (details or "").strip()
    if not details or len(details) > 2000:
        raise ValidationError({"details": ["Tell us what went wrong (up to 2,000 characters)."]})
    with transaction.atomic():
        order = order_transition(
            order=order, to=OrderStatus.DISPUTED, actor=buyer,
            note=f"Dispute opened: {Order.DisputeReason(reason).label.lower()}.",
            expected={OrderStatus.PAID, OrderStatus.SHIPPED},
            dispute_reason=reason, dispute_details=details,
        )
        order_notify.dispute_opened_notify(order)
    return order


def order_dispute_decide(
    *, order_id, actor, outcome: str, refund_cents: int | None = None, note: str = ""
) -> Order:
    """Staff decide a dispute: the order moves (and a release is posted) now.

    Runs inside the caller's transaction, so the caller's own record of the decision commits
    with the order's change or not at all. A refund needs Stripe: it is sent afterwards by
    `order_dispute_money_move`, and the settle job finishes it if Stripe is down.
    """
    if not getattr(actor, "is_staff", False):
        raise NotAllowed("Only staff may resolve disputes.")
    try:
        order = Order.objects.get(pk=int(order_id))
    except (Order.DoesNotExist, TypeError, ValueError):
        raise OrderNotFound() from None
    if outcome not in ("refund", "release", "partial_refund"):
        raise ValidationError({"outcome": ['Choose "refund", "release" or "partial_refund".']})
    summary = escrow_summary_or_none(reference=order.reference)
    if summary is None:
        raise EscrowNotFound("Nothing is held in escrow for this order.")
    if outcome == "partial_refund":
        if not partial_refund_in_range(refund_cents=refund_cents,
                                       held_cents=summary.remaining_cents):
            raise ValidationError({"refund_cents": [
                f"Enter an amount between 1 and {summary.remaining_cents - 1} cents "
                "(less than what is held)."
            ]})
    note = (note or "").strip()[:400]
    decided = f"Dispute decided: {Order.DisputeOutcome(outcome).label.lower()}. {note}".strip()
    if outcome == "release":
        return _complete(order=order, actor=actor, note=decided, expected={OrderStatus.DISPUTED})
    target = OrderStatus.REFUNDED if outcome == "refund" else OrderStatus.COMPLETED
    return order_transition(
        order=order, to=target, actor=actor, expected={OrderStatus.DISPUTED},
        note=decided,
        completed_at=timezone.now() if target == OrderStatus.COMPLETED else order.completed_at,
        dispute_refund_cents=refund_cents if outcome == "partial_refund" else None,
    )


def order_dispute_money_move(*, order: Order, actor, outcome: str, note: str = "") -> bool:
    """Send the refund a committed dispute decision calls for (no lock held).

    Returns False when Stripe could not take it now: the order is final and its escrow still
    held, so `orders_money_settle` sends it on its next run.
    """
    if outcome == "release":
        return True
    try:
        if outcome == "refund":
            order_refund_in_full(order, actor, "Dispute resolved for the buyer")
            return True
        summary = escrow_resolve_partial(
            reference=order.reference, refund_cents=order.dispute_refund_cents, actor=actor,
            note=(note or "")[:200],
        )
    except PaymentsError as exc:
        logger.warning("Order %s: dispute refund deferred to the settle job (%s)", order.pk, exc)
        return False
    order_notify.order_refunded_notify(order, amount_cents=summary.refunded_cents)
    order_notify.order_completed_notify(
        order, by_buyer=False, released_cents=summary.seller_cents
    )
    return True


def review_create(*, order_id, buyer, rating, text: str) -> Review:
    order = order_for_party(user=buyer, order_id=order_id, side=BUYER)
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError({"rating": ["Give 1 to 5 stars."]})
    text = (text or "").strip()
    if len(text) > 2000:
        raise ValidationError({"text": ["Keep the review under 2,000 characters."]})
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status != OrderStatus.COMPLETED:
            raise InvalidTransition(locked.status, "reviewed")
        if Review.objects.filter(order=locked).exists():
            raise OrderError("You have already reviewed this order.")
        review = Review.objects.create(
            order=locked, shop_id=locked.shop_id, buyer=buyer, rating=rating, text=text
        )
        shop_rating_refresh(shop_id=locked.shop_id)
        order_notify.review_posted_notify(review)
    return review


def shop_rating_refresh(*, shop_id: int) -> None:
    """Recompute a shop's stored rating from its visible reviews (sellers stores it, counting
    under the shop's lock)."""

    def rating() -> tuple[Decimal | None, int]:
        stats = Review.objects.filter(shop_id=shop_id, is_hidden=False).aggregate(
            avg=Avg("rating"), count=Count("id")
        )
        average = (
            Decimal(stats["avg"]).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            if stats["avg"] is not None else None
        )
        return average, stats["count"]

    shop_rating_record(shop_id=shop_id, rating=rating)
