"""Delivery: retries of transient SMTP errors with bounded backoff, failure, skipping, sweeping."""

import datetime
import smtplib

import pytest
from django.core.management import call_command
from django.utils import timezone

from notifications import delivery
from notifications.delivery import MAX_ATTEMPTS, notification_deliver, retry_delay
from notifications.models import Notification, NotificationPreference
from notifications.services import notify
from tests.factories import UserFactory
from tests.notifications.smtp_server import ScriptedSmtpServer
from tests.processes import free_port

State = Notification.EmailState
COMPLETED = {"order_id": 5, "shop_name": "Hilltop"}


@pytest.fixture
def outbox_row(django_capture_on_commit_callbacks):
    """Write an outbox row the way notify() does, without running its delivery yet."""

    def make(*, recipient=None, kind="order_completed", context=None, key="order_completed:5"):
        with django_capture_on_commit_callbacks(execute=False):
            return notify(recipient=recipient or UserFactory(), kind=kind,
                          context=context or COMPLETED, dedupe_key=key, url="/orders/5/")

    return make


@pytest.fixture
def smtp(settings):
    server = ScriptedSmtpServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", server.port, 5
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield server
    server.stop()


def test_backoff_is_bounded():
    assert [retry_delay(n) for n in range(1, 8)] == [60, 120, 240, 480, 960, 1800, 1800]


@pytest.mark.django_db
def test_a_deferred_smtp_reply_is_retried_later_then_sent_once(outbox_row, smtp):
    row = outbox_row()
    smtp.data_replies = ["451 4.3.0 Try again later"]
    before = timezone.now()
    outcome = notification_deliver(notification_id=row.pk)
    assert outcome == delivery.DeliveryOutcome(State.PENDING, retry_in=60)
    row.refresh_from_db()
    assert (row.email_state, row.attempts, row.claim_token) == (State.PENDING, 1, None)
    assert "SMTPDataError(451" in row.last_error
    assert row.next_attempt_at >= before + datetime.timedelta(seconds=60)
    assert smtp.accepted == []

    assert notification_deliver(notification_id=row.pk).state == State.SENT
    row.refresh_from_db()
    assert (row.email_state, row.attempts, row.last_error) == (State.SENT, 2, "")
    assert len(smtp.accepted) == 1
    assert b"Subject: Order #5 is complete" in smtp.accepted[0]

    # Another copy of the task (a redelivery, the sweep) sends nothing more.
    assert notification_deliver(notification_id=row.pk).state == State.SENT
    assert len(smtp.accepted) == 1


@pytest.mark.django_db
def test_a_mail_server_that_is_down_is_retried_then_given_up_into_failed(outbox_row, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    row = outbox_row()
    outcomes = [notification_deliver(notification_id=row.pk) for _ in range(MAX_ATTEMPTS)]
    assert [o.retry_in for o in outcomes] == [60, 120, 240, 480, None]
    assert outcomes[-1].state == State.FAILED
    row.refresh_from_db()
    assert (row.email_state, row.attempts) == (State.FAILED, MAX_ATTEMPTS)
    assert "ConnectionRefusedError" in row.last_error
    # Failed is final until staff resend it.
    assert notification_deliver(notification_id=row.pk).state == State.FAILED
    row.refresh_from_db()
    assert row.attempts == MAX_ATTEMPTS


@pytest.mark.django_db
def test_a_refused_address_fails_at_once_without_retry(outbox_row, smtp):
    smtp.rcpt_reply = "550 5.1.1 No such user"
    row = outbox_row()
    assert notification_deliver(notification_id=row.pk) == delivery.DeliveryOutcome(State.FAILED)
    row.refresh_from_db()
    assert (row.email_state, row.attempts) == (State.FAILED, 1)
    assert "SMTPRecipientsRefused" in row.last_error
    assert smtp.accepted == []


def test_only_named_transient_errors_are_retried():
    assert delivery.TRANSIENT_ERRORS == (smtplib.SMTPException, ConnectionError, TimeoutError)


@pytest.mark.django_db
def test_a_live_claim_of_another_worker_is_left_alone(outbox_row, mailoutbox):
    row = outbox_row()
    Notification.objects.filter(pk=row.pk).update(
        email_state=State.SENDING, claimed_at=timezone.now(), attempts=1
    )
    assert notification_deliver(notification_id=row.pk).state == "busy"
    assert mailoutbox == []


@pytest.mark.django_db
def test_turned_off_optional_emails_are_skipped_but_essential_ones_always_go(
    outbox_row, mailoutbox
):
    person = UserFactory()
    NotificationPreference.objects.create(user=person, email_reminders=False, email_reviews=False)
    reminder = outbox_row(recipient=person, kind="ship_by_soon",
                          context={"order_id": 5, "ship_by": "2026-03-05"}, key="ship_by_soon:5")
    review = outbox_row(recipient=person, kind="new_review",
                        context={"order_id": 5, "rating": 4}, key="new_review:5")
    money = outbox_row(recipient=person, kind="escrow_released",
                       context={"order_id": 5, "amount_cents": 1000, "currency": "USD"},
                       key="escrow_released:5")
    for row in (reminder, review, money):
        notification_deliver(notification_id=row.pk)
    states = dict(Notification.objects.values_list("kind", "email_state"))
    assert states == {"ship_by_soon": State.SKIPPED, "new_review": State.SKIPPED,
                      "escrow_released": State.SENT}
    assert [mail.subject for mail in mailoutbox] == ["$10.00 released for order #5"]
    # The in-app inbox still shows all three.
    assert Notification.objects.filter(recipient=person).count() == 3


@pytest.mark.django_db
def test_an_inactive_recipient_is_skipped(outbox_row, mailoutbox):
    row = outbox_row(recipient=UserFactory(is_active=False))
    assert notification_deliver(notification_id=row.pk).state == State.SKIPPED
    assert mailoutbox == []


@pytest.mark.django_db(transaction=True)
def test_the_sweep_resends_rows_stuck_for_over_ten_minutes_and_nothing_else(capsys, mailoutbox):
    old = timezone.now() - datetime.timedelta(minutes=11)
    recent = timezone.now() - datetime.timedelta(minutes=5)
    buyer = UserFactory()

    def row(key, **fields):
        notification = Notification.objects.create(
            recipient=buyer, kind="order_completed", context=COMPLETED, message="m",
            url="/orders/5/", dedupe_key=key,
        )
        Notification.objects.filter(pk=notification.pk).update(**fields)
        return notification.pk

    lost = row("lost", next_attempt_at=old)  # its message never reached the broker
    dead = row("dead", email_state=State.SENDING, claimed_at=old, next_attempt_at=old,
               attempts=1)  # its worker died mid-delivery
    row("young", next_attempt_at=recent)
    row("retry-later", next_attempt_at=timezone.now() + datetime.timedelta(minutes=4),
        attempts=1)
    row("sent", email_state=State.SENT, next_attempt_at=old)
    row("failed", email_state=State.FAILED, next_attempt_at=old)

    call_command("run_due_jobs", "--only", "notifications-sweep-stuck")
    assert "notifications-sweep-stuck: 2" in capsys.readouterr().out
    assert sorted(mail.extra_headers["Message-ID"] for mail in mailoutbox) == sorted(
        f"<notification-{pk}@localhost>" for pk in (lost, dead)
    )
    assert dict(Notification.objects.values_list("dedupe_key", "email_state")) == {
        "lost": State.SENT, "dead": State.SENT, "young": State.PENDING,
        "retry-later": State.PENDING, "sent": State.SENT, "failed": State.FAILED,
    }
    call_command("run_due_jobs", "--only", "notifications-sweep-stuck")
    assert "notifications-sweep-stuck: 0" in capsys.readouterr().out
    assert len(mailoutbox) == 2
