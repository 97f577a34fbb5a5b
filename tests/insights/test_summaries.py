"""The daily summaries equal what the orders and the ledger say, and refreshing is harmless."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from insights.models import ListingDay, ShopDay, VillageDay
from insights.services import summaries_rebuild, summaries_refresh
from insights.services.summaries import today
from insights.tasks import summaries_refresh_task
from orders.models import Order
from payments.selectors import shop_balance
from tests import builders
from tests.factories import ListingFactory, ShopFactory, UserFactory
from tests.support import run_together

pytestmark = pytest.mark.django_db


def shop_rows(shop):
    return list(ShopDay.objects.filter(shop=shop).order_by("day").values_list(
        "day", "orders_paid", "units", "sales_cents", "released_cents", "views"))


@pytest.fixture
def shop_with_orders_in_every_state():
    shop = ShopFactory(verified_at=timezone.now() - timedelta(days=30))
    honey = ListingFactory(shop=shop, title="Wildflower honey", price_cents=1200, stock=50)
    quilt = ListingFactory(shop=shop, title="Log cabin quilt", price_cents=15000, stock=5)
    dana = UserFactory()
    orders = [
        builders.paid_order(listing=honey, quantity=3, buyer=dana),
        builders.shipped_order(listing=quilt),
        builders.delivered_order(listing=honey),
        builders.completed_order(listing=honey, quantity=2, buyer=dana),
        builders.completed_order(listing=quilt),
        builders.disputed_order(listing=honey),
    ]
    builders.paid_order(listing=ListingFactory(), quantity=4)  # another shop's order
    return shop, orders


def test_the_rebuild_matches_the_orders_and_the_ledger(shop_with_orders_in_every_state):
    shop, orders = shop_with_orders_in_every_state
    summaries_rebuild()

    paid = Order.objects.filter(shop=shop, paid_at__isnull=False)
    units = sum(item.quantity for order in paid for item in order.items.all())
    released = shop_balance(shop=shop).available_cents  # no payout yet: all that was released
    assert released > 0
    assert shop_rows(shop) == [
        (today(), 6, units, sum(order.total_cents for order in paid), released, 0)]
    assert units == 3 + 1 + 1 + 2 + 1 + 1

    listings = {row.listing.title: (row.orders_paid, row.units, row.sales_cents)
                for row in ListingDay.objects.filter(shop=shop).select_related("listing")}
    assert listings == {"Wildflower honey": (4, 7, 7 * 1200),
                        "Log cabin quilt": (2, 2, 2 * 15000)}

    village = VillageDay.objects.get(village=shop.village, day=today())
    assert (village.active_shops, village.orders_completed, village.sales_cents,
            village.paid_to_sellers_cents) == (1, 2, shop_rows(shop)[0][3], released)


def test_days_are_counted_in_the_marketplace_home_zone(shop_with_orders_in_every_state):
    shop, orders = shop_with_orders_in_every_state
    first = orders[0]
    Order.objects.filter(pk=first.pk).update(paid_at=timezone.now() - timedelta(days=3))
    summaries_rebuild()
    rows = shop_rows(shop)
    assert [(day, count) for day, count, *_ in rows] == [(today() - timedelta(days=3), 1),
                                                       (today(), 5)]
    # Rows before the first sale hold nothing; a refresh of a range leaves the other days.
    summaries_refresh(since=today())
    assert shop_rows(shop) == rows


def test_the_refresh_is_idempotent_and_keeps_counted_views(shop_with_orders_in_every_state):
    shop, _ = shop_with_orders_in_every_state
    summaries_refresh(since=today() - timedelta(days=2))
    ShopDay.objects.filter(shop=shop).update(views=40)
    first = shop_rows(shop)
    village_first = list(VillageDay.objects.values_list("village_id", "day", "active_shops",
                                                        "orders_completed", "sales_cents"))
    summaries_refresh(since=today() - timedelta(days=2))
    summaries_refresh(since=today())
    assert shop_rows(shop) == first and first[0][-1] == 40
    assert list(VillageDay.objects.values_list("village_id", "day", "active_shops",
                                               "orders_completed", "sales_cents")) == village_first


def test_a_refresh_forgets_what_is_no_longer_true(shop_with_orders_in_every_state):
    shop, orders = shop_with_orders_in_every_state
    summaries_refresh(since=today())
    # An order paid today is found, on second look, to have been paid a week ago.
    Order.objects.filter(shop=shop).update(paid_at=timezone.now() - timedelta(days=7))
    summaries_refresh(since=today())
    row = ShopDay.objects.get(shop=shop, day=today())
    assert (row.orders_paid, row.units, row.sales_cents) == (0, 0, 0)
    assert row.released_cents > 0  # the releases did happen today
    assert not ListingDay.objects.filter(shop=shop, day=today()).exists()


def test_a_reversed_range_changes_nothing():
    assert summaries_refresh(since=today() + timedelta(days=1)) == {
        "shop_days": 0, "listing_days": 0, "village_days": 0}


def test_nothing_sold_yet_rebuilds_to_nothing():
    ShopFactory(verified_at=timezone.now())
    assert summaries_rebuild()["shop_days"] == 0
    assert not ShopDay.objects.exists()


def test_the_command_and_the_job_say_what_they_did(shop_with_orders_in_every_state, capsys):
    call_command("rebuild_insights")
    # Two shops sold today: this one and the other shop's order of four.
    assert capsys.readouterr().out.startswith("Rebuilt 2 shop days, 3 listing days")
    assert summaries_refresh_task()["shop_days"] == ShopDay.objects.count()


@pytest.mark.django_db(transaction=True)
def test_two_refreshes_at_once_end_as_one(shop_with_orders_in_every_state):
    shop, _ = shop_with_orders_in_every_state
    results = run_together(2, lambda index: summaries_refresh(since=today() - timedelta(days=1)))
    assert results[0] == results[1]
    assert len(shop_rows(shop)) == 1
