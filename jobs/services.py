"""Run a periodic job item by item: each in its own try (and transaction), failures kept.

A job that meets an item it cannot handle (an order in a state nobody expected, a refusal
from Stripe, a bug) logs it with the item's id, records it as an open JobFailure for staff,
and goes on with the next item. The same item succeeding on a later run closes its failure.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import JobFailure

logger = logging.getLogger(__name__)
ITEM_LENGTH = 120
ERROR_LENGTH = 4000


@dataclass(frozen=True)
class ItemResult:
    ok: bool
    value: Any = None  # what the item's call returned (None when it failed)


class JobRun:
    """One run of one periodic job: pass each item to `item()`, then read `failed`."""

    def __init__(self, job: str):
        self.job = job
        self.failed: list[str] = []
        self._open = set(
            JobFailure.objects.filter(job=job, resolved_at__isnull=True)
            .values_list("item", flat=True)
        )

    def item(self, item, call: Callable[[], Any], *, atomic: bool = True) -> ItemResult:
        """Run call() for one item; an exception is recorded against the item, not raised.

        atomic=True runs the call in its own transaction, so a failure leaves nothing half
        done. Pass atomic=False for an item that talks to Stripe: its services commit their
        own steps around each call (a row lock must never be held across an HTTP call, and a
        record of a call Stripe has answered must never be rolled back).
        """
        key = str(item)[:ITEM_LENGTH]
        try:
            if atomic:
                with transaction.atomic():
                    value = call()
            else:
                value = call()
        except Exception as error:  # one bad item must not stop the others: kept, not lost
            logger.exception("Job %s: item %s failed", self.job, key)
            self.failed.append(key)
            job_failure_record(job=self.job, item=key, error=error)
            return ItemResult(ok=False)
        if key in self._open:
            job_failure_clear(job=self.job, item=key)
            self._open.discard(key)
        return ItemResult(ok=True, value=value)

    def finish(self) -> list[str]:
        """Log how the run went; return the items that failed."""
        if self.failed:
            logger.warning("Job %s: %s item(s) failed: %s", self.job, len(self.failed),
                           ", ".join(self.failed[:20]))
        return self.failed


def job_failure_record(*, job: str, item: str, error: BaseException) -> JobFailure:
    """Open a failure for (job, item), or count one more on the open one."""
    text = f"{type(error).__name__}: {error}"[:ERROR_LENGTH]
    now = timezone.now()
    fields = {"error": text, "times": F("times") + 1, "last_seen": now}
    open_rows = JobFailure.objects.filter(job=job, item=item, resolved_at__isnull=True)
    if not open_rows.update(**fields):
        try:
            with transaction.atomic():
                return JobFailure.objects.create(
                    job=job, item=item, error=text, first_seen=now, last_seen=now
                )
        except IntegrityError:  # another run of the job opened it a moment ago
            open_rows.update(**fields)
    return open_rows.get()


def job_failure_clear(*, job: str, item: str) -> int:
    """The item succeeded: close its open failure (resolved by nobody: it went through)."""
    return JobFailure.objects.filter(job=job, item=item, resolved_at__isnull=True).update(
        resolved_at=timezone.now()
    )


def job_failure_resolve(*, failure_id: int, actor) -> JobFailure:
    """A staff member has looked at a failure and closes it (a later failure opens a new one)."""
    JobFailure.objects.filter(pk=failure_id, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=actor
    )
    return JobFailure.objects.get(pk=failure_id)


def job_failures_open(*, limit: int = 50):
    """Open failures, most recent first, for the staff dashboard."""
    return JobFailure.objects.filter(resolved_at__isnull=True).order_by("-last_seen", "-id")[
        :limit
    ]
