"""Every periodic job, in one list: beat schedules these, `manage.py run_due_jobs` runs them now.

Each job is a Celery task whose body is idempotent, so running it early or twice is harmless.
"""

from dataclasses import dataclass

from celery.schedules import crontab


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: str  # dotted task name
    schedule: object  # seconds (float) or a celery crontab


PERIODIC_JOBS: list[PeriodicJob] = [
    PeriodicJob(
        name="clear-expired-sessions",
        task="marketplace.accounts.tasks.sessions_clear_expired",
        schedule=crontab(minute=17, hour=3),
    ),
]
