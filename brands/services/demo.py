"""For the demo data only: move a notice's history into the past, so that the demo's figures
spread over several months."""

from datetime import timedelta

from django.db import transaction
from django.db.models import F

from brands.models import Notice, NoticeListing, Strike

DECIDED_AFTER = timedelta(days=5)


def rights_notice_backdate(*, notice_id: int, days: int) -> None:
    """Filed `days` ago; a decision (and what followed it) DECIDED_AFTER later."""
    filed_shift = timedelta(days=days)
    decided_shift = max(filed_shift - DECIDED_AFTER, timedelta(0))
    with transaction.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice_id)
        Notice.objects.filter(pk=notice.pk).update(
            created=F("created") - filed_shift, sworn_at=F("sworn_at") - filed_shift,
            decided_at=F("decided_at") - decided_shift)
        NoticeListing.objects.filter(notice=notice).update(
            taken_down_at=F("taken_down_at") - filed_shift,
            restored_at=F("restored_at") - decided_shift)
        Strike.objects.filter(notice=notice).update(
            created=F("created") - decided_shift, expires_at=F("expires_at") - decided_shift,
            removed_at=F("removed_at") - decided_shift)
