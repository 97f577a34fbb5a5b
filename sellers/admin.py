"""Staff tools for the sellers app until the moderation queue exists: actions call services."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from . import services
from .errors import SellersError
from .models import Category, Listing, ListingImage, ScreeningTerm, Shop, Village


def _run_each(modeladmin, request, queryset, action, done: str):
    succeeded = 0
    for obj in queryset.order_by("pk"):
        try:
            action(obj)
        except (SellersError, ValidationError) as exc:
            text = " ".join(getattr(exc, "messages", [str(exc)]))
            modeladmin.message_user(request, f"{obj}: {text}", messages.WARNING)
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, f"{succeeded} {done}.", messages.SUCCESS)


@admin.register(Village)
class VillageAdmin(admin.ModelAdmin):
    list_display = ["name", "county", "state", "slug", "created"]
    list_filter = ["state"]
    search_fields = ["name", "county", "slug"]
    prepopulated_fields = {"slug": ["name", "state"]}


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "slug", "position", "auto_confirm_days"]
    list_filter = ["parent"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["parent"]


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "village", "status", "created", "verified_at"]
    list_filter = ["status", "village__state"]
    search_fields = ["name", "slug", "owner__email", "village__name"]
    list_select_related = ["owner", "village"]
    raw_id_fields = ["owner", "village"]
    # Status changes only through the actions below, so every rule in the services applies.
    readonly_fields = ["status", "status_reason", "verified_at", "rating_avg", "rating_count",
                       "created"]
    actions = ["verify", "suspend", "reinstate"]

    def has_add_permission(self, request):
        return False  # sellers open shops themselves, through the site or the API

    @admin.action(description="Verify selected shops (they go live)")
    def verify(self, request, queryset):
        _run_each(self, request, queryset,
                  lambda shop: services.shop_verify(shop_id=shop.pk), "shop(s) verified")

    @admin.action(description="Suspend selected shops")
    def suspend(self, request, queryset):
        reason = f"Suspended by staff ({request.user.email}). Contact support to appeal."
        _run_each(self, request, queryset,
                  lambda shop: services.shop_suspend(shop_id=shop.pk, reason=reason),
                  "shop(s) suspended")

    @admin.action(description="Reinstate selected suspended shops")
    def reinstate(self, request, queryset):
        _run_each(self, request, queryset,
                  lambda shop: services.shop_reinstate(shop_id=shop.pk), "shop(s) reinstated")


class ListingImageInline(admin.TabularInline):
    model = ListingImage
    extra = 0
    can_delete = False
    fields = ["position", "image", "thumbnail", "width", "height"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False  # photos are re-encoded by the upload service only


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    list_display = ["title", "shop", "status", "price_cents", "stock", "created"]
    list_filter = ["status", "category"]
    search_fields = ["title", "shop__name", "shop__slug"]
    list_select_related = ["shop", "category"]
    raw_id_fields = ["shop"]
    readonly_fields = ["status", "review_reason", "approved_at", "price_cents", "currency",
                       "created", "updated"]
    inlines = [ListingImageInline]
    actions = ["approve"]

    def has_add_permission(self, request):
        return False  # listings are created by sellers, through the listing service

    @admin.action(description="Approve selected listings waiting for review")
    def approve(self, request, queryset):
        _run_each(self, request, queryset,
                  lambda listing: services.listing_approve(listing_id=listing.pk),
                  "listing(s) approved")


@admin.register(ScreeningTerm)
class ScreeningTermAdmin(admin.ModelAdmin):
    list_display = ["term", "kind", "price_floor_cents", "is_active", "note"]
    list_filter = ["kind", "is_active"]
    search_fields = ["term", "note"]
