"""Reads of the buyer catalog: the category tree, villages, listing pages and impact figures.

Listings are read through `sellers.selectors` and `sellers.search`; the aggregate figures
(shops and listings per village) scan the listing table, so they are cached for a short time.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from hubs.selectors import managed_shops_by_village
from orders.selectors import completed_orders_by_village
from payments.selectors import village_money_figures
from sellers.listing_cards import ListingCard, listing_cards
from sellers.models import Category, Listing, Shop, Village
from sellers.selectors import listing_public_queryset

CATEGORY_TREE_KEY = "catalog:category-tree:v1"
VILLAGE_FIGURES_KEY = "catalog:village-figures:v1"
VILLAGE_FIGURES_STALE_KEY = "catalog:village-figures:stale:v1"
VILLAGE_FIGURES_LOCK_KEY = "catalog:village-figures:lock:v1"
# Figures change slowly and cost a scan of the listing table: a minute old is fine.
FIGURES_TIMEOUT = 60

IMPACT_FIGURES = (
    "active_shops",
    "active_listings",
    "orders_completed",
    "gmv_cents",
    "paid_to_sellers_cents",
    "managed_shops",  # shops a village hub's agent runs for a neighbour
    "collected_at_hubs_cents",  # money owners collected in cash at village hubs
)


# --- Categories ------------------------------------------------------------------------------
# Each process keeps the tree it last read for this many seconds: every catalog page shows it,
# and reading it from Redis was a round trip and an unpickling on each page the page cache
# could not answer. A changed category shows at once in the process that changed it and within
# this time elsewhere (anonymous pages are cached for longer: web.page_cache).
CATEGORY_TREE_LOCAL_SECONDS = 10
_local_tree: tuple[float, list[dict]] | None = None


def category_tree() -> list[dict]:
    """The category tree `[{slug, name, children: [...]}]`, from Redis when it is there.

    Invalidated by `category_tree_invalidate` whenever a category is saved or deleted.
    """
    global _local_tree
    now = time.monotonic()
    if _local_tree is not None and now - _local_tree[0] < CATEGORY_TREE_LOCAL_SECONDS:
        return _local_tree[1]
    tree = cache.get(CATEGORY_TREE_KEY)
    if tree is None:
        tree = _category_tree_build()
        cache.set(CATEGORY_TREE_KEY, tree, timeout=None)
    _local_tree = (now, tree)
    return tree


def _category_tree_build() -> list[dict]:
    nodes = {}
    roots: list[dict] = []
    categories = list(Category.objects.order_by("position", "name", "id"))
    for category in categories:
        nodes[category.id] = {"slug": category.slug, "name": category.name, "children": []}
    for category in categories:
        node = nodes[category.id]
        parent = nodes.get(category.parent_id)
        (parent["children"] if parent else roots).append(node)
    return roots


def category_tree_invalidate() -> None:
    global _local_tree
    _local_tree = None
    cache.delete(CATEGORY_TREE_KEY)


def category_get(*, slug: str) -> Category:
    """The category with this slug and its parent, or 404."""
    category = Category.objects.select_related("parent").filter(slug=slug).first()
    if category is None:
        raise Http404("No such category.")
    return category


def category_children(*, slug: str) -> list[dict]:
    """Child nodes of a category, read from the cached tree."""
    for root in category_tree():
        if root["slug"] == slug:
            return root["children"]
    return []


# --- Villages and their figures --------------------------------------------------------------
def _catalog_figures() -> dict[int, dict[str, int]]:
    """Active shops and active listings per village id (one grouped query each)."""
    figures: dict[int, dict[str, int]] = {}
    shops = (
        Shop.objects.filter(status=Shop.Status.ACTIVE)
        .values("village_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in shops:
        figures.setdefault(row["village_id"], {})["active_shops"] = row["n"]
    listings = (
        Listing.objects.filter(status=Listing.Status.ACTIVE, shop__status=Shop.Status.ACTIVE)
        .values("shop__village_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in listings:
        figures.setdefault(row["shop__village_id"], {})["active_listings"] = row["n"]
    return figures


# The impact figures' sources. Each returns {village_id: {figure: int}} for any of
# IMPACT_FIGURES; missing figures count as 0 (marketplace sits above orders and payments, so
# it may import their selectors here).
def _hub_figures() -> dict[int, dict[str, int]]:
    return {village_id: {"managed_shops": count}
            for village_id, count in managed_shops_by_village().items()}


IMPACT_SOURCES: list[Callable[[], dict[int, dict[str, int]]]] = [
    _catalog_figures,
    completed_orders_by_village,  # orders_completed, gmv_cents
    # escrow released to sellers after the platform fee (paid_to_sellers_cents), and cash
    # collected at village hubs (collected_at_hubs_cents): one query
    village_money_figures,
    _hub_figures,  # managed_shops
]


def village_figures() -> dict[int, dict[str, int]]:
    """Every impact figure per village id, summed over IMPACT_SOURCES; cached a minute.

    Counting a million listings takes about a second, so one request recomputes while the
    others keep serving the previous figures (a stale copy that never expires).
    """
    figures = cache.get(VILLAGE_FIGURES_KEY)
    if figures is not None:
        return figures
    stale = cache.get(VILLAGE_FIGURES_STALE_KEY)
    if stale is not None and not cache.add(VILLAGE_FIGURES_LOCK_KEY, 1, timeout=60):
        return stale
    figures = {}
    for source in IMPACT_SOURCES:
        for village_id, values in source().items():
            row = figures.setdefault(village_id, dict.fromkeys(IMPACT_FIGURES, 0))
            for name, value in values.items():
                row[name] += int(value)
    cache.set(VILLAGE_FIGURES_KEY, figures, timeout=FIGURES_TIMEOUT)
    cache.set(VILLAGE_FIGURES_STALE_KEY, figures, timeout=None)
    cache.delete(VILLAGE_FIGURES_LOCK_KEY)
    return figures


def _zero() -> dict[str, int]:
    return dict.fromkeys(IMPACT_FIGURES, 0)


@dataclass(frozen=True)
class VillageRow:
    village: Village
    figures: dict

    @property
    def shop_count(self) -> int:
        return self.figures["active_shops"]

    @property
    def listing_count(self) -> int:
        return self.figures["active_listings"]


def village_list() -> list[VillageRow]:
    """Villages with at least one active shop, busiest first, with their figures."""
    figures = village_figures()
    ids = [vid for vid, row in figures.items() if row["active_shops"] > 0]
    villages = Village.objects.filter(id__in=ids)
    rows = [VillageRow(village=v, figures=figures[v.id]) for v in villages]
    rows.sort(key=lambda r: (-r.listing_count, r.village.name, r.village.state))
    return rows


def village_get(*, slug: str) -> VillageRow:
    """A village with its figures, or 404 (also when it has no active shop)."""
    village = Village.objects.filter(slug=slug).first()
    figures = village_figures().get(village.id) if village else None
    if village is None or not figures or figures["active_shops"] == 0:
        raise Http404("No such village.")
    return VillageRow(village=village, figures=figures)


def village_shops(*, village: Village) -> QuerySet[Shop]:
    """The village's active shops, with their number of active listings."""
    return (
        Shop.objects.filter(village=village, status=Shop.Status.ACTIVE)
        .annotate(
            active_listing_count=Count("listings", filter=Q(listings__status=Listing.Status.ACTIVE))
        )
        .order_by("name", "id")
    )


def impact_summary() -> dict:
    """`{total: {...}, villages: [{slug, name, state, ...figures}]}` for /impact."""
    rows = village_list()
    total = _zero()
    for row in rows:
        for name in IMPACT_FIGURES:
            total[name] += row.figures[name]
    villages = [
        {"slug": r.village.slug, "name": r.village.name, "state": r.village.state,
         "village_id": r.village.id, **r.figures}
        for r in rows
    ]
    return {"total": total, "villages": villages}


# --- Listings ----------------------------------------------------------------------------------
def listing_newest(*, limit: int) -> list[ListingCard]:
    """The newest public listings, as cards, for the home page."""
    return listing_cards(listing_public_queryset().order_by("-created", "-id"), 0, limit)


def listing_detail(*, listing_id: int) -> Listing:
    """A public listing with shop, village, category (and its parent) and images, or 404."""
    listing = (
        listing_public_queryset().select_related("category__parent").filter(pk=listing_id).first()
    )
    if listing is None:
        raise Http404("No such listing.")
    return listing
