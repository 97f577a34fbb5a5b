"""Each order event tells each person once, with a link to the right page."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from notifications.models import Notification
from orders.models import Order
from orders.services.order_notify import ship_by_soon_notify
from tests import builders
from tests.checkout_http import add, checkout, paid_orders, pay
from tests.staff import staff_make

pytestmark = pytest.mark.django_db


def sent(**filters):
    return sorted(
        (n.recipient_id, n.kind, n.url) for n in Notification.objects.filter(**filters)
    )


def test_paid_shipped_confirmed_and_reviewed(api_client, buyer, two_shops):
    honey, _ = two_shops
    seller = honey.shop.owner
    order = builders.paid_order(buyer=buyer, listing=honey)
    assert sent() == sorted([
        (buyer.pk, "order_placed", f"/orders/{order.pk}/"),
        (seller.pk, "seller_order_paid", f"/sell/orders/{order.pk}/"),
    ])
    api_client.force_authenticate(seller)
    ship = {"carrier": "USPS", "tracking_number": "9400 1"}
    api_client.post(f"/api/v1/orders/{order.pk}/ship", ship, format="json")
    assert api_client.post(f"/api/v1/orders/{order.pk}/ship", ship,
                           format="json").status_code == 409  # a failed repeat tells no one
    assert sent(kind="order_shipped") == [(buyer.pk, "order_shipped", f"/orders/{order.pk}/")]
    shipped = Notification.objects.get(kind="order_shipped")
    assert "9400 1" in shipped.message
    api_client.force_authenticate(buyer)
    api_client.post(f"/api/v1/orders/{order.pk}/confirm-receipt")
    api_client.post(f"/api/v1/orders/{order.pk}/review", {"rating": 5, "text": "Lovely"},
                    format="json")
    assert sent(kind__in=["order_completed", "buyer_confirmed", "escrow_released",
                          "new_review"]) == sorted([
        (buyer.pk, "order_completed", f"/orders/{order.pk}/"),
        (seller.pk, "buyer_confirmed", f"/sell/orders/{order.pk}/"),
        (seller.pk, "escrow_released", "/sell/balance/"),
        (seller.pk, "new_review", f"/shops/{honey.shop.slug}/"),
    ])
    released = Notification.objects.get(kind="escrow_released")
    assert released.context["amount_cents"] == 1850 - (1850 * 500 + 5000) // 10000
    assert Notification.objects.count() == 7


def test_a_pickup_order_asks_the_seller_to_hand_it_over_not_to_ship_it(buyer):
    shipped = builders.paid_order(buyer=buyer)
    pickup = builders.paid_order(buyer=buyer, fulfillment="pickup")
    told = {n.context["order_id"]: n for n in Notification.objects.filter(
        kind="seller_order_paid")}
    assert "ship it by" in told[shipped.pk].message
    assert "hand" not in told[shipped.pk].message
    assert "have it ready for the buyer to pick up" in told[pickup.pk].message
    assert "ship" not in told[pickup.pk].message.lower()
    ship_by_soon_notify(pickup)  # what the deadline job sends a day before
    reminder = Notification.objects.get(kind="ship_by_soon", context__order_id=pickup.pk)
    assert reminder.message.startswith(f"Order #{pickup.pk} must be handed over by")


def test_buyer_cancel_tells_the_seller_and_the_refund_tells_the_buyer(
    api_client, buyer, two_shops, localstripe
):
    honey, _ = two_shops
    (order,) = paid_orders(api_client, [honey])
    Notification.objects.all().delete()
    api_client.post(f"/api/v1/orders/{order.pk}/cancel")
    api_client.post(f"/api/v1/orders/{order.pk}/cancel")
    assert sent() == sorted([
        (honey.shop.owner_id, "order_cancelled", f"/sell/orders/{order.pk}/"),
        (buyer.pk, "order_refunded", f"/orders/{order.pk}/"),
    ])


def test_dispute_tells_buyer_seller_and_staff(api_client, buyer, two_shops):
    honey, _ = two_shops
    staff = staff_make()  # a moderator; staff without moderation.moderate are not told
    staff_make(permissions=("payments.manage_payouts",))
    order = builders.paid_order(buyer=buyer, listing=honey)
    Notification.objects.all().delete()
    body = {"reason": "not_received", "details": "Nothing came."}
    api_client.post(f"/api/v1/orders/{order.pk}/dispute", body, format="json")
    api_client.post(f"/api/v1/orders/{order.pk}/dispute", body, format="json")
    assert sent() == sorted([
        (buyer.pk, "dispute_opened", f"/orders/{order.pk}/"),
        (honey.shop.owner_id, "dispute_opened", f"/sell/orders/{order.pk}/"),
        (staff.pk, "staff_new_dispute", f"/staff/disputes/{order.pk}/"),
    ])


def test_a_declined_card_tells_the_buyer_once(api_client, buyer, two_shops, localstripe):
    honey, _ = two_shops
    add(api_client, honey)
    created = checkout(api_client).json()
    pay(api_client, created["id"], "pm_card_chargeCustomerFail")
    assert sent() == [(buyer.pk, "payment_failed", f"/checkout/{created['id']}/pay/")]
    assert not Notification.objects.filter(kind="order_placed").exists()


def test_deadline_reminders_are_sent_once(api_client, buyer, two_shops):
    honey, quilt = two_shops
    to_ship, shipped = builders.paid_checkout_orders(buyer=buyer, lines=[(honey, 1), (quilt, 1)])
    api_client.force_authenticate(quilt.shop.owner)
    api_client.post(f"/api/v1/orders/{shipped.pk}/ship",
                    {"carrier": "UPS", "tracking_number": "1Z"}, format="json")
    soon = timezone.now() + timezone.timedelta(hours=20)
    Order.objects.filter(pk=to_ship.pk).update(ship_by=soon)
    Order.objects.filter(pk=shipped.pk).update(auto_confirm_at=soon)
    Notification.objects.all().delete()
    call_command("run_due_jobs", "--only", "orders-remind-deadlines",
                 stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("run_due_jobs", "--only", "orders-remind-deadlines",
                 stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert sent() == sorted([
        (honey.shop.owner_id, "ship_by_soon", f"/sell/orders/{to_ship.pk}/"),
        (buyer.pk, "auto_confirm_soon", f"/orders/{shipped.pk}/"),
    ])
