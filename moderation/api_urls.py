# Routes of this app, included by marketplace/urls.py (pages at the root, API under /api/v1/).
from django.urls import path

from moderation.api import public, staff

urlpatterns = [
    path("moderation/dashboard", staff.DashboardApi.as_view(), name="api-mod-dashboard"),
    path("moderation/listings/", staff.ListingQueueApi.as_view(), name="api-mod-listings"),
    path("moderation/listings/bulk-approve", staff.ListingBulkApproveApi.as_view()),
    path("moderation/listings/<int:listing_id>/approve", staff.ListingApproveApi.as_view()),
    path("moderation/listings/<int:listing_id>/reject", staff.ListingRejectApi.as_view()),
    path("moderation/listings/<int:listing_id>/take-down", staff.ListingTakeDownApi.as_view()),
    path("moderation/reports/", staff.ReportQueueApi.as_view(), name="api-mod-reports"),
    path("moderation/reports/<int:report_id>/resolve", staff.ReportResolveApi.as_view()),
    path("moderation/shops/", staff.ShopQueueApi.as_view(), name="api-mod-shops"),
    path("moderation/shops/<slug:slug>/verify", staff.ShopVerifyApi.as_view()),
    path("moderation/shops/<slug:slug>/suspend", staff.ShopSuspendApi.as_view()),
    path("moderation/shops/<slug:slug>/reinstate", staff.ShopReinstateApi.as_view()),
    path("moderation/disputes/", staff.DisputeQueueApi.as_view(), name="api-mod-disputes"),
    path("moderation/disputes/<int:order_id>", staff.DisputeDetailApi.as_view()),
    path("moderation/disputes/<int:order_id>/resolve", staff.DisputeResolveApi.as_view()),
    path("moderation/audit/", staff.AuditLogApi.as_view(), name="api-mod-audit"),
    path("moderation/screening-terms/", staff.ScreeningTermsApi.as_view()),
    path("moderation/screening-terms/<int:term_id>", staff.ScreeningTermApi.as_view()),
    path("moderation/reviews/<int:review_id>/hide", staff.ReviewHideApi.as_view()),
    path("moderation/refunds/<int:refund_id>/retry", staff.RefundRetryApi.as_view(),
         name="api-mod-refund-retry"),
    path("listings/<int:listing_id>/reports/", public.ListingReportApi.as_view(),
         name="api-listing-reports"),
    path("disputes/<int:order_id>/statements", public.DisputeStatementApi.as_view()),
    path("seller/reviews/<int:review_id>/reply", public.ReviewReplyApi.as_view()),
]
