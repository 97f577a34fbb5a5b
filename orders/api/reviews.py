"""Reviews anyone may read: a shop's, and those of the orders that held a listing."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from orders.selectors import review_breakdown, reviews_public
from sellers.selectors import listing_get_for_viewer, shop_get_for_viewer


class ReviewOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    rating = serializers.IntegerField()
    text = serializers.CharField()
    buyer = serializers.CharField(source="buyer.display_name")
    created = serializers.DateTimeField()
    seller_reply = serializers.CharField()


def _page(view, request, reviews):
    paginator = api_settings.DEFAULT_PAGINATION_CLASS()
    page = paginator.paginate_queryset(reviews, request, view)
    response = paginator.get_paginated_response(ReviewOutputSerializer(page, many=True).data)
    # Additive to the list envelope: how many reviews gave each number of stars.
    response.data["ratings"] = {str(row.stars): row.count
                                for row in review_breakdown(reviews=reviews)}
    return response


class ShopReviewsApi(APIView):
    permission_classes = [AllowAny]
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS

    @extend_schema(responses={200: ReviewOutputSerializer(many=True)})
    def get(self, request, slug):
        """A shop's visible reviews, newest first, with the count per star (`ratings`)."""
        shop = shop_get_for_viewer(slug=slug, user=None)  # not public: NotFound, 404
        return _page(self, request, reviews_public(shop_id=shop.pk))


class ListingReviewsApi(APIView):
    permission_classes = [AllowAny]
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS

    @extend_schema(responses={200: ReviewOutputSerializer(many=True)})
    def get(self, request, listing_id):
        """Visible reviews of the orders that held this listing, newest first, with `ratings`."""
        listing = listing_get_for_viewer(listing_id=listing_id, user=None)  # not live: 404
        return _page(self, request, reviews_public(listing_id=listing.pk))
