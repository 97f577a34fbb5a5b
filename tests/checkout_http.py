"""The buyer's checkout over the REST API, paid with a test card on localstripe: for tests
about the checkout and Stripe themselves. Tests that only need a paid order in some state use
tests/builders.py (no HTTP, no Stripe)."""

import itertools

from orders.models import Order
from tests.builders import ADDRESS

_keys = itertools.count(1)

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
