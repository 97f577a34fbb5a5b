import pytest
import requests
from django.conf import settings

from orders.models import Checkout, Order, OrderEvent
from payments.models import JournalLine
from payments.selectors import shop_balance
from sellers.models import Listing
from tests.checkout_http import add, checkout, pay

pytestmark = pytest.mark.django_db


def test_the_whole_journey_through_the_api(api_client, buyer, two_shops, localstripe):
    honey, quilt = two_shops
    add(api_client, honey, 2)
    add(api_client, quilt, 1)
    created = checkout(api_client)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["amount_cents"] == 2 * 1200 + 650 + 48000 + 2500
    assert body["payment"]["provider"] == "stripe"
    assert body["payment"]["payment_intent_id"].startswith("pi_")
    assert body["payment"]["client_secret"]
    orders = list(Order.objects.filter(pk__in=body["orders"]).order_by("total_cents"))
    assert [(o.shop_id, o.status, o.total_cents) for o in orders] == [
        (honey.shop_id, "pending_payment", 3050), (quilt.shop_id, "pending_payment", 50500)
    ]
    assert Listing.objects.get(pk=honey.pk).stock == 3
    assert Listing.objects.get(pk=quilt.pk).stock == 0
    # The cart keeps its items until the payment succeeds; the buyer's own reservation counts
    # as theirs, so nothing in it reads as sold out.
    kept = api_client.get("/api/v1/cart").json()["items"]
    assert [(line["listing"], line["quantity"], line["available"]) for line in kept] == [
        (honey.pk, 2, True), (quilt.pk, 1, True)
    ]

    # The buyer's card is confirmed on the provider directly; sync applies it.
    base = settings.STRIPE_API_BASE
    pi = body["payment"]["payment_intent_id"]
    auth = (settings.STRIPE_SECRET_KEY, "")
    requests.post(f"{base}/v1/payment_intents/{pi}", data={"payment_method": "pm_card_visa"},
                  auth=auth, timeout=10).raise_for_status()
    requests.post(f"{base}/v1/payment_intents/{pi}/confirm", auth=auth,
                  timeout=10).raise_for_status()
    synced = api_client.post(f"/api/v1/checkout/{body['id']}/sync")
    assert synced.status_code == 200
    assert synced.json()["status"] == "paid"
    assert api_client.get("/api/v1/cart").json()["items"] == []  # bought: out of the cart
    for order in orders:
        detail = api_client.get(f"/api/v1/orders/{order.pk}").json()
        assert detail["status"] == "paid"
        assert detail["escrow"] == {
            "status": "held", "held_cents": order.total_cents, "released_cents": 0,
            "refunded_cents": 0,
        }
        assert detail["ship_by"]

    quilt_order = orders[1]
    api_client.force_authenticate(quilt.shop.owner)
    shipped = api_client.post(
        f"/api/v1/orders/{quilt_order.pk}/ship",
        {"carrier": "USPS", "tracking_number": "9400111899223"}, format="json",
    )
    assert shipped.status_code == 200, shipped.json()
    assert shipped.json()["shipment"]["tracking_number"] == "9400111899223"
    assert shipped.json()["status"] == "shipped"

    api_client.force_authenticate(buyer)
    done = api_client.post(f"/api/v1/orders/{quilt_order.pk}/confirm-receipt")
    assert done.status_code == 200
    assert done.json()["status"] == "completed"
    fee = (50500 * settings.PLATFORM_FEE_BPS + 5000) // 10000
    assert done.json()["escrow"] == {
        "status": "released", "held_cents": 50500, "released_cents": 50500, "refunded_cents": 0
    }
    balance = shop_balance(shop=quilt.shop)
    assert balance.available_cents == 50500 - fee
    assert balance.escrow_cents == 0
    assert [e["status"] for e in done.json()["timeline"]] == [
        "pending_payment", "paid", "shipped", "completed"
    ]
    api_client.force_authenticate(quilt.shop.owner)
    seller_balance = api_client.get("/api/v1/seller/balance").json()
    assert seller_balance["available_cents"] == 50500 - fee
    # The ledger balances: every journal entry sums to zero.
    assert sum(JournalLine.objects.values_list("amount_cents", flat=True)) == 0


def test_pay_with_a_test_card_applies_success_through_the_same_service(
    api_client, buyer, two_shops, localstripe
):
    honey, _ = two_shops
    add(api_client, honey, 1)
    body = checkout(api_client).json()
    paid = pay(api_client, body["id"])
    assert paid.status_code == 200
    assert paid.json()["status"] == "paid"
    assert paid.json()["payment"]["status"] == "succeeded"
    order = Order.objects.get(pk=body["orders"][0])
    assert order.status == "paid"
    # Paying again, or syncing, changes nothing more: one hold, one "paid" timeline row.
    assert pay(api_client, body["id"]).status_code == 200
    assert api_client.post(f"/api/v1/checkout/{body['id']}/sync").status_code == 200
    assert OrderEvent.objects.filter(order=order, status="paid").count() == 1
    assert JournalLine.objects.filter(account=f"escrow:{order.reference}").count() == 1


def test_a_declined_card_is_402_and_the_checkout_stays_payable(
    api_client, buyer, two_shops, localstripe
):
    honey, _ = two_shops
    add(api_client, honey, 1)
    body = checkout(api_client).json()
    declined = pay(api_client, body["id"], "pm_card_chargeCustomerFail")
    assert declined.status_code == 402
    assert "declined" in declined.json()["detail"].lower()
    checkout_row = Checkout.objects.get(pk=body["id"])
    assert checkout_row.status == "pending_payment"
    assert checkout_row.payment_status == "failed"
    assert not JournalLine.objects.exists()
    # Checkout and stock are untouched: the buyer can still pay (on real Stripe, by confirming
    # the same intent with another card; localstripe cannot re-confirm a declined intent).
    assert Order.objects.get(pk=body["orders"][0]).status == "pending_payment"
    assert Listing.objects.get(pk=honey.pk).stock == 4
