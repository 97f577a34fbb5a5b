"""Moderation endpoints for any signed-in person: report a listing, give a dispute
statement (buyer or seller), reply to a review of one's shop."""

from drf_spectacular.utils import extend_schema
from rest_framework import status as http
from rest_framework.response import Response
from rest_framework.views import APIView

from moderation.api import serializers
from moderation.services import disputes, listings
from orders.services import reviews as order_reviews


class ListingReportApi(APIView):
    @extend_schema(request=serializers.ReportCreateInputSerializer,
                   responses={201: serializers.ReportCreatedOutputSerializer})
    def post(self, request, listing_id):
        data = serializers.ReportCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = listings.report_create(listing_id=listing_id, reporter=request.user,
                                        **data.validated_data)
        return Response(serializers.ReportCreatedOutputSerializer(report).data,
                        status=http.HTTP_201_CREATED)


class DisputeStatementApi(APIView):
    @extend_schema(request={"multipart/form-data": serializers.DisputeStatementInputSerializer},
                   responses={201: serializers.ModerationStatementOutputSerializer})
    def post(self, request, order_id):
        statement = disputes.dispute_statement_add(
            order_id=order_id, user=request.user, text=request.data.get("text", ""),
            uploads=request.FILES.getlist("photos"),
        )
        return Response(serializers.ModerationStatementOutputSerializer(statement).data,
                        status=http.HTTP_201_CREATED)


class ReviewReplyApi(APIView):
    @extend_schema(request=serializers.ReviewReplyInputSerializer,
                   responses=serializers.ModerationReviewOutputSerializer)
    def post(self, request, review_id):
        data = serializers.ReviewReplyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = order_reviews.review_reply(review_id=review_id, seller=request.user,
                                            text=data.validated_data["text"])
        return Response(serializers.ModerationReviewOutputSerializer(review).data)
