"""The Escrow and Payout state machines: one table of allowed moves each, one function each
that writes `status` (checked under the row lock). Every write of those statuses goes through
here; the words people see are the models' Status labels (one table)."""

from django.db import transaction

from .errors import EscrowConflict, PayoutConflict
from .models import Escrow, Payout

EscrowStatus = Escrow.Status
PayoutStatus = Payout.Status

ESCROW_TRANSITIONS: dict[str, set[str]] = {
    EscrowStatus.HELD: {
        EscrowStatus.RELEASED, EscrowStatus.PARTIALLY_REFUNDED, EscrowStatus.REFUNDED,
        EscrowStatus.FROZEN,
    },
    # A chargeback can reach a payment after its escrow was released, and a refund made in
    # the Stripe dashboard after release takes the money back from the seller's balance.
    EscrowStatus.RELEASED: {
        EscrowStatus.FROZEN, EscrowStatus.PARTIALLY_REFUNDED, EscrowStatus.REFUNDED,
    },
    # ...and a partial refund that posted may be reported failed by Stripe later.
    EscrowStatus.PARTIALLY_REFUNDED: {
        EscrowStatus.FROZEN, EscrowStatus.HELD, EscrowStatus.PARTIALLY_REFUNDED,
        EscrowStatus.REFUNDED,
    },
    # Won: back to where it was. Lost: the money went back to the buyer's bank.
    EscrowStatus.FROZEN: {
        EscrowStatus.HELD, EscrowStatus.RELEASED, EscrowStatus.PARTIALLY_REFUNDED,
        EscrowStatus.REFUNDED,
    },
    # A refund Stripe reports failed after it posted puts the money back in escrow.
    EscrowStatus.REFUNDED: {EscrowStatus.HELD},
}

PAYOUT_TRANSITIONS: dict[str, set[str]] = {
    PayoutStatus.PENDING: {PayoutStatus.UNKNOWN, PayoutStatus.PAID, PayoutStatus.FAILED},
    # unknown again: still no answer
    PayoutStatus.UNKNOWN: {PayoutStatus.UNKNOWN, PayoutStatus.PAID, PayoutStatus.FAILED},
    PayoutStatus.PAID: set(),
    PayoutStatus.FAILED: set(),
}


def escrow_status_label(status: str) -> str:
    """The word people see for an escrow status ("none": nothing was ever held)."""
    if status == "none":
        return "Not paid yet"
    return EscrowStatus(status).label if status in EscrowStatus.values else status


def escrow_transition(*, escrow: Escrow, to: str, expected: set[str] | None = None,
                      **fields) -> Escrow:
    """Lock the escrow, check the move, save status (and `fields`). Raises EscrowConflict."""
    with transaction.atomic():
        locked = Escrow.objects.select_for_update().get(pk=escrow.pk)
        allowed = to in ESCROW_TRANSITIONS[locked.status]
        if not allowed or (expected is not None and locked.status not in expected):
            raise EscrowConflict(
                f"The escrow is {locked.get_status_display().lower()}; it cannot become "
                f"{EscrowStatus(to).label.lower()}."
            )
        locked.status = to
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save(update_fields=["status", "updated", *fields])
    escrow.status = locked.status
    for name in fields:
        setattr(escrow, name, getattr(locked, name))
    return locked


def payout_transition(*, payout_id: int, to: str, expected: set[str] | None = None,
                      **fields) -> Payout:
    """Lock the payout, check the move, save status (and `fields`). Raises PayoutConflict."""
    with transaction.atomic():
        locked = Payout.objects.select_for_update().get(pk=payout_id)
        allowed = to in PAYOUT_TRANSITIONS[locked.status]
        if not allowed or (expected is not None and locked.status not in expected):
            raise PayoutConflict(
                f"The payout is {locked.get_status_display().lower()}; it cannot become "
                f"{PayoutStatus(to).label.lower()}."
            )
        locked.status = to
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save(update_fields=["status", *fields])
    return locked
