# REST routes of village hubs (parcels), included by marketplace/urls.py under /api/v1/.
from django.urls import path

from . import api_parcels

urlpatterns: list = [
    path("hub-points", api_parcels.HubPointsApi.as_view(), name="api-hub-points"),
    path("hub/parcels/", api_parcels.HubParcelsApi.as_view(), name="api-hub-parcels"),
    path("hub/parcels/<int:order_id>/arrived", api_parcels.HubParcelArrivedApi.as_view(),
         name="api-hub-parcel-arrived"),
    path("hub/parcels/<int:order_id>/hand-over", api_parcels.HubParcelHandOverApi.as_view(),
         name="api-hub-parcel-hand-over"),
]
