"""The one writer of audit rows: call it inside the transaction of the action it records."""

from moderation.models import AuditLog


def audit_record(
    *, actor, action: str, object_type: str, object_id, object_repr: str, reason: str = "",
    status_before: str = "", status_after: str = "",
) -> AuditLog:
    """Append who did what to which object, why, and its status before and after."""
    return AuditLog.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action, object_type=object_type, object_id=str(object_id),
        object_repr=str(object_repr)[:200], reason=(reason or "")[:4000],
        status_before=status_before or "", status_after=status_after or "",
    )
