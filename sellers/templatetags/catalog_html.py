"""The catalog's most repeated markup, built in Python and remembered.

A results page shows 24 cards and a filter form with 50 states and every category; through
the template engine those loops cost more than the page's queries. A card's HTML depends only
on its `ListingCard` (a frozen, hashable row) and the site's URL prefixes, a list of options
only on its choices and the selected value, and the filter form only on the filters applied
(the words typed are escaped into it on each page), so each is built once per process and
then looked up: a change to a listing is a different card, never a stale one. Through the
template engine, the form alone was a tenth of an uncached search page's Python
(bench/RESULTS.md).
"""

from dataclasses import replace
from functools import lru_cache

from django import template
from django.core.files.storage import default_storage
from django.urls import get_script_prefix, reverse
from django.utils.dateformat import format as date_format
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from sellers.listing_cards import ListingCard, thumbnail_urls_expire
from sellers.search import ListingFilters

from .money import cents

register = template.Library()


@lru_cache(maxsize=4096)
def _card_html(card: ListingCard, script_prefix: str, media_url: str) -> SafeString:
    if card.thumbnail:
        picture = format_html(
            '<img src="{}" width="{}" height="{}" loading="lazy" decoding="async" alt="">',
            card.thumbnail_url, card.thumbnail_width or "", card.thumbnail_height or "",
        )
    else:
        picture = mark_safe('<span class="noimg" aria-hidden="true"></span>')  # noqa: S308
    preorder = ""
    if card.preorder_ships_by is not None:
        preorder = format_html(
            '\n<div class="meta preorder">Pre-order — ships by {}{}</div>',
            date_format(card.preorder_ships_by, "M j, Y"),
            f" · {card.stock} left" if card.stock > 0 else "",
        )
    return format_html(
        '<li class="card"><a href="{}">{}\n<div class="body"><h3 class="title">{}</h3>'
        '<span class="price">{}</span>\n<div class="meta">{}, {}{}</div>{}</div></a></li>',
        reverse("catalog-listing", args=[card.id]), picture, card.title,
        cents(card.price_cents, card.currency), card.village_name, card.village_state,
        " · sold out" if card.stock < 1 else "", preorder,
    )


@register.simple_tag
def listing_cards(cards) -> SafeString:
    """The grid of cards for a list of `ListingCard`s."""
    prefix, media = get_script_prefix(), str(default_storage.base_url)
    # A signed photo URL expires: then each card is drawn afresh, never remembered.
    draw = _card_html.__wrapped__ if thumbnail_urls_expire() else _card_html
    return mark_safe(  # noqa: S308 - every part is escaped by format_html
        '<ul class="grid">' + "\n".join(draw(card, prefix, media) for card in cards)
        + "\n</ul>"
    )


@lru_cache(maxsize=1024)
def _options_html(choices: tuple, selected: str) -> SafeString:
    return format_html_join(
        "", '<option value="{}"{}>{}</option>',
        ((value, mark_safe(" selected") if value == selected else "", label)  # noqa: S308
         for value, label in choices),
    )


def category_choices(tree: list[dict]) -> tuple:
    """(slug, label) pairs of a category tree, children indented under their root."""
    pairs = []
    for root in tree:
        pairs.append((root["slug"], root["name"]))
        pairs.extend((child["slug"], f"  – {child['name']}") for child in root["children"])
    return tuple(pairs)


# The pairs of the last tree asked for, with the tree itself: the catalog hands out the same
# tree object until a category changes (marketplace.catalog.selectors.category_tree), so the
# pairs are built once per tree, not once per page. Holding the tree keeps its id from reuse.
_last_categories: tuple[list[dict] | None, tuple] = (None, ())


def _category_pairs(tree: list[dict]) -> tuple:
    global _last_categories
    kept_tree, pairs = _last_categories
    if tree is not kept_tree:
        pairs = category_choices(tree)
        _last_categories = (tree, pairs)
    return pairs


_CHECKED = mark_safe(" checked")  # noqa: S308
_SELECTED = mark_safe(" selected")  # noqa: S308


@lru_cache(maxsize=1024)
def _filter_form_parts(filters: ListingFilters, has_words: bool, typed_min_price: str,
                       typed_max_price: str, categories: tuple, states: tuple,
                       sort_choices: tuple, ordering: str, active_filters: int,
                       fixed_category: bool, collapsed: bool) -> tuple[SafeString, SafeString]:
    """The form before and after the words typed (`filters` has none: the same parts serve
    every query with the same filters). Without the words field, nothing goes between."""
    head = format_html(
        '\n<details class="filters"{}><summary>Filters and sort{}</summary>\n'
        '<form method="get" action="" class="filter-form">\n',
        "" if collapsed else mark_safe(" open"),  # noqa: S308
        format_html(' <span class="badge">{} on</span>', active_filters) if active_filters else "",
    )
    if not fixed_category:  # the words' field, up to their value
        head += mark_safe(  # noqa: S308 - constant markup
            '<div class="field"><label for="f-q">Words</label>'
            '<input id="f-q" type="search" name="q" value="')
    sort_kept = tuple(pair for pair in sort_choices if pair[0] != "relevance" or has_words)
    tail = format_html(
        '{}\n<div class="field"><label for="f-state">State</label><select id="f-state" '
        'name="state"><option value="">Any state</option>\n{}</select></div>\n'
        '<div class="field price-range"><label for="f-min">Price, $</label><input id="f-min" '
        'name="min_price" inputmode="decimal" placeholder="min" value="{}" '
        'aria-label="Lowest price in dollars"> – <input id="f-max" name="max_price" '
        'inputmode="decimal" placeholder="max" value="{}" aria-label="Highest price in dollars">'
        '</div>\n<div class="field checks"><label><input type="checkbox" name="in_stock" '
        'value="true"{}> In stock</label> <label><input type="checkbox" name="local_pickup" '
        'value="true"{}> Local pickup</label></div>\n<div class="field"><label for="f-preorder">'
        'Pre-orders</label><select id="f-preorder" name="preorder"><option value="">Pre-orders '
        'and goods in stock</option><option value="only"{}>Pre-orders only</option>'
        '<option value="exclude"{}>Goods in stock only</option></select></div>\n'
        '<div class="field"><label for="f-ordering">Sort by</label><select id="f-ordering" '
        'name="ordering">{}</select></div>\n<button type="submit" class="button">Show results'
        '</button> <a href="?">Clear</a>\n</form></details>',
        "" if fixed_category else format_html(
            '" maxlength="200"></div>\n<div class="field"><label for="f-category">Category'
            '</label><select id="f-category" name="category"><option value="">All categories'
            '</option>\n{}</select></div>', _options_html(categories, filters.category)),
        _options_html(states, filters.state), typed_min_price, typed_max_price,
        _CHECKED if filters.in_stock else "", _CHECKED if filters.local_pickup else "",
        _SELECTED if filters.preorder == "only" else "",
        _SELECTED if filters.preorder == "exclude" else "",
        _options_html(sort_kept, ordering or ""),
    )
    return head, tail


@register.simple_tag
def filter_form(filters: ListingFilters, typed_min_price, typed_max_price, categories, states,
                sort_choices, ordering, active_filters, *, fixed_category=False,
                collapsed=False) -> SafeString:
    """The catalog's filter form (a plain GET form): the words typed, a category (unless
    `fixed_category`), a state, a price range, the stock, pickup and pre-order choices and the
    order. Built once per process for each set of filters, whatever the words, which are
    escaped into their field on each page."""
    head, tail = _filter_form_parts(
        replace(filters, q=""), bool(filters.q), str(typed_min_price or ""),
        str(typed_max_price or ""), _category_pairs(categories),
        tuple(tuple(pair) for pair in states), tuple(tuple(pair) for pair in sort_choices),
        ordering or "", int(active_filters or 0), bool(fixed_category), bool(collapsed),
    )
    words = "" if fixed_category else escape(filters.q)
    return mark_safe(head + words + tail)  # noqa: S308 - the words are escaped
