"""Staff edits of the screening terms (prohibited words, watched brands and price floors):
sellers keeps the list, this records who changed what."""

from django.db import transaction

from moderation.models import AuditLog
from moderation.services.audit import audit_record
from moderation.services.listings import call_sellers
from sellers.models import ScreeningTerm
from sellers.services import screening_term_describe
from sellers.services import screening_term_save as sellers_screening_term_save


def screening_term_save(*, actor, values: dict, term_id=None) -> ScreeningTerm:
    """Add a term, or change one (including switching it off); audited either way."""
    with transaction.atomic():
        term, before = call_sellers(sellers_screening_term_save, values=values,
                                    term_id=term_id)
        audit_record(actor=actor, action=AuditLog.Action.SCREENING_CHANGED,
                     object_type="screening_term", object_id=term.pk,
                     object_repr=term.term,
                     reason=f"{before or 'new'} → {screening_term_describe(term)}",
                     status_before="" if not before else "saved",
                     status_after="active" if term.is_active else "inactive")
    return term
