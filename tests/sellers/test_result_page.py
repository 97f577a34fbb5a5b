"""`listing_result_page` answers exactly what `listing_search` + `listing_cards` answer.

The one-statement page is the hot path of the search page and the listings API; the ORM path
is the reference. Both run here over one catalog for every filter, ordering and slice, with the
windows as shipped and with every window smaller than the catalog.
"""

import re
from datetime import timedelta

import psycopg
import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from sellers import search
from sellers.listing_cards import ListingCard, listing_cards
from sellers.models import Listing, ListingImage, Shop
from sellers.result_page import listing_result_page
from sellers.search import ListingFilters, listing_filters_parse, listing_search
from sellers.services import listing_image_add, search_vocabulary_rebuild
from tests.factories import CategoryFactory, ListingFactory, ShopFactory, VillageFactory
from tests.support import jpeg_bytes

pytestmark = pytest.mark.django_db

QUERIES = ["", "honey", "hony", "quilt", "walnut bowl", "honey -jar", "zzzzqx", "the"]
FILTERS = [
    {}, {"state": "IA"}, {"state": "KY", "in_stock": "true"}, {"category": "pantry"},
    {"category": "honey"}, {"village": "decorah-ia"}, {"shop": "hilltop"},
    {"min_price_cents": "500", "max_price_cents": "3000"}, {"local_pickup": "true"},
    {"preorder": "only"}, {"preorder": "exclude", "in_stock": "true"},
    {"village": "decorah-ia", "state": "IA"}, {"category": "pantry", "state": "KY"},
    {"exact": "true"}, {"exact": "true", "state": "IA"},
]
ORDERINGS = ["", "relevance", "-created", "price_cents", "-price_cents", "-rating"]
SLICES = [(0, 3), (2, 5), (0, 50), (10, 20)]


@pytest.fixture
def catalog(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    decorah = VillageFactory(name="Decorah", state="IA", slug="decorah-ia")
    berea = VillageFactory(name="Berea", state="KY", slug="berea-ky")
    pantry = CategoryFactory(name="Pantry", slug="pantry")
    honey = CategoryFactory(name="Honey", slug="honey", parent=pantry)
    quilts = CategoryFactory(name="Quilts", slug="quilts")
    hilltop = ShopFactory(slug="hilltop", village=decorah, rating_avg="4.50", rating_count=4)
    ridge = ShopFactory(slug="ridge", village=berea, rating_avg="3.90", rating_count=2)
    unrated = ShopFactory(slug="unrated", village=berea)
    suspended = ShopFactory(slug="gone", village=decorah, status=Shop.Status.SUSPENDED)
    today = timezone.localdate()
    rows = [
        ("Clover honey jar", hilltop, honey, 1200, 10, False, None),
        ("Buckwheat honey, dark", hilltop, honey, 900, 0, True, None),
        ("Comb honey square", ridge, honey, 1500, 3, False, None),
        ("Honey jar gift box", unrated, pantry, 3200, 5, True, None),
        ("Wildflower honey pre-order", ridge, honey, 2000, 8, False, today + timedelta(days=20)),
        ("Expired honey pre-order", ridge, honey, 2000, 8, False, today - timedelta(days=1)),
        ("Log cabin quilt", ridge, quilts, 42000, 1, False, None),
        ("Double wedding ring quilt", hilltop, quilts, 38000, 0, True, None),
        ("Walnut bowl", unrated, pantry, 4500, 2, True, None),
        ("Walnut cutting board", hilltop, pantry, 3000, 4, False, None),
        ("Honey from a suspended shop", suspended, honey, 1000, 5, False, None),
    ]
    created = timezone.now() - timedelta(days=30)
    for n, (title, shop, category, price, stock, pickup, ships_by) in enumerate(rows):
        listing = ListingFactory(
            title=title, description="Made by hand in a small town.", shop=shop,
            category=category, price_cents=price, stock=stock,
            local_pickup=pickup, preorder_ships_by=ships_by,
            preorder_deposit_bps=2500 if ships_by else 10000,
        )
        # Two listings share a created time: the id breaks the tie the same way in both.
        Listing.objects.filter(pk=listing.pk).update(
            created=created + timedelta(hours=n - (n == 3)))
        if n % 3 != 2:  # some without a photo
            for _ in range(1 + (n % 2)):
                listing_image_add(user=shop.owner, listing_id=listing.pk,
                                  upload=SimpleUploadedFile("a.jpg", jpeg_bytes(), "image/jpeg"))
    # A cover is the first photo by position, not by id.
    two = ListingImage.objects.filter(listing__title="Buckwheat honey, dark").order_by("id")
    ListingImage.objects.filter(pk=two[0].pk).update(position=5)
    archived = ListingFactory(title="Archived honey", shop=hilltop, category=honey)
    Listing.objects.filter(pk=archived.pk).update(status=Listing.Status.ARCHIVED)
    search_vocabulary_rebuild()


def assert_same(filters: ListingFilters) -> int:
    checked = 0
    for start, stop in SLICES:
        results = listing_search(filters=filters)
        expected = listing_cards(results, start, stop)
        page = listing_result_page(filters=filters, start=start, stop=stop)
        label = (filters, start, stop)
        assert page.cards == expected, label
        assert page.count == results.count(), label
        assert (page.matched_by, page.corrected_query) == (
            results.matched_by, results.corrected_query), label
        uncounted = listing_result_page(filters=filters, start=start, stop=stop,
                                        with_count=False)
        assert uncounted.cards == expected, label
        checked += 1
    return checked


def every_case() -> int:
    checked = 0
    for q in QUERIES:
        for extra in FILTERS:
            for ordering in ORDERINGS:
                filters = listing_filters_parse({"q": q, "ordering": ordering, **extra})
                checked += assert_same(filters)
    return checked


def test_the_page_is_the_orm_paths_page_for_every_filter_ordering_and_slice(catalog):
    assert every_case() == len(QUERIES) * len(FILTERS) * len(ORDERINGS) * len(SLICES)


def test_the_same_when_every_window_is_smaller_than_the_catalog(catalog, monkeypatch):
    monkeypatch.setattr(search, "SEARCH_CANDIDATES", 3)
    monkeypatch.setattr(search, "SCAN_WINDOW", 2)
    monkeypatch.setattr(search, "COMMON_MATCHES", 0)  # every word counts as common
    monkeypatch.setattr(search, "COUNT_CAP", 4)
    monkeypatch.setattr(search, "BROWSE_WINDOW", 2)
    assert every_case() > 0


def test_what_nobody_may_buy_is_never_on_a_page(catalog):
    titles = [card.title for card in listing_result_page(
        filters=ListingFilters(q="honey"), start=0, stop=50).cards]
    assert "Clover honey jar" in titles and "Wildflower honey pre-order" in titles
    for hidden in ("Honey from a suspended shop", "Expired honey pre-order", "Archived honey"):
        assert hidden not in titles


def test_covers_are_the_first_photo_by_position(catalog):
    card = next(card for card in listing_result_page(
        filters=ListingFilters(q="buckwheat"), start=0, stop=5).cards)
    first = ListingImage.objects.filter(listing_id=card.id).order_by("position", "id").first()
    assert card.thumbnail == first.thumbnail.name


def test_a_corrected_query_says_what_it_searched(catalog):
    page = listing_result_page(filters=ListingFilters(q="hony", state="KY"), start=0, stop=24)
    assert (page.matched_by, page.corrected_query) == ("corrected", "honey")
    assert {card.village_state for card in page.cards} == {"KY"}
    exact = listing_result_page(filters=ListingFilters(q="hony", exact=True), start=0, stop=24)
    assert (exact.cards, exact.count, exact.corrected_query) == ([], 0, None)


def test_a_page_past_the_candidates_still_knows_the_count(catalog):
    page = listing_result_page(filters=ListingFilters(q="honey"), start=40, stop=60)
    assert page.cards == [] and page.count == 5


def test_the_cards_function_returns_a_card_as_it_is(catalog):
    """sellers_listing_cards (migration sellers 0015) declares ListingCard's fields, in order,
    and leaves out what nobody may see, in the order of the ids given."""
    visible = [card.id for card in listing_result_page(
        filters=ListingFilters(q="honey"), start=0, stop=50).cards]
    hidden = Listing.objects.filter(title="Archived honey").values_list("id", flat=True).get()
    ids = [visible[1], hidden, visible[0]]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM sellers_listing_cards(%s)", [ids])
        names = [column.name for column in cursor.description]
        rows = cursor.fetchall()
    assert names == list(ListingCard._fields)
    assert [row[0] for row in rows] == [visible[1], visible[0]]
    with connection.cursor() as cursor:  # one plan kept per connection, even for no ids
        cursor.execute("SELECT * FROM sellers_listing_cards(%s)", [[]])
        assert cursor.fetchall() == []
        cursor.execute("SELECT proconfig FROM pg_proc WHERE proname = 'sellers_listing_cards'")
        assert cursor.fetchone()[0] == ["plan_cache_mode=force_generic_plan"]


def test_a_price_sort_past_the_candidates_sorts_every_match(catalog, monkeypatch):
    monkeypatch.setattr(search, "SEARCH_CANDIDATES", 2)
    page = listing_result_page(filters=ListingFilters(q="honey", ordering="price_cents"),
                               start=0, stop=10)
    assert [card.price_cents for card in page.cards] == [900, 1200, 1500, 2000, 3200]
    assert page.count == 5  # every match counted, not the two candidates


@pytest.mark.django_db(transaction=True)
def test_a_migration_that_changes_a_returned_column_does_not_break_searches(catalog):
    """The cards' function keeps its plan per connection; a migration that changes the length
    of a column it returns makes PostgreSQL plan it again, and searches go on."""
    honey = ListingFilters(q="honey")
    before = listing_result_page(filters=honey, start=0, stop=24)
    listing_result_page(filters=honey, start=0, stop=24)  # planned and kept by now
    column = "ALTER TABLE sellers_listing ALTER COLUMN currency TYPE varchar(%s)"
    db = connection.settings_dict
    # From another connection, as `migrate` runs beside the web processes.
    with psycopg.connect(dbname=db["NAME"], host=db["HOST"], port=db["PORT"] or None,
                         user=db["USER"], password=db["PASSWORD"], autocommit=True) as other:
        other.execute(column % 4)
        try:
            assert listing_result_page(filters=honey, start=0, stop=24) == before
            assert listing_result_page(filters=honey, start=0, stop=24) == before
        finally:
            other.execute(column % 3)


class SigningStorage(FileSystemStorage):
    """A storage whose URLs are signed, so each one is new, like S3 with querystring auth."""

    querystring_auth = True
    signed = 0

    def url(self, name):
        SigningStorage.signed += 1
        return f"{super().url(name)}?signature={SigningStorage.signed}"


def test_signed_photo_urls_are_never_remembered(catalog, settings, api_client, client):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "tests.sellers.test_result_page.SigningStorage"}}

    def urls(response_urls):
        return {url for url in response_urls if url}

    first = urls(row["thumbnail_url"] for row in api_client.get(
        "/api/v1/listings/?q=honey&n=1").json()["results"])
    second = urls(row["thumbnail_url"] for row in api_client.get(
        "/api/v1/listings/?q=honey&n=2").json()["results"])
    assert first and second and not first & second
    pages = [client.get(f"/search/?q=honey&n={n}").content.decode() for n in (1, 2)]
    signatures = [{part.split('"')[0] for part in page.split("?signature=")[1:]}
                  for page in pages]
    assert signatures[0] and signatures[1] and not signatures[0] & signatures[1]


def test_pages_far_past_the_end_read_no_rows(catalog, api_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(1) as queries:
        response = api_client.get("/api/v1/listings/?page=999999999&page_size=100")
    assert response.status_code == 404
    # Never past the capped count: an offset of millions would walk millions of rows.
    offsets = re.findall(r"OFFSET (\d+)", queries.captured_queries[0]["sql"])
    assert offsets and max(map(int, offsets)) <= search.COUNT_CAP
    assert api_client.get("/api/v1/listings/?page=" + "9" * 5000).status_code == 404
    assert api_client.get("/api/v1/listings/?q=honey&page=99").status_code == 404
