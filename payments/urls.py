# Routes of this app, included by marketplace/urls.py (pages at the root, API under /api/v1/).
from django.urls import path

from . import views

urlpatterns = [
    path("sell/balance/", views.seller_balance, name="seller-balance"),
    path("sell/statement/", views.seller_statement, name="seller-statement"),
    path("sell/payouts/", views.payout_account_page, name="seller-payout-account"),
    path("sell/payouts/setup/", views.payout_account_setup, name="seller-payout-account-setup"),
    path("sell/payouts/return/", views.payout_account_return,
         name="seller-payout-account-return"),
    path("sell/payouts/refresh/", views.payout_account_refresh,
         name="seller-payout-account-refresh"),
    path("sell/terms/", views.seller_terms, name="seller-terms"),
]
