"""The checkout state machine: one table of allowed moves, one function that writes `status`."""

from django.db import transaction

from orders.errors import CheckoutInvalidTransition
from orders.models import Checkout

CheckoutStatus = Checkout.Status

CHECKOUT_TRANSITIONS: dict[str, set[str]] = {
    CheckoutStatus.PENDING_PAYMENT: {
        CheckoutStatus.PAID, CheckoutStatus.EXPIRED, CheckoutStatus.CANCELLED,
    },
    CheckoutStatus.PAID: set(),
    # A payment that still arrives for an expired or cancelled checkout is refunded; the
    # checkout keeps its status (and records the payment), it never becomes paid.
    CheckoutStatus.EXPIRED: set(),
    CheckoutStatus.CANCELLED: set(),
}


def checkout_transition(
    *, checkout: Checkout, to: str, expected: set[str] | None = None, **fields
) -> Checkout:
    """Lock the checkout, check the move, save status (and `fields`) with update_fields.

    Raises CheckoutInvalidTransition for a move the table does not allow, or when the
    checkout is not in one of the `expected` statuses (checked under the lock). Runs inside
    the caller's transaction if any; take the checkout's lock before its orders' locks.
    """
    with transaction.atomic():
        locked = Checkout.objects.select_for_update().get(pk=checkout.pk)
        allowed = to in CHECKOUT_TRANSITIONS[locked.status]
        if not allowed or (expected is not None and locked.status not in expected):
            raise CheckoutInvalidTransition(locked.status, to)
        locked.status = to
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save(update_fields=["status", *fields])
    return locked
