"""Admin views of moderation data, shops, listings and screening terms.

The admin is a read-and-search window: every field here is read-only, nothing that an audit
depends on can be deleted, and the only acts are actions that call the same moderation
services as the /staff/ pages (audit row, the owner told), offered to moderators only
(`moderation.moderate`). The audit log is read-only here and in the database.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from sellers.models import Listing, ListingImage, ScreeningTerm, Shop
from staffguard.admin import PermissionActionsMixin, ReadOnlyAdmin

from .errors import ModerationError
from .models import AuditLog, DisputeDecision, DisputeStatement, Report
from .permissions import PERMISSION
from .services import listings as listing_decisions
from .services import shops as shop_decisions


class ModeratorActionsMixin(PermissionActionsMixin):
    """Moderators see these records and may run the actions marked permissions=["moderate"]."""

    acting_permission = PERMISSION
    refusal = "Only moderators may do this."

    def has_moderate_permission(self, request):
        return self.may_act(request)


def _run_each(modeladmin, request, queryset, action, done: str) -> None:
    """Run a moderation service per selected row, each in its own transaction."""
    succeeded = 0
    for obj in queryset.order_by("pk"):
        try:
            action(obj)
        except (ModerationError, ValidationError) as exc:
            text = " ".join(getattr(exc, "messages", [str(exc)]))
            modeladmin.message_user(request, f"{obj}: {text}", messages.WARNING)
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, f"{succeeded} {done}.", messages.SUCCESS)


@admin.register(Shop)
class ShopAdmin(ModeratorActionsMixin, ReadOnlyAdmin):
    list_display = ["name", "owner", "village", "status", "created", "verified_at"]
    list_filter = ["status", "village__state"]
    search_fields = ["name", "slug", "owner__email", "village__name"]
    list_select_related = ["owner", "village"]
    actions = ["verify", "suspend", "reinstate"]

    @admin.action(description="Verify selected shops (they go live)", permissions=["moderate"])
    def verify(self, request, queryset):
        _run_each(self, request, queryset,
                  lambda shop: shop_decisions.shop_verify(slug=shop.slug, actor=request.user),
                  "shop(s) verified")

    @admin.action(description="Suspend selected shops", permissions=["moderate"])
    def suspend(self, request, queryset):
        reason = f"Suspended by staff ({request.user.email}). Contact support to appeal."
        _run_each(self, request, queryset,
                  lambda shop: shop_decisions.shop_suspend(slug=shop.slug, actor=request.user,
                                                           reason=reason),
                  "shop(s) suspended")

    @admin.action(description="Reinstate selected suspended shops", permissions=["moderate"])
    def reinstate(self, request, queryset):
        _run_each(self, request, queryset,
                  lambda shop: shop_decisions.shop_reinstate(slug=shop.slug,
                                                             actor=request.user),
                  "shop(s) reinstated")


class ListingImageInline(admin.TabularInline):
    model = ListingImage
    extra = 0
    can_delete = False
    fields = ["position", "image", "thumbnail", "width", "height"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False  # photos are re-encoded by the upload service only

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Listing)
class ListingAdmin(ModeratorActionsMixin, ReadOnlyAdmin):
    list_display = ["title", "shop", "status", "price_cents", "stock", "created"]
    list_filter = ["status", "category"]
    search_fields = ["title", "shop__name", "shop__slug"]
    list_select_related = ["shop", "category"]
    inlines = [ListingImageInline]
    actions = ["approve"]

    def get_readonly_fields(self, request, obj=None):
        return [name for name in super().get_readonly_fields(request, obj)
                if name != "search_vector"]

    @admin.action(description="Approve selected listings waiting for review",
                  permissions=["moderate"])
    def approve(self, request, queryset):
        _run_each(self, request, queryset,
                  lambda listing: listing_decisions.listing_approve(listing_id=listing.pk,
                                                                    actor=request.user),
                  "listing(s) approved")


@admin.register(ScreeningTerm)
class ScreeningTermAdmin(ModeratorActionsMixin, ReadOnlyAdmin):
    """Terms are added and changed on /staff/screening/, where each change is audited."""

    list_display = ["term", "kind", "price_floor_cents", "is_active", "note"]
    list_filter = ["kind", "is_active"]
    search_fields = ["term", "note"]


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ["created", "actor", "action", "object_type", "object_id", "object_repr",
                    "status_before", "status_after"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_repr", "object_id", "reason", "actor__email"]
    list_select_related = ["actor"]
    date_hierarchy = "created"


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["created", "listing", "reason", "reporter", "status", "resolved_by"]
    list_filter = ["status", "reason"]
    search_fields = ["listing__title", "reporter__email", "details"]
    list_select_related = ["listing", "reporter", "resolved_by"]
    # Decisions go through the /staff/ pages so that they are audited and notified.


@admin.register(DisputeStatement)
class DisputeStatementAdmin(ReadOnlyAdmin):
    list_display = ["order", "role", "author", "created"]
    list_filter = ["role"]


@admin.register(DisputeDecision)
class DisputeDecisionAdmin(ReadOnlyAdmin):
    list_display = ["order", "outcome", "refund_cents", "actor", "created"]
