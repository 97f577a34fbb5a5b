"""Text messages through the outbox: who is texted, once per event, the daily cap, safe texts.

Delivery runs in this process (eager tasks, on commit) with SMS_URL=locmem://; the Twilio SDK
against the provider's stand-in, with a real worker, is in test_sms_twilio.py.
"""

import datetime
import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from marketplace.checks import sms_sent_for_real, sms_url_complete
from notifications import sms
from notifications.kinds import KINDS
from notifications.models import Notification
from notifications.rendering import SMS_MAX_CHARS, sms_render, sms_safe
from notifications.services import notifications_settle_before, notify, preference_update
from notifications.sms_delivery import notification_text, sms_outbox_take_stuck
from tests.factories import UserFactory
from tests.processes import ROOT
from tests.staff import staff_login
from tests.support import run_together

pytestmark = pytest.mark.django_db(transaction=True)
State = Notification.SmsState

NEW_ORDER = {"order_id": 42, "total_cents": 2599, "currency": "USD",
             "ship_by": "2026-03-05T23:00:00+00:00"}
SHIP_SOON = {"order_id": 42, "ship_by": "2026-03-05T15:30:00+00:00"}
RELEASED = {"order_id": 42, "amount_cents": 2469, "currency": "USD"}
CASH_READY = {"amount_cents": 12345, "currency": "USD", "hub_name": "Kalona Hub"}


@pytest.fixture(autouse=True)
def texts(settings):
    """The locmem:// backend's texts, emptied for each test."""
    settings.SMS_URL = "locmem://"
    settings.SMS_DAILY_CAP_PER_NUMBER = 10
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def neighbour(phone="+15635550101", **fields):
    """A hub's neighbour: a phone number and no e-mail address."""
    return UserFactory(email="", phone=phone, display_name="Ruth", **fields)


def order_paid(person, order_id=42):
    with transaction.atomic():
        return notify(recipient=person, kind="seller_order_paid",
                      context={**NEW_ORDER, "order_id": order_id},
                      dedupe_key=f"seller_order_paid:order:{order_id}",
                      url=f"/sell/orders/{order_id}/")


def test_a_neighbour_with_only_a_phone_gets_one_text_per_event(texts, mailoutbox):
    ruth = neighbour()
    notification = order_paid(ruth)
    notification.refresh_from_db()
    assert notification.sms_state == State.SENT
    assert (notification.sms_to, notification.sms_attempts) == ("+15635550101", 1)
    assert notification.sms_sent_at is not None and notification.sms_ref == "locmem-1"
    assert texts == [{
        "to": "+15635550101", "reference": "locmem-1",
        "body": ("Taobao Village: new paid order #42 ($25.99). Please ship it by Thu, Mar 5, 2026, "
                 "5:00 PM CST."),
    }]
    # No e-mail address: the e-mail is skipped, the in-app entry is there as for anyone.
    assert notification.email_state == Notification.EmailState.SKIPPED and mailoutbox == []
    assert notification.message.startswith("New paid order #42")

    # The same event again (a retried webhook, a second caller) is the same row: no second text.
    again = order_paid(ruth)
    assert again.pk == notification.pk
    # And a redelivered task finds the text sent and sends nothing.
    assert notification_text(notification_id=notification.pk).state == State.SENT
    assert len(texts) == 1

    # Another event is another text.
    order_paid(ruth, order_id=43)
    assert [text["body"][:35] for text in texts] == ["Taobao Village: new paid order #42 ",
                                                      "Taobao Village: new paid order #43 "]


@pytest.mark.parametrize(("kind", "context", "words"), [
    ("seller_order_paid", NEW_ORDER, ["#42", "$25.99", "ship it by Thu, Mar 5, 2026, 5:00 PM CST"]),
    ("ship_by_soon", {**SHIP_SOON, "pickup": True},
     ["#42", "must be handed over by Thu, Mar 5, 2026, 9:30 AM CST"]),
    ("escrow_released", RELEASED, ["$24.69", "#42", "released to your balance"]),
    ("hub_cash_ready", CASH_READY, ["$123.45", "in cash at Kalona Hub"]),
])
def test_the_four_owner_texts_say_what_happened_in_one_sms(texts, kind, context, words):
    ruth = neighbour(time_zone="America/Chicago")
    with transaction.atomic():
        notify(recipient=ruth, kind=kind, context=context, dedupe_key=f"{kind}:1",
               url="/sell/")
    (text,) = texts
    assert len(text["body"]) <= SMS_MAX_CHARS
    for word in words:
        assert word in text["body"], text["body"]


def test_a_person_with_an_email_address_is_told_by_email_not_by_text(texts, mailoutbox):
    owner = UserFactory(email="ruth@example.test", phone="+15635550102")
    notification = order_paid(owner)
    notification.refresh_from_db()
    assert notification.sms_state == State.NONE
    assert notification.email_state == Notification.EmailState.SENT
    assert texts == [] and len(mailoutbox) == 1
    # A redelivered text task for such a row sends nothing.
    assert notification_text(notification_id=notification.pk).state == State.NONE
    assert texts == []


def test_a_kind_without_a_text_or_a_person_without_a_phone_is_not_texted(texts):
    ruth = neighbour()
    with transaction.atomic():
        shipped = notify(recipient=ruth, kind="order_shipped",
                         context={"order_id": 7, "shop_name": "Hilltop", "carrier": "USPS",
                                  "tracking_number": "9400"},
                         dedupe_key="order_shipped:order:7", url="/orders/7/")
    emailer = UserFactory(phone="")
    paid = order_paid(emailer)
    assert {shipped.sms_state, paid.sms_state} == {State.NONE}
    assert texts == []


def test_a_number_taken_away_before_the_worker_runs_is_skipped_with_the_reason(texts):
    ruth = neighbour()
    with transaction.atomic():
        notification = order_paid(ruth)
        # The owner takes over their shop in the same moment: an e-mail address, no phone.
        type(ruth).objects.filter(pk=ruth.pk).update(email="ruth@example.test")
    notification.refresh_from_db()
    assert notification.sms_state == State.SKIPPED
    assert notification.sms_last_error == "The recipient has an e-mail address now: told by e-mail."
    assert texts == []


def test_a_reminder_follows_the_persons_choice_money_always_goes(texts):
    ruth = neighbour()
    preference_update(user=ruth, email_reminders=False, email_reviews=True)
    with transaction.atomic():
        reminder = notify(recipient=ruth, kind="ship_by_soon", context=SHIP_SOON,
                          dedupe_key="ship_by_soon:order:42", url="/sell/")
        money = notify(recipient=ruth, kind="escrow_released", context=RELEASED,
                       dedupe_key="escrow_released:order:42", url="/sell/")
    reminder.refresh_from_db()
    money.refresh_from_db()
    assert (reminder.sms_state, reminder.sms_last_error) == (
        State.SKIPPED, "The recipient turned off reminders.")
    assert money.sms_state == State.SENT
    assert [text["body"][:30] for text in texts] == ["Taobao Village: $24.69 for ord"]


def test_over_the_daily_cap_a_text_is_skipped_with_the_reason_and_never_retried(texts, settings):
    settings.SMS_DAILY_CAP_PER_NUMBER = 2
    ruth = neighbour()
    rows = [order_paid(ruth, order_id=n) for n in (1, 2, 3)]
    for row in rows:
        row.refresh_from_db()
    assert [row.sms_state for row in rows] == [State.SENT, State.SENT, State.SKIPPED]
    assert rows[2].sms_last_error == (
        "Over the daily cap: 2 texts to this number in the last 24 hours.")
    assert rows[2].sms_counted_at is None and rows[2].sms_attempts == 0
    assert len(texts) == 2
    # Skipped is final: the sweep does not pick it up, a redelivered task sends nothing.
    assert sms_outbox_take_stuck(now=timezone.now() + datetime.timedelta(hours=1)) == []
    assert notification_text(notification_id=rows[2].pk).state == State.SKIPPED
    # The inbox still has every event.
    assert Notification.objects.filter(recipient=ruth).count() == 3

    # Another number is not held back by Ruth's.
    order_paid(neighbour(phone="+15635550199"), order_id=9)
    assert len(texts) == 3

    # The window is 24 hours: once the first two are older, the number may be texted again.
    day_ago = timezone.now() - datetime.timedelta(hours=24, minutes=1)
    Notification.objects.filter(pk__in=[rows[0].pk, rows[1].pk]).update(sms_counted_at=day_ago)
    fourth = order_paid(ruth, order_id=4)
    fourth.refresh_from_db()
    assert fourth.sms_state == State.SENT and len(texts) == 4


def test_workers_racing_for_the_last_slots_of_a_number_send_no_more_than_the_cap(
    texts, settings
):
    for round_ in range(3):  # three numbers, three races: one lucky interleaving is not enough
        settings.SMS_DAILY_CAP_PER_NUMBER = 0  # the rows wait: nothing may be sent while made
        ruth = neighbour(phone=f"+1563555020{round_}")
        ids = [order_paid(ruth, order_id=100 * round_ + n).pk for n in range(1, 7)]
        # Back to waiting, as rows whose messages are in the queue for six workers at once.
        Notification.objects.filter(pk__in=ids).update(
            sms_state=State.PENDING, sms_last_error="", sms_attempts=0)
        settings.SMS_DAILY_CAP_PER_NUMBER = 2

        outcomes = run_together(
            6, lambda index, ids=ids: notification_text(notification_id=ids[index]).state)

        assert sorted(outcomes) == ["sent", "sent", "skipped", "skipped", "skipped", "skipped"]
        assert len([text for text in texts if text["to"] == ruth.phone]) == 2
        assert Notification.objects.filter(sms_to=ruth.phone,
                                           sms_counted_at__isnull=False).count() == 2


def test_nul_emoji_and_long_values_become_one_plain_sms(texts):
    ruth = neighbour()
    name = "Kal\x00ona 🐝 “Old Creamery” Hub — Zoë’s corner " + "very long name " * 20
    with transaction.atomic():
        notification = notify(recipient=ruth, kind="hub_cash_ready",
                              context={**CASH_READY, "hub_name": name},
                              dedupe_key="hub_cash_ready:cashout:1", url="/sell/")
    notification.refresh_from_db()
    assert "\x00" not in notification.context["hub_name"]  # stored: PostgreSQL takes no NUL
    assert "\x00" not in notification.message
    (text,) = texts
    body = text["body"]
    assert len(body) <= SMS_MAX_CHARS
    assert body.startswith('Taobao Village: $123.45 from your sales is ready for you in cash at '
                           'Kalona "Old Creamery" Hub - Zoe\'s')
    assert body.endswith("Ask the agent there.")  # the long name was cut, not the message
    assert all(" " <= char <= "~" for char in body)


def test_sms_safe_cuts_at_a_word_and_keeps_gsm_letters_only():
    assert sms_safe("a\tb\n\nc\x00\x07d") == "a b cd"
    assert sms_safe("price [about] {5} ~ ^ | \\ `x`") == "price (about) (5) x"
    assert sms_safe("€5 or £4") == "EUR 5 or GBP 4"
    long = sms_safe("word " * 60)
    assert len(long) <= SMS_MAX_CHARS and long.endswith("word...")
    assert sms_safe("x" * 400, limit=20) == "x" * 17 + "..."


def test_every_text_of_every_kind_is_one_sms_even_with_long_values():
    long = "Hilltop Farm and Orchard of the Upper Iowa River Valley " * 5
    for kind in KINDS.values():
        if not kind.sms:
            continue
        context = {key: long for key in kind.required + kind.optional}
        context.update({key: 123456789 for key in context if key.endswith(("_cents", "_id"))})
        context.update({"currency": "USD", "pickup": False, "ship_by": "2026-03-05"})
        body = sms_render(kind=kind, context={k: v for k, v in context.items()
                                              if k in kind.required + kind.optional})
        assert 0 < len(body) <= SMS_MAX_CHARS, (kind.key, body)


def test_the_history_laid_down_at_once_is_not_texted(texts, settings):
    settings.SMS_DAILY_CAP_PER_NUMBER = 0
    ruth = neighbour()
    notification = order_paid(ruth)
    Notification.objects.filter(pk=notification.pk).update(sms_state=State.PENDING,
                                                           sms_last_error="")
    notifications_settle_before(moment=timezone.now())
    notification.refresh_from_db()
    assert notification.sms_state == State.SKIPPED
    assert notification.sms_last_error == "Part of the history laid down at once: not texted."


def test_the_file_backend_writes_one_file_per_text(settings, tmp_path):
    settings.SMS_URL = f"file://{tmp_path}/sms"
    ruth = neighbour()
    order_paid(ruth, order_id=1)
    order_paid(ruth, order_id=2)
    files = sorted((tmp_path / "sms").glob("*.txt"))
    assert len(files) == 2
    first = files[0].read_text()
    assert first.startswith("To: +15635550101\n\nTaobao Village: new paid order #")


def test_the_console_backend_logs_the_text(settings, caplog):
    settings.SMS_URL = "console://"
    caplog.set_level("INFO", logger="notifications.sms")
    order_paid(neighbour())
    assert "Text message to +15635550101" in caplog.text
    assert "new paid order #42" in caplog.text


def test_a_wrong_sms_url_stops_the_start_with_a_clear_message():
    env = {**os.environ, "SMS_URL": "carrier-pigeon://coop"}
    result = subprocess.run([sys.executable, "-c", "import marketplace.settings"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert ("SMS_URL scheme must be one of console, file, locmem, twilio, not 'carrier-pigeon'"
            in result.stderr)


def test_staff_see_the_text_state_in_the_read_only_admin(client, settings):
    settings.SMS_DAILY_CAP_PER_NUMBER = 1
    ruth = neighbour()
    sent, skipped = order_paid(ruth, order_id=1), order_paid(ruth, order_id=2)
    staff_login(client, UserFactory(is_staff=True, is_superuser=True))

    listing = client.get("/admin/notifications/notification/?sms_state__exact=skipped")
    html = listing.content.decode()
    assert listing.status_code == 200
    assert f"/admin/notifications/notification/{skipped.pk}/change/" in html
    assert f"/admin/notifications/notification/{sent.pk}/change/" not in html
    assert '<td class="field-sms_state">Skipped</td>' in html
    detail = client.get(f"/admin/notifications/notification/{skipped.pk}/change/").content.decode()
    assert "Over the daily cap: 1 text to this number in the last 24 hours." in detail
    assert "+15635550101" in client.get(
        f"/admin/notifications/notification/{sent.pk}/change/").content.decode()
    assert client.post(f"/admin/notifications/notification/{sent.pk}/change/",
                       {"sms_state": "pending"}).status_code == 403
    sent.refresh_from_db()
    assert sent.sms_state == State.SENT


def test_the_sweep_job_leaves_delivered_texts_alone(texts):
    ruth = neighbour()
    notification = order_paid(ruth)
    eleven_minutes_ago = timezone.now() - datetime.timedelta(minutes=11)
    Notification.objects.filter(pk=notification.pk).update(sms_next_attempt_at=eleven_minutes_ago)
    call_command("run_due_jobs", "--only", "notifications-sweep-stuck")
    assert len(texts) == 1


def test_the_checks_name_an_incomplete_twilio_url_and_texts_that_are_not_sent(settings):
    settings.SMS_URL = "twilio://ACabc:token@api.twilio.com"  # no sender
    (error,) = sms_url_complete()
    assert error.id == "marketplace.E030" and "from=%2B1" in error.msg
    settings.SMS_URL = "twilio://ACabc:token@api.twilio.com?from=%2B15551234567"
    assert sms_url_complete() == [] and sms_sent_for_real() == []
    settings.SMS_URL = "file:///tmp/sms"
    (warning,) = sms_sent_for_real()
    assert warning.id == "marketplace.W030" and "SMS_URL is file://" in warning.msg


def test_staff_resend_a_failed_text_once_and_leave_sent_ones_alone(client, texts):
    ruth = neighbour()
    sent = order_paid(ruth, order_id=1)
    failed = order_paid(ruth, order_id=2)
    Notification.objects.filter(pk=failed.pk).update(
        sms_state=State.FAILED, sms_attempts=5, sms_last_error="Attempt 5: Twilio answered 503")
    texts.clear()
    staff_login(client, UserFactory(is_staff=True, is_superuser=True))

    response = client.post("/admin/notifications/notification/",
                           {"action": "resend_text", "_selected_action": [sent.pk, failed.pk]},
                           follow=True)
    html = response.content.decode()
    assert "1 text(s) queued again." in html
    assert "1 left alone: only failed or skipped texts are resent." in html
    failed.refresh_from_db()
    assert (failed.sms_state, failed.sms_attempts, failed.sms_last_error) == (State.SENT, 1, "")
    assert [text["body"][:34] for text in texts] == ["Taobao Village: new paid order #2 "]


def test_a_claim_left_by_a_dead_worker_is_taken_over_after_the_lease_and_keeps_its_slot(
    texts, settings
):
    settings.SMS_DAILY_CAP_PER_NUMBER = 2
    ruth = neighbour()
    notification, _later = order_paid(ruth, order_id=1), order_paid(ruth, order_id=2)
    settings.SMS_DAILY_CAP_PER_NUMBER = 1  # the number is now at its cap, counting the later one
    texts.clear()
    # As a worker killed after its claim and before the provider answered: a sending row.
    five_minutes_ago = timezone.now() - datetime.timedelta(minutes=5)
    Notification.objects.filter(pk=notification.pk).update(
        sms_state=State.SENDING, sms_claimed_at=five_minutes_ago,
        sms_next_attempt_at=five_minutes_ago, sms_sent_at=None, sms_ref="")
    # A live claim: a second copy of the task leaves it alone.
    assert notification_text(notification_id=notification.pk).state == "busy"
    assert sms_outbox_take_stuck() == []
    assert texts == []

    eleven_minutes_ago = timezone.now() - datetime.timedelta(minutes=11)
    Notification.objects.filter(pk=notification.pk).update(
        sms_claimed_at=eleven_minutes_ago, sms_next_attempt_at=eleven_minutes_ago)
    assert sms_outbox_take_stuck() == [notification.pk]
    # The text already holds a slot: the cap does not skip its own retry.
    assert notification_text(notification_id=notification.pk).state == State.SENT
    notification.refresh_from_db()
    assert notification.sms_attempts == 2 and len(texts) == 1


def test_five_failed_tries_give_up_with_the_last_error(texts):
    ruth = neighbour()
    notification = order_paid(ruth)
    Notification.objects.filter(pk=notification.pk).update(
        sms_state=State.PENDING, sms_attempts=5, sms_last_error="Attempt 5: Twilio answered 503")
    assert notification_text(notification_id=notification.pk).state == State.FAILED
    notification.refresh_from_db()
    assert notification.sms_last_error == (
        "Gave up after 5 attempts. Attempt 5: Twilio answered 503")
    assert len(texts) == 1  # only the first, sent when the order was paid
