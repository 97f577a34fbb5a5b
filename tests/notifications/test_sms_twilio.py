"""Texts through Twilio's official SDK against scripts/twilio_fake.py, a real HTTP process, sent
by a real Celery worker on a private Redis: one text per event, the provider down (answering
503, or not answering at all) and the sweep that delivers the text later, exactly once.
"""

import base64
import datetime
import json
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from notifications.models import Notification
from notifications.services import notify
from notifications.sms_delivery import notification_text, sms_outbox_take_stuck
from notifications.tasks import sms_deliver_task
from tests.factories import UserFactory
from tests.notifications.conftest import celery_publishing
from tests.processes import TwilioFakeProcess, celery_worker
from tests.support import wait_until

pytestmark = pytest.mark.django_db(transaction=True)
State = Notification.SmsState
CASH_READY = {"amount_cents": 12345, "currency": "USD", "hub_name": "Kalona Hub"}
SENDER = "+15550001111"


@pytest.fixture
def twilio(tmp_path):
    fake = TwilioFakeProcess(tmp_path)
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


def worker_env(redis, twilio, tmp_path):
    return {"REDIS_URL": redis.url, "SMS_URL": twilio.sms_url(SENDER),
            "EMAIL_URL": f"file://{tmp_path / 'mail'}"}


def sms_state_of(pk):
    return Notification.objects.filter(pk=pk).values_list("sms_state", flat=True).first()


def cash_ready(person, key="hub_cash_ready:cashout:1"):
    with transaction.atomic():
        return notify(recipient=person, kind="hub_cash_ready", context=CASH_READY,
                      dedupe_key=key, url="/sell/")


def sweep_as_if_ten_minutes_passed(pk):
    eleven_minutes_ago = timezone.now() - datetime.timedelta(minutes=11)
    Notification.objects.filter(pk=pk).update(sms_next_attempt_at=eleven_minutes_ago,
                                              sms_claimed_at=eleven_minutes_ago)
    call_command("run_due_jobs", "--only", "notifications-sweep-stuck")


@pytest.mark.services
def test_a_worker_texts_through_the_twilio_sdk_once_per_event(private_redis, twilio, tmp_path):
    ruth = UserFactory(email="", phone="+15635550101")
    log = tmp_path / "worker.log"
    with celery_worker(log_path=log, extra_env=worker_env(private_redis, twilio, tmp_path)) as (
        queue, _
    ), celery_publishing(queue=queue, broker_url=private_redis.url):
        notification = cash_ready(ruth)
        wait_until(lambda: sms_state_of(notification.pk) == State.SENT, timeout=60,
                   what="the text marked sent", log=log)
        # The same event again, and a second copy of the task: nothing more goes out.
        assert cash_ready(ruth).pk == notification.pk
        with transaction.atomic():
            sms_deliver_task.delay_on_commit(notification.pk)
        sweep_as_if_ten_minutes_passed(notification.pk)
        time.sleep(3)
    (message,) = twilio.messages()
    assert (message["to"], message["from"], message["account_sid"]) == (
        "+15635550101", SENDER, "ACtest")
    assert message["body"] == ("Taobao Village: $123.45 from your sales is ready for you in cash "
                               "at Kalona Hub. Ask the agent there.")
    notification.refresh_from_db()
    assert notification.sms_ref == message["sid"] and message["sid"].startswith("SM")
    assert notification.sms_attempts == 1 and notification.sms_last_error == ""
    assert "sms_deliver_task" in log.read_text()


@pytest.mark.services
@pytest.mark.parametrize("outage", ["answers 503", "refuses connections"])
def test_a_text_queued_while_the_provider_is_down_is_delivered_by_the_sweep_exactly_once(
    private_redis, twilio, tmp_path, outage
):
    ruth = UserFactory(email="", phone="+15635550101")
    log = tmp_path / "worker.log"
    with celery_worker(log_path=log, extra_env=worker_env(private_redis, twilio, tmp_path)) as (
        queue, _
    ), celery_publishing(queue=queue, broker_url=private_redis.url):
        if outage == "answers 503":
            twilio.outage(503)
        else:
            twilio.stop()
        notification = cash_ready(ruth)
        wait_until(lambda: Notification.objects.filter(
            pk=notification.pk, sms_state=State.PENDING, sms_attempts=1).exclude(
            sms_last_error="").exists(), timeout=60, what="the first try failing", log=log)
        notification.refresh_from_db()
        expected = "Twilio answered 503" if outage == "answers 503" else "could not be reached"
        assert expected in notification.sms_last_error
        # Backoff like e-mail: the next try is a minute away, not at once.
        wait = notification.sms_next_attempt_at - timezone.now()
        assert datetime.timedelta(seconds=40) < wait <= datetime.timedelta(seconds=60)

        # Still down: the sweep tries again, the text waits again.
        sweep_as_if_ten_minutes_passed(notification.pk)
        wait_until(lambda: Notification.objects.filter(
            pk=notification.pk, sms_state=State.PENDING, sms_attempts=2).exists(),
            timeout=60, what="the second try failing", log=log)

        if outage == "answers 503":
            twilio.outage(None)
        else:
            twilio.start()  # the same port
        sweep_as_if_ten_minutes_passed(notification.pk)
        wait_until(lambda: sms_state_of(notification.pk) == State.SENT, timeout=60,
                   what="the text sent once the provider is back", log=log)
        # More sweeps (and the retry Celery still holds) add nothing.
        sweep_as_if_ten_minutes_passed(notification.pk)
        time.sleep(2)
    assert len(twilio.messages()) == 1
    notification.refresh_from_db()
    assert notification.sms_attempts == 3 and notification.sms_last_error == ""


def test_a_number_the_provider_refuses_fails_at_once_and_is_not_retried(settings, twilio):
    settings.SMS_URL = twilio.sms_url(SENDER)
    bad = UserFactory(email="", phone="+1555")  # not a number Twilio can text
    with transaction.atomic():
        notification = notify(recipient=bad, kind="hub_cash_ready", context=CASH_READY,
                              dedupe_key="hub_cash_ready:cashout:2", url="/sell/")
    notification.refresh_from_db()  # delivered on commit (tasks run in this process here)
    assert (notification.sms_state, notification.sms_attempts) == (State.FAILED, 1)
    assert notification.sms_last_error.startswith("Attempt 1: Twilio answered 400 (error 21211)")
    assert sms_outbox_take_stuck(now=timezone.now() + datetime.timedelta(hours=1)) == []
    assert notification_text(notification_id=notification.pk).state == State.FAILED
    assert twilio.messages() == []


def test_wrong_credentials_fail_the_text_with_twilios_answer(settings, twilio):
    settings.SMS_URL = twilio.sms_url(SENDER).replace(twilio.auth_token, "wrong-token")
    ruth = UserFactory(email="", phone="+15635550101")
    with transaction.atomic():
        notification = notify(recipient=ruth, kind="hub_cash_ready", context=CASH_READY,
                              dedupe_key="hub_cash_ready:cashout:3", url="/sell/")
    notification.refresh_from_db()
    assert notification.sms_state == State.FAILED
    assert "Twilio answered 401 (error 20003)" in notification.sms_last_error
    assert twilio.messages() == []


def _fake_post(twilio, path, form, token=None):
    auth = base64.b64encode(f"ACtest:{token or twilio.auth_token}".encode()).decode()
    request = urllib.request.Request(
        f"{twilio.base}{path}", data=urllib.parse.urlencode(form).encode(), method="POST",
        headers={"Authorization": f"Basic {auth}"})
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 - loopback
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_the_fake_answers_like_twilios_messages_endpoint(twilio):
    path = "/2010-04-01/Accounts/ACtest/Messages.json"
    status, message = _fake_post(twilio, path, {"To": "+15635550101", "From": SENDER,
                                                 "Body": "Hello"})
    assert status == 201
    assert (message["status"], message["direction"], message["num_segments"]) == (
        "queued", "outbound-api", "1")
    assert message["uri"] == f"/2010-04-01/Accounts/ACtest/Messages/{message['sid']}.json"
    assert _fake_post(twilio, path, {"To": "+15635550101", "From": SENDER, "Body": "x"},
                      token="nope")[0] == 401
    assert _fake_post(twilio, path, {"To": "+15635550101", "Body": "x"})[1]["code"] == 21603
    assert _fake_post(twilio, path, {"To": "+15635550101", "From": SENDER})[1]["code"] == 21602
    assert _fake_post(twilio, path, {"To": "+15635550101", "From": SENDER,
                                     "Body": "x" * 1601})[1]["code"] == 21617
    twilio.outage(500)
    assert _fake_post(twilio, path, {"To": "+15635550101", "From": SENDER,
                                     "Body": "x"})[0] == 500
    twilio.outage(None)
    assert [m["sid"] for m in twilio.messages()] == [message["sid"]]
