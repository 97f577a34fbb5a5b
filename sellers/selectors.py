"""Reads of shops and listings that pages and the API share, with their joins done."""

import datetime

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from .errors import NoShop, NotFound
from .models import Listing, ListingImage, Shop
from .services.listings import NEW_SHOP_REVIEW_TIME, hand_checks_left

SHOP_VERIFICATION_TIME = "usually within a day"


def listing_public_queryset() -> QuerySet[Listing]:
    """Active listings of active shops, with shop, village, category and images loaded.

    The base of every public listing read: the storefront, the catalog, search. Two queries
    whatever the page length (listings, then their images).
    """
    return (
        Listing.objects.filter(status=Listing.Status.ACTIVE, shop__status=Shop.Status.ACTIVE)
        .select_related("shop", "shop__village", "category")
        .prefetch_related(
            Prefetch("images", queryset=ListingImage.objects.order_by("position", "id"))
        )
    )


def _with_joins(listings: QuerySet[Listing]) -> QuerySet[Listing]:
    return listings.select_related("shop", "shop__village", "category").prefetch_related(
        Prefetch("images", queryset=ListingImage.objects.order_by("position", "id"))
    )


def _shops_with_counts() -> QuerySet[Shop]:
    return Shop.objects.select_related("village").annotate(
        listing_count=Count("listings", filter=Q(listings__status=Listing.Status.ACTIVE))
    )


def shop_get_for_viewer(*, slug: str, user) -> Shop:
    """A shop by slug as `user` may see it: active shops for all, any state for its owner."""
    shop = _shops_with_counts().filter(slug=slug).first()
    if shop is None or not (shop.is_active or _owns(user, shop)):
        raise NotFound("No shop with that address.")
    return shop


def shop_of_user_or_none(*, user) -> Shop | None:
    """The shop `user` owns, with its village, or None (for pages that show both cases)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return _shops_with_counts().filter(owner=user).first()


def shop_of_user(*, user) -> Shop:
    """The shop `user` owns, with its village; NoShop (403) when they have none."""
    shop = shop_of_user_or_none(user=user)
    if shop is None:
        raise NoShop()
    return shop


def listing_get_for_viewer(*, listing_id: int, user) -> Listing:
    """A listing as `user` may see it: public when live, any state for its shop's owner."""
    listing = _with_joins(Listing.objects.filter(pk=listing_id)).first()
    if listing is None:
        raise NotFound("No listing with that number.")
    is_public = listing.status == Listing.Status.ACTIVE and listing.shop.is_active
    if not (is_public or _owns(user, listing.shop)):
        raise NotFound("No listing with that number.")
    return listing


def listing_of_owner(*, listing_id: int, user) -> Listing:
    """A listing of `user`'s own shop, with its joins; anyone else's is NotFound."""
    listing = _with_joins(Listing.objects.filter(pk=listing_id)).first()
    if listing is None or not _owns(user, listing.shop):
        raise NotFound("No listing with that number.")
    return listing


def shop_listings_for_owner(*, shop: Shop) -> QuerySet[Listing]:
    """Every listing of a shop but the archived ones, newest first, for its dashboard."""
    return _with_joins(shop.listings.exclude(status=Listing.Status.ARCHIVED)).order_by(
        "-created", "-id"
    )


def _owns(user, shop: Shop) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and shop.owner_id == user.pk


def shop_onboarding_notes(*, shop: Shop) -> dict:
    """What the listing form and the dashboard announce before it happens: drafts while the
    shop waits for verification, and how many listings our team still checks by hand."""
    return {
        "shop_pending": shop.status == Shop.Status.PENDING_VERIFICATION,
        "shop_verification_time": SHOP_VERIFICATION_TIME,
        "hand_checks_left": hand_checks_left(shop=shop),
        "hand_check_time": NEW_SHOP_REVIEW_TIME,
    }


def shops_verified_by_village() -> list[tuple[int, object]]:
    """(village id, verified at) of every shop open for business now, for counts over time."""
    return list(Shop.objects.filter(status=Shop.Status.ACTIVE, verified_at__isnull=False)
                .values_list("village_id", "verified_at"))


def listing_shop_ids(*, listing_ids) -> dict[int, int]:
    """{listing id: its shop's id} for the listings that exist among `listing_ids`."""
    return dict(Listing.objects.filter(pk__in=list(listing_ids)).values_list("pk", "shop_id"))


def preorder_today() -> datetime.date:
    """Today on the marketplace's own calendar (settings.TIME_ZONE), whoever asks: a pre-order
    whose promised date is before it has left search, storefronts and checkout. Not the
    reader's day: pages run in their reader's zone and the API in UTC, and the two would
    disagree each evening in America about a pre-order due that day."""
    return timezone.localdate(timezone=timezone.get_default_timezone())
