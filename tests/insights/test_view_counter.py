"""Listing views: counted in Redis (the real one) by people only, copied to the daily rows."""

import pytest
from django.test import Client

from insights.models import ListingDay, ShopDay
from insights.services.summaries import today
from insights.services.views import (
    day_key,
    is_bot,
    listing_view_count,
    listing_views_flush,
    redis_client,
)
from insights.tasks import listing_views_flush_task
from tests.factories import ListingFactory, UserFactory
from tests.support import run_together

pytestmark = pytest.mark.django_db

PERSON = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")


@pytest.fixture(autouse=True)
def fresh_counters():
    client = redis_client()
    assert client is not None, "these tests need REDIS_URL: the counter is Redis"
    client.delete(day_key(today()))
    yield client
    client.delete(day_key(today()))


def counted(client, listing) -> int:
    return int(client.hget(day_key(today()), str(listing.pk)) or 0)


@pytest.mark.parametrize("agent", [
    "", "Googlebot/2.1 (+http://www.google.com/bot.html)", "curl/8.1.2",
    "Mozilla/5.0 (compatible; bingbot/2.0)", "python-requests/2.31",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/120.0",
    "facebookexternalhit/1.1",
])
def test_bots_are_known_by_their_user_agent(agent):
    assert is_bot(agent)


def test_people_are_not_bots():
    assert not is_bot(PERSON)


def test_a_page_view_counts_once_per_person_and_never_for_bots_or_the_owner(fresh_counters):
    listing = ListingFactory()
    stranger = UserFactory()
    visitor = Client(HTTP_USER_AGENT=PERSON)
    path = f"/listings/{listing.pk}/"

    assert visitor.get(path).status_code == 200
    assert visitor.get(path).status_code == 200  # the second answer comes from the page cache
    assert counted(fresh_counters, listing) == 2

    assert Client(HTTP_USER_AGENT="Googlebot/2.1").get(path).status_code == 200
    assert Client().get(path).status_code == 200  # no User-Agent at all
    assert visitor.head(path).status_code == 200
    owner = Client(HTTP_USER_AGENT=PERSON)
    owner.force_login(listing.shop.owner)
    assert owner.get(path).status_code == 200
    assert counted(fresh_counters, listing) == 2

    signed_in = Client(HTTP_USER_AGENT=PERSON)
    signed_in.force_login(stranger)
    assert signed_in.get(path).status_code == 200
    assert counted(fresh_counters, listing) == 3


def test_a_missing_listing_counts_nothing(fresh_counters):
    assert Client(HTTP_USER_AGENT=PERSON).get("/listings/999999/").status_code == 404
    assert fresh_counters.hlen(day_key(today())) == 0


def test_the_flush_copies_the_day_and_running_it_again_changes_nothing(fresh_counters):
    honey, jam = ListingFactory(), ListingFactory()
    jam_same_shop = ListingFactory(shop=jam.shop)
    for listing, times in ((honey, 3), (jam, 2), (jam_same_shop, 4)):
        for _ in range(times):
            listing_view_count(listing_id=listing.pk, user_agent=PERSON, viewer_id=None,
                               owner_id=listing.shop.owner_id)
    fresh_counters.hset(day_key(today()), "999999", 5)  # a listing that no longer exists

    assert listing_views_flush(day=today()) == 3
    assert listing_views_flush_task() == 3  # the job: the same day again (and yesterday)

    assert dict(ListingDay.objects.values_list("listing_id", "views")) == {
        honey.pk: 3, jam.pk: 2, jam_same_shop.pk: 4}
    assert dict(ShopDay.objects.filter(day=today()).values_list("shop_id", "views")) == {
        honey.shop_id: 3, jam.shop_id: 6}


def test_a_redis_that_lost_its_counts_never_lowers_the_copied_ones(fresh_counters):
    listing = ListingFactory()
    fresh_counters.hset(day_key(today()), str(listing.pk), 10)
    listing_views_flush(day=today())
    fresh_counters.hset(day_key(today()), str(listing.pk), 2)  # Redis restarted, counting again
    listing_views_flush(day=today())
    assert ShopDay.objects.get(shop=listing.shop, day=today()).views == 10


def test_without_redis_a_view_goes_straight_to_the_daily_row(settings, fresh_counters):
    listing = ListingFactory()
    settings.REDIS_URL = ""
    for _ in range(2):
        listing_view_count(listing_id=listing.pk, user_agent=PERSON, viewer_id=None,
                           owner_id=listing.shop.owner_id)
    listing_views_flush(day=today())
    assert ListingDay.objects.get(listing=listing).views == 2
    assert ShopDay.objects.get(shop=listing.shop).views == 2


def test_a_redis_that_does_not_answer_loses_the_view_not_the_page(settings, hanging_port):
    from insights.services import views

    port, _ = hanging_port
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    views._client.cache_clear()
    try:
        assert not listing_view_count(listing_id=1, user_agent=PERSON, viewer_id=None,
                                      owner_id=None)
    finally:
        views._client.cache_clear()


@pytest.mark.django_db(transaction=True)
def test_the_views_job_and_the_summaries_job_at_once_keep_both_figures(fresh_counters):
    from insights.services import summaries_refresh
    from tests import builders

    order = builders.paid_order(quantity=2)
    listing = order.items.get().listing
    fresh_counters.hset(day_key(today()), str(listing.pk), 7)

    def work(index):
        if index == 0:
            return listing_views_flush(day=today())
        return summaries_refresh(since=today())

    run_together(2, work)
    row = ShopDay.objects.get(shop=listing.shop, day=today())
    assert (row.views, row.orders_paid, row.units) == (7, 1, 2)
    assert ListingDay.objects.get(listing=listing).views == 7
