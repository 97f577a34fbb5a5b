from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone

from jobs.services import JobRun


def _expired_sessions_delete() -> int:
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task
def sessions_clear_expired() -> int:
    """Delete expired sessions; return how many were deleted."""
    # One statement deletes them all: the whole batch is the job's one item.
    run = JobRun("clear-expired-sessions")
    result = run.item("expired-sessions", _expired_sessions_delete)
    run.finish()
    return result.value or 0
