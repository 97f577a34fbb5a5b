"""The order state machine: one table of allowed moves, one function that writes `status`."""

from django.db import transaction

from orders.errors import BalanceUnpaid, InvalidTransition
from orders.models import Order, OrderEvent

OrderStatus = Order.Status

# refunded from paid/shipped/completed: the money went back without a dispute of ours — a
# chargeback the buyer's bank decided for the buyer, or a refund made outside the app.
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    OrderStatus.PENDING_PAYMENT: {OrderStatus.PAID, OrderStatus.CANCELLED},
    OrderStatus.PAID: {  # completed: pickup
        OrderStatus.SHIPPED, OrderStatus.COMPLETED, OrderStatus.CANCELLED, OrderStatus.DISPUTED,
        OrderStatus.REFUNDED,
    },
    OrderStatus.SHIPPED: {OrderStatus.COMPLETED, OrderStatus.DISPUTED, OrderStatus.REFUNDED},
    OrderStatus.DISPUTED: {OrderStatus.REFUNDED, OrderStatus.COMPLETED},
    OrderStatus.COMPLETED: {OrderStatus.REFUNDED},
    OrderStatus.CANCELLED: set(),
    OrderStatus.REFUNDED: set(),
}


def order_transition(
    *, order: Order, to: str, actor=None, note: str = "", expected: set[str] | None = None,
    **fields,
) -> Order:
    """Lock the order, check the move, save status (and `fields`) and append to the timeline.

    Raises InvalidTransition for a move the table does not allow, or when the order is not in
    one of the `expected` statuses the caller's action starts from (checked under the lock, so
    a racing action cannot slip in between). Runs inside the caller's transaction if any.
    """
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        allowed = to in ALLOWED_TRANSITIONS[locked.status]
        if not allowed or (expected is not None and locked.status not in expected):
            raise InvalidTransition(locked.status, to)
        if (locked.balance_cents and to in {OrderStatus.SHIPPED, OrderStatus.COMPLETED}
                and locked.status == OrderStatus.PAID):
            # A pre-order leaves (and its escrow is released) only with its balance paid.
            raise BalanceUnpaid()
        locked.status = to
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save(update_fields=["status", *fields])
        OrderEvent.objects.create(order=locked, status=to, actor=actor, note=note[:500])
    return locked
