"""Refunds that recover: a refund Stripe refuses is recorded, the buyer is told it is delayed,
the settle job leaves it alone, and staff retry it (a new idempotency key per attempt).

Stripe is localstripe over HTTP behind a small local proxy that can refuse POST /v1/refunds
with a 402 (a Stripe that refuses once); everything else passes through unchanged."""

import io
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from moderation.models import AuditLog
from notifications.models import Notification
from orders.models import Order
from payments.ledger import REFUNDED, account_balance, seller_payable_account
from payments.models import Escrow, Refund
from tests.checkout_http import paid_orders
from tests.factories import ListingFactory, ShopFactory
from tests.staff import staff_api_login, staff_code, staff_login, staff_make
from tests.stripe_support import event_body, sign, stripe_proxy

pytestmark = pytest.mark.django_db
WEBHOOK = "/api/v1/payments/stripe/webhook"


@pytest.fixture
def refusing_stripe(localstripe, settings):
    """localstripe behind a proxy; `state["refuse"]` = how many refund creations to refuse."""
    state = {"refuse": 0, "refund_posts": []}
    lock = threading.Lock()

    def intercept(command, path, headers):
        if (command, path) != ("POST", "/v1/refunds"):
            return None
        with lock:
            state["refund_posts"].append(headers.get("Idempotency-Key"))
            refuse = state["refuse"] > 0
            state["refuse"] -= refuse
        if refuse:
            return 402, {"error": {"type": "invalid_request_error",
                                   "message": "The card was closed."}}
        return None

    server = stripe_proxy(localstripe, intercept)
    settings.STRIPE_API_BASE = server.base
    yield state
    server.stop()


@pytest.fixture
def listing():
    return ListingFactory(shop=ShopFactory(), price_cents=1_500, shipping_cents=500, stock=10)


def dispute_opened_long_ago(order):
    """Staff decide a dispute only after the seller answered or 48 hours passed: make it so."""


    from orders.models import OrderEvent

    OrderEvent.objects.filter(order=order, status="disputed").update(
        at=timezone.now() - timedelta(days=3))


def retry(api_client, user, refund_id):
    return staff_api_login(api_client, user).post(f"/api/v1/moderation/refunds/{refund_id}/retry")


def test_a_refused_refund_is_told_left_alone_by_the_job_and_retried_once_by_staff(
    api_client, buyer, listing, refusing_stripe
):
    (order,) = paid_orders(api_client, [listing])
    refusing_stripe["refuse"] = 1

    cancelled = api_client.post(f"/api/v1/orders/{order.pk}/cancel")
    assert cancelled.status_code == 200, cancelled.json()
    assert cancelled.json()["status"] == "cancelled"
    refund = Refund.objects.get(escrow__reference=order.reference)
    assert (refund.status, refund.attempt) == ("failed", 1)
    assert "card was closed" in refund.error
    delayed = Notification.objects.filter(kind="refund_delayed", recipient=buyer)
    assert delayed.count() == 1
    assert Escrow.objects.get(reference=order.reference).status == "held"

    # the settle job does not retry (or log) it again and again: it waits for staff
    for _ in range(2):
        call_command("run_due_jobs", "--only", "orders-money-settle", stdout=io.StringIO())
    assert refusing_stripe["refund_posts"] == [f"refund:{order.reference}:full"]

    # the staff page lists it with a Retry button
    moderator = staff_make()
    page = staff_login(Client(), moderator).get("/staff/refunds/").content.decode()
    assert f'href="/staff/refunds/{refund.pk}/retry/"' in page and "card was closed" in page

    # wrong role, unknown id
    assert retry(api_client, staff_make(permissions=()), refund.pk).status_code == 403
    missing = retry(api_client, moderator, 999_999)
    assert missing.status_code == 404, missing.content
    api_client.force_authenticate(buyer)
    assert api_client.post(f"/api/v1/moderation/refunds/{refund.pk}/retry").status_code == 403

    first = retry(api_client, moderator, refund.pk)
    second = retry(api_client, moderator, refund.pk)  # a double click
    assert first.status_code == 200, first.json()
    assert (first.json()["status"], first.json()["attempt"]) == ("succeeded", 2)
    assert second.status_code == 200 and second.json() == first.json()
    assert refusing_stripe["refund_posts"] == [
        f"refund:{order.reference}:full", f"refund:{order.reference}:full:attempt-2"]
    assert account_balance(account=REFUNDED, currency="USD") == 2_000
    assert Escrow.objects.get(reference=order.reference).status == "refunded"
    assert Order.objects.get(pk=order.pk).status == "cancelled"
    assert Notification.objects.filter(kind="order_refunded", recipient=buyer).count() == 1
    assert AuditLog.objects.filter(action="refund_retried", object_id=str(refund.pk)).count() == 1
    assert "No failed refunds" in staff_login(Client(), moderator).get(
        "/staff/refunds/").content.decode()


def test_the_staff_page_retry_button_needs_the_moderation_permission(
    api_client, buyer, listing, refusing_stripe
):
    (order,) = paid_orders(api_client, [listing])
    refusing_stripe["refuse"] = 1
    api_client.post(f"/api/v1/orders/{order.pk}/cancel")
    refund = Refund.objects.get(escrow__reference=order.reference)

    outsider = staff_login(Client(), staff_make(permissions=()))
    assert outsider.get("/staff/refunds/").status_code == 403
    assert outsider.post(f"/staff/refunds/{refund.pk}/retry/").status_code == 403
    assert Refund.objects.get(pk=refund.pk).status == "failed"

    page = staff_login(Client(), staff_make())
    confirm = page.get(f"/staff/refunds/{refund.pk}/retry/")
    assert confirm.status_code == 200
    assert "Yes, refund $20.00 to the buyer" in confirm.content.decode()
    assert Refund.objects.get(pk=refund.pk).status == "failed"  # looking sends nothing
    assert outsider.get(f"/staff/refunds/{refund.pk}/retry/").status_code == 403
    assert page.get("/staff/refunds/999999/retry/").status_code == 404
    done = page.post(f"/staff/refunds/{refund.pk}/retry/", follow=True)
    assert "it went through" in done.content.decode()
    assert Refund.objects.get(pk=refund.pk).status == "succeeded"


def test_a_refund_stripe_reports_failed_later_is_reopened_and_retried(
    api_client, buyer, listing, refusing_stripe, settings
):
    (order,) = paid_orders(api_client, [listing])
    assert api_client.post(f"/api/v1/orders/{order.pk}/cancel").status_code == 200
    refund = Refund.objects.get(escrow__reference=order.reference)
    assert refund.status == "succeeded"

    body = event_body("refund.updated", {
        "id": refund.stripe_id, "object": "refund", "status": "failed",
        "failure_reason": "expired_or_canceled_card", "amount": 2_000,
        "metadata": {"refund_key": refund.idempotency_key}})
    for _ in range(2):
        response = Client().post(WEBHOOK, data=body, content_type="application/json",
                                 HTTP_STRIPE_SIGNATURE=sign(body, settings.STRIPE_WEBHOOK_SECRET))
        assert response.status_code == 200

    refund.refresh_from_db()
    assert refund.status == "failed" and "expired_or_canceled_card" in refund.error
    assert account_balance(account=REFUNDED, currency="USD") == 0
    assert account_balance(account=f"escrow:{order.reference}", currency="USD") == 2_000
    assert Escrow.objects.get(reference=order.reference).status == "held"
    assert Notification.objects.filter(kind="refund_delayed", recipient=buyer).count() == 1

    assert retry(api_client, staff_make(), refund.pk).json()["status"] == "succeeded"
    assert account_balance(account=REFUNDED, currency="USD") == 2_000
    assert Escrow.objects.get(reference=order.reference).status == "refunded"


def test_a_partial_dispute_outcome_whose_refund_failed_releases_the_share_after_the_retry(
    api_client, buyer, listing, refusing_stripe
):
    (order,) = paid_orders(api_client, [listing])
    seller = order.shop.owner
    api_client.force_authenticate(seller)
    api_client.post(f"/api/v1/orders/{order.pk}/ship",
                    {"carrier": "USPS", "tracking_number": "9400 1"}, format="json")
    api_client.force_authenticate(buyer)
    assert api_client.post(f"/api/v1/orders/{order.pk}/dispute",
                           {"reason": "damaged", "details": "Broken jar"},
                           format="json").status_code == 200
    dispute_opened_long_ago(order)
    refusing_stripe["refuse"] = 1
    moderator = staff_make()
    staff_api_login(api_client, moderator).post(
        f"/api/v1/moderation/disputes/{order.pk}/resolve",
        {"outcome": "partial_refund", "refund_cents": 500, "note": "Half the jar"},
        format="json", HTTP_IDEMPOTENCY_KEY="resolve-1")
    refund = Refund.objects.get(escrow__reference=order.reference)
    assert refund.status == "failed"
    payable = seller_payable_account(order.shop_id)

    call_command("run_due_jobs", "--only", "orders-money-settle", stdout=io.StringIO())
    assert account_balance(account=payable, currency="USD") == 0  # not before the refund

    assert retry(api_client, moderator, refund.pk).json()["status"] == "succeeded"
    call_command("run_due_jobs", "--only", "orders-money-settle", stdout=io.StringIO())
    assert account_balance(account=REFUNDED, currency="USD") == 500
    assert account_balance(account=payable, currency="USD") == 1_425  # 1 500 less 5 % fee
    assert Escrow.objects.get(reference=order.reference).status == "partially_refunded"
    assert len(refusing_stripe["refund_posts"]) == 2
    assert Notification.objects.filter(kind="order_refunded", recipient=buyer).count() == 1
    assert not Notification.objects.filter(kind="refund_after_release").exists()


@pytest.mark.django_db(transaction=True)
def test_two_staff_retrying_at_once_refund_once(api_client, buyer, listing, refusing_stripe):
    from django.db import connection
    from rest_framework.test import APIClient

    (order,) = paid_orders(api_client, [listing])
    refusing_stripe["refuse"] = 1
    api_client.post(f"/api/v1/orders/{order.pk}/cancel")
    refund = Refund.objects.get(escrow__reference=order.reference)
    people = [staff_make(), staff_make()]
    barrier = threading.Barrier(2)
    codes = []

    def press(person):
        try:
            client = staff_api_login(APIClient(), person)
            barrier.wait()
            codes.append(client.post(f"/api/v1/moderation/refunds/{refund.pk}/retry")
                         .status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert 200 in codes and set(codes) <= {200, 409}
    assert len(refusing_stripe["refund_posts"]) == 2  # the refused one and one retry
    assert account_balance(account=REFUNDED, currency="USD") == 2_000
    assert Refund.objects.get(pk=refund.pk).status == "succeeded"
    assert AuditLog.objects.filter(action="refund_retried").count() == 1


def test_a_partial_outcome_refund_reported_failed_after_release_is_reopened_then_retried(
    api_client, buyer, listing, refusing_stripe, settings
):
    (order,) = paid_orders(api_client, [listing])
    api_client.force_authenticate(buyer)
    api_client.post(f"/api/v1/orders/{order.pk}/dispute",
                    {"reason": "damaged", "details": "Broken jar"}, format="json")
    dispute_opened_long_ago(order)
    moderator = staff_make()
    staff_api_login(api_client, moderator).post(
        f"/api/v1/moderation/disputes/{order.pk}/resolve",
        {"outcome": "partial_refund", "refund_cents": 500, "note": "Half"},
        format="json", HTTP_IDEMPOTENCY_KEY="resolve-2")
    refund = Refund.objects.get(escrow__reference=order.reference)
    assert refund.status == "succeeded"
    payable = seller_payable_account(order.shop_id)
    assert account_balance(account=payable, currency="USD") == 1_425

    body = event_body("charge.refund.updated", {
        "id": refund.stripe_id, "object": "refund", "status": "failed",
        "metadata": {"refund_key": refund.idempotency_key}})
    assert Client().post(WEBHOOK, data=body, content_type="application/json",
                         HTTP_STRIPE_SIGNATURE=sign(body, settings.STRIPE_WEBHOOK_SECRET)
                         ).status_code == 200
    escrow = Escrow.objects.get(reference=order.reference)
    assert escrow.status == "held"
    assert account_balance(account=f"escrow:{order.reference}", currency="USD") == 500
    assert account_balance(account=payable, currency="USD") == 1_425  # the seller keeps theirs
    assert Notification.objects.filter(kind="refund_delayed", recipient=buyer).count() == 1

    assert retry(api_client, moderator, refund.pk).json()["status"] == "succeeded"
    assert Escrow.objects.get(reference=order.reference).status == "partially_refunded"
    assert account_balance(account=REFUNDED, currency="USD") == 500
    call_command("run_due_jobs", "--only", "orders-money-settle", stdout=io.StringIO())
    assert account_balance(account=payable, currency="USD") == 1_425


def test_a_refund_retry_asks_for_a_fresh_code_after_15_minutes(
    api_client, buyer, listing, refusing_stripe, clock
):
    (order,) = paid_orders(api_client, [listing])
    refusing_stripe["refuse"] = 1
    api_client.post(f"/api/v1/orders/{order.pk}/cancel")
    refund = Refund.objects.get(escrow__reference=order.reference)
    moderator = staff_make()
    page = staff_login(Client(), moderator)
    api = staff_api_login(APIClient(), moderator)
    clock.move(minutes=16)

    asked = page.get(f"/staff/refunds/{refund.pk}/retry/")
    assert asked.status_code == 302
    assert asked["Location"].startswith("/accounts/second-factor/verify/")
    refused = api.post(f"/api/v1/moderation/refunds/{refund.pk}/retry")
    assert refused.status_code == 403
    assert "POST /api/v1/auth/staff-code" in refused.json()["detail"]
    assert Refund.objects.get(pk=refund.pk).status == "failed"
    assert refusing_stripe["refund_posts"] == [f"refund:{order.reference}:full"]

    fresh = api.post("/api/v1/auth/staff-code", {"code": staff_code(moderator)}, format="json")
    assert fresh.status_code == 200, fresh.content
    sent = api.post(f"/api/v1/moderation/refunds/{refund.pk}/retry")
    assert sent.status_code == 200, sent.content
    assert sent.json()["status"] == "succeeded"
