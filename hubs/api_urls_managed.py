# REST routes of village hubs (managed shops), included by marketplace/urls.py under /api/v1/.
from django.urls import path

from . import api_managed as api

urlpatterns = [
    path("hub/shops", api.ManagedShopsApi.as_view(), name="api-hub-managed-shops"),
    path("hub/shops/<int:shop_id>", api.ManagedShopApi.as_view(), name="api-hub-managed-shop"),
    path("hub/shops/<int:shop_id>/listings", api.ManagedListingsApi.as_view(),
         name="api-hub-managed-listings"),
    path("hub/shops/<int:shop_id>/listings/<int:listing_id>", api.ManagedListingApi.as_view(),
         name="api-hub-managed-listing"),
    path("hub/shops/<int:shop_id>/listings/<int:listing_id>/stock",
         api.ManagedListingStockApi.as_view(), name="api-hub-managed-listing-stock"),
    path("hub/shops/<int:shop_id>/listings/<int:listing_id>/images",
         api.ManagedListingImagesApi.as_view(), name="api-hub-managed-listing-images"),
    path("hub/shops/<int:shop_id>/orders/<int:order_id>/ship",
         api.ManagedOrderShipApi.as_view(), name="api-hub-managed-order-ship"),
    path("hub/shops/<int:shop_id>/orders/<int:order_id>/pickup",
         api.ManagedOrderPickupApi.as_view(), name="api-hub-managed-order-pickup"),
    path("hub/shops/<int:shop_id>/orders/<int:order_id>/dispute-statement",
         api.ManagedDisputeAnswerApi.as_view(), name="api-hub-managed-dispute-statement"),
    path("hub/shops/<int:shop_id>/takeover-link", api.ManagedTakeoverLinkApi.as_view(),
         name="api-hub-managed-takeover-link"),
    path("hub/takeover", api.TakeoverApi.as_view(), name="api-hub-takeover"),
    path("seller/hub-agent", api.OwnerHubAgentApi.as_view(), name="api-seller-hub-agent"),
    path("seller/hub-agent/revoke", api.OwnerHubAgentRevokeApi.as_view(),
         name="api-seller-hub-agent-revoke"),
]
