# Pages of village hubs (managed shops), included by marketplace/urls.py at the root.
from django.urls import path

from . import views_managed as views

urlpatterns = [
    path("hub/shops/new/", views.managed_shop_new, name="hub-managed-shop-new"),
    path("hub/shops/<int:shop_id>/", views.managed_shop_page, name="hub-managed-shop"),
    path("hub/shops/<int:shop_id>/listings/new/", views.managed_listing_new,
         name="hub-managed-listing-new"),
    path("hub/shops/<int:shop_id>/listings/<int:listing_id>/", views.managed_listing_edit,
         name="hub-managed-listing"),
    path("hub/shops/<int:shop_id>/listings/<int:listing_id>/photos/", views.managed_photo_add,
         name="hub-managed-photo-add"),
    path("hub/shops/<int:shop_id>/listings/<int:listing_id>/stock/", views.managed_stock_set,
         name="hub-managed-stock"),
    path("hub/shops/<int:shop_id>/orders/<int:order_id>/", views.managed_order_page,
         name="hub-managed-order"),
    path("hub/shops/<int:shop_id>/orders/<int:order_id>/ship/", views.managed_order_ship,
         name="hub-managed-order-ship"),
    path("hub/shops/<int:shop_id>/orders/<int:order_id>/hand-over/",
         views.managed_order_hand_over, name="hub-managed-order-hand-over"),
    path("hub/shops/<int:shop_id>/orders/<int:order_id>/answer/", views.managed_dispute_answer,
         name="hub-managed-dispute-answer"),
    path("hub/shops/<int:shop_id>/takeover-link/", views.managed_takeover_link,
         name="hub-managed-takeover-link"),
    path("hub/takeover/<str:token>/", views.takeover_page, name="hub-takeover"),
    path("sell/hub-agent/", views.owner_hub_help, name="hub-owner-help"),
    path("sell/hub-agent/stop/", views.owner_hub_help_stop, name="hub-owner-help-stop"),
]
