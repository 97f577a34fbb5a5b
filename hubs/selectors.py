"""Reads that hub pages, the API and other hub services share: who may act for which shop."""

from django.db.models import Count, QuerySet

from payments.selectors import hub_cash_out_rooms

from .errors import NotFound
from .models import CashOut, Hub, HubAgent, ManagedShop


def hub_get(*, slug: str) -> Hub:
    """An open hub by its address, with its village; NotFound otherwise."""
    hub = Hub.objects.select_related("village").filter(slug=slug, is_open=True).first()
    if hub is None:
        raise NotFound("No hub with that address.")
    return hub


def hubs_of_village(*, village_id: int) -> QuerySet[Hub]:
    return Hub.objects.filter(village_id=village_id, is_open=True).order_by("name")


def agency_of(*, user) -> HubAgent | None:
    """The verified agency of `user` (at most one), with its hub; None for everyone else.

    Read on every agent request, so a removal by staff takes effect at once, also for a
    session that is already open.
    """
    if not getattr(user, "is_authenticated", False):
        return None
    return (HubAgent.objects.select_related("hub", "hub__village")
            .filter(user_id=user.pk, status=HubAgent.Status.VERIFIED, hub__is_open=True)
            .first())


def managed_shop_for_agent(*, user, shop_id) -> ManagedShop:
    """The live managed shop `shop_id` of the hub where `user` is a verified agent, with its
    shop and owner. Another hub's shop, an ended agency or a shop the agent does not manage
    is NotFound: from outside they look the same."""
    agency = agency_of(user=user)
    try:
        shop_id = int(shop_id)
    except (TypeError, ValueError):
        raise NotFound("No managed shop with that number.") from None
    managed = None
    if agency is not None:
        managed = (ManagedShop.objects.select_related("shop", "shop__owner", "shop__village",
                                                      "hub")
                   .filter(shop_id=shop_id, hub_id=agency.hub_id, agent_id=user.pk,
                           ended_at__isnull=True)
                   .first())
    if managed is None:
        raise NotFound("No managed shop with that number.")
    return managed


def managed_shops_of_agent(*, user) -> QuerySet[ManagedShop]:
    """The live shops `user` manages in their hub (empty when they are not a verified agent)."""
    agency = agency_of(user=user)
    if agency is None:
        return ManagedShop.objects.none()
    return (ManagedShop.objects.select_related("shop", "shop__owner")
            .filter(hub_id=agency.hub_id, agent_id=user.pk, ended_at__isnull=True)
            .order_by("shop__name"))


def managing_agency_of_shop(*, shop_id: int) -> ManagedShop | None:
    """The live agency over a shop, if an agent runs it (for the owner's pages)."""
    return (ManagedShop.objects.select_related("hub", "agent")
            .filter(shop_id=shop_id, ended_at__isnull=True).first())


def managed_shops_by_village() -> dict[int, int]:
    """Shops an agent runs for a neighbour now, per village id of the shop (one query): an
    impact figure."""
    rows = (ManagedShop.objects.filter(ended_at__isnull=True)
            .values("shop__village_id").annotate(n=Count("id")).order_by())
    return {row["shop__village_id"]: row["n"] for row in rows}


def cash_to_hand_out(*, user) -> dict:
    """For the agent's dashboard: cash-outs waiting for an owner's code, and the managed shops
    whose owner could collect money now with how much in all (six queries whatever the number
    of shops). Zeros for someone who is not a verified agent."""
    managed = list(managed_shops_of_agent(user=user))
    rooms = hub_cash_out_rooms(shops=[row.shop for row in managed])
    waiting = CashOut.objects.filter(shop_id__in=[row.shop_id for row in managed],
                                     status=CashOut.Status.AWAITING).count() if managed else 0
    ready = [cents for cents in rooms.values() if cents > 0]
    return {"waiting": waiting, "ready_shops": len(ready), "ready_cents": sum(ready)}
