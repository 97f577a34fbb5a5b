# API routes of this app, included by marketplace/urls.py under /api/v1/.
from django.urls import path

from brands import api

urlpatterns = [
    path("brand/owners/", api.OwnerApplyApi.as_view(), name="api-brand-owner-apply"),
    path("brand/owners/me", api.OwnerMeApi.as_view(), name="api-brand-owner-me"),
    path("brand/owners/me/agents/", api.AgentListApi.as_view(), name="api-brand-agents"),
    path("brand/owners/me/agents/<int:agent_id>", api.AgentDetailApi.as_view(),
         name="api-brand-agent"),
    path("brand/notices/", api.NoticeListApi.as_view(), name="api-brand-notices"),
    path("brand/notices/<int:notice_id>", api.NoticeDetailApi.as_view(),
         name="api-brand-notice"),
    path("brand/notices/<int:notice_id>/withdraw", api.NoticeWithdrawApi.as_view(),
         name="api-brand-notice-withdraw"),
    path("brand/documents/<int:document_id>", api.DocumentApi.as_view(),
         name="api-brand-document"),
    path("sell/notices/", api.SellerNoticeListApi.as_view(), name="api-seller-notices"),
    path("sell/notices/<int:notice_id>", api.SellerNoticeDetailApi.as_view(),
         name="api-seller-notice"),
    path("moderation/brand/owners/", api.StaffOwnerQueueApi.as_view(),
         name="api-mod-brand-owners"),
    path("moderation/brand/owners/<int:owner_id>/verify",
         api.StaffOwnerDecideApi.as_view(decision="verify"), name="api-mod-brand-owner-verify"),
    path("moderation/brand/owners/<int:owner_id>/reject",
         api.StaffOwnerDecideApi.as_view(decision="reject"), name="api-mod-brand-owner-reject"),
    path("moderation/brand/notices/", api.StaffNoticeQueueApi.as_view(),
         name="api-mod-brand-notices"),
    path("moderation/brand/notices/<int:notice_id>", api.StaffNoticeDetailApi.as_view(),
         name="api-mod-brand-notice"),
    path("moderation/brand/notices/<int:notice_id>/decide",
         api.StaffNoticeDecideApi.as_view(), name="api-mod-brand-notice-decide"),
]
