import itertools

import pytest

from orders.models import Order
from tests.factories import ListingFactory, ShopFactory, UserFactory
from tests.payments.conftest import failing_stripe  # noqa: F401 - a fixture, re-exported

_keys = itertools.count(1)

ADDRESS = {
    "name": "Dana Buyer", "line1": "12 Main St", "line2": "", "city": "Decorah",
    "state": "IA", "postal_code": "52101", "country": "US",
}


def checkout(client, *, key=None, fulfillment="ship", address=ADDRESS):
    body = {"fulfillment": fulfillment}
    if address is not None and fulfillment == "ship":
        body["shipping_address"] = address
    return client.post(
        "/api/v1/checkout", body, format="json",
        HTTP_IDEMPOTENCY_KEY=key or f"key-{next(_keys)}",
    )


def add(client, listing, quantity=1):
    response = client.post(
        "/api/v1/cart/items/", {"listing": listing.pk, "quantity": quantity}, format="json"
    )
    assert response.status_code == 201, response.json()


@pytest.fixture
def buyer(api_client):
    user = UserFactory(display_name="Dana Buyer")
    api_client.force_authenticate(user)
    return user


@pytest.fixture
def two_shops():
    honey = ShopFactory(name="Driftless Bee Farm")
    quilts = ShopFactory(name="Berea Loom House")
    return (
        ListingFactory(shop=honey, title="Raw Wildflower Honey", price_cents=1200,
                       shipping_cents=650, stock=5, local_pickup=True),
        ListingFactory(shop=quilts, title="Log Cabin Quilt", price_cents=48000,
                       shipping_cents=2500, stock=1),
    )


def pay(client, checkout_id, payment_method="pm_card_visa"):
    return client.post(
        f"/api/v1/checkout/{checkout_id}/pay", {"payment_method": payment_method}, format="json"
    )


def paid_orders(client, listings, quantities=None):
    """Cart → checkout → pay with a test card; return the orders, all paid."""
    for listing, quantity in zip(listings, quantities or [1] * len(listings), strict=True):
        add(client, listing, quantity)
    created = checkout(client)
    assert created.status_code == 201, created.json()
    paid = pay(client, created.json()["id"])
    assert paid.status_code == 200, paid.json()
    return list(Order.objects.filter(pk__in=created.json()["orders"]).order_by("pk"))
