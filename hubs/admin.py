"""Hubs in the admin: read-only. Staff act on hubs, agents and cash through the /staff/hubs/
pages, which audit every decision."""

from django.contrib import admin

from staffguard.admin import ReadOnlyAdmin

from .models import CashOut, Hub, HubAct, HubAgent, HubSettlement, ManagedShop


@admin.register(Hub)
class HubAdmin(ReadOnlyAdmin):
    list_display = ["name", "village", "city", "state", "commission_bps", "is_open"]
    list_filter = ["is_open", "state"]
    search_fields = ["name", "slug", "city", "village__name"]
    list_select_related = ["village"]


@admin.register(HubAgent)
class HubAgentAdmin(ReadOnlyAdmin):
    list_display = ["user", "hub", "status", "created", "decided_at"]
    list_filter = ["status"]
    search_fields = ["user__email", "user__display_name", "hub__name"]
    list_select_related = ["user", "hub"]
    readonly_fields = ["status", "decided_by", "decided_at"]


@admin.register(ManagedShop)
class ManagedShopAdmin(ReadOnlyAdmin):
    list_display = ["shop", "hub", "agent", "consent_on", "ended_at", "end_reason"]
    search_fields = ["shop__name", "agent__email", "hub__name"]
    list_select_related = ["shop", "hub", "agent"]
    readonly_fields = ["ended_at", "ended_by", "end_reason"]


@admin.register(HubAct)
class HubActAdmin(ReadOnlyAdmin):
    list_display = ["at", "hub", "action", "agent", "owner", "shop", "reference"]
    list_filter = ["action"]
    search_fields = ["reference", "agent__email", "shop__name"]
    list_select_related = ["hub", "agent", "owner", "shop"]




@admin.register(CashOut)
class CashOutAdmin(ReadOnlyAdmin):
    list_display = ["pk", "hub", "shop", "amount_cents", "status", "proof", "created"]
    list_filter = ["status"]
    list_select_related = ["hub", "shop"]
    readonly_fields = [field.name for field in CashOut._meta.fields]




@admin.register(HubSettlement)
class HubSettlementAdmin(ReadOnlyAdmin):
    list_display = ["pk", "hub", "amount_cents", "settled_by", "created"]
    list_select_related = ["hub", "settled_by"]
    readonly_fields = [field.name for field in HubSettlement._meta.fields]


