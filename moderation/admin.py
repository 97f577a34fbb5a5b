"""Admin views of moderation data. The audit log is read-only here (and in the database)."""

from django.contrib import admin

from .models import AuditLog, DisputeDecision, DisputeStatement, Report


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["created", "actor", "action", "object_type", "object_id", "object_repr",
                    "status_before", "status_after"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_repr", "object_id", "reason", "actor__email"]
    list_select_related = ["actor"]
    date_hierarchy = "created"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["created", "listing", "reason", "reporter", "status", "resolved_by"]
    list_filter = ["status", "reason"]
    search_fields = ["listing__title", "reporter__email", "details"]
    list_select_related = ["listing", "reporter", "resolved_by"]
    raw_id_fields = ["listing", "reporter", "resolved_by"]
    # Decisions go through the /staff/ pages so that they are audited and notified.
    readonly_fields = ["listing", "reporter", "reason", "details", "status", "resolved_by",
                       "resolved_at", "resolution_note", "created"]

    def has_add_permission(self, request):
        return False


@admin.register(DisputeStatement)
class DisputeStatementAdmin(admin.ModelAdmin):
    list_display = ["order", "role", "author", "created"]
    list_filter = ["role"]
    raw_id_fields = ["order", "author"]
    readonly_fields = ["order", "author", "role", "text", "created"]

    def has_add_permission(self, request):
        return False


@admin.register(DisputeDecision)
class DisputeDecisionAdmin(admin.ModelAdmin):
    list_display = ["order", "outcome", "refund_cents", "actor", "created"]
    readonly_fields = ["order", "actor", "outcome", "refund_cents", "note", "idempotency_key",
                       "created"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
