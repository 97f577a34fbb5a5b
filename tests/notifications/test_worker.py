"""Real Celery workers and a private Redis: delivery, a worker killed mid-send, Redis down.

Each test runs its own redis-server on a free port (never the machine's Redis), so it can stop
it, and a real `celery worker` process on the test database that writes e-mails to files.
"""

import datetime
import os
import signal
import time

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from notifications.models import Notification
from notifications.services import notify
from tests.factories import UserFactory
from tests.notifications.conftest import celery_publishing, mail_files
from tests.processes import celery_worker
from tests.support import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]
State = Notification.EmailState
SHIPPED = {"order_id": 42, "shop_name": "Hilltop Farm", "carrier": "USPS",
           "tracking_number": "9400 1000 0000"}


def worker_env(redis, mail_dir, **extra):
    return {"REDIS_URL": redis.url, "EMAIL_URL": f"file://{mail_dir}", **extra}


def state_of(pk):
    return Notification.objects.filter(pk=pk).values_list("email_state", flat=True).first()


def sweep_as_if_ten_minutes_passed(pk):
    """Age the row past the 10-minute lease, then run the sweep job as beat would."""
    eleven_minutes_ago = timezone.now() - datetime.timedelta(minutes=11)
    Notification.objects.filter(pk=pk).update(
        next_attempt_at=eleven_minutes_ago, claimed_at=eleven_minutes_ago
    )
    call_command("run_due_jobs", "--only", "notifications-sweep-stuck")


def test_a_real_worker_delivers_the_email_and_marks_the_row_sent(private_redis, tmp_path):
    mail_dir, log = tmp_path / "mail", tmp_path / "worker.log"
    buyer = UserFactory(email="bea@example.test", display_name="Bea")
    env = worker_env(private_redis, mail_dir)
    with celery_worker(log_path=log, extra_env=env) as (queue, _):
        with celery_publishing(queue=queue, broker_url=private_redis.url):
            with transaction.atomic():
                notification = notify(recipient=buyer, kind="order_shipped", context=SHIPPED,
                                      dedupe_key="order_shipped:order:42", url="/orders/42/")
            wait_until(lambda: state_of(notification.pk) == State.SENT, timeout=60,
                       what="the row marked sent", log=log)
    notification.refresh_from_db()
    assert notification.attempts == 1 and notification.emailed_at is not None
    (mail,) = mail_files(mail_dir)
    assert mail["To"] == "bea@example.test"
    assert mail["Subject"] == "Order #42 is on its way"
    assert mail["Message-ID"] == f"<notification-{notification.pk}@localhost>"
    text, html = (part.get_payload(decode=True).decode() for part in mail.get_payload())
    assert "Tracking number: 9400 1000 0000" in text
    assert "http://127.0.0.1:8000/orders/42/" in text
    assert 'href="http://127.0.0.1:8000/orders/42/"' in html
    assert "deliver_task" in log.read_text()


def test_a_worker_killed_before_sending_leaves_the_mail_to_the_sweep_and_it_goes_once(
    private_redis, tmp_path
):
    mail_dir = tmp_path / "mail"
    buyer = UserFactory()
    slow = worker_env(private_redis, mail_dir, NOTIFICATIONS_TEST_DELAY_BEFORE_SEND_SECONDS="60")
    with celery_worker(log_path=tmp_path / "first.log", extra_env=slow) as (queue, process):
        with celery_publishing(queue=queue, broker_url=private_redis.url):
            notification = notify(recipient=buyer, kind="order_shipped", context=SHIPPED,
                                  dedupe_key="order_shipped:order:42", url="/orders/42/")
            wait_until(lambda: state_of(notification.pk) == State.SENDING, timeout=60,
                       what="the worker's claim", log=tmp_path / "first.log")
            os.killpg(process.pid, signal.SIGKILL)  # mid-delivery: claimed, nothing sent
            process.wait(timeout=10)
    assert mail_files(mail_dir) == []
    assert state_of(notification.pk) == State.SENDING

    log = tmp_path / "second.log"
    with celery_worker(log_path=log, extra_env=worker_env(private_redis, mail_dir)) as (queue, _):
        with celery_publishing(queue=queue, broker_url=private_redis.url):
            sweep_as_if_ten_minutes_passed(notification.pk)
            wait_until(lambda: state_of(notification.pk) == State.SENT, timeout=60,
                       what="the row marked sent", log=log)
            call_command("run_due_jobs", "--only", "notifications-sweep-stuck")
            time.sleep(2)  # give a wrongly re-enqueued task the time to send again
    notification.refresh_from_db()
    assert notification.attempts == 2
    assert len(mail_files(mail_dir)) == 1  # not zero, not two


def test_a_worker_killed_after_the_server_took_the_mail_sends_at_most_one_duplicate(
    private_redis, tmp_path
):
    """The documented at-least-once edge (notifications/delivery.py): one duplicate, no more."""
    mail_dir = tmp_path / "mail"
    buyer = UserFactory()
    slow = worker_env(private_redis, mail_dir, NOTIFICATIONS_TEST_DELAY_AFTER_SEND_SECONDS="60")
    with celery_worker(log_path=tmp_path / "first.log", extra_env=slow) as (queue, process):
        with celery_publishing(queue=queue, broker_url=private_redis.url):
            notification = notify(recipient=buyer, kind="order_shipped", context=SHIPPED,
                                  dedupe_key="order_shipped:order:42", url="/orders/42/")
            wait_until(lambda: len(mail_files(mail_dir)) == 1, timeout=60,
                       what="the first mail", log=tmp_path / "first.log")
            os.killpg(process.pid, signal.SIGKILL)  # sent, but not yet marked sent
            process.wait(timeout=10)
    assert state_of(notification.pk) == State.SENDING

    log = tmp_path / "second.log"
    with celery_worker(log_path=log, extra_env=worker_env(private_redis, mail_dir)) as (queue, _):
        with celery_publishing(queue=queue, broker_url=private_redis.url):
            sweep_as_if_ten_minutes_passed(notification.pk)
            wait_until(lambda: state_of(notification.pk) == State.SENT, timeout=60,
                       what="the row marked sent", log=log)
            # Later sweeps and redeliveries add nothing.
            sweep_as_if_ten_minutes_passed(notification.pk)
            time.sleep(2)
    mails = mail_files(mail_dir)
    assert len(mails) == 2
    # The duplicate is the same message: same Message-ID, so mail clients can fold it.
    assert {mail["Message-ID"] for mail in mails} == {f"<notification-{notification.pk}@localhost>"}


def test_redis_down_during_an_action_commits_it_and_the_sweep_sends_the_mail_later(
    private_redis, tmp_path
):
    mail_dir, log = tmp_path / "mail", tmp_path / "worker.log"
    with celery_worker(log_path=log, extra_env=worker_env(private_redis, mail_dir)) as (queue, _):
        with celery_publishing(queue=queue, broker_url=private_redis.url):
            private_redis.stop()
            started = time.monotonic()
            with transaction.atomic():  # the action: a new account, and its notification
                buyer = UserFactory(email="during-outage@example.test")
                notification = notify(recipient=buyer, kind="order_placed",
                                      context={"order_id": 1, "shop_name": "Hilltop",
                                               "total_cents": 2500, "currency": "USD"},
                                      dedupe_key="order_placed:order:1", url="/orders/1/")
            took = time.monotonic() - started
            assert get_user_model().objects.filter(email="during-outage@example.test").exists()
            assert state_of(notification.pk) == State.PENDING
            time.sleep(1)
            assert mail_files(mail_dir) == []

            call_command("run_due_jobs", "--only", "notifications-sweep-stuck")
            assert state_of(notification.pk) == State.PENDING  # still down: still waiting

            private_redis.start()  # the same port: the worker reconnects
            sweep_as_if_ten_minutes_passed(notification.pk)
            wait_until(lambda: state_of(notification.pk) == State.SENT, timeout=90,
                       what="the row marked sent after Redis came back", log=log)
    assert took < 15, f"the action waited {took:.1f} s on the dead broker"
    (mail,) = mail_files(mail_dir)
    assert mail["To"] == "during-outage@example.test"
    assert mail["Subject"] == "Order #1 placed with Hilltop"
