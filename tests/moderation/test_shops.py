"""Shop verification, suspension and reinstatement through the moderation API."""

import pytest
from rest_framework.test import APIClient

from moderation.models import AuditLog
from notifications.models import Notification
from orders.models import Order
from payments.selectors import shop_balance
from payments.services.payouts import payout_create, payouts_run
from sellers.models import Shop
from tests import builders
from tests.checkout_http import add, checkout
from tests.factories import ListingFactory, ShopFactory, UserFactory
from tests.staff import staff_api_login, staff_login
from tests.support import audit_rows, cache_clear_own_keys

pytestmark = pytest.mark.django_db


def _client(user):
    client = APIClient()
    if user.is_staff:
        return staff_api_login(client, user)
    client.force_authenticate(user)
    return client


def test_verify_a_waiting_shop(mod_client):
    waiting = ShopFactory(status=Shop.Status.PENDING_VERIFICATION, name="New Loom")
    queue = mod_client.get("/api/v1/moderation/shops/?status=pending_verification").json()
    assert [row["slug"] for row in queue["results"]] == [waiting.slug]
    assert queue["results"][0]["owner_email"] == waiting.owner.email
    response = mod_client.post(f"/api/v1/moderation/shops/{waiting.slug}/verify")
    assert response.status_code == 200
    assert response.json()["status"] == "active"
    assert audit_rows() == [("shop_verified", "shop", str(waiting.pk), "Verified.",
                             "pending_verification", "active")]
    assert list(Notification.objects.values_list("recipient", "kind")) == [
        (waiting.owner_id, "shop_verified")]
    assert mod_client.post(f"/api/v1/moderation/shops/{waiting.slug}/verify").status_code == 409
    assert mod_client.post("/api/v1/moderation/shops/nope/verify").status_code == 404


def test_suspend_hides_blocks_checkout_holds_payouts_keeps_orders_then_reinstate(
    mod_client, localstripe
):
    shop = ShopFactory(name="Fake Bags Inc")
    bag = ListingFactory(shop=shop, title="Leather tote bag", price_cents=5000, stock=10,
                         shipping_cents=0)
    buyer = UserFactory()
    buyer_api = _client(buyer)
    builders.completed_order(buyer=buyer, listing=bag)
    seller_api = _client(shop.owner)
    open_order = builders.paid_order(buyer=buyer, listing=bag)
    later_buyer = _client(UserFactory())
    add(later_buyer, bag, 1)
    available_before = shop_balance(shop=shop).available_cents
    assert available_before > 0

    response = mod_client.post(f"/api/v1/moderation/shops/{shop.slug}/suspend",
                               {"reason": "Selling counterfeit bags."}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "suspended"
    anonymous = APIClient()
    assert anonymous.get("/api/v1/listings/?q=tote").json()["results"] == []
    assert anonymous.get(f"/api/v1/shops/{shop.slug}").status_code == 404
    assert anonymous.get(f"/api/v1/listings/{bag.pk}").status_code == 404
    new_buyer = _client(UserFactory())
    refused = new_buyer.post("/api/v1/cart/items/", {"listing": bag.pk, "quantity": 1},
                             format="json")
    assert refused.status_code == 409
    # A line already in a cart is left out of checkout: nothing else to buy → 409.
    assert checkout(later_buyer).status_code == 409
    assert Order.objects.filter(shop=shop).count() == 2
    assert payout_create(shop_id=shop.pk) is None
    assert payouts_run().held == 1
    assert shop_balance(shop=shop).available_cents == available_before
    # Its open order runs on: ship and confirm through the API, escrow released.
    assert seller_api.post(f"/api/v1/orders/{open_order.pk}/ship",
                           {"carrier": "UPS", "tracking_number": "9"},
                           format="json").status_code == 200
    confirmed = buyer_api.post(f"/api/v1/orders/{open_order.pk}/confirm-receipt")
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "completed"
    assert confirmed.json()["escrow"]["status"] == "released"
    told = Notification.objects.get(kind="shop_suspended")
    assert (told.recipient_id, told.context) == (
        shop.owner_id, {"shop_name": "Fake Bags Inc", "reason": "Selling counterfeit bags."})

    back = mod_client.post(f"/api/v1/moderation/shops/{shop.slug}/reinstate",
                           {"note": "Appeal accepted."}, format="json")

    assert back.status_code == 200 and back.json()["status"] == "active"
    # The anonymous answer above is kept by the page cache for its 30 seconds; a new one shows
    # the reinstated shop's bag.
    cache_clear_own_keys()
    assert [row["id"] for row in anonymous.get("/api/v1/listings/?q=tote").json()["results"]] \
        == [bag.pk]
    assert new_buyer.post("/api/v1/cart/items/", {"listing": bag.pk, "quantity": 1},
                          format="json").status_code == 201
    assert checkout(new_buyer).status_code == 201
    owed = shop_balance(shop=shop).available_cents
    assert owed > available_before  # the open order's money was released while suspended
    payout = payout_create(shop_id=shop.pk)
    assert payout is not None and payout.amount_cents == owed
    assert shop_balance(shop=shop).available_cents == 0
    assert [row[0] for row in audit_rows()] == ["shop_suspended", "shop_reinstated"]
    assert audit_rows()[1][3:] == ("Appeal accepted.", "suspended", "active")
    told = Notification.objects.filter(recipient=shop.owner, kind__startswith="shop_")
    assert list(told.order_by("id").values_list("kind", flat=True)) == [
        "shop_suspended", "shop_reinstated"]


def test_suspend_needs_a_reason(mod_client):
    shop = ShopFactory()
    response = mod_client.post(f"/api/v1/moderation/shops/{shop.slug}/suspend",
                               {"reason": ""}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    assert Shop.objects.get(pk=shop.pk).status == "active"
    assert AuditLog.objects.count() == 0 and Notification.objects.count() == 0


def test_staff_shop_pages(client, moderator):
    waiting = ShopFactory(status=Shop.Status.PENDING_VERIFICATION, name="Quilt Barn")
    staff_login(client, moderator)
    assert "Quilt Barn" in client.get("/staff/shops/").content.decode()
    client.post(f"/staff/shops/{waiting.slug}/verify/", {"tab": "pending_verification"})
    client.post(f"/staff/shops/{waiting.slug}/suspend/", {"reason": "Fraud", "tab": "active"})
    assert Shop.objects.get(pk=waiting.pk).status == "suspended"
    client.post(f"/staff/shops/{waiting.slug}/reinstate/", {"tab": "suspended"})
    assert Shop.objects.get(pk=waiting.pk).status == "active"
    assert [row[0] for row in audit_rows()] == ["shop_verified", "shop_suspended",
                                                 "shop_reinstated"]
