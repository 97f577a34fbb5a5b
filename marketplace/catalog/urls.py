# Routes of this app, included by marketplace/urls.py (pages at the root, API under /api/v1/).
from django.urls import path

from . import views

urlpatterns = [
    path("search/", views.search, name="catalog-search"),
    path("categories/<slug:slug>/", views.category_detail, name="catalog-category"),
    path("listings/<int:listing_id>/", views.listing_detail, name="catalog-listing"),
    path("shops/<slug:slug>/", views.storefront, name="storefront"),
    path("villages/<slug:slug>/", views.village_detail, name="catalog-village"),
    path("impact/", views.impact, name="catalog-impact"),
]
