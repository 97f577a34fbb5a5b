# API routes of this app, included by marketplace/urls.py under /api/v1/.
from django.urls import path

from brands import api

urlpatterns = [
    path("brands/owners/", api.OwnerApplyApi.as_view(), name="api-brand-owner-apply"),
    path("brands/owners/me", api.OwnerMeApi.as_view(), name="api-brand-owner-me"),
    path("brands/owners/me/agents/", api.AgentListApi.as_view(), name="api-brand-agents"),
    path("brands/owners/me/agents/<int:agent_id>", api.AgentDetailApi.as_view(),
         name="api-brand-agent"),
    path("brands/notices/", api.NoticeListApi.as_view(), name="api-brand-notices"),
    path("brands/notices/<int:notice_id>", api.NoticeDetailApi.as_view(),
         name="api-brand-notice"),
    path("brands/notices/<int:notice_id>/withdraw", api.NoticeWithdrawApi.as_view(),
         name="api-brand-notice-withdraw"),
    path("brands/documents/<int:document_id>", api.DocumentApi.as_view(),
         name="api-brand-document"),
    path("sell/notices/", api.SellerNoticeListApi.as_view(), name="api-seller-notices"),
    path("sell/notices/<int:notice_id>", api.SellerNoticeDetailApi.as_view(),
         name="api-seller-notice"),
    path("moderation/brands/owners/", api.StaffOwnerQueueApi.as_view(),
         name="api-mod-brand-owners"),
    path("moderation/brands/owners/<int:owner_id>/verify",
         api.StaffOwnerDecideApi.as_view(decision="verify"), name="api-mod-brand-owner-verify"),
    path("moderation/brands/owners/<int:owner_id>/reject",
         api.StaffOwnerDecideApi.as_view(decision="reject"), name="api-mod-brand-owner-reject"),
    path("moderation/brands/notices/", api.StaffNoticeQueueApi.as_view(),
         name="api-mod-brand-notices"),
    path("moderation/brands/notices/<int:notice_id>", api.StaffNoticeDetailApi.as_view(),
         name="api-mod-brand-notice"),
    path("moderation/brands/notices/<int:notice_id>/decide",
         api.StaffNoticeDecideApi.as_view(), name="api-mod-brand-notice-decide"),
]
