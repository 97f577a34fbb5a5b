# Routes of this app, included by marketplace/urls.py (pages at the root, API under /api/v1/).
from django.urls import path

from . import api

urlpatterns = [
    path("seller/balance", api.SellerBalanceApi.as_view(), name="api-seller-balance"),
    path("seller/payouts/", api.SellerPayoutListApi.as_view(), name="api-seller-payouts"),
    path("seller/payout-account", api.SellerPayoutAccountApi.as_view(),
         name="api-seller-payout-account"),
    path("seller/payout-account/link", api.SellerPayoutAccountLinkApi.as_view(),
         name="api-seller-payout-account-link"),
    path("payments/stripe/webhook", api.stripe_webhook, name="api-stripe-webhook"),
]
