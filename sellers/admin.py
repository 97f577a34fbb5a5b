"""Admin of the sellers app's reference data: villages and categories.

Shops, listings and screening terms are registered in moderation/admin.py: every change to
them is a moderation decision (audited, the owner told, listings screened again), so the admin
shows them read-only and its actions call the moderation services, which sellers may not
import.
"""

from django.contrib import admin

from .models import Category, Village


@admin.register(Village)
class VillageAdmin(admin.ModelAdmin):
    list_display = ["name", "county", "state", "slug", "created"]
    list_filter = ["state"]
    search_fields = ["name", "county", "slug"]
    prepopulated_fields = {"slug": ["name", "state"]}

    def has_delete_permission(self, request, obj=None):
        return False  # shops point at their village


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "slug", "position", "auto_confirm_days"]
    list_filter = ["parent"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["parent"]

    def has_delete_permission(self, request, obj=None):
        return False  # listings and past orders point at their category
