"""Catalog search: one parser and one selector that the search page and the API share.

`listing_filters_parse` turns query parameters into `ListingFilters` (or field errors);
`listing_search` returns the matching public listings, ranked when there is a query.

Every query it builds is bounded, whatever the input: a text query ranks at most
`SEARCH_CANDIDATES` of its newest matches (ranking all 500,000 listings that say "honey" costs
seconds at a million rows; the newest thousand cost milliseconds); words plus filters look
within the newest `SCAN_WINDOW` word matches; price and rating sorts without a narrowing filter
sort the newest `BROWSE_WINDOW`; and counting stops at `COUNT_CAP`, so neither a common word
nor an empty filter ever walks or counts the whole table. bench/RESULTS.md has the figures.
"""

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F, Q, QuerySet, Subquery

from .models import MAX_PRICE_CENTS, Category, Listing
from .selectors import listing_public_queryset
from .us_states import US_STATES

MAX_QUERY_LENGTH = 200
ORDERINGS = ("relevance", "-created", "price_cents", "-price_cents", "-rating")
TRUE_VALUES = {"true", "1", "yes", "on"}
FALSE_VALUES = {"false", "0", "no", "off", ""}
# How many of the newest matches of a text query are ranked; results come from these only.
SEARCH_CANDIDATES = 1000
# `count()` of search results stops here: paginators then never count a whole table.
COUNT_CAP = 10_000
# A text query combined with filters (other than a shop) takes its candidates from the newest
# SCAN_WINDOW listings containing the words: "honey" + one state + a price band otherwise walks
# most of the table to find a thousand matches. Sorting by price or rating without words sorts
# the newest BROWSE_WINDOW matches unless a shop, village, state or category already narrows
# them (no index orders listings by price or by their shop's rating).
SCAN_WINDOW = 5_000
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
    )


@cache
def trigram_available() -> bool:
    """Whether pg_trgm is installed (the embedded development server lacks it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        return cursor.fetchone() is not None


class ListingResults(QuerySet):
    """Search results whose `count()` stops at COUNT_CAP instead of counting every match.

    `matched_by` says how a text query matched: "words" (full text), "similar" (the typo
    fallback), or "filters" when there was no text.
    """

    matched_by = "filters"

    def _clone(self):
        clone = super()._clone()
        clone.matched_by = self.matched_by
        return clone

    def count(self):
        if self._result_cache is not None or self.query.is_sliced:
            return super().count()
        return self.order_by()[:COUNT_CAP].count()


def _as_results(listings: QuerySet[Listing], matched_by: str) -> ListingResults:
    # Lists show neither: the search document alone is kilobytes per row to send and parse.
    results = listings.defer("search_vector", "description")._chain()
    results.__class__ = ListingResults
    results.matched_by = matched_by
    return results


def category_family_ids(slug: str) -> QuerySet[Category]:
    """Ids of the category with this slug and of its descendants (the tree has two levels)."""
    return Category.objects.filter(Q(slug=slug) | Q(parent__slug=slug)).values("id")


def _filtered(filters: ListingFilters) -> QuerySet[Listing]:
    listings = listing_public_queryset()
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
    return listings


def _ordered(listings: QuerySet[Listing], ordering: str, ranked: bool) -> QuerySet[Listing]:
    if ordering == "price_cents":
        return listings.order_by("price_cents", "-id")
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


def _prefix_query(text: str) -> SearchQuery | None:
    """`hon:* | qui:*` from the words of a query: letters only, so it is always valid."""
    stems = sorted({word[:3] for word in re.findall(r"[a-z]+", text.lower()) if len(word) >= 3})
    if not stems:
        return None
    return SearchQuery(" | ".join(f"{stem}:*" for stem in stems), search_type="raw",
                       config="english")


def _narrowed(filters: ListingFilters) -> bool:
    """Filters the planner cannot combine cheaply with a common word (a shop's own is fine)."""
    if filters.shop:
        return False
    return bool(
        filters.category or filters.village or filters.state or filters.in_stock
        or filters.local_pickup or filters.min_price_cents is not None
        or filters.max_price_cents is not None
    )


def listing_search(*, filters: ListingFilters) -> QuerySet[Listing]:
    """Public listings matching the filters; with a query, full-text ranked, else by typo.

    A text query ranks only its SEARCH_CANDIDATES newest matches (see the module docstring):
    the planner walks the (status, -created) index for a common word and the GIN index for a
    rare one, and either way stops after that many rows. Costs one query now (the candidate
    ids; two when the typo fallback runs), then the returned queryset's own.
    """
    listings = _filtered(filters)
    if not filters.q:
        if filters.ordering in ("price_cents", "-price_cents", "-rating") and not (
            filters.shop or filters.village or filters.state or filters.category
        ):
            window = listings.order_by("-created", "-id").values("id")[:BROWSE_WINDOW]
            listings = listing_public_queryset().filter(id__in=Subquery(window))
        return _as_results(_ordered(listings, filters.ordering, ranked=False), "filters")
    query = SearchQuery(filters.q, search_type="websearch", config="english")
    if _narrowed(filters):
        window = (
            Listing.objects.filter(status=Listing.Status.ACTIVE, search_vector=query)
            .order_by("-created", "-id")
            .values("id")[:SCAN_WINDOW]
        )
        listings = listings.filter(id__in=Subquery(window))
    ids = _candidate_ids(listings.filter(search_vector=query), newest_first=True)
    if ids:
        ranked = listing_public_queryset().filter(id__in=ids).annotate(
            rank=SearchRank(F("search_vector"), query)
        )
        return _as_results(_ordered(ranked, filters.ordering, ranked=True), "words")
    if not trigram_available():
        # Without pg_trgm (the embedded development server), words sharing the first three
        # letters stand in for the typo fallback: "hony" still finds "honey".
        prefix = _prefix_query(filters.q)
        ids = _candidate_ids(listings.filter(search_vector=prefix), newest_first=True) if (
            prefix is not None) else []
        ranked = listing_public_queryset().filter(id__in=ids)
        if prefix is not None:
            ranked = ranked.annotate(rank=SearchRank(F("search_vector"), prefix))
        return _as_results(
            _ordered(ranked, filters.ordering, ranked=prefix is not None),
            "similar" if ids else "words",
        )
    # Nothing matched the words as typed: fall back to titles that look alike ("hony").
    ids = _candidate_ids(
        listings.filter(title__trigram_word_similar=filters.q), newest_first=False
    )
    similar = listing_public_queryset().filter(id__in=ids).annotate(
        rank=TrigramWordSimilarity(filters.q, "title")
    )
    return _as_results(_ordered(similar, filters.ordering, ranked=True), "similar")
