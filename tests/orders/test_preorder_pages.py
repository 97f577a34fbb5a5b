"""The seller's harvest page, its packing list, moving the date and a short harvest from the
page (with the step that says who gets how much back), the buyer's cancel after a move, and
the dashboard's count of pre-orders due soon."""

import datetime

import pytest
from django.utils import timezone

from orders.models import Order
from payments.selectors import escrow_summary_or_none
from sellers.models import Listing
from tests import builders
from tests.checkout_http import paid_orders
from tests.factories import ListingFactory, ShopFactory, UserFactory
from tests.plain_words import raw_codes
from tests.support import client_for

pytestmark = pytest.mark.django_db


def _day(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def _preorder(days: int = 20, **fields) -> Listing:
    fields.setdefault("stock", 40)
    return ListingFactory(preorder_ships_by=_day(days), price_cents=2500, shipping_cents=500,
                          title=fields.pop("title", "Half a side of grass-fed beef"), **fields)


def _signed_in(client, user):
    client.force_login(user)
    return client


def test_harvest_page_shows_orders_units_money_and_the_date(client):
    listing = _preorder(20)
    first = builders.paid_order(listing=listing, quantity=2)
    builders.shipped_order(listing=listing)
    page = _signed_in(client, listing.shop.owner).get(f"/sell/listings/{listing.pk}/harvest/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Harvest: Half a side of grass-fed beef" in html
    assert f"ships by <strong>{_day(20):%b} {_day(20).day}, {_day(20).year}</strong>" in html
    assert "Sold: <strong>3</strong>" in html
    assert "Still to ship: <strong>2</strong>" in html
    held = escrow_summary_or_none(reference=first.reference).remaining_cents
    assert held == first.total_cents
    assert "Money held for you" in html
    assert f"#{first.pk}" in html and first.buyer.display_name in html
    assert "Shipped" in html and "Paid" in html


@pytest.mark.parametrize("count", [1, 20])
def test_harvest_page_and_packing_list_cost_the_same_queries_for_1_and_20_orders(
        client, django_assert_num_queries, count):
    listing = _preorder(20)
    for _ in range(count):
        builders.paid_order(listing=listing)
    _signed_in(client, listing.shop.owner)
    with django_assert_num_queries(HARVEST_QUERIES):
        assert client.get(f"/sell/listings/{listing.pk}/harvest/").status_code == 200
    with django_assert_num_queries(HARVEST_QUERIES):
        page = client.get(f"/sell/listings/{listing.pk}/harvest/packing-list/")
    assert page.status_code == 200
    assert page.content.decode().count("12 Main St") == count


HARVEST_QUERIES = 10


@pytest.mark.parametrize("count", [1, 20])
def test_harvest_api_costs_the_same_queries_for_1_and_20_orders(
        django_assert_num_queries, count):
    listing = _preorder(20)
    for _ in range(count):
        builders.paid_order(listing=listing)
    api = client_for(listing.shop.owner)
    with django_assert_num_queries(HARVEST_API_QUERIES):
        answer = api.get(f"/api/v1/seller/preorders/{listing.pk}")
    assert answer.status_code == 200
    assert len(answer.json()["orders"]) == count
    assert answer.json()["units_to_ship"] == count


HARVEST_API_QUERIES = 7


def test_harvest_pages_are_404_for_another_seller_and_for_in_stock_listings(client):
    listing = _preorder(20)
    in_stock = ListingFactory(shop=listing.shop)
    _signed_in(client, ShopFactory().owner)
    for url in (f"/sell/listings/{listing.pk}/harvest/",
                f"/sell/listings/{listing.pk}/harvest/packing-list/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/sell/listings/{listing.pk}/harvest/move/",
                       {"ships_by": _day(25).isoformat()}).status_code == 404
    assert client.post(f"/sell/listings/{listing.pk}/harvest/short/",
                       {"harvested": "0"}).status_code == 404
    _signed_in(client, listing.shop.owner)
    assert client.get(f"/sell/listings/{in_stock.pk}/harvest/").status_code == 404
    listing.refresh_from_db()
    assert listing.preorder_moved_from is None


def test_moving_the_date_from_the_page_and_the_second_try_is_refused(client):
    listing = _preorder(20)
    order = builders.paid_order(listing=listing)
    _signed_in(client, listing.shop.owner)
    url = f"/sell/listings/{listing.pk}/harvest/move/"
    page = client.post(url, {"ships_by": _day(60).isoformat()}, follow=True)
    assert "at most 30 days" in page.content.decode()
    page = client.post(url, {"ships_by": _day(30).isoformat()}, follow=True)
    assert "The ship date is moved" in page.content.decode()
    assert "cannot be moved again" in page.content.decode()  # the form is gone
    page = client.post(url, {"ships_by": _day(40).isoformat()}, follow=True)
    assert "already moved once" in page.content.decode()
    order.refresh_from_db()
    assert order.preorder_ships_by == _day(30) and order.preorder_cancel_until is not None

    buyer_page = _signed_in(client, order.buyer).get(f"/orders/{order.pk}/").content.decode()
    assert "The seller moved the ship date" in buyer_page
    assert f"/orders/{order.pk}/cancel-after-move/" in buyer_page


def test_dashboard_counts_pre_orders_due_within_14_days(client):
    soon, later = _preorder(10), _preorder(40)
    shop = soon.shop
    later.shop = shop
    later.save(update_fields=["shop"])
    builders.paid_order(listing=soon)
    builders.paid_order(listing=soon)
    builders.paid_order(listing=later)
    page = _signed_in(client, shop.owner).get("/sell/").content.decode()
    assert "<strong>2</strong> pre-orders due to ship within 14 days" in page
    assert f"/sell/listings/{soon.pk}/harvest/" in page


def test_short_harvest_page_says_who_gets_how_much_then_refunds(client, localstripe):
    listing = _preorder(20, shop=ShopFactory())
    buyers = [UserFactory(display_name=name) for name in ("Ada", "Ben", "Cy")]
    orders = [paid_orders(client_for(person), [listing])[0] for person in buyers]
    _signed_in(client, listing.shop.owner)
    url = f"/sell/listings/{listing.pk}/harvest/short/"
    step = client.post(url, {"harvested": "1", "note": "Hail in June."})
    html = step.content.decode()
    assert step.status_code == 200
    assert "Cy gets $30.00 back" in html and "Ben gets $30.00 back" in html
    assert "Ada gets" not in html
    assert "Cancel and refund $60.00" in html
    assert Order.objects.filter(status=Order.Status.CANCELLED).count() == 0  # nothing yet

    done = client.post(url, {"confirmed": "yes", "orders": [orders[2].pk, orders[1].pk],
                             "note": "Hail in June."}, follow=True)
    assert "2 orders cancelled and $60.00 refunded in full" in done.content.decode()
    statuses = [Order.objects.get(pk=order.pk).status for order in orders]
    assert statuses == [Order.Status.PAID, Order.Status.CANCELLED, Order.Status.CANCELLED]


def test_buyer_cancels_after_a_move_through_the_confirmation_step(client, localstripe):
    listing = _preorder(20, shop=ShopFactory())
    buyer = UserFactory()
    (order,) = paid_orders(client_for(buyer), [listing])
    assert client_for(listing.shop.owner).post(
        f"/api/v1/seller/preorders/{listing.pk}/move", {"ships_by": _day(25).isoformat()},
        format="json").status_code == 200
    _signed_in(client, buyer)
    step = client.get(f"/orders/{order.pk}/cancel-after-move/")
    assert step.status_code == 200
    assert "You get $30.00 back" in step.content.decode()
    done = client.post(f"/orders/{order.pk}/cancel-after-move/", {"confirmed": "yes"},
                       follow=True)
    assert "refunded in full" in done.content.decode()
    assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED
    assert escrow_summary_or_none(reference=order.reference).refunded_cents == 3000


def test_harvest_pages_read_in_plain_words(client, localstripe):
    listing = _preorder(20, shop=ShopFactory())
    orders = [paid_orders(client_for(UserFactory()), [listing])[0] for _ in range(3)]
    seller_api = client_for(listing.shop.owner)
    assert seller_api.post(f"/api/v1/orders/{orders[0].pk}/ship",
                           {"carrier": "USPS", "tracking_number": "9400"},
                           format="json").status_code == 200
    assert seller_api.post(f"/api/v1/seller/preorders/{listing.pk}/move",
                           {"ships_by": _day(22).isoformat()}, format="json").status_code == 200
    assert client_for(orders[1].buyer).post(
        f"/api/v1/orders/{orders[1].pk}/cancel-after-move").status_code == 200
    _signed_in(client, listing.shop.owner)
    pages = {
        "harvest": client.get(f"/sell/listings/{listing.pk}/harvest/"),
        "packing list": client.get(f"/sell/listings/{listing.pk}/harvest/packing-list/"),
        "short harvest step": client.post(f"/sell/listings/{listing.pk}/harvest/short/",
                                          {"orders": [orders[2].pk]}),
        "dashboard": client.get("/sell/"),
    }
    _signed_in(client, orders[2].buyer)
    pages["buyer order"] = client.get(f"/orders/{orders[2].pk}/")
    pages["buyer cancel step"] = client.get(f"/orders/{orders[2].pk}/cancel-after-move/")
    for name, page in pages.items():
        assert page.status_code == 200, name
        assert raw_codes(page.content.decode()) == [], name
    assert "Shipped" in pages["harvest"].content.decode()
    assert "Cancelled" in pages["harvest"].content.decode()
