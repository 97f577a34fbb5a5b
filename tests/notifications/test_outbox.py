"""notify(): an outbox row inside the caller's transaction, delivered once after commit."""

import threading

import pytest
from django.db import connection, transaction

from notifications.errors import BadNotificationContext, UnknownNotificationKind
from notifications.kinds import KINDS
from notifications.models import Notification
from notifications.services import notify, notify_staff
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

SHIPPED = {"order_id": 42, "shop_name": "Hilltop Farm", "carrier": "USPS",
           "tracking_number": "9400 1000 0000"}


class ActionFailed(Exception):
    pass


def test_notify_in_a_committed_action_sends_one_email_with_the_link(mailoutbox):
    buyer = UserFactory(email="bea@example.test", display_name="Bea")
    with transaction.atomic():
        notification = notify(recipient=buyer, kind="order_shipped", context=SHIPPED,
                              dedupe_key="order_shipped:order:42", url="/orders/42/")
        assert mailoutbox == []  # nothing leaves before the action commits

    notification.refresh_from_db()
    assert notification.email_state == Notification.EmailState.SENT
    assert notification.attempts == 1
    assert notification.emailed_at is not None
    assert notification.message == (
        "Hilltop Farm shipped order #42 with USPS, tracking number 9400 1000 0000."
    )
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["bea@example.test"]
    assert mail.subject == "Order #42 is on its way"
    assert "Hello Bea," in mail.body
    assert "Tracking number: 9400 1000 0000" in mail.body
    assert "See it here: http://127.0.0.1:8000/orders/42/" in mail.body
    html = mail.alternatives[0][0]
    assert mail.alternatives[0][1] == "text/html"
    assert '<a href="http://127.0.0.1:8000/orders/42/"' in html
    assert mail.extra_headers["Message-ID"] == f"<notification-{notification.pk}@localhost>"


def test_notify_in_a_rolled_back_action_writes_and_sends_nothing(mailoutbox):
    buyer = UserFactory()
    with pytest.raises(ActionFailed), transaction.atomic():
        notify(recipient=buyer, kind="order_shipped", context=SHIPPED,
               dedupe_key="order_shipped:order:42", url="/orders/42/")
        raise ActionFailed()
    assert Notification.objects.count() == 0
    assert mailoutbox == []


def test_a_repeated_notify_is_one_row_and_one_mail_even_inside_the_same_transaction(mailoutbox):
    buyer = UserFactory()
    with transaction.atomic():
        first = notify(recipient=buyer, kind="order_shipped", context=SHIPPED,
                       dedupe_key="order_shipped:order:42", url="/orders/42/")
        again = notify(recipient=buyer, kind="order_shipped", context=SHIPPED,
                       dedupe_key="order_shipped:order:42", url="/orders/42/")
        # The duplicate did not break the caller's transaction: it can still write.
        UserFactory(email="after-duplicate@example.test")
    later = notify(recipient=buyer, kind="order_shipped", context=SHIPPED,
                   dedupe_key="order_shipped:order:42", url="/orders/42/")
    assert first.pk == again.pk == later.pk
    assert Notification.objects.count() == 1
    assert len(mailoutbox) == 1


def test_the_same_event_reaches_each_recipient_once(mailoutbox):
    buyer, seller = UserFactory(), UserFactory()
    context = {"order_id": 7}
    for _ in range(2):
        notify(recipient=buyer, kind="order_cancelled", context=context,
               dedupe_key="order_cancelled:order:7", url="/orders/7/")
        notify(recipient=seller, kind="order_cancelled", context=context,
               dedupe_key="order_cancelled:order:7", url="/sell/orders/7/")
    assert sorted(Notification.objects.values_list("recipient_id", flat=True)) == sorted(
        [buyer.pk, seller.pk]
    )
    assert sorted(mail.to[0] for mail in mailoutbox) == sorted([buyer.email, seller.email])


def test_two_concurrent_notifies_of_one_event_make_one_row_and_one_mail(mailoutbox):
    buyer = UserFactory()
    barrier = threading.Barrier(2)
    errors = []

    def act():
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                notify(recipient=buyer, kind="order_completed",
                       context={"order_id": 9, "shop_name": "Hilltop"},
                       dedupe_key="order_completed:order:9", url="/orders/9/")
        except Exception as exc:  # noqa: BLE001 - reported to the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=act) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert Notification.objects.filter(dedupe_key="order_completed:order:9").count() == 1
    assert len(mailoutbox) == 1


def test_notify_refuses_an_unknown_kind_missing_context_and_a_foreign_url(mailoutbox):
    buyer = UserFactory()
    with pytest.raises(UnknownNotificationKind, match="Unknown notification kind 'order_lost'"):
        notify(recipient=buyer, kind="order_lost", context={}, dedupe_key="x")
    with pytest.raises(BadNotificationContext, match="needs context keys: shop_name, carrier"):
        notify(recipient=buyer, kind="order_shipped",
               context={"order_id": 1, "tracking_number": "1"}, dedupe_key="x")
    for url in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        with pytest.raises(BadNotificationContext, match="site path"):
            notify(recipient=buyer, kind="order_shipped", context=SHIPPED, dedupe_key="x",
                   url=url)
    with pytest.raises(BadNotificationContext, match="plain data"):
        notify(recipient=buyer, kind="order_shipped", context={**SHIPPED, "obj": object()},
               dedupe_key="x")
    assert Notification.objects.count() == 0
    assert mailoutbox == []


def test_notify_staff_reaches_every_active_staff_member_once(mailoutbox):
    staff = [UserFactory(is_staff=True), UserFactory(is_staff=True)]
    UserFactory(is_staff=True, is_active=False)
    UserFactory()
    for _ in range(2):
        notify_staff(kind="staff_new_report",
                     context={"listing_id": 5, "listing_title": "Honey", "reason": "fraud"},
                     dedupe_key="staff_new_report:report:1", url="/staff/")
    assert sorted(Notification.objects.values_list("recipient_id", flat=True)) == sorted(
        person.pk for person in staff
    )
    assert len(mailoutbox) == 2
    assert mailoutbox[0].subject == "New report on “Honey”"


def test_xss_in_a_listing_title_is_escaped_in_the_html_mail_and_plain_in_the_text(mailoutbox):
    seller = UserFactory()
    title = '<script>alert("x")</script> & <b>Honey</b>'
    notify(recipient=seller, kind="listing_rejected",
           context={"listing_id": 3, "listing_title": title, "reason": "<img src=x onerror=1>"},
           dedupe_key="listing_rejected:listing:3", url="/sell/listings/3/")
    mail = mailoutbox[0]
    html = mail.alternatives[0][0]
    assert "<script>" not in html and "<img" not in html and "<b>Honey" not in html
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;Honey&lt;/b&gt;" in html
    )
    assert "&lt;img src=x onerror=1&gt;" in html
    assert title in mail.body  # the text part is plain text: shown literally, not escaped
    assert mail.subject == f"Your listing “{title}” was not approved"


SAMPLE_CONTEXT = {
    "order_id": 42, "shop_name": "Hilltop Farm", "total_cents": 123456, "currency": "USD",
    "amount_cents": 2599, "owed_cents": 1900, "reason": "Card declined", "carrier": "UPS",
    "tracking_number": "1Z999", "auto_confirm_at": "2026-03-02T15:30:00+00:00",
    "outcome": "refund", "refund_cents": 500, "note": "Sorry!", "ship_by": "2026-03-05",
    "provider_ref": "po_123", "listing_id": 8, "listing_title": "Quilt", "rating": 5,
    "text": "Lovely", "summary": "Ledger and Stripe differ by $1.00", "reference": "run-9",
    "order_ids": "#41, #42",
    "browser": "Firefox on Windows", "signed_in_at": "2026-03-02T15:30:00+00:00",
    "reset_by": "Morgan Moderator", "status_label": "Stripe needs more information",
    "needed": "a photo ID", "pickup": True,
    "balance_cents": 7350, "due_at": "2026-03-07T15:30:00+00:00",
    "notice_id": 12, "owner_name": "Acme Quilts Inc.", "right_name": "Acme",
    "action_due_at": "2026-03-16T15:30:00+00:00", "why": "the seller answered in time",
    "moved_from": "2026-03-05", "cancel_until": "2026-03-09T15:30:00+00:00", "days": 3,
    "order_count": 4, "units": 6, "hub_name": "Kalona Hub", "agent_name": "Avery Agent",
    "applicant_name": "Avery Agent",
    "ended": "the owner ended the agent's help", "link_site": "https://taobaovillage.us",
    "link_path": "/hub/takeover/1a.t4k9z1.AbCdEfGhIjKl/",
    "hub_address": "4 Main St, Kalona, IA 52247", "hub_hours": "Mon–Fri 9 am–5 pm",
    "pickup_code": "545737", "code": "042917",
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_renders_a_subject_message_text_and_html_mail(kind, mailoutbox):
    person = UserFactory(display_name="Pat")
    spec = KINDS[kind]
    context = {key: SAMPLE_CONTEXT[key] for key in spec.required + spec.optional}
    notification = notify(recipient=person, kind=kind, context=context,
                          dedupe_key=f"{kind}:sample", url="/orders/42/")
    notification.refresh_from_db()
    assert notification.email_state == Notification.EmailState.SENT
    assert notification.message and "{{" not in notification.message
    (mail,) = mailoutbox
    assert mail.subject and "\n" not in mail.subject
    assert "Hello Pat," in mail.body and "http://127.0.0.1:8000/orders/42/" in mail.body
    html = mail.alternatives[0][0]
    assert html.startswith("<!doctype html>") and 'href="http://127.0.0.1:8000/orders/42/"' in html
    if "total_cents" in context:
        assert "$1,234.56" in mail.body
    if "amount_cents" in context:
        assert "$25.99" in notification.message
    if spec.is_essential:
        assert "about your money or your orders" in mail.body
    else:
        assert "http://127.0.0.1:8000/notifications/preferences/" in mail.body


def test_dates_render_readably_in_reminders(mailoutbox):
    buyer = UserFactory()
    notification = notify(recipient=buyer, kind="auto_confirm_soon",
                          context={"order_id": 1, "shop_name": "Hilltop",
                                   "auto_confirm_at": "2026-03-02T15:30:00Z"},
                          dedupe_key="auto_confirm_soon:order:1", url="/orders/1/")
    # Shown in the recipient's zone: US Central by default.
    assert "on Mon, Mar 2, 2026, 9:30 AM CST and the payment released" in notification.message


def test_notify_staff_with_a_permission_reaches_only_those_who_hold_it(mailoutbox):
    from django.contrib.auth.models import Group, Permission

    from tests.staff import staff_make

    holder = staff_make(permissions=("payments.manage_payouts",))
    by_group = UserFactory(is_staff=True)
    group = Group.objects.create(name="Finance")
    group.permissions.add(Permission.objects.get(codename="manage_payouts"))
    by_group.groups.add(group)
    root = UserFactory(is_staff=True, is_superuser=True)
    staff_make()  # a moderator
    UserFactory(is_staff=True)
    UserFactory(is_staff=False, is_superuser=False)
    notify_staff(kind="staff_reconciliation_mismatch", permission="payments.manage_payouts",
                 context={"summary": "Refund mismatch", "reference": "pi_1"},
                 dedupe_key="reconciliation:1", url="/admin/payments/reconciliationissue/")
    assert sorted(Notification.objects.values_list("recipient_id", flat=True)) == sorted(
        [holder.pk, by_group.pk, root.pk])
