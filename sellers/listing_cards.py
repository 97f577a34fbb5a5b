"""Lean result rows for catalog lists: what a card or an API summary shows, and nothing else.

A results page used to build 24 `Listing` model instances with their shop, village and
category, prefetch every photo of each, and count the matches in a third query. A card needs
twelve columns and the cover thumbnail: `listing_cards` fetches those as tuples (one query for
the rows, one for their covers), and the count of a text search is the number of its
candidates, already known. `sellers.result_page` reads the page, its covers and the count in
one statement. bench/RESULTS.md has the figures.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from django.core.files.storage import default_storage
from django.db import connections
from django.db.models import QuerySet

# The columns a card reads, in `ListingCard`'s order (the cover is added by `_COVER_SQL`).
_FIELDS = (
    "id", "title", "price_cents", "currency", "stock", "created", "shop__slug", "shop__name",
    "shop__rating_avg", "shop__village__slug", "shop__village__name", "shop__village__state",
    "preorder_ships_by", "preorder_deposit_bps",
)
_COVER_SQL = """
SELECT DISTINCT ON (listing_id) listing_id, thumbnail, thumbnail_width, thumbnail_height
FROM sellers_listingimage WHERE listing_id = ANY(%s) ORDER BY listing_id, position, id
"""


class ListingCard(NamedTuple):
    """One listing as a card shows it (also the API's listing summary). A named tuple, not a
    frozen dataclass: a page builds dozens, and a tuple is built in one step where a frozen
    dataclass sets each of its 17 fields through `object.__setattr__`."""

    id: int
    title: str
    price_cents: int
    currency: str
    stock: int
    created: datetime
    shop_slug: str
    shop_name: str
    rating_avg: Decimal | None
    village_slug: str
    village_name: str
    village_state: str
    preorder_ships_by: date | None  # a pre-order's promised ship date; None: in stock
    preorder_deposit_bps: int
    thumbnail: str = ""  # storage name of the cover's thumbnail; "" without a photo
    thumbnail_width: int | None = None
    thumbnail_height: int | None = None

    @property
    def thumbnail_url(self) -> str | None:
        return default_storage.url(self.thumbnail) if self.thumbnail else None


# How many columns a card is, for reading one from a row of a statement's columns.
CARD_COLUMN_COUNT = len(ListingCard._fields)


def thumbnail_urls_expire() -> bool:
    """Whether photo URLs are signed (S3 with AWS_QUERYSTRING_AUTH) and so expire: then a
    card's HTML or summary, which holds its cover's URL, must not be remembered."""
    return bool(getattr(default_storage, "querystring_auth", False))


def listing_cards(listings: QuerySet, start: int, stop: int) -> list[ListingCard]:
    """Cards for rows start..stop of an ordered listing queryset: two lean queries at most."""
    rows = list(listings.prefetch_related(None).values_list(*_FIELDS)[start:stop])
    if not rows:
        return []
    covers = {}
    with connections[listings.db].cursor() as cursor:  # the rows' own database
        cursor.execute(_COVER_SQL, [[row[0] for row in rows]])
        for listing_id, *cover in cursor.fetchall():
            covers[listing_id] = cover
    return [ListingCard(*row, *covers.get(row[0], ())) for row in rows]


class PageRows:
    """A search's results for a paginator that is known to ask for rows start..stop: its
    `count()` reads that page and the count together (`load`, sellers.result_page), and
    slicing within the page costs nothing more. Another slice is read on its own."""

    def __init__(self, load, start: int, stop: int):
        self.load, self.start, self.stop = load, start, stop
        self.page = None

    def _loaded(self):
        if self.page is None:
            self.page = self.load(self.start, self.stop)
        return self.page

    def count(self) -> int:
        return self._loaded().count

    def __getitem__(self, index: slice) -> list[ListingCard]:
        if not isinstance(index, slice):
            raise TypeError("PageRows supports slices only")
        start, stop = index.start or 0, index.stop
        if start == self.start and stop is not None and stop <= self.stop:
            return self._loaded().cards[: stop - start]
        return self.load(start, stop).cards
