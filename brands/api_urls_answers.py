from django.urls import path

from brands import api_answers

urlpatterns = [
    path("brand/notices/<int:notice_id>/counter-notice", api_answers.CounterNoticeApi.as_view(),
         name="api-brand-counter-notice"),
    path("brand/notices/<int:notice_id>/court-action", api_answers.NoticeActionApi.as_view(),
         name="api-brand-notice-court-action"),
    path("moderation/brand/owners/flagged/", api_answers.FlaggedOwnersApi.as_view(),
         name="api-moderation-brand-owners-flagged"),
    path("moderation/brand/owners/<int:owner_id>/suspend-filing",
         api_answers.OwnerFilingSuspendApi.as_view(), name="api-moderation-brand-filing-suspend"),
    path("moderation/brand/owners/<int:owner_id>/restore-filing",
         api_answers.OwnerFilingRestoreApi.as_view(), name="api-moderation-brand-filing-restore"),
    path("transparency", api_answers.TransparencyApi.as_view(), name="api-transparency"),
]
