from celery import shared_task

from brands.services.counter_notices import counter_notices_restore_due


@shared_task
def counter_notices_restore_due_task() -> int:
    return counter_notices_restore_due()
