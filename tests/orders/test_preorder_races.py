"""Races on a pre-order's promise, on real Postgres: two requests at the same moment, exactly
one wins, and the money follows the winner (the ledger check runs after every test)."""

import datetime

import pytest
from django.utils import timezone

from orders.models import Order
from orders.services.deadlines import orders_cancel_unshipped
from payments.models import Refund
from payments.selectors import escrow_summary_or_none
from sellers.models import Listing
from tests.checkout_http import paid_orders
from tests.factories import ListingFactory, UserFactory
from tests.support import client_for, run_together

pytestmark = pytest.mark.django_db(transaction=True)


def _day(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def _moved_preorder_order():
    listing = ListingFactory(preorder_ships_by=_day(20), stock=10, price_cents=2500,
                             shipping_cents=500)
    (order,) = paid_orders(client_for(UserFactory()), [listing])
    moved = client_for(listing.shop.owner).post(
        f"/api/v1/seller/preorders/{listing.pk}/move", {"ships_by": _day(30).isoformat()},
        format="json")
    assert moved.status_code == 200, moved.json()
    return listing, order


def test_buyer_cancels_while_the_seller_marks_it_shipped_one_wins(localstripe):
    listing, order = _moved_preorder_order()

    def act(index):
        if index == 0:
            return client_for(order.buyer).post(
                f"/api/v1/orders/{order.pk}/cancel-after-move").status_code
        return client_for(listing.shop.owner).post(
            f"/api/v1/orders/{order.pk}/ship", {"carrier": "USPS", "tracking_number": "9400"},
            format="json").status_code

    statuses = run_together(2, act)
    assert sorted(statuses) == [200, 409], statuses
    order.refresh_from_db()
    summary = escrow_summary_or_none(reference=order.reference)
    if order.status == Order.Status.CANCELLED:
        assert statuses == [200, 409]
        assert summary.refunded_cents == order.total_cents and summary.remaining_cents == 0
    else:
        assert order.status == Order.Status.SHIPPED and statuses == [409, 200]
        assert summary.refunded_cents == 0 and summary.remaining_cents == order.total_cents
        assert not Refund.objects.exists()


def test_two_moves_at_once_only_one_passes(localstripe):
    listing = ListingFactory(preorder_ships_by=_day(20), stock=10)
    (order,) = paid_orders(client_for(UserFactory()), [listing])
    seller = listing.shop.owner

    def move(index):
        return client_for(seller).post(
            f"/api/v1/seller/preorders/{listing.pk}/move",
            {"ships_by": _day(25 + index).isoformat()}, format="json").status_code

    statuses = run_together(2, move)
    assert sorted(statuses) == [200, 409], statuses
    listing = Listing.objects.get(pk=listing.pk)
    assert listing.preorder_moved_from == _day(20)
    order.refresh_from_db()
    assert order.preorder_ships_by == listing.preorder_ships_by


def test_the_deadline_job_and_the_buyers_cancel_refund_once(localstripe, clock):
    listing, order = _moved_preorder_order()
    clock.move(days=6, hours=23)
    # Move the deadline into the past while the buyer's window is still open.
    Order.objects.filter(pk=order.pk).update(ship_by=timezone.now() - datetime.timedelta(hours=1))

    def act(index):
        if index == 0:
            return client_for(order.buyer).post(
                f"/api/v1/orders/{order.pk}/cancel-after-move").status_code
        return orders_cancel_unshipped()

    run_together(2, act)
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert order.events.filter(status=Order.Status.CANCELLED).count() == 1
    summary = escrow_summary_or_none(reference=order.reference)
    assert summary.refunded_cents == order.total_cents and summary.remaining_cents == 0
    assert Refund.objects.filter(escrow__reference=order.reference).count() == 1
