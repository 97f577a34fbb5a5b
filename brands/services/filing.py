"""Staff suspend (or give back) a rights owner's right to file notices; audited, owner told."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from brands.errors import Conflict, NotFound
from brands.models import RightsOwner
from moderation.models import AuditLog
from moderation.services.audit import audit_record
from notifications.services import notify

Action = AuditLog.Action


def _owner_locked(owner_id) -> RightsOwner:
    try:
        pk = int(owner_id)
    except (TypeError, ValueError):
        raise NotFound("No rights owner with that number.") from None
    owner = (RightsOwner.objects.select_for_update(of=("self",)).select_related("applicant")
             .filter(pk=pk).first())
    if owner is None:
        raise NotFound("No rights owner with that number.")
    return owner


def owner_filing_suspend(*, owner_id, actor, note: str) -> RightsOwner:
    """Stop an owner (and their agents) filing notices; their open notices stay as they are."""
    note = str(note or "").strip()[:2000]
    if not note:
        raise ValidationError({"note": ["Say why: the rights owner reads it."]})
    with transaction.atomic():
        owner = _owner_locked(owner_id)
        if owner.filing_suspended:
            raise Conflict(f"{owner.name} already may not file notices.")
        owner.filing_suspended, owner.filing_suspended_at = True, timezone.now()
        owner.filing_suspended_note = note
        owner.save(update_fields=["filing_suspended", "filing_suspended_at",
                                  "filing_suspended_note"])
        audit = audit_record(actor=actor, action=Action.OWNER_FILING_SUSPENDED,
                             object_type="rights_owner", object_id=owner.pk,
                             object_repr=owner.name, reason=note, status_before="filing",
                             status_after="filing_suspended")
        notify(recipient=owner.applicant, kind="owner_filing_suspended", context={"note": note},
               dedupe_key=f"moderation:{audit.pk}", url=reverse("brands-dashboard"))
    return owner


def owner_filing_restore(*, owner_id, actor, note: str) -> RightsOwner:
    """Let a suspended owner file notices again."""
    note = str(note or "").strip()[:2000]
    if not note:
        raise ValidationError({"note": ["Say why."]})
    with transaction.atomic():
        owner = _owner_locked(owner_id)
        if not owner.filing_suspended:
            raise Conflict(f"{owner.name} may already file notices.")
        owner.filing_suspended, owner.filing_suspended_at = False, None
        owner.filing_suspended_note = ""
        owner.save(update_fields=["filing_suspended", "filing_suspended_at",
                                  "filing_suspended_note"])
        audit_record(actor=actor, action=Action.OWNER_FILING_RESTORED, object_type="rights_owner",
                     object_id=owner.pk, object_repr=owner.name, reason=note,
                     status_before="filing_suspended", status_after="filing")
    return owner
