"""Buyer catalog pages: home, search, categories, listings, village hubs, impact.

Each view parses its input, calls the catalog selectors (which read listings through
`sellers`), and renders. Bad input is shown as a message, never a 500.
"""

from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.http import require_safe

from hubs.selectors import hubs_of_village
from insights.services.views import counts_listing_views
from orders.selectors import review_breakdown, reviews_public
from sellers.errors import NotFound
from sellers.result_page import listing_result_page
from sellers.search import COUNT_CAP, ListingFilters, listing_filters_parse, listing_search
from sellers.selectors import shop_get_for_viewer
from sellers.us_states import STATE_CHOICES
from web.charts import chart_csv_response
from web.page_cache import anonymous_cache

from . import impact_series, selectors

PAGE_SIZE = 24
STOREFRONT_PAGE_SIZE = 24
REVIEWS_PAGE_SIZE = 10
MAX_PAGE = COUNT_CAP // PAGE_SIZE
HOME_LISTINGS = 12
HOME_VILLAGES = 12
SORT_CHOICES = [
    ("relevance", "Best match"),
    ("-created", "Newest"),
    ("price_cents", "Price: low to high"),
    ("-price_cents", "Price: high to low"),
    ("-rating", "Shop rating"),
]
# The search form asks for dollars; the shared parser speaks cents.
DOLLAR_FIELDS = {"min_price": "min_price_cents", "max_price": "max_price_cents"}
FIELD_LABELS = {
    "q": "Search text",
    "min_price_cents": "Lowest price",
    "max_price_cents": "Highest price",
    "min_price": "Lowest price",
    "max_price": "Highest price",
}


@require_safe
@anonymous_cache
def home(request):
    return render(
        request,
        "catalog/home.html",
        {
            "categories": selectors.category_tree(),
            "villages": selectors.village_list()[:HOME_VILLAGES],
            "listings": selectors.listing_newest(limit=HOME_LISTINGS),
        },
    )


def _dollars_to_cents(raw: str) -> str | None:
    raw = raw.strip().lstrip("$").replace(",", "")
    if raw == "":
        return ""
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value > 100_000 or len(raw) > 12:
        return None
    return str(int((value * 100).to_integral_value()))


def _filters_from(request, *, fixed: dict | None = None) -> tuple[ListingFilters, list[str]]:
    """Parse the search form; a bad field is dropped with a message, the rest still applies."""
    params = {key: request.GET.get(key, "") for key in request.GET}
    errors: list[str] = []
    for field, cents_field in DOLLAR_FIELDS.items():
        if params.get(field, "").strip():
            cents = _dollars_to_cents(params[field])
            if cents is None:
                errors.append(f"{FIELD_LABELS[field]}: enter an amount in dollars, such as 12.50.")
                cents = ""
            params[cents_field] = cents
    params.update(fixed or {})
    for _attempt in range(len(params) + 1):
        try:
            return listing_filters_parse(params), errors
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                label = FIELD_LABELS.get(field, field.replace("_", " ").capitalize())
                errors.extend(f"{label}: {message}" for message in messages)
                params.pop(field, None)
                if field == "min_price_cents":
                    params.pop("max_price_cents", None)
    return ListingFilters(), errors


def _page_number(request) -> tuple[int, str]:
    raw = (request.GET.get("page") or "1").strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        return 1, "That page number was not a number, so here is the first page."
    number = max(int(raw), 1)
    if number > MAX_PAGE:
        return number, f"Results stop at page {MAX_PAGE}: add words or filters to narrow them."
    return number, ""


def _result_count_text(count: int) -> str:
    if count >= COUNT_CAP:
        return f"{COUNT_CAP:,}+ results"
    if count == 1:
        return "1 result"
    return f"About {count:,} results" if count > 100 else f"{count:,} results"


def _listing_page(request, filters: ListingFilters, *, with_count: bool = False) -> dict:
    """One page of results (fetching one extra row instead of counting every match).

    with_count adds "About 1,240 results" (one capped count, see sellers.search.COUNT_CAP).
    """
    number, page_message = _page_number(request)
    rows, count, matched_by, corrected_query = [], 0, "filters", None
    if number <= MAX_PAGE:
        offset = (number - 1) * PAGE_SIZE
        page = listing_result_page(filters=filters, start=offset,
                                   stop=offset + PAGE_SIZE + 1, with_count=with_count)
        rows, count = page.cards, page.count
        matched_by, corrected_query = page.matched_by, page.corrected_query
    if number > 1 and not rows and not page_message:
        page_message = "There are no more results past this page."
    # The query string without its page number (QueryDict.copy() deep-copies every value).
    base = urlencode([(key, value) for key, values in request.GET.lists() if key != "page"
                      for value in values])
    link = f"?{base}&page=" if base else "?page="
    exact_url = ""
    if corrected_query:
        exact = request.GET.copy()
        exact.pop("page", None)
        exact["exact"] = "true"
        exact_url = f"?{exact.urlencode()}"
    count_text = ""
    if with_count and rows:
        count_text = _result_count_text(count)
    return {
        "corrected_query": corrected_query,
        "exact_url": exact_url,
        "result_count": count_text,
        "listings": rows[:PAGE_SIZE],
        "page_number": number,
        "previous_url": f"{link}{number - 1}" if 1 < number <= MAX_PAGE + 1 else "",
        "next_url": f"{link}{number + 1}" if len(rows) > PAGE_SIZE else "",
        "page_message": page_message,
        "matched_by": matched_by,
    }


def _form_context(request, filters: ListingFilters, fixed: tuple = ()) -> dict:
    return {
        "filters": filters,
        # The prices as typed (a template looking up a key the query lacks costs an exception).
        "typed_min_price": request.GET.get("min_price", ""),
        "typed_max_price": request.GET.get("max_price", ""),
        "categories": selectors.category_tree(),
        "states": STATE_CHOICES,
        "sort_choices": SORT_CHOICES,
        "ordering": filters.effective_ordering,
        "active_filters": sum(
            1 for value in (filters.state, filters.min_price_cents is not None,
                            filters.max_price_cents is not None, filters.in_stock,
                            filters.local_pickup, filters.preorder,
                            filters.category and "category" not in fixed)
            if value
        ),
    }


@require_safe
@anonymous_cache
def search(request):
    filters, errors = _filters_from(request)
    context = {**_form_context(request, filters),
               **_listing_page(request, filters, with_count=True)}
    context["errors"] = errors
    return render(request, "catalog/search.html", context)


@require_safe
@anonymous_cache
def category_detail(request, slug: str):
    category = selectors.category_get(slug=slug)
    filters, errors = _filters_from(request, fixed={"category": category.slug, "q": ""})
    context = {
        **_form_context(request, filters, fixed=("category",)),
        **_listing_page(request, filters),
    }
    context.update(
        category=category,
        children=selectors.category_children(slug=category.slug),
        errors=errors,
    )
    return render(request, "catalog/category.html", context)


def _reviews(request, reviews) -> dict:
    """One page of reviews (`?reviews=N`) and the count per star: two queries (one when
    there are none yet); the total is the sum of the counts per star."""
    rows = review_breakdown(reviews=reviews)
    paginator = Paginator(reviews, REVIEWS_PAGE_SIZE)
    paginator.count = sum(row.count for row in rows)  # no second COUNT query
    return {"reviews": paginator.get_page(request.GET.get("reviews")), "rating_rows": rows}


@require_safe
@counts_listing_views
@anonymous_cache
def listing_detail(request, listing_id: int):
    listing = selectors.listing_detail(listing_id=listing_id)
    images = list(listing.images.all())
    response = render(
        request,
        "catalog/listing_detail.html",
        {
            "listing": listing,
            "cover": images[0] if images else None,
            "more_images": images[1:],
            "max_quantity": max(min(listing.stock, 99), 1),
            **_reviews(request, reviews_public(listing_id=listing.pk)),
        },
    )
    response.listing_owner_id = listing.shop.owner_id  # the owner's own views are not counted
    return response


@require_safe
def storefront(request, slug):
    """A shop's page: its listings for sale and what buyers wrote about it."""
    try:
        shop = shop_get_for_viewer(slug=slug, user=request.user)
    except NotFound as exc:
        raise Http404(str(exc)) from None
    listings = listing_search(filters=ListingFilters(shop=shop.slug))
    page = Paginator(listings, STOREFRONT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "sellers/storefront.html", {
        "shop": shop, "page": page, **_reviews(request, reviews_public(shop_id=shop.pk)),
    })


@require_safe
@anonymous_cache
def village_detail(request, slug: str):
    row = selectors.village_get(slug=slug)
    filters = ListingFilters(village=row.village.slug)
    context = {
        "village": row.village,
        "figures": row.figures,
        "shops": list(selectors.village_shops(village=row.village)),
        "hubs": list(hubs_of_village(village_id=row.village.pk)),
        "charts": impact_series.village_charts(row.village),
        **_listing_page(request, filters),
    }
    return render(request, "catalog/village.html", context)


@require_safe
@anonymous_cache
def impact(request):
    return render(request, "catalog/impact.html", {
        "impact": selectors.impact_summary(), "charts": impact_series.marketplace_charts(),
    })


def _chart_index(chart: str) -> int:
    if chart not in impact_series.CHARTS:
        raise Http404("No such chart.")
    return impact_series.CHARTS.index(chart)


# Not in the anonymous page cache: it keeps no Content-Disposition (the file's name).
@require_safe
def impact_csv(request, chart: str):
    picked = impact_series.marketplace_charts()[_chart_index(chart)]
    return chart_csv_response(picked, filename=f"impact-{chart}")


@require_safe
def village_impact_csv(request, slug: str, chart: str):
    index = _chart_index(chart)
    row = selectors.village_get(slug=slug)
    picked = impact_series.village_charts(row.village)[index]
    return chart_csv_response(picked, filename=f"{row.village.slug}-impact-{chart}")


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links: send them to the static icon.
    The static URL is read per request, so the URLconf loads before collectstatic has run."""
    return HttpResponsePermanentRedirect(static("favicon-32.png"))
