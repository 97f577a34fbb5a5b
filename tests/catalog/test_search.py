"""The shared search selector: relevance, stemming, typos, filters, orderings, visibility."""

import pytest

from sellers.models import Listing, Shop
from sellers.search import ListingFilters, listing_search
from sellers.services import search_vocabulary_rebuild
from tests.factories import CategoryFactory, ListingFactory, ShopFactory, VillageFactory

pytestmark = pytest.mark.django_db


def titles(filters: ListingFilters) -> list[str]:
    return [listing.title for listing in listing_search(filters=filters)]


def test_a_title_match_outranks_a_description_match():
    ListingFactory(title="Hand-carved walnut bowl", description="Goes well with a quilt.")
    ListingFactory(title="Star pattern quilt", description="Twin size, cotton.")
    ListingFactory(title="Jar of honey", description="Raw and local.")
    assert titles(ListingFilters(q="quilt")) == ["Star pattern quilt", "Hand-carved walnut bowl"]


def test_category_and_shop_words_rank_between_title_and_description():
    quilts = CategoryFactory(name="Quilts")
    ListingFactory(title="Log cabin throw", category=quilts, description="Soft.")
    ListingFactory(title="Feed sack tote", description="Sewn from an old quilt.")
    ListingFactory(title="Baby quilt, yellow", description="Soft.")
    assert titles(ListingFilters(q="quilt")) == [
        "Baby quilt, yellow", "Log cabin throw", "Feed sack tote",
    ]


def test_stemming_finds_quilt_for_quilts():
    ListingFactory(title="Star pattern quilt")
    results = listing_search(filters=ListingFilters(q="quilts"))
    assert [r.title for r in results] == ["Star pattern quilt"]
    assert results.matched_by == "words"


@pytest.mark.parametrize("trigram", [True, False], ids=["pg_trgm", "window"])
def test_a_typo_is_corrected_to_a_word_of_the_catalog(settings, trigram):
    # The embedded development server (pgserver) ships no pg_trgm extension.
    settings.SEARCH_TRIGRAM = trigram
    ListingFactory(title="Wildflower honey, 1 lb", description="Raw.")
    ListingFactory(title="Cast iron skillet", description="Seasoned.")
    search_vocabulary_rebuild()
    results = listing_search(filters=ListingFilters(q="hony"))
    assert [r.title for r in results] == ["Wildflower honey, 1 lb"]
    assert results.matched_by == "corrected" and results.corrected_query == "honey"
    assert list(listing_search(filters=ListingFilters(q="zz &|!:*()"))) == []


def test_websearch_syntax_phrase_and_exclusion():
    ListingFactory(title="Clover honey comb")
    ListingFactory(title="Buckwheat honey")
    ListingFactory(title="Honey clover seeds")
    assert titles(ListingFilters(q='"clover honey"')) == ["Clover honey comb"]
    assert sorted(titles(ListingFilters(q="honey -clover"))) == ["Buckwheat honey"]


def test_only_active_listings_of_active_shops_appear():
    shown = ListingFactory(title="Maple syrup A")
    for status in ("pending_review", "rejected", "taken_down", "archived"):
        ListingFactory(title=f"Maple syrup {status}", status=status)
    for shop_status in ("pending_verification", "suspended"):
        ListingFactory(title=f"Maple syrup {shop_status}", shop=ShopFactory(status=shop_status))
    assert titles(ListingFilters(q="maple")) == [shown.title]
    assert titles(ListingFilters()) == [shown.title]
    search_vocabulary_rebuild()  # the typo correction shows only public listings too
    assert titles(ListingFilters(q="mapple")) == [shown.title]
    assert Listing.objects.count() == 7 and Shop.objects.count() == 7


def test_category_filter_includes_descendants_and_unknown_is_empty():
    food = CategoryFactory(name="Food", slug="food")
    honey = CategoryFactory(name="Honey", slug="honey", parent=food)
    tools = CategoryFactory(name="Tools", slug="tools")
    ListingFactory(title="Sourdough loaf", category=food)
    ListingFactory(title="Clover honey", category=honey)
    ListingFactory(title="Hand saw", category=tools)
    assert sorted(titles(ListingFilters(category="food"))) == ["Clover honey", "Sourdough loaf"]
    assert titles(ListingFilters(category="honey")) == ["Clover honey"]
    assert titles(ListingFilters(category="no-such-thing")) == []


def test_village_state_shop_filters():
    iowa = VillageFactory(name="Kalona", state="IA", slug="kalona-ia")
    kentucky = VillageFactory(name="Berea", state="KY", slug="berea-ky")
    amish = ShopFactory(village=iowa, slug="amish-quilts")
    ListingFactory(title="Iowa quilt", shop=amish)
    ListingFactory(title="Kentucky quilt", shop=ShopFactory(village=kentucky))
    assert titles(ListingFilters(village="kalona-ia")) == ["Iowa quilt"]
    assert titles(ListingFilters(state="KY")) == ["Kentucky quilt"]
    assert titles(ListingFilters(shop="amish-quilts", q="quilt")) == ["Iowa quilt"]
    assert titles(ListingFilters(state="TX")) == []


def test_price_stock_and_pickup_filters():
    ListingFactory(title="Cheap", price_cents=500, stock=0, local_pickup=True)
    ListingFactory(title="Middle", price_cents=1500, stock=3, local_pickup=False)
    ListingFactory(title="Dear", price_cents=9000, stock=1, local_pickup=True)
    assert titles(ListingFilters(min_price_cents=1000, ordering="price_cents")) == [
        "Middle", "Dear",
    ]
    assert titles(ListingFilters(max_price_cents=1500, ordering="price_cents")) == [
        "Cheap", "Middle",
    ]
    assert titles(ListingFilters(min_price_cents=1500, max_price_cents=1500)) == ["Middle"]
    assert titles(ListingFilters(in_stock=True, ordering="price_cents")) == ["Middle", "Dear"]
    assert titles(ListingFilters(local_pickup=True, ordering="price_cents")) == ["Cheap", "Dear"]


def test_each_ordering():
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    good = ShopFactory(rating_avg="4.90", rating_count=10)
    fair = ShopFactory(rating_avg="3.10", rating_count=4)
    unrated = ShopFactory()
    ListingFactory(title="Oak honey dipper", price_cents=800, shop=fair,
                   created=now - timedelta(days=2))
    ListingFactory(title="Honey", price_cents=2500, shop=unrated, created=now - timedelta(days=3),
                   description="honey honey")
    ListingFactory(title="Beeswax candle", price_cents=1200, shop=good,
                   created=now - timedelta(days=1), description="Smells of honey.")
    assert titles(ListingFilters()) == ["Beeswax candle", "Oak honey dipper", "Honey"]
    assert titles(ListingFilters(ordering="-created")) == [
        "Beeswax candle", "Oak honey dipper", "Honey",
    ]
    assert titles(ListingFilters(ordering="price_cents")) == [
        "Oak honey dipper", "Beeswax candle", "Honey",
    ]
    assert titles(ListingFilters(ordering="-price_cents")) == [
        "Honey", "Beeswax candle", "Oak honey dipper",
    ]
    assert titles(ListingFilters(ordering="-rating")) == [
        "Beeswax candle", "Oak honey dipper", "Honey",
    ]
    # Relevance: the default with a query; the description-only match comes last.
    assert titles(ListingFilters(q="honey"))[-1] == "Beeswax candle"
    assert titles(ListingFilters(q="honey", ordering="relevance")) == titles(
        ListingFilters(q="honey")
    )
    assert titles(ListingFilters(q="honey", ordering="price_cents")) == [
        "Oak honey dipper", "Beeswax candle", "Honey",
    ]
    # Relevance without a query means newest first.
    assert titles(ListingFilters(ordering="relevance")) == titles(ListingFilters())


def test_search_column_follows_renames_of_shop_village_and_category():
    village = VillageFactory(name="Millbrook")
    category = CategoryFactory(name="Crafts")
    shop = ShopFactory(name="Hilltop", village=village)
    ListingFactory(title="Birdhouse", shop=shop, category=category)
    shop.name = "Bluebird Barn"
    shop.save()
    village.name = "Sugartown"
    village.save()
    category.name = "Woodwork"
    category.save()
    for word in ("bluebird", "sugartown", "woodwork"):
        assert titles(ListingFilters(q=word)) == ["Birdhouse"], word
    for word in ("hilltop", "millbrook", "crafts"):
        assert titles(ListingFilters(q=word)) == [], word


def test_common_term_ranks_only_the_newest_candidates(monkeypatch):
    from sellers import search

    monkeypatch.setattr(search, "SEARCH_CANDIDATES", 3)
    for n in range(5):
        ListingFactory(title=f"Honey jar {n}")
    results = listing_search(filters=ListingFilters(q="honey", ordering="-created"))
    assert [r.title for r in results] == ["Honey jar 4", "Honey jar 3", "Honey jar 2"]
    assert results.count() == 3


def test_count_is_capped(monkeypatch):
    from sellers import search

    monkeypatch.setattr(search, "COUNT_CAP", 2)
    ListingFactory.create_batch(4)
    results = listing_search(filters=ListingFilters())
    assert results.count() == 2
    assert len(list(results)) == 4


def test_common_words_with_filters_look_only_at_the_newest_matches_window(monkeypatch):
    from sellers import search

    monkeypatch.setattr(search, "SCAN_WINDOW", 2)
    monkeypatch.setattr(search, "COMMON_MATCHES", 0)  # every query counts as common
    iowa = ShopFactory(village=VillageFactory(state="IA"))
    ListingFactory(title="Honey old", shop=iowa)
    ListingFactory(title="Honey elsewhere", shop=ShopFactory(village=VillageFactory(state="KY")))
    ListingFactory(title="Honey new", shop=iowa)
    assert titles(ListingFilters(q="honey", state="IA")) == ["Honey new"]
    # A shop's own search is complete: its index narrows the scan already.
    assert titles(ListingFilters(q="honey", shop=iowa.slug, ordering="-created")) == [
        "Honey new", "Honey old",
    ]


def test_price_sorts_are_exact_whatever_the_windows(monkeypatch):
    from sellers import search

    # Every window smaller than the catalog: a price sort must still see every match.
    monkeypatch.setattr(search, "BROWSE_WINDOW", 2)
    monkeypatch.setattr(search, "SCAN_WINDOW", 2)
    monkeypatch.setattr(search, "SEARCH_CANDIDATES", 2)
    iowa = ShopFactory(village=VillageFactory(state="IA"))
    ListingFactory(title="Oldest and cheapest honey", price_cents=100, shop=iowa)
    ListingFactory(title="Middle honey", price_cents=900, shop=iowa)
    ListingFactory(title="Newest honey", price_cents=500, shop=iowa)
    ListingFactory(title="Dearest honey", price_cents=5000,
                   shop=ShopFactory(village=VillageFactory(state="KY")))
    cheapest_first = ["Oldest and cheapest honey", "Newest honey", "Middle honey", "Dearest honey"]
    assert titles(ListingFilters(ordering="price_cents")) == cheapest_first
    assert titles(ListingFilters(ordering="-price_cents")) == cheapest_first[::-1]
    assert titles(ListingFilters(q="honey", ordering="price_cents")) == cheapest_first
    assert titles(ListingFilters(q="honey", ordering="-price_cents")) == cheapest_first[::-1]
    assert titles(ListingFilters(q="honey", state="IA", ordering="price_cents")) == (
        cheapest_first[:3]
    )
    results = listing_search(filters=ListingFilters(q="honey", ordering="price_cents"))
    assert results.count() == 4


def test_equal_prices_keep_one_order_both_ways():
    shop = ShopFactory()
    first = ListingFactory(title="Jam A", price_cents=700, shop=shop)
    second = ListingFactory(title="Jam B", price_cents=700, shop=shop)
    assert [r.id for r in listing_search(filters=ListingFilters(ordering="price_cents"))] == [
        first.id, second.id,
    ]
    assert [r.id for r in listing_search(filters=ListingFilters(ordering="-price_cents"))] == [
        second.id, first.id,
    ]


def test_rating_sort_without_filters_sorts_the_newest_window(monkeypatch):
    from sellers import search

    monkeypatch.setattr(search, "BROWSE_WINDOW", 2)
    shop = ShopFactory(village=VillageFactory(state="IA"), rating_avg="4.50")
    ListingFactory(title="Oldest, best shop", shop=ShopFactory(rating_avg="5.00"))
    ListingFactory(title="Middle", shop=shop)
    ListingFactory(title="Newest", shop=shop)
    assert titles(ListingFilters(ordering="-rating")) == ["Newest", "Middle"]
    assert titles(ListingFilters(ordering="-rating", state="IA")) == ["Newest", "Middle"]


def test_words_with_a_price_bound_or_a_village_search_every_match(monkeypatch):
    from sellers import search

    monkeypatch.setattr(search, "SCAN_WINDOW", 1)
    village = VillageFactory(state="IA")
    iowa = ShopFactory(village=village)
    ListingFactory(title="Honey old", price_cents=800, shop=iowa)
    ListingFactory(title="Honey new", price_cents=900, shop=iowa)
    ListingFactory(title="Honey elsewhere", price_cents=700,
                   shop=ShopFactory(village=VillageFactory(state="KY")))
    both = ["Honey new", "Honey old"]
    assert titles(ListingFilters(q="honey", state="IA", max_price_cents=1000,
                                 ordering="-created")) == both
    assert titles(ListingFilters(q="honey", village=village.slug, ordering="-created")) == both
    results = listing_search(filters=ListingFilters(q="honey", state="IA", min_price_cents=1))
    assert results.count() == 2
    # A common word and a state alone look within the newest match only, which is elsewhere.
    monkeypatch.setattr(search, "COMMON_MATCHES", 0)
    assert titles(ListingFilters(q="honey", state="IA")) == []


def test_rare_words_with_a_state_search_every_match(monkeypatch, django_assert_num_queries):
    from sellers import search

    monkeypatch.setattr(search, "SCAN_WINDOW", 1)
    iowa = ShopFactory(village=VillageFactory(state="IA"))
    ListingFactory(title="Honey old", shop=iowa)
    ListingFactory(title="Honey new", shop=iowa)
    ListingFactory(title="Honey elsewhere", shop=ShopFactory(village=VillageFactory(state="KY")))
    ListingFactory(title="Honey suspended", shop=ShopFactory(
        village=VillageFactory(state="IA"), status=Shop.Status.SUSPENDED))
    # The planner's estimate says "rare" (a handful of rows), so no window: the state's shops.
    with django_assert_num_queries(2):  # the estimate, the candidates
        results = listing_search(filters=ListingFilters(q="honey", state="IA"))
    assert [r.title for r in results] == ["Honey new", "Honey old"]
    assert results.count() == 2
