"""Rights owners: the application, staff verification, and the people who act for an owner."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from brands.documents import documents_check
from brands.errors import Conflict, NotAllowed, NotFound
from brands.models import OwnerAgent, ProofDocument, Right, RightsOwner
from moderation.models import AuditLog
from moderation.permissions import PERMISSION as MODERATE
from moderation.services.audit import audit_record
from notifications.services import notify, notify_staff

Action = AuditLog.Action


def _text(value, *, limit: int) -> str:
    return str(value or "").strip()[:limit]


def right_clean(*, name, basis, registration_number="", registration_office="",
                explanation="") -> dict:
    """The fields of a right, checked: a registered mark needs its number and office, the
    others an explanation."""
    values = {
        "name": _text(name, limit=120), "basis": _text(basis, limit=16),
        "registration_number": _text(registration_number, limit=64),
        "registration_office": _text(registration_office, limit=120),
        "explanation": _text(explanation, limit=4000),
    }
    errors = {}
    if not values["name"]:
        errors["right_name"] = ["Name the brand or the work."]
    if values["basis"] not in Right.Basis.values:
        errors["basis"] = ["Choose registered trademark, copyright or unregistered trademark."]
    elif values["basis"] == Right.Basis.REGISTERED:
        if not values["registration_number"]:
            errors["registration_number"] = ["Give the registration number."]
        if not values["registration_office"]:
            errors["registration_office"] = ["Name the office that registered it (e.g. USPTO)."]
    elif not values["explanation"]:
        errors["explanation"] = ["Explain what the right is and how you hold it."]
    if errors:
        raise ValidationError(errors)
    return values


def owner_apply(*, applicant, kind, name, contact_email="", right: dict, documents) -> RightsOwner:
    """Apply (or, after a refusal, apply again) as a rights owner with one right and its proof."""
    kind, name = _text(kind, limit=8), _text(name, limit=120)
    errors = {}
    if kind not in RightsOwner.Kind.values:
        errors["kind"] = ["Choose company or person."]
    if not name:
        errors["name"] = ["Give the company's or your own full name."]
    try:
        right_values = right_clean(**right)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    checked = documents_check(documents)
    if not checked:
        raise ValidationError({"documents": ["Add at least one document that proves the right "
                                             "(a registration certificate, for example)."]})
    with transaction.atomic():
        owner = RightsOwner.objects.select_for_update().filter(applicant_id=applicant.pk).first()
        if owner is not None and owner.status != RightsOwner.Status.REJECTED:
            raise Conflict("You have already applied as a rights owner.")
        if OwnerAgent.objects.filter(user_id=applicant.pk).exists():
            raise Conflict("You already act for a rights owner.")
        if owner is None:
            owner = RightsOwner(applicant=applicant)
        owner.kind, owner.name = kind, name
        owner.contact_email = _text(contact_email, limit=254) or applicant.email
        owner.status, owner.decided_by, owner.decided_at = RightsOwner.Status.PENDING, None, None
        owner.decision_note = ""
        owner.save()
        right_row = Right.objects.create(owner=owner, **right_values)
        ProofDocument.objects.bulk_create([
            ProofDocument(owner=owner, right=right_row, uploaded_by=applicant,
                          file_name=doc.file_name, content_type=doc.content_type,
                          size_bytes=len(doc.content), sha256=doc.sha256, content=doc.content)
            for doc in checked
        ])
        notify_staff(kind="staff_new_rights_owner", context={"owner_name": owner.name},
                     dedupe_key=f"rights_owner_applied:{owner.pk}:{right_row.pk}",
                     url=reverse("staff-brand-owner", args=[owner.pk]), permission=MODERATE)
    return owner


def _owner_locked(owner_id) -> RightsOwner:
    try:
        pk = int(owner_id)
    except (TypeError, ValueError):
        raise NotFound("No rights owner with that number.") from None
    owner = RightsOwner.objects.select_for_update().select_related("applicant").filter(
        pk=pk).first()
    if owner is None:
        raise NotFound("No rights owner with that number.")
    return owner


def owner_decide(*, owner_id, actor, verify: bool, note: str = "") -> RightsOwner:
    """Staff verify or refuse a waiting application; audited, and the applicant is told."""
    note = _text(note, limit=2000)
    if not verify and not note:
        raise ValidationError({"note": ["Say why: the applicant reads it."]})
    with transaction.atomic():
        owner = _owner_locked(owner_id)
        if owner.status != RightsOwner.Status.PENDING:
            raise Conflict(f"This application is already decided "
                           f"({owner.get_status_display().lower()}).")
        before = owner.status
        owner.status = RightsOwner.Status.VERIFIED if verify else RightsOwner.Status.REJECTED
        owner.decided_by, owner.decided_at, owner.decision_note = actor, timezone.now(), note
        owner.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        audit = audit_record(
            actor=actor, action=Action.OWNER_VERIFIED if verify else Action.OWNER_REJECTED,
            object_type="rights_owner", object_id=owner.pk, object_repr=owner.name,
            reason=note or "Verified.", status_before=before, status_after=owner.status)
        context = {"owner_name": owner.name}
        if not verify:
            context["reason"] = note
        notify(recipient=owner.applicant,
               kind="rights_owner_verified" if verify else "rights_owner_rejected",
               context=context, dedupe_key=f"moderation:{audit.pk}",
               url=reverse("brands-dashboard"))
    return owner


def _own_owner_locked(actor) -> RightsOwner:
    """The owner `actor` applied as (agents may not manage agents), locked."""
    owner = RightsOwner.objects.select_for_update().filter(applicant_id=actor.pk).first()
    if owner is None:
        raise NotAllowed("Only the person who applied as the rights owner manages its people.")
    if not owner.is_verified:
        raise NotAllowed("People can be added once the rights owner is verified.")
    return owner


def agent_add(*, actor, email) -> OwnerAgent:
    """Add a person (by the e-mail of their account) who may file notices for the owner."""
    email = _text(email, limit=254)
    with transaction.atomic():
        owner = _own_owner_locked(actor)
        user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise ValidationError({"email": ["No account uses that e-mail address: ask them to "
                                             "sign up first."]})
        if user.pk == owner.applicant_id:
            raise ValidationError({"email": ["That is you: you already act for the owner."]})
        if RightsOwner.objects.filter(applicant_id=user.pk).exists() or OwnerAgent.objects.filter(
                user_id=user.pk).exists():
            raise Conflict("That person already acts for a rights owner.")
        return OwnerAgent.objects.create(owner=owner, user=user, added_by=actor)


def agent_remove(*, actor, agent_id) -> None:
    """Stop a person acting for the owner."""
    with transaction.atomic():
        owner = _own_owner_locked(actor)
        deleted, _ = OwnerAgent.objects.filter(owner=owner, pk=agent_id).delete()
        if not deleted:
            raise NotFound("No such person acts for you.")
