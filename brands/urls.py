# Routes of this app, included by marketplace/urls.py (pages at the root, API under /api/v1/).
from django.urls import path

from brands import views

urlpatterns = [
    path("brands/", views.dashboard, name="brands-dashboard"),
    path("brands/apply/", views.apply, name="brands-apply"),
    path("brands/agents/", views.agent_add, name="brands-agent-add"),
    path("brands/agents/<int:agent_id>/remove/", views.agent_remove, name="brands-agent-remove"),
    path("brands/notices/new/", views.notice_new, name="brands-notice-new"),
    path("brands/notices/<int:notice_id>/", views.notice_detail, name="brands-notice"),
    path("brands/notices/<int:notice_id>/withdraw/", views.notice_withdraw,
         name="brands-notice-withdraw"),
    path("brands/documents/<int:document_id>/", views.document, name="brands-document"),
    path("sell/notices/", views.seller_notices, name="seller-notices"),
    path("sell/notices/<int:notice_id>/", views.seller_notice, name="seller-notice"),
    path("staff/brands/owners/", views.staff_owners, name="staff-brand-owners"),
    path("staff/brands/owners/<int:owner_id>/", views.staff_owner, name="staff-brand-owner"),
    path("staff/brands/owners/<int:owner_id>/<slug:decision>/", views.staff_owner_decide,
         name="staff-brand-owner-decide"),
    path("staff/brands/notices/", views.staff_notices, name="staff-brand-notices"),
    path("staff/brands/notices/<int:notice_id>/", views.staff_notice, name="staff-brand-notice"),
    path("staff/brands/notices/<int:notice_id>/decide/", views.staff_notice_decide,
         name="staff-brand-notice-decide"),
]
