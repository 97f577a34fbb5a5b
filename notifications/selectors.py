"""Reads of the notifications app, shared by the pages, the API and the header bell."""

from django.db.models import QuerySet

from .models import Notification, NotificationPreference


def notification_list(*, user) -> QuerySet[Notification]:
    """The user's notifications, newest first (one query per page: no joins needed)."""
    return Notification.objects.filter(recipient=user).only(
        "id", "kind", "message", "url", "created", "read_at"
    ).order_by("-created", "-id")


def notification_unread_count(*, user) -> int:
    """One COUNT over the partial index of unread rows."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def preference_get(*, user) -> NotificationPreference:
    """The user's preferences, or the defaults (everything on) if never saved."""
    preference = NotificationPreference.objects.filter(user=user).first()
    return preference or NotificationPreference(user=user)
