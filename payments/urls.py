# Routes of this app, included by marketplace/urls.py (pages at the root, API under /api/v1/).
from django.urls import path

from . import views

urlpatterns = [
    path("sell/balance/", views.seller_balance, name="seller-balance"),
]
