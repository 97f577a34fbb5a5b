"""A listing's `shop_active` (what a search reads instead of each match's shop) follows its
shop's status: database triggers keep it, whatever writes the shop or the listing."""

import threading

import pytest
from django.db import connection, transaction

from sellers.models import Listing, Shop
from tests.factories import ListingFactory, ShopFactory
from tests.staff import staff_login, staff_make
from tests.support import cache_clear_own_keys

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    return staff_login(client, staff_make(email="morgan@example.com"))


def _flags(shop) -> set[bool]:
    return set(Listing.objects.filter(shop=shop).values_list("shop_active", flat=True))


def _found(api_client, title_word: str) -> list[str]:
    cache_clear_own_keys()  # the anonymous page cache would answer the same URL again
    response = api_client.get("/api/v1/listings/", {"q": title_word})
    assert response.status_code == 200
    return [row["title"] for row in response.json()["results"]]


def test_suspending_and_reinstating_a_shop_moves_its_listings_out_of_and_into_search(
    staff_client, api_client
):
    shop = ShopFactory()
    ListingFactory.create_batch(3, shop=shop, title="Walnut cutting board")
    assert _flags(shop) == {True}
    assert len(_found(api_client, "walnut")) == 3

    staff_client.post("/admin/sellers/shop/", {"action": "suspend", "_selected_action": [shop.pk]})
    assert _flags(shop) == {False}
    assert _found(api_client, "walnut") == []

    staff_client.post("/admin/sellers/shop/", {"action": "reinstate",
                                               "_selected_action": [shop.pk]})
    assert _flags(shop) == {True}
    assert len(_found(api_client, "walnut")) == 3


def test_a_listing_takes_its_shops_state_when_written_and_a_python_value_is_not_trusted():
    suspended = ShopFactory(status=Shop.Status.SUSPENDED)
    active = ShopFactory()
    listing = ListingFactory(shop=suspended)
    assert Listing.objects.get(pk=listing.pk).shop_active is False

    listing.shop_active = True  # a stale or mistaken value from Python is recomputed
    listing.save()
    assert Listing.objects.get(pk=listing.pk).shop_active is False
    Listing.objects.filter(pk=listing.pk).update(shop_active=True)
    assert Listing.objects.get(pk=listing.pk).shop_active is False

    Listing.objects.filter(pk=listing.pk).update(shop=active)  # moved to another shop
    assert Listing.objects.get(pk=listing.pk).shop_active is True


def test_a_bulk_status_change_of_shops_reaches_every_listing():
    shops = ShopFactory.create_batch(2)
    for shop in shops:
        ListingFactory.create_batch(2, shop=shop)
    Shop.objects.filter(pk__in=[s.pk for s in shops]).update(status=Shop.Status.SUSPENDED)
    assert {flag for shop in shops for flag in _flags(shop)} == {False}


def test_a_stale_listing_saved_after_its_shop_was_suspended_stays_hidden():
    shop = ShopFactory()
    listing = ListingFactory(shop=shop)
    stale = Listing.objects.get(pk=listing.pk)  # read while the shop was active
    assert stale.shop_active is True
    Shop.objects.filter(pk=shop.pk).update(status=Shop.Status.SUSPENDED)
    stale.stock = 7
    stale.save()  # writes every column, shop_active=True among them
    assert Listing.objects.get(pk=listing.pk).shop_active is False


@pytest.mark.django_db(transaction=True)
def test_a_listing_written_while_its_shop_is_being_suspended_ends_up_hidden():
    """The two writes race: the shop's update commits while a listing of it is saved."""
    shop = ShopFactory()
    listing = ListingFactory(shop=shop)
    suspended = threading.Event()

    def suspend():
        try:
            with transaction.atomic():
                Shop.objects.filter(pk=shop.pk).update(status=Shop.Status.SUSPENDED)
                suspended.set()
        finally:
            connection.close()

    worker = threading.Thread(target=suspend)
    with transaction.atomic():
        listing.stock = 9
        listing.save()  # shop_active=True while the shop is active; holds the listing's row
        worker.start()
        suspended.wait(timeout=0.5)  # the shop's trigger waits for this row
    worker.join(timeout=10)
    assert not worker.is_alive()
    assert Listing.objects.get(pk=listing.pk).shop_active is False
