# Routes of this app, included by marketplace/urls.py (pages at the root, API under /api/v1/).
from django.urls import path

from web.page_cache import anonymous_cache

from . import api

urlpatterns = [
    path("shops/", api.ShopCreateApi.as_view(), name="api-shop-create"),
    path("shops/<slug:slug>", api.ShopDetailApi.as_view(), name="api-shop"),
    path("shops/<slug:slug>/listings/", api.ShopListingsApi.as_view(), name="api-shop-listings"),
    # Anonymous GETs of the catalog come from the page cache, like the catalog pages.
    path("listings/", anonymous_cache(api.ListingListApi.as_view()), name="api-listings"),
    path("listings/<int:listing_id>", api.ListingDetailApi.as_view(), name="api-listing"),
    path("listings/<int:listing_id>/preorder", api.ListingPreorderApi.as_view(),
         name="api-listing-preorder"),
    path("listings/<int:listing_id>/images/", api.ListingImagesApi.as_view(),
         name="api-listing-images"),
    path("listings/<int:listing_id>/images/order", api.ListingImageOrderApi.as_view(),
         name="api-listing-images-order"),
    path("listings/<int:listing_id>/images/<int:image_id>", api.ListingImageDetailApi.as_view(),
         name="api-listing-image"),
]
