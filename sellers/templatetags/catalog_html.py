"""The catalog's most repeated markup, built in Python and remembered.

A results page shows 24 cards and a filter form with 50 states and every category; through
the template engine those loops cost more than the page's queries. A card's HTML depends only
on its `ListingCard` (a frozen, hashable row) and the site's URL prefixes, and a list of
options only on its choices and the selected value, so each is built once per process and
then looked up: a change to a listing is a different card, never a stale one.
"""

from functools import lru_cache

from django import template
from django.core.files.storage import default_storage
from django.urls import get_script_prefix, reverse
from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from sellers.listing_cards import ListingCard, thumbnail_urls_expire

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


@register.simple_tag
def select_options(choices, selected) -> SafeString:
    """`<option>`s for (value, label) pairs, the one equal to `selected` selected."""
    return _options_html(tuple(tuple(pair) for pair in choices), selected or "")


@register.simple_tag
def sort_options(choices, selected, has_words) -> SafeString:
    """`<option>`s of the sort choices; "relevance" only when there are words to rank by."""
    kept = tuple(tuple(pair) for pair in choices if pair[0] != "relevance" or has_words)
    return _options_html(kept, selected or "")


def category_choices(tree: list[dict]) -> tuple:
    """(slug, label) pairs of a category tree, children indented under their root."""
    pairs = []
    for root in tree:
        pairs.append((root["slug"], root["name"]))
        pairs.extend((child["slug"], f"  – {child['name']}") for child in root["children"])
    return tuple(pairs)


@register.simple_tag
def category_options(tree, selected) -> SafeString:
    """`<option>`s for the category tree (see `category_choices`)."""
    return _options_html(category_choices(tree), selected or "")
