from datetime import timedelta

from celery import shared_task

from jobs.services import JobRun

from .services.staff_days import staff_days_refresh
from .services.summaries import summaries_refresh, today
from .services.views import days_to_flush, listing_views_flush

# Orders are paid and money released "now", so the last days are all that can change; three
# days leave room for a job that did not run for a while.
REFRESH_DAYS = 3


@shared_task
def summaries_refresh_task() -> dict:
    """The `insights-summaries` job: one item, the last few days of every summary table."""
    run = JobRun("insights-summaries")
    result = run.item("summaries", lambda: summaries_refresh(
        since=today() - timedelta(days=REFRESH_DAYS - 1)))
    run.finish()
    return result.value if result.ok else {}


@shared_task
def listing_views_flush_task() -> int:
    """The `insights-views` job: one item, the last days' counted views copied from Redis."""
    run = JobRun("insights-views")
    result = run.item("views", lambda: sum(listing_views_flush(day=day)
                                           for day in days_to_flush()))
    run.finish()
    return result.value if result.ok else 0


@shared_task
def staff_days_refresh_task() -> int:
    """The `insights-staff-days` job: the staff desk's last days, and the queue's age now."""
    run = JobRun("insights-staff-days")
    result = run.item("staff-days", lambda: staff_days_refresh(
        since=today() - timedelta(days=REFRESH_DAYS - 1)))
    run.finish()
    return result.value if result.ok else 0
