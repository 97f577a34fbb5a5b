# Routes of this app, included by marketplace/urls.py (pages at the root, API under /api/v1/).
from django.urls import path

from . import views

urlpatterns = [
    path("sell/insights/", views.seller_insights_page, name="seller-insights"),
    path("sell/insights/<slug:series>.csv", views.seller_insights_csv,
         name="seller-insights-csv"),
]
