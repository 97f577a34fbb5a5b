"""Reconciliation issues: flag once per (kind, subject) while open; staff resolve."""

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from notifications.services import notify_staff

from ..models import ReconciliationIssue


def issue_flag(*, kind: str, subject: str, detail: str) -> ReconciliationIssue:
    """Open an issue, or return the open one of the same kind and subject."""
    existing = ReconciliationIssue.objects.filter(
        kind=kind, subject=subject, is_resolved=False
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            issue = ReconciliationIssue.objects.create(kind=kind, subject=subject, detail=detail)
            notify_staff(
                kind="staff_reconciliation_mismatch",
                url=reverse("admin:payments_reconciliationissue_changelist"),
                permission="payments.manage_payouts",
                dedupe_key=f"reconciliation:{issue.pk}",
                context={"summary": f"{issue.get_kind_display()}: {detail}"[:300],
                         "reference": subject},
            )
            return issue
    except IntegrityError:
        return ReconciliationIssue.objects.get(kind=kind, subject=subject, is_resolved=False)


def issue_resolve(*, issue: ReconciliationIssue, actor) -> ReconciliationIssue:
    """Mark an issue looked at and settled by a staff member."""
    ReconciliationIssue.objects.filter(pk=issue.pk, is_resolved=False).update(
        is_resolved=True, resolved_by=actor, resolved_at=timezone.now()
    )
    issue.refresh_from_db()
    return issue
