"""A past laid down after the fact (the demo history) is closed: read, never e-mailed."""

import datetime

import pytest
from django.utils import timezone

from marketplace.demo_history import demo_clock
from notifications.models import Notification
from notifications.services import notifications_settle_before, notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _notify(user, key):
    return notify(recipient=user, kind="order_shipped", dedupe_key=key, url="/orders/1/",
                  context={"order_id": 1, "shop_name": "Hilltop", "carrier": "USPS",
                           "tracking_number": "9400"})


def test_notifications_before_the_moment_are_read_and_not_emailed():
    person = UserFactory()
    with demo_clock(timezone.now() - datetime.timedelta(days=30)):
        old = _notify(person, "old")
    new = _notify(person, "new")
    assert notifications_settle_before(moment=timezone.now() - datetime.timedelta(days=1)) == 1
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.email_state == Notification.EmailState.SKIPPED and old.read_at == old.created
    assert (new.email_state, new.read_at) == (Notification.EmailState.PENDING, None)
