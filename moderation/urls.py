# Routes of this app, included by marketplace/urls.py (pages at the root, API under /api/v1/).
from django.urls import path

from moderation.views import public, staff

urlpatterns = [
    path("staff/", staff.dashboard, name="staff-dashboard"),
    path("staff/jobs/<int:failure_id>/close/", staff.job_failure_close,
         name="staff-job-failure-close"),
    path("staff/listings/", staff.listing_queue, name="staff-listings"),
    path("staff/listings/bulk-approve/", staff.listing_bulk_approve,
         name="staff-listings-bulk-approve"),
    path("staff/listings/<int:listing_id>/<slug:action>/", staff.listing_action,
         name="staff-listing-action"),
    path("staff/reports/", staff.report_queue, name="staff-reports"),
    path("staff/reports/<int:report_id>/resolve/", staff.report_resolve,
         name="staff-report-resolve"),
    path("staff/shops/", staff.shop_queue, name="staff-shops"),
    path("staff/shops/<slug:slug>/<slug:action>/", staff.shop_action, name="staff-shop-action"),
    path("staff/disputes/", staff.dispute_queue, name="staff-disputes"),
    path("staff/disputes/<int:order_id>/", staff.dispute_detail, name="staff-dispute"),
    path("staff/disputes/<int:order_id>/resolve/", staff.dispute_resolve,
         name="staff-dispute-resolve"),
    path("staff/screening/", staff.screening_rules, name="staff-screening"),
    path("staff/screening/new/", staff.screening_save, name="staff-screening-new"),
    path("staff/screening/<int:term_id>/", staff.screening_save, name="staff-screening-term"),
    path("staff/reviews/", staff.review_list, name="staff-reviews"),
    path("staff/reviews/<int:review_id>/hide/", staff.review_hide, name="staff-review-hide"),
    path("staff/audit/", staff.audit_log, name="staff-audit"),
    path("staff/refunds/", staff.refund_list, name="staff-refunds"),
    path("staff/refunds/<int:refund_id>/retry/", staff.refund_retry, name="staff-refund-retry"),
    path("listings/<int:listing_id>/report/", public.listing_report, name="listing-report"),
    path("disputes/<int:order_id>/evidence/", public.buyer_evidence, name="dispute-evidence"),
    path("sell/disputes/<int:order_id>/", public.seller_dispute, name="seller-dispute"),
    path("sell/reviews/", public.seller_reviews, name="seller-reviews"),
    path("sell/reviews/<int:review_id>/reply/", public.seller_review_reply,
         name="seller-review-reply"),
]
