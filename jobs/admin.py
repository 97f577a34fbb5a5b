from django.contrib import admin

from .models import JobFailure


@admin.register(JobFailure)
class JobFailureAdmin(admin.ModelAdmin):
    """Read-only: failures open and close through the jobs themselves (and the staff page)."""

    list_display = ["job", "item", "times", "first_seen", "last_seen", "resolved_at",
                    "resolved_by"]
    list_filter = ["job", ("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["job", "item", "error"]
    list_select_related = ["resolved_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
