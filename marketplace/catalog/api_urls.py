# Routes of this app, included by marketplace/urls.py (pages at the root, API under /api/v1/).
from django.urls import path

from . import api

urlpatterns = [
    path("categories/", api.CategoryTreeApi.as_view(), name="api-categories"),
    path("villages/", api.VillageListApi.as_view(), name="api-villages"),
    path("villages/<slug:slug>", api.VillageDetailApi.as_view(), name="api-village"),
    path("impact", api.ImpactApi.as_view(), name="api-impact"),
]
