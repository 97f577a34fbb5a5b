from django.contrib import admin

from staffguard.admin import ReadOnlyAdmin

from .models import JobFailure


@admin.register(JobFailure)
class JobFailureAdmin(ReadOnlyAdmin):
    """Read-only: failures open and close through the jobs themselves (and the staff page)."""

    list_display = ["job", "item", "times", "first_seen", "last_seen", "resolved_at",
                    "resolved_by"]
    list_filter = ["job", ("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["job", "item", "error"]
    list_select_related = ["resolved_by"]

