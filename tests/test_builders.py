"""tests/builders.py makes orders in each state through the services, and never calls Stripe."""

import pytest

from moderation.models import Report
from notifications.models import Notification
from orders.models import Order, OrderEvent
from payments.models import Payout
from payments.selectors import escrow_summary
from tests import builders

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_stripe(settings):
    """Any call to Stripe would fail: nothing listens on port 9."""
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    settings.STRIPE_TIMEOUT_SECONDS = 1


def test_a_paid_order_holds_its_total_in_escrow_and_tells_the_buyer():
    order = builders.paid_order(quantity=2)
    assert order.status == Order.Status.PAID
    assert order.paid_at is not None and order.ship_by is not None
    summary = escrow_summary(reference=order.reference)
    assert (summary.status, summary.held_cents) == ("held", order.total_cents)
    assert list(OrderEvent.objects.filter(order=order).values_list("status", flat=True)) == [
        "pending_payment", "paid"]
    assert Notification.objects.filter(recipient=order.buyer, kind="order_placed").count() == 1
    assert Notification.objects.filter(recipient=order.shop.owner,
                                       kind="seller_order_paid").count() == 1


def test_one_checkout_of_two_shops_is_two_paid_orders():
    from tests.factories import ListingFactory

    orders = builders.paid_checkout_orders(
        lines=[(ListingFactory(), 1), (ListingFactory(), 3)])
    assert [order.status for order in orders] == ["paid", "paid"]
    assert orders[0].checkout_id == orders[1].checkout_id


def test_each_later_state():
    assert builders.shipped_order().status == Order.Status.SHIPPED
    assert builders.delivered_order().delivered_at is not None
    completed = builders.completed_order()
    assert completed.status == Order.Status.COMPLETED
    assert escrow_summary(reference=completed.reference).status == "released"
    disputed = builders.disputed_order(reason="damaged")
    assert (disputed.status, disputed.dispute_reason) == (Order.Status.DISPUTED, "damaged")
    pickup = builders.paid_order(fulfillment="pickup")
    assert len(pickup.pickup_code) > 0


def test_report_moderator_and_payout():
    report = builders.report()
    assert report.status == Report.Status.OPEN
    staff = builders.moderator()
    assert staff.is_staff and staff.has_perm("moderation.moderate")
    payout = builders.payout_for_shop(orders=2)
    assert payout.status == Payout.Status.PENDING
    assert payout.amount_cents > 0
