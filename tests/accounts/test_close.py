"""Download my data, and close my account: the password again, limits, refusals that change
nothing while an order or money is open, and the erasure that keeps orders and the ledger."""

import json

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from marketplace.accounts.closing import account_data
from notifications.models import Notification
from orders.models import Checkout, Order, OrderItem, Review, SavedAddress
from payments.models import JournalLine, PayoutAccount
from sellers.models import Listing, Shop
from tests.builders import ADDRESS, completed_order, paid_order
from tests.factories import DEFAULT_PASSWORD, ListingFactory, ShopFactory, UserFactory
from tests.stripe_support import connect_shop
from tests.support import client_for, run_together

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ledger():
    return list(JournalLine.objects.order_by("pk").values_list("account", "amount_cents"))


def completed_purchase(buyer):
    """A buyer's order, shipped, received and reviewed: nothing left open."""
    listing = ListingFactory(price_cents=1200, shipping_cents=500, stock=5,
                             shop=ShopFactory(name="Hilltop Farm"))
    order = completed_order(buyer=buyer, listing=listing)
    assert client_for(buyer).post(f"/api/v1/orders/{order.pk}/review",
                                  {"rating": 5, "text": "Lovely"},
                                  format="json").status_code == 201
    return order


# --- download my data ---------------------------------------------------------------------

def test_the_download_needs_the_password_and_holds_orders_reviews_messages_addresses():
    dana = UserFactory(email="dana@example.test", display_name="Dana")
    order = completed_purchase(dana)
    saved = {key: value for key, value in ADDRESS.items() if key != "country"}
    assert client_for(dana).post("/api/v1/me/addresses", saved,
                                 format="json").status_code == 201
    client = signed_in(dana)
    wrong = client.post("/accounts/account/data/", {"password": "nope"})
    assert wrong.status_code == 400 and "That is not your current password." in (
        wrong.content.decode())
    response = client.post("/accounts/account/data/", {"password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="taobao-village-data-')
    data = json.loads(response.content)
    assert data["profile"]["email"] == "dana@example.test"
    assert [(o["id"], o["status"], o["shop"]) for o in data["orders_as_buyer"]] == [
        (order.pk, "completed", "Hilltop Farm")]
    assert data["orders_as_buyer"][0]["items"][0]["unit_price_cents"] == 1200
    assert data["addresses"] == [ADDRESS]
    assert [(a["name"], a["line1"], a["postal_code"]) for a in data["saved_addresses"]] == [
        ("Dana Buyer", "12 Main St", "52101")]
    assert [(r["rating"], r["text"]) for r in data["reviews_written"]] == [(5, "Lovely")]
    assert len(data["notifications"]) == Notification.objects.filter(recipient=dana).count() > 0
    assert data["shop"] is None and data["orders_as_seller"] == []


def test_a_seller_download_holds_the_shops_orders(api_client):
    dana = UserFactory()
    order = completed_purchase(dana)
    seller = order.shop.owner
    api_client.force_authenticate(seller)
    response = api_client.post("/api/v1/me/data", {"password": DEFAULT_PASSWORD}, format="json")
    assert response.status_code == 200
    data = response.json()
    assert data["shop"]["name"] == "Hilltop Farm"
    assert [o["id"] for o in data["orders_as_seller"]] == [order.pk]
    assert [r["text"] for r in data["reviews_received"]] == ["Lovely"]
    assert data["orders_as_buyer"] == []


def test_downloads_are_limited(api_client):
    api_client.force_authenticate(UserFactory())
    statuses = [api_client.post("/api/v1/me/data", {"password": DEFAULT_PASSWORD},
                                format="json").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


@pytest.mark.parametrize("orders", [1, 8])
def test_the_download_costs_the_same_queries_for_one_or_many_orders(
        orders, django_assert_num_queries):
    buyer = UserFactory()
    shop = ShopFactory(owner=buyer)
    listing = ListingFactory(shop=ShopFactory())

    checkout = Checkout.objects.create(buyer=buyer, idempotency_key=f"k{orders}",
                                       request_fingerprint="f", amount_cents=1000,
                                       expires_at=timezone.now())
    for _ in range(orders):
        for owner_shop in (listing.shop, shop):
            order = Order.objects.create(checkout=checkout, buyer=buyer, shop=owner_shop,
                                         fulfillment="ship", subtotal_cents=1000,
                                         shipping_cents=0, total_cents=1000,
                                         shipping_address=ADDRESS, status="completed")
            OrderItem.objects.create(order=order, listing=listing, title="Honey", quantity=2,
                                     unit_price_cents=500)
    SavedAddress.objects.create(user=buyer, **{k: v for k, v in ADDRESS.items()
                                               if k in SavedAddress.FIELDS})
    with django_assert_num_queries(9):
        data = account_data(user=buyer)
    assert len(data["saved_addresses"]) == 1
    assert len(data["orders_as_buyer"]) == orders * 2
    assert len(data["orders_as_seller"]) == orders


# --- closing ------------------------------------------------------------------------------

def test_closing_with_an_open_order_is_refused_and_changes_nothing():
    dana = UserFactory(email="dana@example.test")
    order = paid_order(buyer=dana)
    before = ledger()
    client = signed_in(dana)
    page = client.get("/accounts/account/close/").content.decode()
    assert f"Your order #{order.pk} is not finished yet" in page
    response = client.post("/accounts/account/close/", {"password": DEFAULT_PASSWORD})
    assert response.status_code == 409
    assert f"#{order.pk}" in response.content.decode()
    dana.refresh_from_db()
    assert (dana.email, dana.is_active, dana.closed_at) == ("dana@example.test", True, None)
    assert ledger() == before
    order.refresh_from_db()
    assert order.shipping_address == ADDRESS


def test_closing_a_shop_with_money_not_paid_out_is_refused():
    shop = ShopFactory()
    paid = paid_order(listing=ListingFactory(shop=shop, price_cents=4_000, shipping_cents=0))
    client = signed_in(shop.owner)
    held = client.post("/accounts/account/close/", {"password": DEFAULT_PASSWORD})
    assert held.status_code == 409
    page = held.content.decode()
    assert f"Your shop has orders to finish (#{paid.pk})." in page
    assert "$40.00 for your shop is still held in escrow." in page
    completed_order(listing=ListingFactory(shop=shop, price_cents=2_000, shipping_cents=0))
    before = ledger()
    api = APIClient()
    api.force_authenticate(shop.owner)
    refused = api.delete("/api/v1/me", {"password": DEFAULT_PASSWORD}, format="json")
    assert refused.status_code == 409
    assert any("to be paid out to you" in reason for reason in refused.json()["reasons"])
    assert ledger() == before
    shop.refresh_from_db()
    assert shop.status == Shop.Status.ACTIVE


def test_closing_erases_the_person_and_keeps_orders_and_ledger(committed, mailoutbox):
    dana = UserFactory(email="dana@example.test", display_name="Dana")
    order = completed_purchase(dana)
    own_shop = ShopFactory(owner=dana, name="Dana's Jams")
    jam = ListingFactory(shop=own_shop)
    saved = {key: value for key, value in ADDRESS.items() if key != "country"}
    assert client_for(dana).post("/api/v1/me/addresses", saved,
                                 format="json").status_code == 201
    Token.objects.get_or_create(user=dana)
    before = ledger()
    client = signed_in(dana)
    wrong = client.post("/accounts/account/close/", {"password": "nope"})
    assert wrong.status_code == 400
    with committed():
        response = client.post("/accounts/account/close/", {"password": DEFAULT_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "_auth_user_id" not in client.session
    assert "Your account is closed" in client.get("/").content.decode()

    dana.refresh_from_db()
    assert dana.email == f"closed-{dana.pk}@closed.invalid"
    assert dana.display_name == "Closed account"
    assert not dana.has_usable_password() and not dana.is_active
    assert dana.closed_at is not None
    assert not Token.objects.filter(user=dana).exists()
    assert not Notification.objects.filter(recipient=dana).exists()
    order.refresh_from_db()
    assert order.buyer_id == dana.pk and order.shipping_address == {}
    assert not SavedAddress.objects.filter(user=dana).exists()
    assert Review.objects.get(order=order).buyer_id == dana.pk
    own_shop.refresh_from_db()
    assert own_shop.status == Shop.Status.CLOSED
    assert Listing.objects.get(pk=jam.pk).status == Listing.Status.ARCHIVED
    assert ledger() == before
    assert [(mail.to, mail.subject) for mail in mailoutbox[-1:]] == [
        (["dana@example.test"], "Your account is closed")]
    login = Client().post("/accounts/login/", {"email": "dana@example.test",
                                               "password": DEFAULT_PASSWORD})
    assert login.status_code == 400


def test_closing_attempts_are_limited_and_the_api_counts_wrong_passwords(api_client):
    dana = UserFactory()
    api_client.force_authenticate(dana)
    statuses = [api_client.delete("/api/v1/me", {"password": "wrong"}, format="json")
                .status_code for _ in range(11)]
    assert statuses == [400] * 10 + [429]
    refused = api_client.delete("/api/v1/me", {"password": DEFAULT_PASSWORD}, format="json")
    assert refused.status_code == 429  # the right one too, during the lock-out
    dana.refresh_from_db()
    assert dana.closed_at is None


def test_a_refused_close_counts_in_its_limit():
    shop = ShopFactory()
    paid_order(shop=shop)
    client = signed_in(shop.owner)
    statuses = [client.post("/accounts/account/close/", {"password": DEFAULT_PASSWORD})
                .status_code for _ in range(6)]
    assert statuses == [409] * 5 + [429]


@pytest.mark.django_db(transaction=True)
def test_two_close_requests_at_once_close_once(mailoutbox):
    dana = UserFactory()
    ShopFactory(owner=dana)
    clients = [signed_in(dana), signed_in(dana)]
    statuses = run_together(2, lambda n: clients[n].post(
        "/accounts/account/close/", {"password": DEFAULT_PASSWORD}).status_code)
    # The second waits for the row lock and finds the account closed (409), or, having
    # started after the first committed, finds its session ended (302 to log in).
    assert statuses.count(302) >= 1 and set(statuses) <= {302, 409}
    dana.refresh_from_db()
    assert dana.closed_at is not None
    assert Shop.objects.get(owner=dana).status == Shop.Status.CLOSED
    assert [mail.subject for mail in mailoutbox] == ["Your account is closed"]


def test_closing_says_the_stripe_payout_account_stays_and_keeps_its_row(committed):
    shop = connect_shop("acct_closing_seller")
    client = signed_in(shop.owner)
    page = client.get("/accounts/account/close/").content.decode()
    assert "Your Stripe payout account stays with Stripe" in page
    assert "close it there" in page
    buyer_page = signed_in(UserFactory()).get("/accounts/account/close/").content.decode()
    assert "Stripe payout account" not in buyer_page
    with committed():
        closed = client.post("/accounts/account/close/", {"password": DEFAULT_PASSWORD})
    assert closed.status_code == 302
    kept = PayoutAccount.objects.get(shop=shop)
    assert kept.stripe_account_id == "acct_closing_seller"


def _checkout_page(client, key):
    body = {"fulfillment": "ship", "idempotency_key": key, "saved_address": "new",
            **{k: v for k, v in ADDRESS.items() if k != "country"}}
    return client.post("/checkout/", body)


def test_a_checkout_after_the_shop_closed_is_refused(localstripe):
    seller = UserFactory()
    jam = ListingFactory(shop=ShopFactory(owner=seller), stock=5, title="Plum Jam")
    dana = UserFactory()
    buyer = signed_in(dana)
    assert client_for(dana).post("/api/v1/cart/items/", {"listing": jam.pk, "quantity": 1},
                                 format="json").status_code in (200, 201)
    closed = signed_in(seller).post("/accounts/account/close/", {"password": DEFAULT_PASSWORD})
    assert closed.status_code == 302
    refused = _checkout_page(buyer, "after-close")
    assert refused.status_code in (200, 409)
    assert not Order.objects.filter(shop=jam.shop).exists()
    assert not Checkout.objects.filter(buyer=dana).exists()


@pytest.mark.django_db(transaction=True)
def test_closing_a_shop_while_a_buyer_checks_out_ends_consistent(localstripe):
    """Either the close wins (shop closed, no order) or the checkout does (order standing,
    close refused naming it); never a closed shop with an order waiting for payment."""
    for attempt in range(3):
        seller = UserFactory()
        shop = ShopFactory(owner=seller)
        jam = ListingFactory(shop=shop, stock=5)
        dana = UserFactory()
        buyer, owner = signed_in(dana), signed_in(seller)
        assert client_for(dana).post("/api/v1/cart/items/", {"listing": jam.pk, "quantity": 1},
                                     format="json").status_code in (200, 201)
        def act(index, buyer=buyer, owner=owner, key=f"race-{attempt}"):
            if index == 0:
                return _checkout_page(buyer, key).status_code
            return owner.post("/accounts/account/close/",
                              {"password": DEFAULT_PASSWORD}).status_code

        checkout_status, close_status = run_together(2, act)
        shop.refresh_from_db()
        seller.refresh_from_db()
        orders = list(Order.objects.filter(shop=shop))
        if close_status == 302:
            assert shop.status == Shop.Status.CLOSED and seller.closed_at is not None
            assert orders == [] and checkout_status != 302
            assert Listing.objects.get(pk=jam.pk).stock == 5
        else:
            assert close_status == 409, (close_status, checkout_status)
            assert shop.status == Shop.Status.ACTIVE and seller.closed_at is None
            assert [o.status for o in orders] == [Order.Status.PENDING_PAYMENT]
            assert Listing.objects.get(pk=jam.pk).status == Listing.Status.ACTIVE
