"""Pre-orders through the API against localstripe: checkout, deposit and balance, shipping,
release, the unpaid-balance job and the race for the last units. The ledger is checked after
every test (tests/conftest.py)."""

import datetime
import zoneinfo

import pytest
import requests
from django.conf import settings
from django.test import Client
from django.utils import timezone

from notifications.models import Notification
from orders.models import Order
from orders.services.deadlines import orders_money_settle
from orders.services.preorders import preorders_cancel_balance_unpaid
from payments.models import PaymentIntent, Refund
from payments.selectors import escrow_summary
from payments.services import payment_intent_create, payment_intent_sync
from sellers.models import Listing
from tests.checkout_http import ADDRESS, add, checkout, pay
from tests.factories import ListingFactory, ShopFactory, UserFactory
from tests.stripe_support import event_body, sign
from tests.support import client_for, run_together

pytestmark = pytest.mark.django_db


def ahead(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def preorder(listing, *, days=30, stock=None, deposit_bps=10000):
    response = client_for(listing.shop.owner).put(
        f"/api/v1/listings/{listing.pk}/preorder",
        {"ships_by": ahead(days).isoformat(), "stock": stock or listing.stock,
         "deposit_bps": deposit_bps}, format="json")
    assert response.status_code == 200, response.json()
    return Listing.objects.get(pk=listing.pk)


def bought(api_client, listings, quantities=None):
    for listing, quantity in zip(listings, quantities or [1] * len(listings), strict=True):
        add(api_client, listing, quantity)
    created = checkout(api_client)
    assert created.status_code == 201, created.json()
    paid = pay(api_client, created.json()["id"])
    assert paid.status_code == 200, paid.json()
    return created.json(), list(Order.objects.filter(pk__in=created.json()["orders"])
                                .order_by("pk"))


def ship(order):
    return client_for(order.shop.owner).post(
        f"/api/v1/orders/{order.pk}/ship", {"carrier": "USPS", "tracking_number": "9400 1"},
        format="json")


@pytest.fixture
def shop():
    owner = UserFactory(time_zone="America/Chicago")
    return ShopFactory(owner=owner, name="Sugarbush Farm")


def test_full_payment_preorder_is_its_own_order_ships_by_the_promise_and_releases(
        localstripe, buyer, api_client, shop):
    syrup = preorder(ListingFactory(shop=shop, title="Maple syrup, next season",
                                    price_cents=2000, shipping_cents=700, stock=8), days=40)
    candles = ListingFactory(shop=shop, title="Beeswax candles", price_cents=900,
                             shipping_cents=500, stock=4)
    created, orders = bought(api_client, [candles, syrup])
    assert len(orders) == 2  # the same shop, but the pre-order is its own order
    stocked, ahead_order = sorted(orders, key=lambda order: order.is_preorder)
    assert created["amount_cents"] == 1400 + 2700
    assert (ahead_order.preorder_ships_by, ahead_order.preorder_deposit_bps,
            ahead_order.balance_cents) == (ahead(40), 10000, 0)
    end_of_promise = datetime.datetime.combine(
        ahead(40), datetime.time.max, tzinfo=zoneinfo.ZoneInfo("America/Chicago"))
    assert ahead_order.ship_by == end_of_promise
    assert stocked.preorder_ships_by is None
    assert stocked.ship_by == stocked.paid_at + datetime.timedelta(days=5)
    assert escrow_summary(reference=ahead_order.reference).held_cents == 2700
    detail = api_client.get(f"/api/v1/orders/{ahead_order.pk}").json()
    assert detail["preorder"] == {
        "ships_by": ahead(40).isoformat(), "deposit_bps": 10000, "deposit_cents": 2700,
        "balance_cents": 0, "balance_due_at": None,
        "cancel_until": None}
    assert api_client.get(f"/api/v1/orders/{stocked.pk}").json()["preorder"] is None
    assert Listing.objects.get(pk=syrup.pk).stock == 7
    # Paid in full: nothing to mark ready, and the seller ships it.
    ready = client_for(shop.owner).post(f"/api/v1/orders/{ahead_order.pk}/ready")
    assert ready.status_code == 409
    assert escrow_summary(reference=ahead_order.reference).released_cents == 0
    seller_page = Client()
    seller_page.force_login(shop.owner)
    promised = ahead(40)
    text = seller_page.get(f"/sell/orders/{ahead_order.pk}/").content.decode()
    assert f"Ship it by {promised:%b} {promised.day}, {promised.year}" in text
    assert ship(ahead_order).status_code == 200
    confirmed = api_client.post(f"/api/v1/orders/{ahead_order.pk}/confirm-receipt")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "completed"
    assert escrow_summary(reference=ahead_order.reference).released_cents == 2700


def test_deposit_then_balance_paid_then_shipped_then_released(
        localstripe, buyer, api_client, shop, client):
    beef = preorder(ListingFactory(shop=shop, title="Side of grass-fed beef",
                                   price_cents=10000, shipping_cents=500, stock=3),
                    deposit_bps=3000)
    created, (order,) = bought(api_client, [beef])
    assert created["amount_cents"] == 3150  # 30 % of $105.00
    assert (order.deposit_cents, order.balance_cents, order.balance_due_at) == (3150, 7350, None)
    assert escrow_summary(reference=order.reference).held_cents == 3150
    # Not ready yet: nothing to pay, and nothing can ship or be released.
    early = api_client.post(f"/api/v1/orders/{order.pk}/balance/pay",
                            {"payment_method": "pm_card_visa"}, format="json")
    assert early.status_code == 409
    refused = ship(order)
    assert refused.status_code == 409 and "balance" in refused.json()["detail"]
    # Someone else cannot mark it ready or pay its balance.
    stranger = client_for(UserFactory())
    assert stranger.post(f"/api/v1/orders/{order.pk}/ready").status_code == 404
    ready = client_for(shop.owner).post(f"/api/v1/orders/{order.pk}/ready")
    assert ready.status_code == 200, ready.json()
    due_at = ready.json()["preorder"]["balance_due_at"]
    assert due_at is not None
    assert client_for(shop.owner).post(f"/api/v1/orders/{order.pk}/ready").status_code == 200
    told = Notification.objects.get(kind="preorder_balance_due", recipient=buyer)
    assert told.url == f"/orders/{order.pk}/balance/"
    # The pay page says who gets what (the $105.00 less the 5 % fee, after arrival).
    client.force_login(buyer)
    page = client.get(told.url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Balance to pay now: <strong>$73.50</strong>" in text
    assert "$31.50" in text and "Sugarbush Farm receives $99.75" in text
    client.force_login(UserFactory())
    assert client.get(told.url).status_code == 404
    assert stranger.post(f"/api/v1/orders/{order.pk}/balance/pay",
                         {"payment_method": "pm_card_visa"}, format="json").status_code == 404
    paid = api_client.post(f"/api/v1/orders/{order.pk}/balance/pay",
                           {"payment_method": "pm_card_visa"}, format="json")
    assert paid.status_code == 200, paid.json()
    assert paid.json()["preorder"]["balance_cents"] == 0
    assert paid.json()["escrow"]["held_cents"] == 10500
    assert Notification.objects.filter(kind="preorder_balance_paid",
                                       recipient=shop.owner).count() == 1
    again = api_client.post(f"/api/v1/orders/{order.pk}/balance/pay",
                            {"payment_method": "pm_card_visa"}, format="json")
    assert again.status_code == 409
    assert escrow_summary(reference=order.reference).released_cents == 0
    assert ship(order).status_code == 200
    assert escrow_summary(reference=order.reference).released_cents == 0
    confirmed = api_client.post(f"/api/v1/orders/{order.pk}/confirm-receipt")
    assert confirmed.status_code == 200
    summary = escrow_summary(reference=order.reference)
    assert (summary.held_cents, summary.released_cents, summary.refunded_cents) == (
        10500, 10500, 0)


def test_balance_paid_then_cancelled_refunds_both_payments(localstripe, buyer, api_client,
                                                           shop):
    quilt = preorder(ListingFactory(shop=shop, price_cents=20000, shipping_cents=0, stock=2),
                     deposit_bps=5000)
    _, (order,) = bought(api_client, [quilt])
    client_for(shop.owner).post(f"/api/v1/orders/{order.pk}/ready")
    assert api_client.post(f"/api/v1/orders/{order.pk}/balance/pay",
                           {"payment_method": "pm_card_visa"},
                           format="json").status_code == 200
    cancelled = client_for(shop.owner).post(f"/api/v1/orders/{order.pk}/cancel")
    assert cancelled.status_code == 200, cancelled.json()
    summary = escrow_summary(reference=order.reference)
    assert (summary.held_cents, summary.refunded_cents, summary.remaining_cents) == (
        20000, 20000, 0)
    parts = list(Refund.objects.filter(escrow__reference=order.reference).order_by("pk"))
    assert sorted(part.amount_cents for part in parts) == [10000, 10000]
    assert {part.status for part in parts} == {"succeeded"}
    assert len({part.payment_intent_id for part in parts}) == 2  # one back to each payment


def test_balance_unpaid_in_five_days_cancels_and_refunds_the_deposit(
        localstripe, buyer, api_client, shop, clock):
    honey = preorder(ListingFactory(shop=shop, price_cents=3000, shipping_cents=600, stock=5),
                     deposit_bps=2000)
    _, (order,) = bought(api_client, [honey], [2])
    assert order.deposit_cents == 1320
    client_for(shop.owner).post(f"/api/v1/orders/{order.pk}/ready")
    declined = api_client.post(f"/api/v1/orders/{order.pk}/balance/pay",
                               {"payment_method": "pm_card_chargeCustomerFail"}, format="json")
    assert declined.status_code == 402
    assert Order.objects.get(pk=order.pk).balance_cents == 5280
    clock.move(days=4, hours=23)
    assert preorders_cancel_balance_unpaid() == 0
    assert Order.objects.get(pk=order.pk).status == "paid"
    clock.move(hours=1, minutes=1)
    assert preorders_cancel_balance_unpaid() == 1
    assert preorders_cancel_balance_unpaid() == 0  # run twice: once
    order.refresh_from_db()
    assert order.status == "cancelled"
    summary = escrow_summary(reference=order.reference)
    assert (summary.held_cents, summary.refunded_cents, summary.released_cents) == (
        1320, 1320, 0)
    assert Listing.objects.get(pk=honey.pk).stock == 5
    assert Notification.objects.filter(kind="order_cancelled", recipient=buyer).exists()
    assert Notification.objects.filter(kind="order_refunded", recipient=buyer).exists()
    late = api_client.post(f"/api/v1/orders/{order.pk}/balance/pay",
                           {"payment_method": "pm_card_visa"}, format="json")
    assert late.status_code == 409


def test_cart_keeps_a_preorder_whose_date_passed_out_of_checkout(localstripe, buyer,
                                                                  api_client, shop, clock):
    honey = preorder(ListingFactory(shop=shop, stock=5), days=2)
    add(api_client, honey)
    clock.move(days=3)
    refused = checkout(api_client)
    assert refused.status_code == 409
    assert Order.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_thirty_buyers_race_for_the_last_five_preorder_units(localstripe):
    listing = ListingFactory(title="Honey harvest share", stock=5,
                             preorder_ships_by=ahead(20), preorder_deposit_bps=5000)
    buyers = UserFactory.create_batch(30)
    for person in buyers:
        client_for(person).post("/api/v1/cart/items/", {"listing": listing.pk}, format="json")

    def buy(index):
        response = client_for(buyers[index]).post(
            "/api/v1/checkout", {"fulfillment": "ship", "shipping_address": ADDRESS},
            format="json", HTTP_IDEMPOTENCY_KEY=f"harvest-{index}")
        return response.status_code

    statuses = sorted(run_together(30, buy))
    assert statuses == [201] * 5 + [409] * 25
    assert Listing.objects.get(pk=listing.pk).stock == 0
    assert Order.objects.filter(preorder_ships_by=ahead(20)).count() == 5


def test_a_balance_paid_after_the_order_was_cancelled_is_refunded_at_once(
        localstripe, buyer, api_client, shop):
    bread = preorder(ListingFactory(shop=shop, price_cents=4000, shipping_cents=0, stock=2),
                     deposit_bps=5000)
    _, (order,) = bought(api_client, [bread])
    client_for(shop.owner).post(f"/api/v1/orders/{order.pk}/ready")
    # The buyer's bank is slow: the balance payment is under way when the buyer cancels.
    intent = payment_intent_create(reference=f"balance:{order.pk}", amount_cents=2000,
                                   currency="USD", idempotency_key=f"balance-{order.pk}")
    assert api_client.post(f"/api/v1/orders/{order.pk}/cancel").status_code == 200
    auth = (settings.STRIPE_SECRET_KEY, "")
    base = settings.STRIPE_API_BASE
    requests.post(f"{base}/v1/payment_intents/{intent.stripe_id}",
                  data={"payment_method": "pm_card_visa"}, auth=auth,
                  timeout=10).raise_for_status()
    requests.post(f"{base}/v1/payment_intents/{intent.stripe_id}/confirm", auth=auth,
                  timeout=10).raise_for_status()
    payment_intent_sync(reference=f"balance:{order.pk}")
    payment_intent_sync(reference=f"balance:{order.pk}")  # the webhook too: refunded once
    late = escrow_summary(reference=f"balance:{order.pk}")
    assert (late.held_cents, late.refunded_cents, late.remaining_cents) == (2000, 2000, 0)
    deposit = escrow_summary(reference=order.reference)
    assert (deposit.held_cents, deposit.refunded_cents) == (2000, 2000)
    assert Order.objects.get(pk=order.pk).status == "cancelled"


def test_seller_marks_ready_and_buyer_pays_the_balance_on_the_pages(localstripe, buyer,
                                                                    api_client, shop):
    honey = preorder(ListingFactory(shop=shop, price_cents=5000, shipping_cents=0, stock=4),
                     deposit_bps=4000)
    _, (order,) = bought(api_client, [honey])
    seller_page, buyer_page = Client(), Client()
    seller_page.force_login(shop.owner)
    buyer_page.force_login(buyer)
    text = seller_page.get(f"/sell/orders/{order.pk}/").content.decode()
    assert "Mark ready to ship" in text and "Mark as shipped" not in text
    assert "$30.00 is still to pay" in text
    assert buyer_page.get(f"/orders/{order.pk}/balance/").status_code == 302  # nothing due yet
    marked = seller_page.post(f"/sell/orders/{order.pk}/ready/")
    assert marked.status_code == 302
    assert "Marked ready to ship" in seller_page.get(marked["Location"]).content.decode()
    text = buyer_page.get(f"/orders/{order.pk}/").content.decode()
    assert f'href="/orders/{order.pk}/balance/"' in text and "Pay the balance of $30.00" in text
    paid = buyer_page.post(f"/orders/{order.pk}/balance/", {"payment_method": "pm_card_visa"})
    assert paid.status_code == 302, paid.content.decode()[:500]
    assert "Balance paid" in buyer_page.get(paid["Location"]).content.decode()
    order.refresh_from_db()
    assert order.balance_cents == 0
    assert escrow_summary(reference=order.reference).held_cents == 5000
    assert "Mark as shipped" in seller_page.get(f"/sell/orders/{order.pk}/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_pay_the_balance_charges_once(localstripe):
    shop = ShopFactory()
    listing = ListingFactory(shop=shop, price_cents=8000, shipping_cents=0, stock=3,
                             preorder_ships_by=ahead(15), preorder_deposit_bps=2500)
    person = UserFactory()
    _, (order,) = bought(client_for(person), [listing])
    assert client_for(shop.owner).post(f"/api/v1/orders/{order.pk}/ready").status_code == 200

    def click(index):
        return client_for(person).post(f"/api/v1/orders/{order.pk}/balance/pay",
                                       {"payment_method": "pm_card_visa"},
                                       format="json").status_code

    statuses = run_together(3, click)
    assert 200 in statuses and set(statuses) <= {200, 409}, statuses
    order.refresh_from_db()
    assert order.balance_cents == 0
    summary = escrow_summary(reference=order.reference)
    assert (summary.held_cents, summary.remaining_cents) == (8000, 8000)
    assert Notification.objects.filter(kind="preorder_balance_paid").count() == 1


def test_a_chargeback_on_the_balance_freezes_the_order_and_a_loss_leaves_the_deposit_refunded(
        localstripe, buyer, api_client, shop, settings):
    syrup = preorder(ListingFactory(shop=shop, price_cents=6000, shipping_cents=0, stock=2),
                     deposit_bps=5000)
    _, (order,) = bought(api_client, [syrup])
    client_for(shop.owner).post(f"/api/v1/orders/{order.pk}/ready")
    assert api_client.post(f"/api/v1/orders/{order.pk}/balance/pay",
                           {"payment_method": "pm_card_visa"}, format="json").status_code == 200
    assert ship(order).status_code == 200
    balance_intent = PaymentIntent.objects.get(reference=f"balance:{order.pk}").stripe_id
    case = {"id": f"dp_test_{order.pk}", "object": "dispute", "amount": 3000,
            "currency": "usd", "payment_intent": balance_intent, "reason": "fraudulent",
            "status": "needs_response"}

    def deliver(event_type, data):
        body = event_body(event_type, data)
        return Client().post("/api/v1/payments/stripe/webhook", data=body,
                             content_type="application/json",
                             HTTP_STRIPE_SIGNATURE=sign(body, settings.STRIPE_WEBHOOK_SECRET))

    assert deliver("charge.dispute.created", case).status_code == 200
    assert api_client.get(f"/api/v1/orders/{order.pk}").json()["escrow"]["status"] == "frozen"
    refused = api_client.post(f"/api/v1/orders/{order.pk}/confirm-receipt")
    assert refused.status_code == 409
    assert deliver("charge.dispute.closed", {**case, "status": "lost"}).status_code == 200
    assert Order.objects.get(pk=order.pk).status == "refunded"
    summary = escrow_summary(reference=order.reference)
    assert (summary.charged_back_cents, summary.remaining_cents, summary.released_cents) == (
        3000, 3000, 0)
    orders_money_settle()  # the deposit still held goes back to the buyer
    summary = escrow_summary(reference=order.reference)
    assert (summary.refunded_cents, summary.remaining_cents) == (3000, 0)
