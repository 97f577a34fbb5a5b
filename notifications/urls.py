# Routes of this app, included by marketplace/urls.py (pages at the root, API under /api/v1/).
from django.urls import path

from . import views

urlpatterns = [
    path("notifications/", views.inbox, name="notifications"),
    path("notifications/read-all", views.mark_all_read, name="notifications-read-all"),
    path("notifications/preferences/", views.preferences, name="notifications-preferences"),
    path("notifications/<int:notification_id>/read", views.mark_read, name="notification-read"),
]
