"""The outbox sweep (issue 12.1): one row whose delivery raises does not stop the others."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from jobs.models import JobFailure
from notifications import delivery
from notifications.models import Notification
from tests.factories import UserFactory

State = Notification.EmailState


@pytest.mark.django_db(transaction=True)
def test_one_stuck_row_that_raises_is_kept_and_the_others_are_sent(capsys, mailoutbox,
                                                                    monkeypatch):
    old = timezone.now() - datetime.timedelta(minutes=11)
    buyer = UserFactory()
    ids = []
    for key in ("first", "broken", "last"):
        row = Notification.objects.create(
            recipient=buyer, kind="order_completed", message="m", url="/orders/5/",
            context={"order_id": 5, "shop_name": "Hilltop"}, dedupe_key=key,
        )
        Notification.objects.filter(pk=row.pk).update(next_attempt_at=old)
        ids.append(row.pk)
    broken = ids[1]
    real = delivery.notification_deliver

    def deliver(*, notification_id):  # a row whose e-mail cannot even be built
        if notification_id == broken:
            raise RuntimeError("this row's context is unusable")
        return real(notification_id=notification_id)

    monkeypatch.setattr(delivery, "notification_deliver", deliver)
    call_command("run_due_jobs", "--only", "notifications-sweep-stuck")

    assert "notifications-sweep-stuck: 2 (1 item(s) failed" in capsys.readouterr().out
    assert dict(Notification.objects.values_list("dedupe_key", "email_state")) == {
        "first": State.SENT, "broken": State.PENDING, "last": State.SENT,
    }
    assert len(mailoutbox) == 2
    assert list(JobFailure.objects.filter(resolved_at__isnull=True).values_list(
        "job", "item", "times")) == [("notifications-sweep-stuck", f"notification:{broken}", 1)]
