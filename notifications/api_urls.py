# Routes of this app, included by marketplace/urls.py (pages at the root, API under /api/v1/).
from django.urls import path

from . import api

urlpatterns = [
    path("notifications/", api.NotificationListApi.as_view(), name="api-notifications"),
    path("notifications/read-all", api.NotificationReadAllApi.as_view(),
         name="api-notifications-read-all"),
    path("notifications/<int:notification_id>/read", api.NotificationReadApi.as_view(),
         name="api-notification-read"),
]
