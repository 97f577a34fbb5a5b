import pytest
from rest_framework.authtoken.models import Token

from payments.services import escrow_refund, escrow_release, payouts_run
from tests.factories import ShopFactory, UserFactory
from tests.stripe_support import held_escrow

pytestmark = pytest.mark.django_db


def seller_client(api_client, shop):
    token, _ = Token.objects.get_or_create(user=shop.owner)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api_client


def test_seller_balance_adds_up(api_client, localstripe):
    shop = ShopFactory()
    released_ref, _, _ = held_escrow(amount_cents=10_000, shop=shop)
    escrow_release(reference=released_ref)  # 9 500 available, 500 fee
    held_escrow(amount_cents=2_000, shop=shop)  # still in escrow
    refunded_ref, _, _ = held_escrow(amount_cents=700, shop=shop)
    escrow_refund(reference=refunded_ref)
    held_escrow(amount_cents=999, shop=ShopFactory())  # someone else's money

    response = seller_client(api_client, shop).get("/api/v1/seller/balance")

    assert response.status_code == 200
    assert response.json() == {"currency": "USD", "escrow_cents": 2_000,
                               "available_cents": 9_500, "paid_out_cents": 0,
                               "fees_cents": 500, "frozen_cents": 0, "owed_cents": 0}


def test_seller_payouts_list(api_client, localstripe):
    shop = ShopFactory()
    reference, _, _ = held_escrow(amount_cents=5_000, shop=shop)
    escrow_release(reference=reference)
    payouts_run()
    response = seller_client(api_client, shop).get("/api/v1/seller/payouts/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert (row["amount_cents"], row["currency"], row["status"], row["provider_ref"]) == (
        4_750, "USD", "pending", "")


def test_seller_money_api_needs_a_shop_and_a_login(api_client):
    assert api_client.get("/api/v1/seller/balance").status_code == 401
    assert api_client.get("/api/v1/seller/payouts/").status_code == 401
    user = UserFactory()
    token = Token.objects.create(user=user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api_client.get("/api/v1/seller/balance")
    assert (response.status_code, response.json()) == (
        403, {"detail": "You have no shop yet. Open a shop to sell here."})


@pytest.mark.parametrize("rows", [1, 20])
def test_payout_list_costs_a_fixed_number_of_queries(api_client, django_assert_num_queries,
                                                     rows):
    from payments.models import Payout

    shop = ShopFactory()
    Payout.objects.bulk_create(
        Payout(shop=shop, amount_cents=1_000 + i, currency="USD", method="manual")
        for i in range(rows)
    )
    client = seller_client(api_client, shop)
    # token + user, shop, count, page
    with django_assert_num_queries(4):
        response = client.get("/api/v1/seller/payouts/")
    assert response.json()["count"] == rows


def test_balance_page_shows_figures_and_statement(client, localstripe):
    shop = ShopFactory()
    reference, _, _ = held_escrow(amount_cents=10_000, shop=shop)
    escrow_refund(reference=reference, amount_cents=2_000)
    escrow_release(reference=reference)
    client.force_login(shop.owner)

    page = client.get("/sell/balance/")

    assert page.status_code == 200
    html = page.content.decode()
    assert '<dd id="available">$76.00</dd>' in html
    assert '<dd id="fees">$4.00</dd>' in html
    number = reference.split(":")[1]
    row = (f'<td data-label="Order"><a href="/sell/orders/{number}/">Order #{number}</a></td>\n'
           '          <td data-label="Held">$100.00</td>\n'
           '          <td data-label="Released">$80.00</td>\n'
           '          <td data-label="Fee">$4.00</td>\n'
           '          <td data-label="Refunded">$20.00</td>')
    assert row in html


@pytest.mark.parametrize("rows", [1, 20])
def test_balance_page_costs_a_fixed_number_of_queries(client, localstripe,
                                                      django_assert_num_queries, rows):
    from payments.ledger import STRIPE_BALANCE, Line, escrow_account, journal_post

    shop = ShopFactory()
    for i in range(rows):
        journal_post(key=f"hold:x:{i}", kind="hold", reference=f"order:{i}", shop=shop, lines=[
            Line(STRIPE_BALANCE, -100, "USD"), Line(escrow_account(f"order:{i}"), 100, "USD")])
    client.force_login(shop.owner)
    # session, user, shop, statement count, payout account, balance, the header's cart count
    # and unread notifications (base layout), statement page, payouts, and (no payout account)
    # whether a village hub's agent manages the shop (then the owner collects at the hub)
    with django_assert_num_queries(11):
        page = client.get("/sell/balance/")
    assert page.content.decode().count('<td data-label="Order"><a href="/sell/orders/') == rows
    assert "order:" not in page.content.decode()  # people read "Order #3", not a reference


def test_balance_page_needs_a_shop(client):
    assert client.get("/sell/balance/").status_code == 302
    client.force_login(UserFactory())
    response = client.get("/sell/balance/")
    assert (response.status_code, response["Location"]) == (302, "/sell/shop/new/")
