"""Reads of shops and listings that pages and the API share, with their joins done."""

from django.db.models import Prefetch, QuerySet

from .models import Listing, ListingImage, Shop


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
