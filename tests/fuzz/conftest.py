"""A small real world for the fuzzer: a buyer with paid orders, a seller with an active shop
and listings, a moderator, each with an API token."""

import contextlib
import uuid

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from marketplace.celery import app as celery_app
from notifications.models import Notification
from orders.models import CartItem
from tests.factories import ListingFactory, ShopFactory, UserFactory
from tests.staff import staff_make, staff_token_make

ADDRESS = {"name": "Dana Buyer", "line1": "12 Main St", "city": "Decorah", "state": "IA",
           "postal_code": "52101", "country": "US"}
GENEROUS = {scope: "100000/hour" for scope in (
    "signup", "report", "upload", "checkout", "password_reset", "password_reset_address",
    "email_link", "account_data", "account_close", "hub_act")}


def _paid_checkout(client: APIClient, listing, key: str) -> dict:
    added = client.post("/api/v1/cart/items/", {"listing": listing.pk, "quantity": 1},
                        format="json")
    assert added.status_code == 201, added.content
    created = client.post("/api/v1/checkout", {"fulfillment": "ship", "shipping_address": ADDRESS},
                          format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert created.status_code == 201, created.content
    paid = client.post(f"/api/v1/checkout/{created.json()['id']}/pay",
                       {"payment_method": "pm_card_visa"}, format="json")
    assert paid.status_code == 200, paid.content
    return paid.json()


@pytest.fixture
def fuzz_world(transactional_db, settings, localstripe_base):
    """The world, committed (the fuzzer's requests commit like a real server's); the
    transactional_db fixture empties the database afterwards."""
    settings.STRIPE_API_BASE = localstripe_base
    # Every scope, also ones added after this list was written (a missing one would be a 500).
    settings.RATE_LIMITS = {**{scope: "100000/hour" for scope in settings.RATE_LIMITS},
                            **GENEROUS}
    queue = f"fuzz-{uuid.uuid4().hex[:8]}"  # tasks queued by the fuzzer go nowhere shared
    previous_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    try:
        seller_shop = ShopFactory(name="Driftless Bee Farm")
        listings = [ListingFactory(shop=seller_shop, stock=40, price_cents=1200)
                    for _ in range(3)]
        buyer = UserFactory(display_name="Dana Buyer")
        staff = staff_make(display_name="Morgan Moderator")
        client = APIClient()
        client.force_authenticate(buyer)
        checkouts = [_paid_checkout(client, listing, f"fuzz-{n}")
                     for n, listing in enumerate(listings[:2])]
        item = client.post("/api/v1/cart/items/", {"listing": listings[2].pk, "quantity": 1},
                           format="json")
        assert item.status_code == 201, item.content
        report = client.post(f"/api/v1/listings/{listings[1].pk}/reports/",
                             {"reason": "misleading", "details": "Not clover."}, format="json")
        assert report.status_code == 201, report.content
        notification = Notification.objects.filter(recipient=buyer).order_by("pk").first()
        # Buyers and sellers use API tokens; staff a staff token from a verified session.
        authorization = {role: f"Token {Token.objects.create(user=user).key}" for role, user in
                         (("buyer", buyer), ("seller", seller_shop.owner))}
        authorization["staff"] = f"StaffToken {staff_token_make(staff)}"
        yield {
            "authorization": authorization,
            "ids": {
                "listing_id": listings[0].pk,
                "slug": seller_shop.slug,
                "order_id": checkouts[0]["orders"][0],
                "checkout_id": checkouts[1]["id"],
                "item_id": CartItem.objects.get(cart__user=buyer).pk,
                "report_id": report.json()["id"],
                "notification_id": notification.pk if notification else 1,
            },
        }
    finally:
        celery_app.conf.task_default_queue = previous_queue
        _queue_drop(queue)


def _queue_drop(queue: str) -> None:
    with celery_app.connection_for_write() as connection:
        with contextlib.suppress(Exception):  # nothing was ever queued there
            connection.default_channel.queue_delete(queue)
