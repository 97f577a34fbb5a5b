"""Catalog search: one parser and one selector that the search page and the API share.

`listing_filters_parse` turns query parameters into `ListingFilters` (or field errors);
`listing_search` returns the matching public listings, ranked when there is a query.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F, Q, QuerySet

from .models import MAX_PRICE_CENTS, Listing
from .selectors import listing_public_queryset
from .states import US_STATES

MAX_QUERY_LENGTH = 200
ORDERINGS = ("relevance", "-created", "price_cents", "-price_cents", "-rating")
TRUE_VALUES = {"true", "1", "yes", "on"}
FALSE_VALUES = {"false", "0", "no", "off", ""}


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


def _int_param(params, name, errors) -> int | None:
    raw = (params.get(name) or "").strip()
    if raw == "":
        return None
    if not raw.isdigit() or len(raw) > 12:
        errors[name] = [f"Enter a whole number of cents from 0 to {MAX_PRICE_CENTS}."]
        return None
    return int(raw)


def _bool_param(params, name, errors) -> bool:
    raw = (params.get(name) or "").strip().lower()
    if raw in TRUE_VALUES:
        return True
    if raw not in FALSE_VALUES:
        errors[name] = ["Use true or false."]
    return False


def listing_filters_parse(params: Mapping) -> ListingFilters:
    """Parse catalog query parameters; raise ValidationError with a message per bad field."""
    errors: dict[str, list[str]] = {}
    q = " ".join((params.get("q") or "").split())
    if len(q) > MAX_QUERY_LENGTH:
        errors["q"] = [f"Search text is limited to {MAX_QUERY_LENGTH} characters."]
    state = (params.get("state") or "").strip().upper()
    if state and state not in US_STATES:
        errors["state"] = ["Use a two-letter US state code, such as IA or KY."]
    min_price = _int_param(params, "min_price_cents", errors)
    max_price = _int_param(params, "max_price_cents", errors)
    if min_price is not None and max_price is not None and min_price > max_price:
        errors["min_price_cents"] = ["The lowest price must not be above the highest price."]
    ordering = (params.get("ordering") or "").strip()
    if ordering and ordering not in ORDERINGS:
        errors["ordering"] = [f"Sort by one of: {', '.join(ORDERINGS)}."]
    in_stock = _bool_param(params, "in_stock", errors)
    local_pickup = _bool_param(params, "local_pickup", errors)
    if errors:
        raise ValidationError(errors)
    return ListingFilters(
        q=q,
        category=(params.get("category") or "").strip()[:100],
        village=(params.get("village") or "").strip()[:100],
        state=state,
        shop=(params.get("shop") or "").strip()[:100],
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


def _filtered(filters: ListingFilters) -> QuerySet[Listing]:
    listings = listing_public_queryset()
    if filters.category:
        listings = listings.filter(
            Q(category__slug=filters.category) | Q(category__parent__slug=filters.category)
        )
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


def listing_search(*, filters: ListingFilters) -> QuerySet[Listing]:
    """Public listings matching the filters; with a query, full-text ranked, else by typo."""
    listings = _filtered(filters)
    if not filters.q:
        return _ordered(listings, filters.ordering, ranked=False)
    query = SearchQuery(filters.q, search_type="websearch", config="english")
    matches = listings.filter(search_vector=query).annotate(
        rank=SearchRank(F("search_vector"), query)
    )
    if matches.exists() or not trigram_available():
        return _ordered(matches, filters.ordering, ranked=True)
    # Nothing matched the words as typed: fall back to titles that look alike ("hony").
    similar = listings.filter(title__trigram_word_similar=filters.q).annotate(
        rank=TrigramWordSimilarity(filters.q, "title")
    )
    return _ordered(similar, filters.ordering, ranked=True)

