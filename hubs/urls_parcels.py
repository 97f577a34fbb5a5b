# Pages of village hubs (parcels), included by marketplace/urls.py at the root.
from django.urls import path

from . import views_parcels

urlpatterns: list = [
    path("hub/parcels/", views_parcels.parcels_page, name="hub-parcels"),
    path("hub/parcels/<int:order_id>/arrived/", views_parcels.parcel_arrived_page,
         name="hub-parcel-arrived"),
    path("hub/parcels/<int:order_id>/hand-over/", views_parcels.parcel_hand_over_page,
         name="hub-parcel-hand-over"),
]
