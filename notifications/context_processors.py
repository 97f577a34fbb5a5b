from django.utils.functional import SimpleLazyObject

from .selectors import notification_unread_count


def unread_notifications(request):
    """`notifications_unread`: the header bell's count, queried only if a template shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notifications_unread": SimpleLazyObject(lambda: notification_unread_count(user=user))}
