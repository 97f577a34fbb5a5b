"""Races that two clicks, two buyers or a person and a job can cause, on real Postgres."""


import pytest
import requests
from django.conf import settings
from rest_framework.test import APIClient

from moderation.services.disputes import dispute_resolve
from notifications.models import Notification
from orders.errors import OrderError
from orders.models import Checkout, Order, OrderEvent
from orders.services.deadlines import orders_complete_unconfirmed
from payments.models import JournalEntry, PaymentIntent
from sellers.models import Listing
from tests import builders
from tests.checkout_http import ADDRESS
from tests.factories import ListingFactory, UserFactory
from tests.stripe_support import event_body, sign
from tests.support import client_for, run_together

pytestmark = pytest.mark.django_db(transaction=True)


def test_fifty_buyers_race_for_the_last_jar(localstripe):
    listing = ListingFactory(stock=1, title="Last jar of comb honey")
    buyers = UserFactory.create_batch(50)
    for buyer in buyers:
        client_for(buyer).post("/api/v1/cart/items/", {"listing": listing.pk}, format="json")

    def buy(index):
        response = client_for(buyers[index]).post(
            "/api/v1/checkout", {"fulfillment": "ship", "shipping_address": ADDRESS},
            format="json", HTTP_IDEMPOTENCY_KEY=f"race-{index}",
        )
        return response.status_code, response.json()

    results = run_together(50, buy)
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * 49, results[:3]
    losers = [body["detail"] for status, body in results if status == 409]
    assert all("Last jar of comb honey" in detail for detail in losers)
    assert Listing.objects.get(pk=listing.pk).stock == 0
    assert Order.objects.count() == 1
    assert Checkout.objects.count() == 1
    assert PaymentIntent.objects.count() == 1


def test_two_carts_locking_two_listings_in_opposite_order_do_not_deadlock(localstripe):
    first, second = ListingFactory(stock=10), ListingFactory(stock=10)
    one, two = UserFactory(), UserFactory()
    client_for(one).post("/api/v1/cart/items/", {"listing": first.pk}, format="json")
    client_for(one).post("/api/v1/cart/items/", {"listing": second.pk}, format="json")
    client_for(two).post("/api/v1/cart/items/", {"listing": second.pk}, format="json")
    client_for(two).post("/api/v1/cart/items/", {"listing": first.pk}, format="json")
    users = [one, two] * 3

    def buy(index):
        return client_for(users[index]).post(
            "/api/v1/checkout", {"fulfillment": "ship", "shipping_address": ADDRESS},
            format="json", HTTP_IDEMPOTENCY_KEY=f"opposite-{index}",
        ).status_code

    statuses = run_together(2, buy)
    assert statuses == [201, 201]
    assert Listing.objects.get(pk=first.pk).stock == 8
    assert Listing.objects.get(pk=second.pk).stock == 8


def test_a_double_click_makes_one_checkout_and_one_payment_intent(localstripe):
    listing = ListingFactory(stock=5)
    buyer = UserFactory()
    client_for(buyer).post("/api/v1/cart/items/", {"listing": listing.pk, "quantity": 2},
                           format="json")

    def click(index):
        response = client_for(buyer).post(
            "/api/v1/checkout", {"fulfillment": "ship", "shipping_address": ADDRESS},
            format="json", HTTP_IDEMPOTENCY_KEY="one-click",
        )
        return response.status_code, response.json()["id"]

    results = run_together(5, click)
    assert {status for status, _ in results} == {201}
    assert len({checkout_id for _, checkout_id in results}) == 1
    assert Checkout.objects.count() == 1
    assert PaymentIntent.objects.count() == 1
    assert Listing.objects.get(pk=listing.pk).stock == 3
    changed = client_for(buyer).post(
        "/api/v1/checkout", {"fulfillment": "pickup"}, format="json",
        HTTP_IDEMPOTENCY_KEY="one-click",
    )
    assert changed.status_code == 409


def test_webhook_and_sync_racing_apply_the_payment_once(localstripe, client):
    listing = ListingFactory(stock=5)
    buyer = UserFactory()
    api = client_for(buyer)
    api.post("/api/v1/cart/items/", {"listing": listing.pk}, format="json")
    created = api.post("/api/v1/checkout", {"fulfillment": "ship", "shipping_address": ADDRESS},
                       format="json", HTTP_IDEMPOTENCY_KEY="hook-race").json()
    pi = created["payment"]["payment_intent_id"]
    auth = (settings.STRIPE_SECRET_KEY, "")
    base = settings.STRIPE_API_BASE
    requests.post(f"{base}/v1/payment_intents/{pi}", data={"payment_method": "pm_card_visa"},
                  auth=auth, timeout=10).raise_for_status()
    requests.post(f"{base}/v1/payment_intents/{pi}/confirm", auth=auth,
                  timeout=10).raise_for_status()
    intent = requests.get(f"{base}/v1/payment_intents/{pi}", auth=auth, timeout=10).json()

    def deliver(index):
        if index % 2:
            return client_for(buyer).post(f"/api/v1/checkout/{created['id']}/sync").status_code
        body = event_body("payment_intent.succeeded", intent, event_id=f"evt_race_{index}")
        return APIClient().post(
            "/api/v1/payments/stripe/webhook", data=body, content_type="application/json",
            HTTP_STRIPE_SIGNATURE=sign(body, settings.STRIPE_WEBHOOK_SECRET),
        ).status_code

    assert run_together(6, deliver) == [200] * 6
    order = Order.objects.get(pk=created["orders"][0])
    assert order.status == "paid"
    assert OrderEvent.objects.filter(order=order, status="paid").count() == 1
    assert JournalEntry.objects.filter(kind="hold", reference=order.reference).count() == 1
    assert Notification.objects.filter(kind="order_placed", recipient=buyer).count() == 1
    assert Notification.objects.filter(kind="seller_order_paid").count() == 1
    assert created["amount_cents"] == order.total_cents


def test_confirm_receipt_racing_auto_confirm_and_staff_release_releases_once():
    buyer, staff = UserFactory(), UserFactory(is_staff=True)
    order = builders.shipped_order(buyer=buyer)
    # The confirmation window is over: the buyer, the deadline job and a staff member all try
    # to finish the order at once (staff may only release a disputed order, so it is refused).
    Order.objects.filter(pk=order.pk).update(auto_confirm_at="2000-01-01T00:00:00Z")

    def act(index):
        try:
            if index == 0:
                return client_for(buyer).post(
                    f"/api/v1/orders/{order.pk}/confirm-receipt").status_code
            if index == 1:
                return f"job:{orders_complete_unconfirmed()}"
            dispute_resolve(order_id=order.pk, actor=staff, outcome="release",
                            override_reason="The confirmation window is over.")
            return "staff:ok"
        except OrderError as exc:  # staff may only release a disputed order
            return f"refused:{exc.http_status}"

    results = run_together(3, act)
    assert Order.objects.get(pk=order.pk).status == "completed"
    assert JournalEntry.objects.filter(kind="release", reference=order.reference).count() == 1
    winners = [r for r in results if r in (200, "job:1", "staff:ok")]
    assert len(winners) == 1, results
    assert results[2] == "refused:409", results
    assert set(results[:2]) - set(winners) <= {409, "job:0"}, results
