from django.urls import path

from brands import views_answers, views_transparency

urlpatterns = [
    path("sell/notices/<int:notice_id>/answer/", views_answers.counter_notice,
         name="brands-counter-notice"),
    path("brands/notices/<int:notice_id>/court-action/", views_answers.notice_action,
         name="brands-notice-action"),
    path("staff/brands/flags/", views_answers.staff_flags, name="staff-brand-flags"),
    path("staff/brands/owners/<int:owner_id>/filing/<str:action>/", views_answers.staff_filing,
         name="staff-brand-filing"),
    path("transparency/", views_transparency.transparency, name="transparency"),
    path("transparency/numbers.csv", views_transparency.transparency_csv,
         name="transparency-csv"),
]
