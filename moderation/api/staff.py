"""Staff-only endpoints of API.md's Moderation section: thin, each calls one service."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status as http
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from moderation import selectors
from moderation.api import serializers
from moderation.errors import NotFound
from moderation.models import Report
from moderation.permissions import IsModerator
from moderation.services import disputes, listings, reviews, screening_terms, shops
from moderation.services.refunds import refund_retry_staff
from orders.selectors import orders_with_escrow
from sellers.models import Listing, ScreeningTerm, Shop
from staffguard import FreshCode
from web.filters import status_filter


class ModerationApi(APIView):
    permission_classes = [IsAuthenticated, IsModerator]


def _paginated(request, view, rows, serializer):
    paginator = api_settings.DEFAULT_PAGINATION_CLASS()
    page = paginator.paginate_queryset(rows, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


def _status_param(default: str):
    return [OpenApiParameter("status", str, required=False, description=f"default {default}")]


class ListingQueueApi(ModerationApi):
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS  # the schema shows a page

    @extend_schema(parameters=_status_param("pending_review"),
                   responses=serializers.ModerationListingOutputSerializer(many=True))
    def get(self, request):
        status = status_filter(request.query_params.get("status"),
                               allowed=Listing.Status.values, default=Listing.Status.PENDING_REVIEW)
        return _paginated(request, self, selectors.listing_queue(status=status),
                          serializers.ModerationListingOutputSerializer)


def _decision(listing):
    return Response(serializers.ModerationListingDecisionOutputSerializer(listing).data)


class ListingApproveApi(ModerationApi):
    @extend_schema(request=None, responses=serializers.ModerationListingDecisionOutputSerializer)
    def post(self, request, listing_id):
        return _decision(listings.listing_approve(listing_id=listing_id, actor=request.user))


class ListingRejectApi(ModerationApi):
    @extend_schema(request=serializers.ModerationReasonInputSerializer,
                   responses=serializers.ModerationListingDecisionOutputSerializer)
    def post(self, request, listing_id):
        data = serializers.ModerationReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _decision(listings.listing_reject(listing_id=listing_id, actor=request.user,
                                                 reason=data.validated_data["reason"]))


class ListingTakeDownApi(ModerationApi):
    @extend_schema(request=serializers.ModerationReasonInputSerializer,
                   responses=serializers.ModerationListingDecisionOutputSerializer)
    def post(self, request, listing_id):
        data = serializers.ModerationReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _decision(listings.listing_take_down(listing_id=listing_id, actor=request.user,
                                                    reason=data.validated_data["reason"]))


class ListingBulkApproveApi(ModerationApi):
    @extend_schema(request=serializers.ModerationBulkApproveInputSerializer,
                   responses=serializers.ModerationBulkApproveOutputSerializer)
    def post(self, request):
        data = serializers.ModerationBulkApproveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        approved, problems = listings.listings_approve_many(
            listing_ids=data.validated_data["ids"], actor=request.user)
        return Response({"approved": [listing.pk for listing in approved],
                         "problems": problems})


class ReportQueueApi(ModerationApi):
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS  # the schema shows a page

    @extend_schema(parameters=_status_param("open"),
                   responses=serializers.ModerationReportOutputSerializer(many=True))
    def get(self, request):
        status = status_filter(request.query_params.get("status"),
                               allowed=Report.Status.values, default=Report.Status.OPEN)
        return _paginated(request, self, selectors.report_queue(status=status),
                          serializers.ModerationReportOutputSerializer)


class ReportResolveApi(ModerationApi):
    @extend_schema(request=serializers.ModerationReportResolveInputSerializer,
                   responses=serializers.ModerationReportOutputSerializer)
    def post(self, request, report_id):
        data = serializers.ModerationReportResolveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = listings.report_resolve(report_id=report_id, actor=request.user,
                                         **data.validated_data)
        return Response(serializers.ModerationReportOutputSerializer(report).data)


class ShopQueueApi(ModerationApi):
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS  # the schema shows a page

    @extend_schema(parameters=[*_status_param("pending_verification"),
                               OpenApiParameter("q", str, required=False)],
                   responses=serializers.ModerationShopOutputSerializer(many=True))
    def get(self, request):
        status = status_filter(request.query_params.get("status"), allowed=Shop.Status.values,
                               default=Shop.Status.PENDING_VERIFICATION)
        rows = selectors.shop_queue(status=status, query=request.query_params.get("q", ""))
        return _paginated(request, self, rows, serializers.ModerationShopOutputSerializer)


def _shop_action(service, *, takes: str | None = None):
    class ShopActionApi(ModerationApi):
        serializer = serializers.ModerationReasonInputSerializer if takes == "reason" else (
            serializers.ModerationNoteInputSerializer)

        @extend_schema(request=serializer, responses=serializers.ModerationShopOutputSerializer)
        def post(self, request, slug):
            data = self.serializer(data=request.data)
            data.is_valid(raise_exception=True)
            shop = service(slug=slug, actor=request.user, **data.validated_data)
            return Response(serializers.ModerationShopOutputSerializer(
                selectors.shop_queue(status="").get(pk=shop.pk)).data)

    ShopActionApi.__name__ = ShopActionApi.__qualname__ = f"Shop{service.__name__.title()}Api"
    return ShopActionApi


ShopVerifyApi = _shop_action(shops.shop_verify)
ShopSuspendApi = _shop_action(shops.shop_suspend, takes="reason")
ShopReinstateApi = _shop_action(shops.shop_reinstate)


class DisputeQueueApi(ModerationApi):
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS  # the schema shows a page

    @extend_schema(parameters=_status_param("open (or resolved)"),
                   responses=serializers.ModerationDisputeSummarySerializer(many=True))
    def get(self, request):
        status = status_filter(request.query_params.get("status"),
                               allowed=selectors.DISPUTE_QUEUE_STATUSES, default="open")
        return _paginated(request, self, selectors.dispute_queue(status=status),
                          serializers.ModerationDisputeSummarySerializer)


def _dispute_data(order_id) -> dict:
    order = selectors.dispute_detail(order_id=order_id)
    order = orders_with_escrow(orders=[order])[0]
    order.disputed_at = next((e.at for e in order.events.all() if e.status == "disputed"), None)
    return serializers.ModerationDisputeDetailSerializer(order).data


class DisputeDetailApi(ModerationApi):
    @extend_schema(responses=serializers.ModerationDisputeDetailSerializer)
    def get(self, request, order_id):
        return Response(_dispute_data(order_id))


class DisputeResolveApi(ModerationApi):
    permission_classes = [*ModerationApi.permission_classes, FreshCode]

    @extend_schema(request=serializers.ModerationDisputeResolveInputSerializer,
                   responses=serializers.ModerationDisputeDetailSerializer)
    def post(self, request, order_id):
        data = serializers.ModerationDisputeResolveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        disputes.dispute_resolve(order_id=order_id, actor=request.user,
                                 idempotency_key=request.headers.get("Idempotency-Key", ""),
                                 **data.validated_data)
        return Response(_dispute_data(order_id))


class AuditLogApi(ModerationApi):
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS  # the schema shows a page

    @extend_schema(parameters=[OpenApiParameter(name, str, required=False) for name in
                               ("action", "object_type", "object_id", "actor")],
                   responses=serializers.ModerationAuditOutputSerializer(many=True))
    def get(self, request):
        params = request.query_params
        filters = selectors.AuditFilters(**{
            name: params.get(name, "").strip()[:100]
            for name in ("action", "object_type", "object_id", "actor")})
        return _paginated(request, self, selectors.audit_log(filters=filters),
                          serializers.ModerationAuditOutputSerializer)


def _plain(data) -> dict:
    return data.dict() if hasattr(data, "dict") else dict(data)


class ScreeningTermsApi(ModerationApi):
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS  # the schema shows a page

    @extend_schema(responses=serializers.ModerationScreeningTermSerializer(many=True))
    def get(self, request):
        return _paginated(request, self, ScreeningTerm.objects.order_by("kind", "term", "id"),
                          serializers.ModerationScreeningTermSerializer)

    @extend_schema(request=serializers.ModerationScreeningTermSerializer,
                   responses={201: serializers.ModerationScreeningTermSerializer})
    def post(self, request):
        term = screening_terms.screening_term_save(actor=request.user, values=_plain(request.data))
        return Response(serializers.ModerationScreeningTermSerializer(term).data,
                        status=http.HTTP_201_CREATED)


class ScreeningTermApi(ModerationApi):
    @extend_schema(request=serializers.ModerationScreeningTermSerializer,
                   responses=serializers.ModerationScreeningTermSerializer)
    def patch(self, request, term_id):
        current = ScreeningTerm.objects.filter(pk=term_id).values(
            "kind", "term", "price_floor_cents", "note", "is_active").first()
        if current is None:
            raise NotFound("No screening term with that number.")
        term = screening_terms.screening_term_save(actor=request.user, term_id=term_id,
                                             values={**current, **_plain(request.data)})
        return Response(serializers.ModerationScreeningTermSerializer(term).data)


class ReviewHideApi(ModerationApi):
    @extend_schema(request=serializers.ModerationReasonInputSerializer,
                   responses=serializers.ModerationReviewOutputSerializer)
    def post(self, request, review_id):
        data = serializers.ModerationReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = reviews.review_hide(review_id=review_id, actor=request.user,
                                     reason=data.validated_data["reason"])
        return Response(serializers.ModerationReviewOutputSerializer(review).data)


class DashboardApi(ModerationApi):
    @extend_schema(responses=serializers.ModerationDashboardOutputSerializer)
    def get(self, request):
        return Response(serializers.ModerationDashboardOutputSerializer(selectors.dashboard()).data)


# --- failed refunds ----------------------------------------------------------------------------
class RefundRetryApi(ModerationApi):
    """Send a refused refund to Stripe again (a new attempt key); a repeat returns the refund."""

    permission_classes = [*ModerationApi.permission_classes, FreshCode]

    @extend_schema(request=None, responses=serializers.ModerationRefundOutputSerializer)
    def post(self, request, refund_id):
        refund = refund_retry_staff(refund_id=refund_id, actor=request.user)
        return Response(serializers.ModerationRefundOutputSerializer(refund).data)
