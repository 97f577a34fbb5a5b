"""Who may act on money from the staff side: staff holding `payments.manage_payouts`.

Marking a manual payout paid, exporting what is owed and resolving reconciliation issues need
it; `is_staff` alone does not give it (moderators and support staff use the admin too).
Superusers hold every permission, so they qualify.
"""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from staffguard.admin import staff_holds

PERMISSION = "payments.manage_payouts"


def can_manage_payouts(user) -> bool:
    return staff_holds(user, PERMISSION)


def payouts_manager_required(view):
    """Pages: anonymous → log-in page, signed-in staff without the permission → 403."""

    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        if not can_manage_payouts(request.user):
            raise PermissionDenied("Only staff who manage payouts may do this.")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped
