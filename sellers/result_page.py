"""One page of catalog results, mostly in one statement: the hot path of search and the API.

`listing_search` builds a queryset through the ORM and `listing_cards` reads a page of it: three
queries (the candidates, the page, the covers), each built and compiled afresh, and the page
ranking the candidates a second time. Building and compiling cost three times what PostgreSQL
spent answering, and every request the page cache could not answer paid it.
`listing_result_page` answers the same page by the same rules with SQL written here once:
browsing in one statement (the page, each card's cover, the capped count); a text search in
one too (its candidates as one array already in the page's order, ranked as they are read,
then the page's own rows with their covers by a database function whose plan PostgreSQL keeps,
as it never depends on the words); a price sort over more matches than the candidates sorts
every match exactly, as `listing_search` does. Shop-rating browsing of everything (its
newest-matches window) it hands to `listing_search`. Every answer is the ORM path's answer:
tests/sellers/test_result_page.py compares the two over every filter, ordering and slice.
bench/RESULTS.md has the figures.
"""

# Every SQL text here is assembled from this module's constants and the filters' presence;
# every value is a parameter (the noqa: S608 below).
from dataclasses import dataclass

import psycopg
from django.conf import settings
from django.db import connections, router

from . import search
from .listing_cards import CARD_COLUMN_COUNT, ListingCard, listing_cards
from .models import Listing
from .search import (
    PRICE_ORDERINGS,
    ListingFilters,
    common_words,
    listing_search,
    query_correct,
    windowed_filters,
)
from .selectors import preorder_today


@dataclass(frozen=True, slots=True)
class ResultPage:
    cards: list[ListingCard]
    # Every match up to COUNT_CAP (a text query: its candidates, always counted); browsing
    # without with_count: 0.
    count: int
    matched_by: str  # "words", "corrected" or "filters" (no text), as ListingResults says
    corrected_query: str | None = None


_QUERY = "websearch_to_tsquery('english'::regconfig, %(q)s)"
# A listing anyone may see: active, in an active shop, and not a pre-order whose promised
# date has passed (sellers.selectors.listing_public_queryset and sellers.search._filtered).
_PUBLIC = ("l.status = 'active' AND s.status = 'active' "
           "AND (l.preorder_ships_by IS NULL OR l.preorder_ships_by >= %(today)s)")
# The same, from the listing's own row: `shop_active` is its shop's status, copied by database
# triggers (migration sellers 0013). The candidates use it when no filter joins the shop: at a
# million listings, looking up the shop of each of a common word's 1,000 newest matches was two
# thirds of the statement. The page's own rows (`sellers_listing_cards`) still read their shop's
# status.
_PUBLIC_OWN_ROW = _PUBLIC.replace("s.status = 'active'", "l.shop_active")
# A card's columns in `ListingCard`'s order, so that a row is a card as it is; the cover is the
# listing's own copy of its first photo's thumbnail (migration sellers 0014), so no photo row
# is read ("" without a photo, as `ListingCard` has it).
_CARD_COLUMNS = (
    "l.id, l.title, l.price_cents, l.currency, l.stock, l.created, s.slug AS shop_slug, "
    "s.name AS shop_name, s.rating_avg, v.slug AS village_slug, v.name AS village_name, "
    "v.state AS village_state, l.preorder_ships_by, l.preorder_deposit_bps, "
    "coalesce(l.cover_thumbnail, '') AS cover_thumbnail, l.cover_width, l.cover_height"
)
# Browsing's orders (without words there is no relevance: sellers.search.ListingFilters).
_ORDER = {
    "-created": "l.created DESC, l.id DESC",
    "price_cents": "l.price_cents, l.id",
    "-price_cents": "l.price_cents DESC, l.id DESC",
    "-rating": "s.rating_avg DESC NULLS LAST, l.created DESC, l.id DESC",
}
_FROM_LISTING = "sellers_listing l"
_FROM_SHOP = _FROM_LISTING + " JOIN sellers_shop s ON s.id = l.shop_id"
_FROM = _FROM_SHOP + " JOIN sellers_village v ON v.id = s.village_id"
# The page's rows in order, each with its cover (its listing's copy), and the count in
# every row; with no row on the page, one row of the count alone. For browsing (no words).
_PAGE_AND_COUNT = """
page AS MATERIALIZED (
    SELECT {columns}, row_number() OVER (ORDER BY {order}) AS n
    FROM {source}
    ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s
)
SELECT ({count}) AS total, page.*
FROM (SELECT 1) AS one
LEFT JOIN page ON true
ORDER BY page.n
"""


def _conditions(filters: ListingFilters, *, state_by_shops: bool,
                own_row: bool = False) -> list[str]:
    """SQL conditions of the filters (sellers.search._filtered), over l, s and v; with
    `own_row`, whether a listing is public is read from its own row."""
    where = [_PUBLIC_OWN_ROW if own_row else _PUBLIC]
    if filters.category:
        where.append(
            "l.category_id IN (SELECT c.id FROM sellers_category c LEFT JOIN sellers_category p "
            "ON p.id = c.parent_id WHERE c.slug = %(category)s OR p.slug = %(category)s)")
    if filters.village:
        where.append("v.slug = %(village)s")
    if filters.state and state_by_shops:
        # As in sellers.search._text_candidates: the state's shops as an array computed first.
        where.append("l.shop_id = ANY(ARRAY(SELECT ss.id FROM sellers_shop ss "
                     "JOIN sellers_village sv ON sv.id = ss.village_id "
                     "WHERE sv.state = %(state)s))")
    elif filters.state:
        where.append("v.state = %(state)s")
    if filters.shop:
        where.append("s.slug = %(shop)s")
    if filters.min_price_cents is not None:
        where.append("l.price_cents >= %(min_price)s")
    if filters.max_price_cents is not None:
        where.append("l.price_cents <= %(max_price)s")
    if filters.in_stock:
        where.append("l.stock > 0")
    if filters.local_pickup:
        where.append("l.local_pickup")
    if filters.preorder == "only":
        where.append("l.preorder_ships_by IS NOT NULL")
    elif filters.preorder == "exclude":
        where.append("l.preorder_ships_by IS NULL")
    return where


def _params(filters: ListingFilters, q: str, start: int, stop: int) -> dict:
    return {
        "today": preorder_today(), "q": q, "category": filters.category,
        "village": filters.village, "state": filters.state, "shop": filters.shop,
        "min_price": filters.min_price_cents, "max_price": filters.max_price_cents,
        "limit": stop - start, "offset": start,
        # The same rows as an array slice (1-based, both ends included; past the end: none).
        "first": start + 1, "last": max(stop, start),
    }


# The candidates in the page's order, by the columns the candidates statement keeps.
_CANDIDATE_ORDER = {
    "relevance": "c.rank DESC, c.created DESC, c.id DESC",
    "-created": "c.created DESC, c.id DESC",
    "price_cents": "c.price_cents, c.id",
    "-price_cents": "c.price_cents DESC, c.id DESC",
    "-rating": "c.rating_avg DESC NULLS LAST, c.created DESC, c.id DESC",
}


def _candidates_sql(filters: ListingFilters, *, windowed: bool) -> str:
    """How many of the newest SEARCH_CANDIDATES matches there are (listing_search's
    `_text_candidates`), and the cards of the page's slice of them in the order the page shows
    them: each row is read once, its rank computed while it is at hand, and only the page's
    own ids go on to be read as cards (`_CARDS_OF_CANDIDATES`)."""
    ordering = filters.ordering or "relevance"
    # The shop and village are joined only when a filter or the order reads them; without
    # them, whether a listing is public is read from its own row. With them, the shop's
    # status stays a condition on the shop: it lets PostgreSQL start from a state's active
    # shops (a state's words were three times slower judged row by row).
    if filters.village or (filters.state and windowed):
        joins = _FROM
    elif filters.shop or ordering == "-rating":
        joins = _FROM_SHOP
    else:
        joins = _FROM_LISTING
    where = _conditions(filters, state_by_shops=not windowed, own_row=joins == _FROM_LISTING)
    if windowed:
        where.append(
            "l.id = ANY(ARRAY(SELECT w.id FROM sellers_listing w WHERE w.status = 'active' "  # noqa: S608
            f"AND w.search_vector @@ {_QUERY} ORDER BY w.created DESC, w.id DESC "
            f"LIMIT {search.SCAN_WINDOW:d}))")
    where.append(f"l.search_vector @@ {_QUERY}")
    rating = ", s.rating_avg" if ordering == "-rating" else ""
    rank = f", ts_rank(l.search_vector, {_QUERY}) AS rank" if ordering == "relevance" else ""
    # MATERIALIZED: the array is read by the count and by the page's slice below, and an
    # inlined subquery ran the whole search once for each reading.
    return (f"WITH candidates AS MATERIALIZED (SELECT ARRAY("  # noqa: S608
            f"SELECT c.id FROM (SELECT l.id, l.created, l.price_cents"
            f"{rating}{rank} FROM {joins} WHERE {' AND '.join(where)} "
            f"ORDER BY l.created DESC, l.id DESC LIMIT {search.SEARCH_CANDIDATES:d}) c "
            f"ORDER BY {_CANDIDATE_ORDER[ordering]}) AS ids) " + _CARDS_OF_CANDIDATES)


# The count of the candidates, and the cards of the page's slice of them in the page's order,
# from the database function `sellers_listing_cards` (sellers migration 0015): PostgreSQL keeps
# the plan of its query per connection, since it depends on the ids alone, never on the words.
# Written into this statement, its joins were planned again for every page; as a statement of
# its own (prepared), the cards cost a second round trip. Every row has the count; with no card
# on the page, one row of the count alone, its card columns null.
_CARDS_OF_CANDIDATES = """
SELECT cardinality(candidates.ids), card.*
FROM candidates
LEFT JOIN LATERAL sellers_listing_cards(candidates.ids[%(first)s:%(last)s])
    WITH ORDINALITY AS card ON true
ORDER BY card.ordinality
"""


def _browse_sql(filters: ListingFilters, *, with_count: bool, words: bool = False) -> str:
    """Browsing's page and capped count; with `words`, every match of the words (the exact
    price sort of listing_search, when the candidates are not every match)."""
    conditions = _conditions(filters, state_by_shops=False)
    if words:
        conditions.append(f"l.search_vector @@ {_QUERY}")
    where = " AND ".join(conditions)
    count = "0"
    if with_count:  # capped, as ListingResults.count()
        count = (f"SELECT count(*) FROM (SELECT 1 FROM {_FROM} WHERE {where} "  # noqa: S608
                 f"LIMIT {search.COUNT_CAP:d}) c")
    return "WITH " + _PAGE_AND_COUNT.format(
        columns=_CARD_COLUMNS, order=_ORDER[filters.effective_ordering],
        source=f"{_FROM} WHERE {where}", count=count,
    )


def _connection():
    connection = connections[router.db_for_read(Listing)]
    connection.ensure_connection()
    return connection


# psycopg's own timestamptz loader, in C. Django registers a Python subclass of psycopg's
# pure-Python loader on every connection (to attach the connection's time zone), and parsing
# `created` with it took a quarter of this module's time on a page of cards. With USE_TZ the
# connection's TimeZone is UTC, for which psycopg's loader gives the same `timezone.utc` values.
_TIMESTAMPTZ = psycopg.adapters.types["timestamptz"].oid
_TIMESTAMPTZ_LOADER = psycopg.adapters.get_loader(_TIMESTAMPTZ, psycopg.pq.Format.TEXT)


def _cursor():
    """A cursor of Django's, so query logging, counting and execute wrappers see it."""
    connection = _connection()
    cursor = connection.cursor()
    if settings.USE_TZ and connection.timezone_name == "UTC":
        cursor.cursor.adapters.register_loader(_TIMESTAMPTZ, _TIMESTAMPTZ_LOADER)
    return cursor


def _counted_cards(rows: list[tuple]) -> tuple[int, list[ListingCard]]:
    """The count and the cards of rows shaped (count, a card's columns, its place); a row
    without a card (a page with none) has null card columns."""
    end = 1 + CARD_COLUMN_COUNT
    return rows[0][0], [ListingCard(*row[1:end]) for row in rows if row[1] is not None]


def _browse(sql: str, params: dict) -> tuple[int, list[ListingCard]]:
    with _cursor() as cursor:
        cursor.execute(sql, params)
        return _counted_cards(cursor.fetchall())


def _candidates(filters: ListingFilters, q: str, start: int, stop: int
                ) -> tuple[bool, int, list[ListingCard]]:
    """Whether a window was used, how many candidates there are, and the cards of rows
    start..stop of them in the page's order."""
    windowed = windowed_filters(filters) and common_words(q)
    with _cursor() as cursor:
        cursor.execute(_candidates_sql(filters, windowed=windowed),
                       _params(filters, q, start, stop))
        return windowed, *_counted_cards(cursor.fetchall())


def _slow(filters: ListingFilters, start: int, stop: int, with_count: bool) -> ResultPage:
    results = listing_search(filters=filters)
    cards = listing_cards(results, start, stop)
    return ResultPage(cards, results.count() if with_count else 0, results.matched_by,
                      results.corrected_query)


def listing_result_page(*, filters: ListingFilters, start: int, stop: int,
                        with_count: bool = True) -> ResultPage:
    """Rows start..stop of the search's results as cards, and the count, as
    `listing_cards(listing_search(filters=filters), start, stop)` and `count()` give them.

    Browsing is one statement. A text search is one too: its candidates and the cards of the
    page's slice of them (none when the page is past the candidates); a price sort over more
    matches than the candidates then sorts every match by price, with the count. Its words
    corrected: the correction's query and the candidates again. PostgreSQL's estimate of the
    words comes first when its filters need it (`windowed_filters`).
    """
    if not filters.q:
        if filters.ordering == "-rating" and not (
            filters.shop or filters.village or filters.state or filters.category
        ):
            return _slow(filters, start, stop, with_count)  # the newest BROWSE_WINDOW
        total, cards = _browse(_browse_sql(filters, with_count=with_count),
                               _params(filters, "", start, stop))
        return ResultPage(cards, total, "filters")
    q, matched_by, corrected = filters.q, "words", None
    windowed, count, cards = _candidates(filters, q, start, stop)
    if not count and not filters.exact:
        corrected = query_correct(q)
        if corrected:
            q, matched_by = corrected, "corrected"
            windowed, count, cards = _candidates(filters, q, start, stop)
    if filters.ordering in PRICE_ORDERINGS and (windowed or count >= search.SEARCH_CANDIDATES):
        # The candidates may not be every match: sort every match by price, exactly (the
        # candidates' cards are not the page then).
        total, cards = _browse(_browse_sql(filters, with_count=with_count, words=True),
                               _params(filters, q, start, stop))
        return ResultPage(cards, total, matched_by, corrected)
    return ResultPage(cards, count, matched_by, corrected)
