"""Reads of managed-shop pages and the API: a shop's activity, what an agent sees of it."""

from orders.selectors import orders_for_shop
from sellers.selectors import shop_listings_for_owner

from .models import HubAct, ManagedShop
from .selectors import managed_shops_of_agent

ACTIVITY_SHOWN = 30
ORDERS_SHOWN = 20


def shop_activity(*, shop_id: int, limit: int = ACTIVITY_SHOWN) -> list[HubAct]:
    """The shop's latest hub acts, newest first, with who acted and for whom."""
    return list(HubAct.objects.select_related("agent", "owner", "hub")
                .filter(shop_id=shop_id).order_by("-at", "-id")[:limit])


def managed_shop_overview(*, managed: ManagedShop) -> dict:
    """What the agent's page of a managed shop shows: its listings, orders and activity."""
    shop = managed.shop
    return {
        "listings": list(shop_listings_for_owner(shop=shop)),
        "orders": list(orders_for_shop(shop=shop)[:ORDERS_SHOWN]),
        "activity": shop_activity(shop_id=shop.pk),
    }


def managed_shop_latest_of_owner(*, owner) -> ManagedShop | None:
    """The latest agency over `owner`'s shop, live or ended (for the owner's pages)."""
    return (ManagedShop.objects.select_related("shop", "hub", "agent")
            .filter(shop__owner_id=owner.pk).order_by("-created", "-id").first())



def managed_shops_listed(*, user):
    """The live shops `user` runs as an agent, with what their list shows (by shop name)."""
    return managed_shops_of_agent(user=user).select_related("hub", "agent")
