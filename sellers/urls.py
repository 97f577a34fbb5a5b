# Routes of this app, included by marketplace/urls.py (pages at the root, API under /api/v1/).
from django.urls import path

from . import views

urlpatterns = [
    path("sell/shop/new/", views.shop_open, name="sell-shop-open"),
    path("sell/shop/", views.shop_edit, name="sell-shop-edit"),
    path("sell/listings/new/", views.listing_new, name="sell-listing-new"),
    path("sell/listings/<int:listing_id>/", views.listing_edit, name="sell-listing-edit"),
    path("sell/listings/<int:listing_id>/preorder/", views.listing_preorder,
         name="sell-listing-preorder"),
    path("sell/listings/<int:listing_id>/preorder/end/", views.listing_preorder_end,
         name="sell-listing-preorder-end"),
    path("sell/listings/<int:listing_id>/archive/", views.listing_archive,
         name="sell-listing-archive"),
    path("sell/listings/<int:listing_id>/photos/", views.photo_add, name="sell-photo-add"),
    path("sell/listings/<int:listing_id>/photos/<int:photo_id>/delete/", views.photo_delete,
         name="sell-photo-delete"),
    path("sell/listings/<int:listing_id>/photos/<int:photo_id>/move/", views.photo_move,
         name="sell-photo-move"),
]
