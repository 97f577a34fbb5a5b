"""Abuse of the notice process: owners whose notices are reversed again and again.

An owner is flagged for staff when, among their notices decided in the last 90 days, there are
at least 5 and more than half went against them. "Went against them" means reversed by staff or
restored after the seller's answer with no court action reported; a notice the owner withdrew
counts on neither side (withdrawing is what we ask of an owner who finds a mistake).
"""

from datetime import timedelta

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from brands.models import Notice, RightsOwner

ABUSE_WINDOW = timedelta(days=90)
ABUSE_MIN_DECIDED = 5
DECIDED = [Notice.Status.UPHELD, Notice.Status.REVERSED, Notice.Status.RESTORED]
AGAINST_OWNER = [Notice.Status.REVERSED, Notice.Status.RESTORED]


def owners_with_abuse_figures() -> QuerySet[RightsOwner]:
    """Every owner with `decided_recent` and `reversed_recent` (the last 90 days), one query."""
    since = timezone.now() - ABUSE_WINDOW
    recent = Q(notices__decided_at__gte=since)
    return RightsOwner.objects.annotate(
        decided_recent=Count("notices", filter=recent & Q(notices__status__in=DECIDED)),
        reversed_recent=Count("notices", filter=recent & Q(notices__status__in=AGAINST_OWNER)),
    )


def owners_flagged() -> QuerySet[RightsOwner]:
    """Owners staff should look at: ≥ 5 decided in 90 days, more than half against them."""
    return (owners_with_abuse_figures()
            .annotate(reversed_twice=F("reversed_recent") * 2)
            .filter(decided_recent__gte=ABUSE_MIN_DECIDED,
                    reversed_twice__gt=F("decided_recent"))
            .select_related("applicant").order_by("filing_suspended", "name", "id"))


def owner_is_flagged(*, owner_id) -> bool:
    return owners_flagged().filter(pk=owner_id).exists()
