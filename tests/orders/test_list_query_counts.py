"""Order lists cost a fixed number of queries whatever their length: the buyer's and the
seller's, as pages and in the API, at 1 and at 30 orders in mixed states; and the cart at 1
and 30 lines."""

import itertools

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from orders.services.cart import cart_item_add
from orders.services.lifecycle import review_create
from tests import builders
from tests.factories import ListingFactory, ShopFactory, UserFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db

BUYER_URLS = ["/orders/", "/api/v1/orders/"]
SELLER_URLS = ["/sell/orders/", "/sell/orders/?status=paid", "/sell/reviews/", "/sell/",
               "/api/v1/seller/orders/", "/api/v1/seller/orders/?status=paid"]
_kinds = itertools.cycle(["paid", "shipped", "completed", "disputed"])


def _orders(count: int, *, buyer, shop) -> None:
    for _ in range(count):
        kind = next(_kinds)
        if kind == "paid":
            builders.paid_order(buyer=buyer, shop=shop)
        elif kind == "shipped":
            builders.shipped_order(buyer=buyer, shop=shop)
        elif kind == "disputed":
            builders.disputed_order(buyer=buyer, shop=shop)
        else:
            order = builders.completed_order(buyer=buyer, shop=shop)
            review_create(order_id=order.pk, buyer=buyer, rating=5, text="Lovely.")


def _counts(clients: dict) -> dict:
    counts = {}
    for url, client in clients.items():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        counts[url] = len(queries)
    return counts


def test_order_lists_cost_the_same_at_one_and_thirty_orders():
    buyer, shop = UserFactory(), ShopFactory()
    buyer_page, seller_page = Client(), Client()
    buyer_page.force_login(buyer)
    seller_page.force_login(shop.owner)
    buyer_api, seller_api = client_for(buyer), client_for(shop.owner)
    clients = {url: (buyer_api if "/api/" in url else buyer_page) for url in BUYER_URLS}
    clients |= {url: (seller_api if "/api/" in url else seller_page) for url in SELLER_URLS}

    _orders(1, buyer=buyer, shop=shop)
    one = _counts(clients)
    assert buyer_api.get("/api/v1/orders/").json()["count"] == 1
    _orders(29, buyer=buyer, shop=shop)
    thirty = _counts(clients)
    assert seller_api.get("/api/v1/seller/orders/").json()["count"] == 30
    assert one == thirty


def test_the_cart_costs_the_same_at_one_and_thirty_lines():
    buyer = UserFactory()
    page = Client()
    page.force_login(buyer)
    clients = {"/cart/": page, "/api/v1/cart": client_for(buyer)}

    def fill(count: int) -> None:
        for _ in range(count):  # each from a shop of its own: one group per shop
            cart_item_add(user=buyer, listing_id=ListingFactory(stock=5).pk, quantity=2)

    fill(1)
    one = _counts(clients)
    fill(29)
    thirty = _counts(clients)
    assert len(client_for(buyer).get("/api/v1/cart").json()["shops"]) == 30
    assert one == thirty
