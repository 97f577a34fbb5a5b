"""Celery tasks of the outbox: deliver one row's e-mail or text; sweep up rows whose message was
lost."""

import functools
import logging

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerUnavailable
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from jobs.services import JobRun

from . import delivery, sms_delivery

logger = logging.getLogger(__name__)


class OutboxTask(DjangoTask):
    """A task whose enqueueing may fail without harm: the outbox row is the source of truth.

    The caller's action has already committed when on_commit runs; a broker that is down must
    not turn that success into a 500. The row stays pending and the sweep enqueues it later.
    """

    def delay_on_commit(self, *args, **kwargs) -> None:
        transaction.on_commit(functools.partial(self._enqueue_or_leave_to_sweep, args, kwargs))

    def _enqueue_or_leave_to_sweep(self, args, kwargs) -> None:
        publish = self.delay
        try:
            publish(*args, **kwargs)
        except (BrokerUnavailable, RedisConnectionError, RedisTimeoutError, OSError) as exc:
            # OSError: a refused socket, a timeout, or the filesystem broker's folder missing.
            logger.warning("Broker unavailable, %s%r waits for the sweep: %r", self.name, args, exc)


@shared_task(
    base=OutboxTask,
    bind=True,
    acks_late=True,  # a worker killed mid-task leaves the message to be delivered again
    reject_on_worker_lost=True,
    ignore_result=True,
    max_retries=None,  # the row's attempts counter bounds the tries, not Celery's
)
def deliver_task(self, notification_id: int) -> str:
    """Send the e-mail of one notification (idempotent: see notifications.delivery)."""
    outcome = delivery.notification_deliver(notification_id=notification_id)
    if outcome.retry_in is not None:
        # The row already records when to try again: if this retry message is lost (broker
        # down), the sweep picks the row up, so nothing is lost either way.
        raise self.retry(countdown=outcome.retry_in)
    return outcome.state


@shared_task(
    base=OutboxTask,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    max_retries=None,  # the row's sms_attempts counter bounds the tries
)
def sms_deliver_task(self, notification_id: int) -> str:
    """Send the text message of one notification (idempotent: see notifications.sms_delivery)."""
    outcome = sms_delivery.notification_text(notification_id=notification_id)
    if outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in)
    return outcome.state


@shared_task(base=OutboxTask, ignore_result=True)
def notifications_sweep_stuck() -> int:
    """Re-enqueue e-mails and texts stuck unsent for more than 10 minutes; return how many."""
    run = JobRun("notifications-sweep-stuck")
    enqueued = 0
    for prefix, ids, task in (
        ("notification", delivery.outbox_take_stuck(), deliver_task),
        ("sms", sms_delivery.sms_outbox_take_stuck(), sms_deliver_task),
    ):
        for notification_id in ids:
            # In its own transaction, so the enqueue (on commit) happens inside the item's try.
            result = run.item(f"{prefix}:{notification_id}",
                              functools.partial(task.delay_on_commit, notification_id))
            enqueued += result.ok
    run.finish()
    return enqueued
