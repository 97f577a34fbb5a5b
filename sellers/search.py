"""Catalog search: one parser and one selector that the search page and the API share.

`listing_filters_parse` turns query parameters into `ListingFilters` (or field errors);
`listing_search` returns the matching public listings, ranked when there is a query.

Every query it builds is bounded, whatever the input: a text query ranks at most
`SEARCH_CANDIDATES` of its newest matches (ranking all 500,000 listings that say "honey" costs
seconds at a million rows; the newest thousand cost milliseconds); words plus filters look
within the newest `SCAN_WINDOW` word matches; a rating sort without a narrowing filter sorts
the newest `BROWSE_WINDOW`; and counting stops at `COUNT_CAP`, so neither a common word nor an
empty filter ever walks or counts the whole table. Price sorts are exact: they sort every
match, walking the `listing_active_price` index cheapest (or dearest) first and stopping after
a page. bench/RESULTS.md has the figures.
"""

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import BooleanField, F, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from rapidfuzz.distance import DamerauLevenshtein

from web.page_cache import SERVER_CACHE_SECONDS
from web.timed_store import TimedStore

from .models import MAX_PRICE_CENTS, Category, Listing
from .selectors import listing_public_queryset, preorder_today
from .us_states import US_STATES

MAX_QUERY_LENGTH = 200
PREORDER_CHOICES = ("", "only", "exclude")
PREORDER_ALIASES = {"true": "only", "false": "exclude"}  # the names API.md fixed
ORDERINGS = ("relevance", "-created", "price_cents", "-price_cents", "-rating")
PRICE_ORDERINGS = ("price_cents", "-price_cents")
TRUE_VALUES = {"true", "1", "yes", "on"}
FALSE_VALUES = {"false", "0", "no", "off", ""}
# How many of the newest matches of a text query are ranked; results come from these only.
SEARCH_CANDIDATES = 1000
# `count()` of search results stops here: paginators then never count a whole table.
COUNT_CAP = 10_000
# Common words combined with a state, a category or the stock and pickup checks (see
# windowed_filters and common_words) take their candidates from the newest SCAN_WINDOW
# listings containing the words: "honey" + one state otherwise reads most of the state's
# listings. Sorting by shop rating without words sorts the newest BROWSE_WINDOW matches unless
# a shop, village, state or category already narrows them (no index orders listings by their
# shop's rating). Price sorts are exact.
SCAN_WINDOW = 5_000
# A query expected to match this many active listings or more is common (see common_words).
COMMON_MATCHES = 50_000
BROWSE_WINDOW = 5_000
SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]{1,100}$")
# Cf (format) and Cc (control) characters, NUL above all, never reach the database.
_INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn"}


@dataclass(frozen=True)
class ListingFilters:
    q: str = ""
    category: str = ""
    village: str = ""
    state: str = ""
    shop: str = ""
    min_price_cents: int | None = None
    max_price_cents: int | None = None
    in_stock: bool = False
    local_pickup: bool = False
    ordering: str = ""  # empty: relevance with a query, newest first without
    exact: bool = False  # true: words as typed only, never corrected
    preorder: str = ""  # "only": pre-orders alone; "exclude": goods in stock alone; "": both

    @property
    def effective_ordering(self) -> str:
        """The ordering actually applied: relevance needs a query to rank by."""
        if self.ordering == "relevance" and not self.q:
            return "-created"
        return self.ordering or ("relevance" if self.q else "-created")


def _text(params: Mapping, name: str) -> str:
    raw = params.get(name) or ""
    if not isinstance(raw, str):
        raw = str(raw)
    return raw


def _clean_query(raw: str) -> str:
    """Drop invisible characters and collapse whitespace; the text itself stays as typed."""
    visible = "".join(
        " " if unicodedata.category(ch) in _INVISIBLE else ch
        for ch in raw[: MAX_QUERY_LENGTH * 4]
    )
    return " ".join(visible.split())


def _int_param(params, name, errors) -> int | None:
    raw = _text(params, name).strip()
    if raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12 or int(raw) > MAX_PRICE_CENTS:
        errors[name] = [f"Enter a whole number of cents from 0 to {MAX_PRICE_CENTS}."]
        return None
    return int(raw)


def _bool_param(params, name, errors) -> bool:
    raw = _text(params, name).strip().lower()
    if raw in TRUE_VALUES:
        return True
    if raw not in FALSE_VALUES:
        errors[name] = ["Use true or false."]
    return False


def _slug_param(params, name, errors, label) -> str:
    raw = _text(params, name).strip()
    if raw and not SLUG_RE.match(raw):
        errors[name] = [f"No {label} has that name: use the {label}'s slug, such as honey."]
        return ""
    return raw


def listing_filters_parse(params: Mapping) -> ListingFilters:
    """Parse catalog query parameters; raise ValidationError with a message per bad field.

    One query when a category is named (an unknown category is a 400, not an empty list).
    """
    errors: dict[str, list[str]] = {}
    raw_q = _text(params, "q")
    q = _clean_query(raw_q)
    if len(raw_q) > MAX_QUERY_LENGTH * 4 or len(q) > MAX_QUERY_LENGTH:
        errors["q"] = [f"Search text is limited to {MAX_QUERY_LENGTH} characters."]
        q = ""
    state = _text(params, "state").strip().upper()
    if state and state not in US_STATES:
        errors["state"] = ["Use a two-letter US state code, such as IA or KY."]
    min_price = _int_param(params, "min_price_cents", errors)
    max_price = _int_param(params, "max_price_cents", errors)
    if min_price is not None and max_price is not None and min_price > max_price:
        errors["min_price_cents"] = ["The lowest price must not be above the highest price."]
    ordering = _text(params, "ordering").strip()
    if ordering and ordering not in ORDERINGS:
        errors["ordering"] = [f"Sort by one of: {', '.join(ORDERINGS)}."]
    in_stock = _bool_param(params, "in_stock", errors)
    local_pickup = _bool_param(params, "local_pickup", errors)
    exact = _bool_param(params, "exact", errors)
    preorder = _text(params, "preorder").strip().lower()
    preorder = PREORDER_ALIASES.get(preorder, preorder)
    if preorder not in PREORDER_CHOICES:
        errors["preorder"] = ["Use true or only (pre-orders alone), or false or exclude "
                              "(goods in stock alone)."]
        preorder = ""
    category = _slug_param(params, "category", errors, "category")
    village = _slug_param(params, "village", errors, "village")
    shop = _slug_param(params, "shop", errors, "shop")
    if category and not Category.objects.filter(slug=category).exists():
        errors["category"] = [f"There is no category “{category}”."]
    if errors:
        raise ValidationError(errors)
    return ListingFilters(
        q=q,
        category=category,
        village=village,
        state=state,
        shop=shop,
        min_price_cents=min_price,
        max_price_cents=max_price,
        in_stock=in_stock,
        local_pickup=local_pickup,
        ordering=ordering,
        exact=exact,
        preorder=preorder,
    )


def _read_connection():
    """The connection catalog reads use (the replica where there is one), as the ORM's do."""
    return connections[router.db_for_read(Listing)]


@cache
def _trigram_installed() -> bool:
    with _read_connection().cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        return cursor.fetchone() is not None


def trigram_available() -> bool:
    """Whether typo candidates come from pg_trgm: installed, and not switched off by the
    SEARCH_TRIGRAM setting (the embedded development server lacks the extension)."""
    return getattr(settings, "SEARCH_TRIGRAM", True) and _trigram_installed()


# --- Typo correction ---------------------------------------------------------------------------
# A typed word is corrected only when it matches no active listing (a stop word always counts
# as matching), to the vocabulary word (sellers_searchword) nearest by Damerau–Levenshtein
# distance, the more frequent first among equals. Allowed edits depend on the longer of the
# two words: none below 4 letters, 1 for 4–8, 2 for 9 or more; a word typed with fewer than
# 3 letters is never corrected. Only plain words (letters a–z) of the first
# MAX_CORRECTED_WORDS are looked at; operators, quotes, digits and other scripts stay as typed.
MIN_CORRECTED_LENGTH = 3
MAX_CORRECTED_WORDS = 8
TRIGRAM_CANDIDATES = 40  # nearest words by trigram distance, per typed word
WINDOW_CANDIDATES = 2000  # most frequent words in the length/first-letters window, per word
# MIN_CORRECTED_LENGTH letters or more, with a comma or full stop after it at most.
_PLAIN_WORD = re.compile(r"^([a-z]{3,40})([,.;:!?]?)$")

# Which typed words match an active listing (a stop word counts as matching; a word of the
# vocabulary is known without searching the listings), and for each that does not, its
# candidates of about the same length. The two ways of finding candidates differ only in the
# end of the lateral query, so they share its beginning.
_CORRECTION_SQL_START = """
WITH typed AS MATERIALIZED (  -- decided once per word, not once per candidate
    SELECT t.w, CASE
        WHEN numnode(plainto_tsquery('english', t.w)) = 0 THEN true
        WHEN EXISTS (SELECT 1 FROM sellers_searchword v WHERE v.word = t.w) THEN true
        ELSE EXISTS (
            SELECT 1 FROM sellers_listing l
            WHERE l.status = 'active' AND l.search_vector @@ plainto_tsquery('english', t.w))
    END AS matched
    FROM unnest(%s::text[]) AS t(w)
)
SELECT typed.w, typed.matched, c.word, c.listings FROM typed LEFT JOIN LATERAL (
    SELECT v.word, v.listings FROM sellers_searchword v
    WHERE NOT typed.matched
      AND length(v.word) BETWEEN length(typed.w) - 2 AND length(typed.w) + 2
"""
# With pg_trgm: the nearest words by trigram distance.
_CORRECTION_TRIGRAM_SQL = _CORRECTION_SQL_START + """\
    ORDER BY v.word <-> typed.w LIMIT %s
) c ON true
"""
# Without pg_trgm: words that share the first letter or the second, or have the first two
# swapped, most frequent first.
_CORRECTION_WINDOW_SQL = _CORRECTION_SQL_START + """\
      AND (left(v.word, 1) = left(typed.w, 1) OR substr(v.word, 2, 1) = substr(typed.w, 2, 1)
           OR left(v.word, 1) = substr(typed.w, 2, 1)
           OR substr(v.word, 2, 1) = left(typed.w, 1))
    ORDER BY v.listings DESC, v.word LIMIT %s
) c ON true
"""


def max_edits(typed: str, word: str) -> int:
    longest = max(len(typed), len(word))
    if longest < 4:
        return 0
    return 1 if longest <= 8 else 2


def _best_correction(typed: str, candidates: list[tuple[str, int]]) -> str | None:
    best = None
    for word, listings in candidates:
        limit = max_edits(typed, word)
        if limit == 0 or word == typed:
            continue
        distance = DamerauLevenshtein.distance(typed, word, score_cutoff=limit)
        if distance <= limit:
            key = (distance, -listings, word)
            best = key if best is None or key < best else best
    return best[2] if best else None


# A query's correction changes only when the vocabulary does, slowly: each web process keeps
# the answers to the last CORRECTIONS_KEPT queries it corrected for CORRECTION_SECONDS, as long
# as the page cache keeps a page, so a query typed again (with another filter, page or order)
# costs no statement for its correction.
CORRECTION_SECONDS = SERVER_CACHE_SECONDS
CORRECTIONS_KEPT = 5000
corrections = TimedStore(seconds=CORRECTION_SECONDS, max_size=CORRECTIONS_KEPT)
_NOT_KEPT = object()


def query_correct(q: str) -> str | None:
    """The query with each word that matches nothing corrected, or None if nothing changed.

    One query: which words match, and the candidates of those that do not (none when this
    process answered the same query within CORRECTION_SECONDS).
    """
    key = (q, trigram_available())
    kept = corrections.get(key, default=_NOT_KEPT)  # None is a kept answer: no correction
    if kept is not _NOT_KEPT:
        return kept
    corrected = _query_correct(q)
    corrections.put(key, corrected)
    return corrected


def _query_correct(q: str) -> str | None:
    tokens = q.split(" ")
    matches = (_PLAIN_WORD.match(token.lower()) for token in tokens)
    plain = {i: found for i, found in enumerate(matches) if found}
    if not plain or len(plain) > MAX_CORRECTED_WORDS:
        return None
    words = sorted({found.group(1) for found in plain.values()})
    if trigram_available():
        sql, limit = _CORRECTION_TRIGRAM_SQL, TRIGRAM_CANDIDATES
    else:
        sql, limit = _CORRECTION_WINDOW_SQL, WINDOW_CANDIDATES
    candidates: dict[str, list[tuple[str, int]]] = {}
    with _read_connection().cursor() as cursor:
        cursor.execute(sql, [words, limit])
        for typed, matched, word, listings in cursor.fetchall():
            if not matched and word is not None:
                candidates.setdefault(typed, []).append((word, listings))
    corrections = {typed: _best_correction(typed, found) for typed, found in candidates.items()}
    changed = False
    for i, found in plain.items():
        correction = corrections.get(found.group(1))
        if correction:
            tokens[i] = correction + found.group(2)
            changed = True
    return " ".join(tokens) if changed else None


class ListingResults(QuerySet):
    """Search results whose `count()` stops at COUNT_CAP instead of counting every match.

    `matched_by` says how a text query matched: "words" (full text, as typed), "corrected"
    (full text after correcting typos: `corrected_query` is the text searched), or "filters"
    when there was no text.
    """

    matched_by = "filters"
    corrected_query: str | None = None
    # The number of matches when the search already knows it (a text query's candidates).
    # Not carried by _clone: a queryset derived by another filter counts for itself.
    known_count: int | None = None

    def _clone(self):
        clone = super()._clone()
        clone.matched_by = self.matched_by
        clone.corrected_query = self.corrected_query
        return clone

    def count(self):
        if self.known_count is not None:
            return self.known_count
        if self._result_cache is not None or self.query.is_sliced:
            return super().count()
        return self.order_by()[:COUNT_CAP].count()


def _as_results(listings: QuerySet[Listing], matched_by: str,
                corrected_query: str | None = None) -> ListingResults:
    # Lists show neither: the search document alone is kilobytes per row to send and parse.
    results = listings.defer("search_vector", "description")._chain()
    results.__class__ = ListingResults
    results.matched_by = matched_by
    results.corrected_query = corrected_query
    return results

def category_family_ids(slug: str) -> QuerySet[Category]:
    """Ids of the category with this slug and of its descendants (the tree has two levels)."""
    return Category.objects.filter(Q(slug=slug) | Q(parent__slug=slug)).values("id")


def _filtered(filters: ListingFilters) -> QuerySet[Listing]:
    # A pre-order whose promised date has passed can no longer be bought: out of lists too.
    listings = listing_public_queryset().exclude(preorder_ships_by__lt=preorder_today())
    if filters.category:
        listings = listings.filter(category_id__in=Subquery(category_family_ids(filters.category)))
    if filters.village:
        listings = listings.filter(shop__village__slug=filters.village)
    if filters.state:
        listings = listings.filter(shop__village__state=filters.state)
    if filters.shop:
        listings = listings.filter(shop__slug=filters.shop)
    if filters.min_price_cents is not None:
        listings = listings.filter(price_cents__gte=filters.min_price_cents)
    if filters.max_price_cents is not None:
        listings = listings.filter(price_cents__lte=filters.max_price_cents)
    if filters.in_stock:
        listings = listings.filter(stock__gt=0)
    if filters.local_pickup:
        listings = listings.filter(local_pickup=True)
    if filters.preorder == "only":
        listings = listings.filter(preorder_ships_by__isnull=False)
    elif filters.preorder == "exclude":
        listings = listings.filter(preorder_ships_by__isnull=True)
    return listings


def _ordered(listings: QuerySet[Listing], ordering: str, ranked: bool) -> QuerySet[Listing]:
    # Ties by id in the price's direction: the listing_active_price index serves both ways.
    if ordering == "price_cents":
        return listings.order_by("price_cents", "id")
    if ordering == "-price_cents":
        return listings.order_by("-price_cents", "-id")
    if ordering == "-rating":
        return listings.order_by(F("shop__rating_avg").desc(nulls_last=True), "-created", "-id")
    if ranked and ordering in ("", "relevance"):
        return listings.order_by("-rank", "-created", "-id")
    return listings.order_by("-created", "-id")


def _candidate_ids(matches: QuerySet[Listing], *, newest_first: bool) -> list[int]:
    """Ids of the first SEARCH_CANDIDATES matches (newest first if asked), in one query.

    Fetched eagerly so that the results, their count and the typo decision reuse one scan.
    """
    if newest_first:
        matches = matches.order_by("-created", "-id")
    else:
        matches = matches.order_by()
    return list(matches.values_list("id", flat=True)[:SEARCH_CANDIDATES])


def _narrowed(filters: ListingFilters) -> bool:
    """Filters the planner cannot combine cheaply with a common word (a shop's own is fine)."""
    if filters.shop:
        return False
    return bool(
        filters.category or filters.village or filters.state or filters.in_stock
        or filters.local_pickup or filters.preorder == "only"
        or filters.min_price_cents is not None
        or filters.max_price_cents is not None
    )


def windowed_filters(filters: ListingFilters) -> bool:
    """Filters whose matches a common word would find only by reading many thousand rows.

    A price bound (the listing_active_shop_price and listing_active_price indexes) or a
    village (a few shops) keeps the exact query cheap; a state, a category or the stock and
    pickup checks alone do not, unless the query is rare enough for its GIN entries
    (`common_words`).
    """
    return _narrowed(filters) and not (
        filters.village or filters.min_price_cents is not None
        or filters.max_price_cents is not None
    )


def common_words(text: str) -> bool:
    """Whether the planner expects COMMON_MATCHES active listings or more to match the text.

    Only then is the newest-matches window the cheap way: reading a common word's whole list
    from the GIN index costs hundreds of milliseconds at a million listings, while its newest
    matches are near at hand in the (status, -created, -id) index. The estimate is PostgreSQL's own
    (its statistics of the search vectors' words, stemmed as the search stems them), read
    with a plain EXPLAIN: a fraction of a millisecond, nothing executed.
    """
    with _read_connection().cursor() as cursor:
        cursor.execute(
            "EXPLAIN (FORMAT JSON) SELECT id FROM sellers_listing WHERE status = 'active' "
            "AND search_vector @@ websearch_to_tsquery('english'::regconfig, %s)", [text])
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return plan[0]["Plan"]["Plan Rows"] >= COMMON_MATCHES


def _text_candidates(filters: ListingFilters, listings: QuerySet[Listing], text: str,
                     query: SearchQuery) -> tuple[list[int], bool]:
    """The candidate ids, and whether they are every match (no window, fewer than the cap)."""
    windowed = windowed_filters(filters) and common_words(text)
    if windowed:
        window = (
            Listing.objects.filter(status=Listing.Status.ACTIVE, search_vector=query)
            .order_by("-created", "-id")
            .values("id")[:SCAN_WINDOW]
        )
        # As an array computed first (an InitPlan), not `IN (subquery)`: with a semi-join the
        # planner starts from the state's every listing and reads ten times more rows.
        # The SQL is the ORM's own compiled query; every value in it stays a parameter.
        sql, params = window.query.sql_with_params()
        listings = listings.filter(RawSQL(  # noqa: S611
            f'"sellers_listing"."id" = ANY(ARRAY({sql}))', params, output_field=BooleanField()
        ))
    elif filters.state:
        # The state's shops as an array computed first: the planner can then intersect the
        # word's GIN entries with those shops' index entries (a BitmapAnd) and read only the
        # rows that are both, instead of every listing of the state.
        listings = _filtered(replace(filters, state="")).filter(RawSQL(
            '"sellers_listing"."shop_id" = ANY(ARRAY(SELECT s.id FROM sellers_shop s '
            "JOIN sellers_village v ON v.id = s.village_id WHERE v.state = %s))",
            [filters.state], output_field=BooleanField(),
        ))
    ids = _candidate_ids(listings.filter(search_vector=query), newest_first=True)
    return ids, not windowed and len(ids) < SEARCH_CANDIDATES


def listing_search(*, filters: ListingFilters) -> QuerySet[Listing]:
    """Public listings matching the filters; with a query, full-text ranked, typos corrected.

    A text query ranks only its SEARCH_CANDIDATES newest matches (see the module docstring):
    the planner walks the (status, -created, -id) index for a common word and the GIN index for a
    rare one, and either way stops after that many rows. Costs one query now (the candidate
    ids; three when nothing matched as typed: the correction and the corrected ids), then the
    returned queryset's own. A query that matches as typed is never corrected, so exact
    matches always come before (and instead of) corrected ones.
    """
    listings = _filtered(filters)
    if not filters.q:
        if filters.ordering == "-rating" and not (
            filters.shop or filters.village or filters.state or filters.category
        ):
            window = listings.order_by("-created", "-id").values("id")[:BROWSE_WINDOW]
            listings = listing_public_queryset().filter(id__in=Subquery(window))
        return _as_results(_ordered(listings, filters.ordering, ranked=False), "filters")
    query = SearchQuery(filters.q, search_type="websearch", config="english")
    ids, complete = _text_candidates(filters, listings, filters.q, query)
    matched_by, corrected = "words", None
    if not ids and not filters.exact:
        corrected = query_correct(filters.q)
        if corrected:
            query = SearchQuery(corrected, search_type="websearch", config="english")
            ids, complete = _text_candidates(filters, listings, corrected, query)
            matched_by = "corrected"
    if filters.ordering in PRICE_ORDERINGS and not complete:
        # The candidates may not be every match (a common word, or a window of them): sort
        # every match by price instead, exactly; the price index lets the walk stop at a page.
        everything = listings.filter(search_vector=query)
        return _as_results(_ordered(everything, filters.ordering, ranked=False), matched_by,
                           corrected)
    # One array parameter, not a thousand: the SQL text and its parsing stay small.
    ranked = listing_public_queryset().filter(
        id__in=RawSQL("SELECT unnest(%s::bigint[])", [ids])
    ).annotate(
        rank=SearchRank(F("search_vector"), query)
    )
    results = _as_results(_ordered(ranked, filters.ordering, ranked=True), matched_by, corrected)
    # The candidates were fetched with the same public filters, so they are the results.
    results.known_count = len(ids)
    return results
