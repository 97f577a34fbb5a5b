"""Dispute decisions are written before money moves, and wait for the seller's answer."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from moderation.models import AuditLog, DisputeDecision
from notifications.models import Notification
from orders.models import Order
from payments.models import JournalEntry
from payments.selectors import escrow_summary
from tests.checkout_http import paid_orders
from tests.factories import ListingFactory, ShopFactory, UserFactory
from tests.processes import free_port
from tests.support import dispute_opened_hours_ago

pytestmark = pytest.mark.django_db


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def opened(localstripe):
    """A disputed order (3050 cents held) whose dispute opened a moment ago."""
    shop = ShopFactory(name="Driftless Bee Farm")
    honey = ListingFactory(shop=shop, title="Raw Wildflower Honey", price_cents=1200,
                           shipping_cents=650, stock=5)
    buyer_api = _client(UserFactory(display_name="Dana Buyer"))
    (order,) = paid_orders(buyer_api, [honey], [2])
    response = buyer_api.post(f"/api/v1/orders/{order.pk}/dispute",
                              {"reason": "damaged", "details": "Jar arrived cracked."},
                              format="json")
    assert response.status_code == 200
    Notification.objects.all().delete()
    return order, buyer_api, _client(shop.owner)


def _resolve(client, order, body, key=None):
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(f"/api/v1/moderation/disputes/{order.pk}/resolve", body,
                       format="json", **extra)


def _kinds(order):
    return sorted(JournalEntry.objects.filter(reference=order.reference)
                  .values_list("kind", flat=True))


def test_decided_while_stripe_is_down_is_written_and_settled_later(
    opened, mod_client, settings, localstripe
):
    order, _, _ = opened
    dispute_opened_hours_ago(order, 49)
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    body = {"outcome": "refund", "note": "Broken in transit."}

    first = _resolve(mod_client, order, body, key="decide-down-1")

    assert first.status_code == 200, first.json()
    assert first.json()["status"] == "refunded"
    assert first.json()["escrow"]["refunded_cents"] == 0  # the money has not moved yet
    assert Order.objects.get(pk=order.pk).status == "refunded"
    decision = DisputeDecision.objects.get()
    assert (decision.order_id, decision.outcome, decision.idempotency_key) == (
        order.pk, "refund", "decide-down-1")
    assert list(AuditLog.objects.values_list("action", "status_before", "status_after")) == [
        ("dispute_resolved", "disputed", "refunded")]
    assert Notification.objects.filter(kind="dispute_resolved").count() == 2
    assert _kinds(order) == ["hold"]

    retry = _resolve(mod_client, order, body, key="decide-down-1")
    assert retry.status_code == 200
    assert retry.json() == first.json()
    assert DisputeDecision.objects.count() == 1 and AuditLog.objects.count() == 1

    settings.STRIPE_API_BASE = localstripe  # Stripe is back; the settle job finishes it
    call_command("run_due_jobs", only=["orders-money-settle"])
    summary = escrow_summary(reference=order.reference)
    assert (summary.status, summary.refunded_cents, summary.remaining_cents) == (
        "refunded", 3050, 0)
    assert _kinds(order) == ["hold", "refund"]
    again = _resolve(mod_client, order, body, key="decide-down-1")
    assert again.status_code == 200 and again.json()["escrow"]["refunded_cents"] == 3050
    assert DisputeDecision.objects.count() == 1 and AuditLog.objects.count() == 1


def test_partial_refund_while_stripe_hangs_settles_both_shares_later(
    opened, mod_client, settings, localstripe, hanging_port  # noqa: F811
):
    order, _, _ = opened
    dispute_opened_hours_ago(order, 49)
    port, _ = hanging_port
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{port}"
    settings.STRIPE_TIMEOUT_SECONDS = 1
    response = _resolve(mod_client, order, {"outcome": "partial_refund", "refund_cents": 1000},
                        key="partial-1")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "completed"
    assert DisputeDecision.objects.get().refund_cents == 1000
    assert AuditLog.objects.get().reason.startswith(
        "partly refunded to the buyer, the rest released to the seller; refunded 1000 cents")
    assert _kinds(order) == ["hold"]

    settings.STRIPE_API_BASE = localstripe
    call_command("run_due_jobs", only=["orders-money-settle"])
    summary = escrow_summary(reference=order.reference)
    assert (summary.refunded_cents, summary.released_cents, summary.remaining_cents) == (
        1000, 2050, 0)


def test_an_early_decision_needs_a_reason_until_the_seller_answers(opened, mod_client):
    order, _, seller_api = opened
    early = _resolve(mod_client, order, {"outcome": "release"})
    assert early.status_code == 409
    assert "48 hours" in early.json()["detail"] and "override_reason" in early.json()["detail"]
    assert Order.objects.get(pk=order.pk).status == "disputed"
    assert not DisputeDecision.objects.exists() and not AuditLog.objects.exists()
    assert _kinds(order) == ["hold"]

    blank = _resolve(mod_client, order, {"outcome": "release", "override_reason": "   "})
    assert blank.status_code == 409

    reasoned = _resolve(mod_client, order, {
        "outcome": "refund", "override_reason": "The seller closed the shop and left."})
    assert reasoned.status_code == 200, reasoned.json()
    assert AuditLog.objects.get().reason == (
        "refunded in full to the buyer; refunded 3050 cents USD. Decided before the seller's "
        "answer: The seller closed the shop and left.")


def test_after_the_seller_answers_staff_may_decide_at_once(opened, mod_client):
    order, _, seller_api = opened
    answer = seller_api.post(f"/api/v1/disputes/{order.pk}/statements",
                             {"text": "It left here well packed."})
    assert answer.status_code == 201
    response = _resolve(mod_client, order, {"outcome": "release"})
    assert response.status_code == 200, response.json()
    assert "Decided before" not in AuditLog.objects.get().reason


def test_forty_seven_hours_is_still_too_early(opened, mod_client):
    order, _, _ = opened
    dispute_opened_hours_ago(order, 47)
    assert _resolve(mod_client, order, {"outcome": "release"}).status_code == 409
    dispute_opened_hours_ago(order, 2)
    assert _resolve(mod_client, order, {"outcome": "release"}).status_code == 200


def test_a_non_moderator_and_a_buyer_cannot_decide(opened, api_client):
    order, buyer_api, _ = opened
    dispute_opened_hours_ago(order, 49)
    assert _resolve(buyer_api, order, {"outcome": "refund"}).status_code == 403
    from tests.staff import staff_api_login, staff_make

    plain_staff = staff_api_login(api_client, staff_make(permissions=()))
    assert _resolve(plain_staff, order, {"outcome": "refund"}).status_code == 403
    assert Order.objects.get(pk=order.pk).status == "disputed"
    assert not DisputeDecision.objects.exists()


def test_unknown_order_is_404(mod_client):
    response = mod_client.post("/api/v1/moderation/disputes/999999/resolve",
                               {"outcome": "refund", "override_reason": "x"}, format="json")
    assert response.status_code == 404
