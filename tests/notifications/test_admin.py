"""Staff see deliveries by state in the admin and can resend failed ones."""

import pytest

from notifications.models import Notification
from tests.factories import UserFactory
from tests.staff import staff_login

pytestmark = pytest.mark.django_db(transaction=True)
State = Notification.EmailState


def row(recipient, key, state, **fields):
    return Notification.objects.create(
        recipient=recipient, kind="payout_sent", context={"amount_cents": 5000, "currency": "USD"},
        message="We sent you a payout of $50.00.", url="/sell/", dedupe_key=key,
        email_state=state, **fields,
    )


def test_admin_lists_failed_deliveries_and_resends_them_once(client, mailoutbox):
    staff = UserFactory(is_staff=True, is_superuser=True)
    seller = UserFactory(email="seller@example.test")
    failed = row(seller, "payout:1", State.FAILED, attempts=5, last_error="SMTPDataError(451)")
    sent = row(seller, "payout:2", State.SENT, attempts=1)
    staff_login(client, staff)

    listing = client.get("/admin/notifications/notification/?email_state__exact=failed")
    html = listing.content.decode()
    assert listing.status_code == 200
    assert f'href="/admin/notifications/notification/{failed.pk}/change/?' in html
    assert f'href="/admin/notifications/notification/{sent.pk}/change/?' not in html
    assert "SMTPDataError(451)" in html  # the last error shows in the list
    detail = client.get(f"/admin/notifications/notification/{failed.pk}/change/")
    assert "SMTPDataError(451)" in detail.content.decode()

    response = client.post(
        "/admin/notifications/notification/",
        {"action": "resend_email", "_selected_action": [failed.pk, sent.pk]},
        follow=True,
    )
    html = response.content.decode()
    assert "1 e-mail(s) queued again." in html
    assert "1 left alone: only failed or skipped e-mails are resent." in html
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.email_state, failed.attempts, failed.last_error) == (State.SENT, 1, "")
    assert sent.email_state == State.SENT and sent.attempts == 1
    assert [mail.to for mail in mailoutbox] == [["seller@example.test"]]
    assert mailoutbox[0].subject == "Payout of $50.00 sent"


def test_admin_outbox_is_read_only(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    staff_login(client, staff)
    assert client.get("/admin/notifications/notification/add/").status_code == 403
