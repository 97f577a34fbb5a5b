"""Admin building blocks for every app: read-only pages, and actions gated by a named permission.

The admin is a read-and-search window: a change the staff pages make through a service is made
from the admin only by an action that calls the same service, offered to the staff who hold
the permission that action needs.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied


def staff_holds(user, permission: str) -> bool:
    """An active staff member holding `permission` ("app_label.codename"); superusers do."""
    return bool(
        getattr(user, "is_authenticated", False) and user.is_active and user.is_staff
        and user.has_perm(permission)
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Look and search only: no add, no field edits, no delete."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]


class PermissionActionsMixin:
    """Holders of `acting_permission` see these records and may run the actions marked
    `permissions=[<its codename>]` (Django asks `has_<codename>_permission`, which a subclass
    defines with `may_act`); a forged action POST from anyone else is a 403."""

    acting_permission = ""  # "app_label.codename"
    refusal = "You may not do this."

    def may_act(self, request) -> bool:
        return staff_holds(request.user, self.acting_permission)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or self.may_act(request)

    def changelist_view(self, request, extra_context=None):
        action = request.POST.get("action") if request.method == "POST" else None
        if action in (self.actions or []) and action not in self.get_actions(request):
            raise PermissionDenied(self.refusal)
        return super().changelist_view(request, extra_context)
