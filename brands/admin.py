"""Admin views of brand protection: look and search only. Decisions are made on the /staff/
brand pages (audited, people told); proof documents open there, never here."""

from django.contrib import admin

from staffguard.admin import ReadOnlyAdmin

from .models import Notice, NoticeListing, RightsOwner, Strike


@admin.register(RightsOwner)
class RightsOwnerAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "applicant", "status", "filing_suspended", "created"]
    list_filter = ["status", "kind", "filing_suspended"]
    search_fields = ["name", "applicant__email", "rights__name", "rights__registration_number"]
    list_select_related = ["applicant"]


class NoticeListingInline(admin.TabularInline):
    model = NoticeListing
    extra = 0
    can_delete = False
    readonly_fields = ["listing", "shop", "listing_title", "taken_down_at", "restored_at"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "owner", "right", "reason", "status", "created", "decided_at"]
    list_filter = ["status", "reason"]
    search_fields = ["owner__name", "right__name", "items__listing_title", "items__shop__name"]
    list_select_related = ["owner", "right"]
    inlines = [NoticeListingInline]


@admin.register(Strike)
class StrikeAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "shop", "notice", "created", "expires_at", "removed_at"]
    search_fields = ["shop__name", "shop__slug"]
    list_select_related = ["shop", "notice"]
