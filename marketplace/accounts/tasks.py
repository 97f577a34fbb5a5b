import smtplib

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone

from jobs.services import JobRun

from .emails import account_email_send


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


@shared_task(
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=60, retry_backoff_max=900, max_retries=5, ignore_result=True,
)
def account_email_task(kind: str, user_id: int, to: str = "", extra: dict | None = None) -> bool:
    """Send one account e-mail (a link, or a notice of a change); retried on mail-server errors."""
    return account_email_send(kind=kind, user_id=user_id, to=to, extra=extra)
