"""Staff retry a refund Stripe refused: a new attempt with its own idempotency key.

The attempt talks to Stripe with no lock held (payments.refund_retry); the audit row is
written right after it, recording the outcome (succeeded, or refused again with Stripe's
words), so a retry is audited whichever way it went.
"""

from django.db import transaction

from moderation.errors import NotFound
from moderation.models import AuditLog
from moderation.services.audit import audit_record
from payments.errors import PaymentsError, RefundNotFound
from payments.models import Refund
from payments.selectors import refund_get
from payments.services import refund_retry


def refund_retry_staff(*, refund_id, actor) -> Refund:
    """Retry a failed refund for staff; raises the payments error after auditing it."""
    before = refund_get(refund_id=refund_id)
    if before is None:
        raise NotFound("No such refund.")
    failure = None
    try:
        refund = refund_retry(refund_id=before.pk, actor=actor)
    except RefundNotFound:
        raise NotFound("No such refund.") from None
    except PaymentsError as error:
        failure = error
        refund = refund_get(refund_id=before.pk)
    tried = getattr(failure if failure is not None else refund, "retried_now", False)
    if tried:  # only the request that sent an attempt writes the audit row
        with transaction.atomic():
            audit_record(
                actor=actor, action=AuditLog.Action.REFUND_RETRIED, object_type="refund",
                object_id=refund.pk,
                object_repr=f"Refund of {refund.amount_cents} cents for "
                            f"{before.escrow.reference} (attempt {refund.attempt})",
                reason=str(failure) if failure else "",
                status_before=before.status, status_after=refund.status,
            )
    if failure is not None:
        raise failure
    return refund
