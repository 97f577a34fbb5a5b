# Routes of this app, included by marketplace/urls.py (pages at the root, API under /api/v1/).
from django.urls import path

from . import views

urlpatterns = [
    path("search/", views.search, name="catalog-search"),
    path("categories/<slug:slug>/", views.category_detail, name="catalog-category"),
    path("listings/<int:listing_id>/", views.listing_detail, name="catalog-listing"),
    path("shops/<slug:slug>/", views.storefront, name="storefront"),
    path("villages/<slug:slug>/", views.village_detail, name="catalog-village"),
    path("villages/<slug:slug>/impact-<slug:chart>.csv", views.village_impact_csv,
         name="catalog-village-impact-csv"),
    path("impact/", views.impact, name="catalog-impact"),
    path("impact/<slug:chart>.csv", views.impact_csv, name="catalog-impact-csv"),
]
