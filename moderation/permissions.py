"""Who may moderate: staff members holding the `moderation.moderate` permission.

`is_staff` alone is not enough (support or finance staff may use the admin without deciding
on listings); superusers hold every permission, so they qualify.
"""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from staffguard.admin import staff_holds

PERMISSION = "moderation.moderate"


def is_moderator(user) -> bool:
    return staff_holds(user, PERMISSION)


class IsModerator(BasePermission):
    """DRF: anonymous → 401 (IsAuthenticated runs first), signed-in non-moderators → 403."""

    message = "Only moderators may do this."

    def has_permission(self, request, view):
        return is_moderator(request.user)


def moderator_required(view):
    """Pages: anonymous → log-in page, signed-in non-moderators → 403."""

    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        if not is_moderator(request.user):
            raise PermissionDenied("Only moderators may see this page.")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped
