"""Staff hiding an abusive review: the orders service hides it and refreshes the rating."""

from django.core.exceptions import ValidationError
from django.db import transaction

from moderation.models import AuditLog
from moderation.services.audit import audit_record
from orders.models import Review
from orders.services import reviews as order_reviews


def review_hide(*, review_id, actor, reason: str) -> Review:
    """Hide a review from the shop's page and rating; the reason goes in the audit log."""
    reason = str(reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the review is hidden."]})
    with transaction.atomic():
        review = order_reviews.review_hide(review_id=review_id)
        audit_record(actor=actor, action=AuditLog.Action.REVIEW_HIDDEN, object_type="review",
                     object_id=review.pk, object_repr=f"{review.rating}★ review of order "
                     f"#{review.order_id}", reason=reason[:2000], status_before="visible",
                     status_after="hidden")
    return review
