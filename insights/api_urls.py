from django.urls import path

from . import api

urlpatterns = [
    path("seller/insights", api.SellerInsightsApi.as_view(), name="api-seller-insights"),
]
