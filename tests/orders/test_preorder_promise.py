"""A pre-order's promise kept by the system, through the API against localstripe: a missed
date cancels and refunds in full, a moved date lets buyers cancel in full for 7 days, a short
harvest cancels the newest orders with full refunds; bad moves and other people's things are
refused with nothing changed."""

import datetime

import pytest
from django.utils import timezone

from notifications.models import Notification
from orders.models import Order
from orders.services.deadlines import orders_cancel_unshipped
from payments.models import Refund
from payments.selectors import escrow_summary_or_none
from sellers.models import Listing
from tests.checkout_http import paid_orders
from tests.factories import ListingFactory, ShopFactory, UserFactory
from tests.support import client_for, reader_zone

pytestmark = pytest.mark.django_db


def _day(days: int) -> datetime.date:
    """`days` after today on the seller's calendar (their zone, the default one here): a
    promise ends with the seller's day, which is a day behind UTC's each evening in America."""
    return timezone.localdate(timezone=reader_zone()) + datetime.timedelta(days=days)


def preorder_listing(*, ships_in: int = 20, stock: int = 10, **fields) -> Listing:
    """A live listing its seller turned into a pre-order through the API."""
    listing = ListingFactory(shop=fields.pop("shop", None) or ShopFactory(), price_cents=2500,
                             shipping_cents=500, **fields)
    answer = client_for(listing.shop.owner).put(
        f"/api/v1/listings/{listing.pk}/preorder",
        {"ships_by": _day(ships_in).isoformat(), "stock": stock}, format="json")
    assert answer.status_code == 200, answer.json()
    listing.refresh_from_db()
    assert listing.preorder_ships_by == _day(ships_in)
    return listing


def bought(listing: Listing, *, quantity: int = 1, buyer=None) -> Order:
    buyer = buyer or UserFactory()
    (order,) = paid_orders(client_for(buyer), [listing], [quantity])
    assert order.is_preorder and order.preorder_ships_by == listing.preorder_ships_by
    return order


def _held(order: Order) -> int:
    return escrow_summary_or_none(reference=order.reference).remaining_cents


def _kinds(user) -> list[str]:
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_a_missed_date_cancels_and_refunds_in_full_and_tells_both(localstripe, clock):
    listing = preorder_listing(ships_in=20)
    order = bought(listing, quantity=2)
    assert order.total_cents == 2 * 2500 + 500
    assert _held(order) == order.total_cents

    clock.move(days=20)  # the promised day itself: not late yet
    assert orders_cancel_unshipped() == 0
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID

    clock.move(days=1)  # the day after: late
    assert orders_cancel_unshipped() == 1
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    summary = escrow_summary_or_none(reference=order.reference)
    assert (summary.remaining_cents, summary.refunded_cents) == (0, order.total_cents)
    assert Refund.objects.filter(escrow__reference=order.reference).count() == 1
    assert "order_cancelled" in _kinds(order.buyer) and "order_refunded" in _kinds(order.buyer)
    assert "order_cancelled" in _kinds(listing.shop.owner)
    assert orders_cancel_unshipped() == 0  # a second run changes nothing


def test_moved_date_tells_buyers_and_one_cancels_for_a_full_refund(localstripe, clock):
    listing = preorder_listing(ships_in=20)
    first, second = bought(listing), bought(listing, quantity=3)
    old_deadline = first.ship_by

    moved = client_for(listing.shop.owner).post(
        f"/api/v1/seller/preorders/{listing.pk}/move", {"ships_by": _day(35).isoformat()},
        format="json")
    assert moved.status_code == 200, moved.json()
    assert moved.json()["moved_from"] == _day(20).isoformat()
    assert moved.json()["ships_by"] == _day(35).isoformat()
    assert moved.json()["orders_told"] == 2
    shown = client_for(first.buyer).get(f"/api/v1/orders/{first.pk}").json()["preorder"]
    assert shown["ships_by"] == _day(35).isoformat() and shown["cancel_until"]
    for order in (first, second):
        order.refresh_from_db()
        assert order.preorder_ships_by == _day(35)
        assert order.ship_by == old_deadline + datetime.timedelta(days=15)
        assert "preorder_date_moved" in _kinds(order.buyer)
        assert order.events.last().note.startswith("The seller moved the ship date")
    listing.refresh_from_db()
    assert (listing.preorder_moved_from, listing.preorder_ships_by) == (_day(20), _day(35))

    clock.move(days=6)
    cancelled = client_for(first.buyer).post(f"/api/v1/orders/{first.pk}/cancel-after-move")
    assert cancelled.status_code == 200, cancelled.json()
    assert cancelled.json()["status"] == "cancelled"
    summary = escrow_summary_or_none(reference=first.reference)
    assert summary.refunded_cents == first.total_cents and summary.remaining_cents == 0
    assert "order_cancelled" in _kinds(listing.shop.owner)
    listing.refresh_from_db()
    assert listing.stock == 10 - 1 - 3 + 1  # the unit goes back on sale

    clock.move(days=2)  # the 7 days are over
    late = client_for(second.buyer).post(f"/api/v1/orders/{second.pk}/cancel-after-move")
    assert late.status_code == 409
    assert "7 days" in late.json()["detail"]
    assert Order.objects.get(pk=second.pk).status == Order.Status.PAID
    assert _held(second) == second.total_cents

    # The moved date is the one the job keeps: not cancelled on the old date, but after the new.
    clock.move(days=20 - 8 + 1)
    assert orders_cancel_unshipped() == 0
    clock.move(days=15)
    assert orders_cancel_unshipped() == 1
    assert Order.objects.get(pk=second.pk).status == Order.Status.CANCELLED


def test_cancel_after_move_is_refused_when_the_date_never_moved(localstripe):
    listing = preorder_listing()
    order = bought(listing)
    answer = client_for(order.buyer).post(f"/api/v1/orders/{order.pk}/cancel-after-move")
    assert answer.status_code == 409
    assert "has not moved" in answer.json()["detail"]
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID
    assert not Refund.objects.exists()


@pytest.mark.parametrize(("ships_in", "status", "words"), [
    (51, 400, "at most 30 days"),
    (-1, 400, "in the past"),
    (20, 400, "after the one promised"),
    (10, 400, "after the one promised"),
    ("next week", 400, "Date has wrong format"),
])
def test_a_bad_move_is_refused_and_changes_nothing(ships_in, status, words):
    listing = preorder_listing(ships_in=20)
    value = ships_in if isinstance(ships_in, str) else _day(ships_in).isoformat()
    answer = client_for(listing.shop.owner).post(
        f"/api/v1/seller/preorders/{listing.pk}/move", {"ships_by": value}, format="json")
    assert answer.status_code == status, answer.json()
    assert words in str(answer.json())
    listing.refresh_from_db()
    assert (listing.preorder_ships_by, listing.preorder_moved_from) == (_day(20), None)
    assert not Notification.objects.filter(kind="preorder_date_moved").exists()


def test_moving_twice_is_refused():
    listing = preorder_listing(ships_in=20)
    seller = client_for(listing.shop.owner)
    url = f"/api/v1/seller/preorders/{listing.pk}/move"
    assert seller.post(url, {"ships_by": _day(25).isoformat()}, format="json").status_code == 200
    again = seller.post(url, {"ships_by": _day(30).isoformat()}, format="json")
    assert again.status_code == 409
    assert "already moved once" in again.json()["detail"]
    listing.refresh_from_db()
    assert (listing.preorder_ships_by, listing.preorder_moved_from) == (_day(25), _day(20))
    # With no orders open the seller may set a new promise; that one may be moved once again.
    assert client_for(listing.shop.owner).put(
        f"/api/v1/listings/{listing.pk}/preorder",
        {"ships_by": _day(50).isoformat(), "stock": 10}, format="json").status_code == 200
    assert Listing.objects.get(pk=listing.pk).preorder_moved_from is None
    assert seller.post(url, {"ships_by": _day(60).isoformat()}, format="json").status_code == 200


def test_an_in_stock_listing_has_no_date_to_move():
    listing = ListingFactory()
    answer = client_for(listing.shop.owner).post(
        f"/api/v1/seller/preorders/{listing.pk}/move", {"ships_by": _day(5).isoformat()},
        format="json")
    assert answer.status_code == 409
    assert "not a pre-order" in answer.json()["detail"]


def test_another_sellers_listing_and_another_buyers_order_are_404(localstripe):
    listing = preorder_listing()
    order = bought(listing)
    stranger = client_for(ShopFactory().owner)
    for method, url, body in [
        ("get", f"/api/v1/seller/preorders/{listing.pk}", None),
        ("post", f"/api/v1/seller/preorders/{listing.pk}/move",
         {"ships_by": _day(25).isoformat()}),
        ("post", f"/api/v1/seller/preorders/{listing.pk}/short-harvest", {"harvested": 0}),
        ("post", f"/api/v1/orders/{order.pk}/cancel-after-move", None),
        ("get", "/api/v1/seller/preorders/999999", None),
    ]:
        answer = getattr(stranger, method)(url, body, format="json")
        assert answer.status_code == 404, (url, answer.json())
    # The seller is not the buyer: the buyer's action is 404 for them too.
    seller = client_for(listing.shop.owner)
    assert seller.post(f"/api/v1/orders/{order.pk}/cancel-after-move").status_code == 404
    listing.refresh_from_db()
    assert listing.preorder_moved_from is None
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID


def test_short_harvest_cancels_the_newest_orders_with_full_refunds(localstripe):
    listing = preorder_listing(ships_in=20, stock=10)
    oldest = bought(listing, quantity=2)
    middle = bought(listing, quantity=3)
    newest = bought(listing, quantity=1)
    seller = client_for(listing.shop.owner)
    url = f"/api/v1/seller/preorders/{listing.pk}/short-harvest"

    preview = seller.post(url, {"harvested": 3, "preview": True}, format="json")
    assert preview.status_code == 200, preview.json()
    assert [row["id"] for row in preview.json()["orders"]] == [newest.pk, middle.pk]
    assert preview.json()["refund_cents"] == newest.total_cents + middle.total_cents
    assert preview.json()["units_kept"] == 2
    assert not Refund.objects.exists()  # a preview moves no money

    done = seller.post(url, {"harvested": 3, "note": "Late frost took half."}, format="json")
    assert done.status_code == 200, done.json()
    assert [row["status"] for row in done.json()["orders"]] == ["cancelled", "cancelled"]
    for order in (newest, middle):
        order.refresh_from_db()
        assert order.status == Order.Status.CANCELLED
        summary = escrow_summary_or_none(reference=order.reference)
        assert summary.refunded_cents == order.total_cents and summary.remaining_cents == 0
        note = Notification.objects.get(recipient=order.buyer, kind="preorder_short_harvest")
        assert "Late frost took half." in note.message
        assert f"#{order.pk}" in note.message
    assert Order.objects.get(pk=oldest.pk).status == Order.Status.PAID
    assert _held(oldest) == oldest.total_cents
    listing.refresh_from_db()
    assert listing.stock == 0  # nothing more is sold of a short harvest

    harvest = seller.get(f"/api/v1/seller/preorders/{listing.pk}").json()
    assert harvest["units_sold"] == 2 and harvest["units_to_ship"] == 2
    assert harvest["held_cents"] == oldest.total_cents


def test_short_harvest_of_chosen_orders_and_bad_input(localstripe):
    listing = preorder_listing(ships_in=20, stock=10)
    first, second = bought(listing), bought(listing)
    other = bought(preorder_listing())
    seller = client_for(listing.shop.owner)
    url = f"/api/v1/seller/preorders/{listing.pk}/short-harvest"
    for body, words in [
        ({}, "one of the two"),
        ({"harvested": 2}, "covers them all"),
        ({"harvested": -1}, "greater than or equal to 0"),
        ({"orders": [other.pk]}, "is not a paid, unshipped order"),
        ({"harvested": 1, "orders": [first.pk]}, "one of the two"),
        ({"orders": [first.pk], "note": "x" * 301}, "300"),
    ]:
        answer = seller.post(url, body, format="json")
        assert answer.status_code == 400, (body, answer.json())
        assert words in str(answer.json()), answer.json()
    assert not Refund.objects.exists()
    assert Listing.objects.get(pk=listing.pk).stock == 8

    chosen = seller.post(url, {"orders": [first.pk]}, format="json")
    assert chosen.status_code == 200
    assert Order.objects.get(pk=first.pk).status == Order.Status.CANCELLED
    assert Order.objects.get(pk=second.pk).status == Order.Status.PAID


def test_short_harvest_refunds_deposits_and_paid_balances_in_full(localstripe):
    listing = ListingFactory(shop=ShopFactory(), price_cents=10000, shipping_cents=500)
    seller = client_for(listing.shop.owner)
    assert seller.put(f"/api/v1/listings/{listing.pk}/preorder",
                      {"ships_by": _day(20).isoformat(), "stock": 5, "deposit_bps": 3000},
                      format="json").status_code == 200
    listing.refresh_from_db()
    with_balance = bought(listing)
    deposit_only = bought(listing)
    assert seller.post(f"/api/v1/orders/{with_balance.pk}/ready").status_code == 200
    paid = client_for(with_balance.buyer).post(
        f"/api/v1/orders/{with_balance.pk}/balance/pay", {"payment_method": "pm_card_visa"},
        format="json")
    assert paid.status_code == 200, paid.json()
    assert (_held(with_balance), _held(deposit_only)) == (10500, 3150)

    step = seller.post(f"/api/v1/seller/preorders/{listing.pk}/short-harvest",
                       {"harvested": 0, "preview": True}, format="json").json()
    assert {row["id"]: row["refund_cents"] for row in step["orders"]} == {
        with_balance.pk: 10500, deposit_only.pk: 3150}
    assert step["refund_cents"] == 13650

    done = seller.post(f"/api/v1/seller/preorders/{listing.pk}/short-harvest",
                       {"harvested": 0}, format="json")
    assert done.status_code == 200, done.json()
    for order, paid_cents in ((with_balance, 10500), (deposit_only, 3150)):
        summary = escrow_summary_or_none(reference=order.reference)
        assert (summary.refunded_cents, summary.remaining_cents) == (paid_cents, 0)
        assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED
        note = Notification.objects.get(recipient=order.buyer, kind="preorder_short_harvest")
        assert f"${paid_cents // 100:,}.{paid_cents % 100:02d}" in note.message
    # The balance was its own payment: it is refunded to it, the deposit to the deposit's.
    assert Refund.objects.filter(escrow__reference=with_balance.reference).count() == 2


def test_a_buyer_cannot_cancel_a_paid_pre_order_unless_the_date_moved(localstripe):
    listing = preorder_listing(stock=3)
    order = bought(listing)
    buyer = client_for(order.buyer)
    answer = buyer.post(f"/api/v1/orders/{order.pk}/cancel")
    assert answer.status_code == 409
    assert "held for you from the harvest" in answer.json()["detail"]
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID
    assert _held(order) == order.total_cents and not Refund.objects.exists()
    assert Listing.objects.get(pk=listing.pk).stock == 2
    page = buyer.get(f"/orders/{order.pk}/")
    assert "Cancel order" not in page.content.decode()
    # The seller may still cancel it (with a full refund), as for any paid order.
    assert client_for(listing.shop.owner).post(
        f"/api/v1/orders/{order.pk}/cancel").status_code == 200
    assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED
    assert Refund.objects.count() == 1
