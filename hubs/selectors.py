"""Reads that hub pages, the API and other hub services share: who may act for which shop."""

from dataclasses import dataclass

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from orders.selectors import hub_parcel_counts, orders_to_ship
from payments.selectors import hub_cash_out_rooms
from sellers.models import Shop

from .errors import NotFound
from .models import CashOut, Hub, HubAct, HubAgent, ManagedShop


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


# --- hubs and agents: the public pages, the staff queues, the agent's dashboard ------------

def hubs_open() -> QuerySet[Hub]:
    """Every open hub with its village, by name (the public list and the API)."""
    return Hub.objects.select_related("village").filter(is_open=True).order_by("name", "pk")


def hub_verified_agents(*, hub: Hub) -> list[HubAgent]:
    return list(HubAgent.objects.select_related("user")
                .filter(hub_id=hub.pk, status=HubAgent.Status.VERIFIED)
                .order_by("user__display_name", "pk"))


def hub_managed_shops_public(*, hub: Hub) -> list[ManagedShop]:
    """The live managed shops of a hub whose storefront is open to the public."""
    return list(ManagedShop.objects.select_related("shop")
                .filter(hub_id=hub.pk, ended_at__isnull=True, shop__status=Shop.Status.ACTIVE)
                .order_by("shop__name", "pk"))


def hubs_for_staff() -> QuerySet[Hub]:
    """Every hub, open or closed, with its counts of agents, applications and managed shops."""
    return (Hub.objects.select_related("village")
            .annotate(
                agent_count=_count(HubAgent.objects.filter(status=HubAgent.Status.VERIFIED)),
                pending_count=_count(HubAgent.objects.filter(status=HubAgent.Status.PENDING)),
                managed_count=_count(ManagedShop.objects.filter(ended_at__isnull=True)))
            .order_by("-is_open", "name", "pk"))


def _count(rows: QuerySet) -> Subquery:
    counted = (rows.filter(hub_id=OuterRef("pk")).order_by().values("hub_id")
               .annotate(number=Count("pk")).values("number"))
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def hub_for_staff(*, slug: str) -> Hub:
    """A hub, open or closed, with its counts; NotFound otherwise."""
    hub = hubs_for_staff().filter(slug=str(slug)[:100]).first()
    if hub is None:
        raise NotFound("No hub with that address.")
    return hub


def hub_activity(*, hub: Hub, limit: int = 20) -> list[HubAct]:
    """The hub's latest acts, newest first, with who acted and for which shop."""
    return list(HubAct.objects.filter(hub_id=hub.pk).select_related("agent", "shop")[:limit])


def agent_application_queue(*, status: str = HubAgent.Status.PENDING) -> QuerySet[HubAgent]:
    """Applications and agents in `status`, oldest waiting first, with person and hub."""
    order = ["created", "pk"] if status == HubAgent.Status.PENDING else ["-decided_at", "-pk"]
    return (HubAgent.objects.select_related("user", "hub", "hub__village", "decided_by")
            .filter(status=status).order_by(*order))


def agent_application_for_staff(*, application_id) -> HubAgent:
    try:
        pk = int(application_id)
    except (TypeError, ValueError):
        raise NotFound("No agent application with that number.") from None
    if not 0 < pk < 2**31:
        raise NotFound("No agent application with that number.")
    agent = (HubAgent.objects.select_related("user", "hub", "hub__village", "decided_by")
             .filter(pk=pk).first())
    if agent is None:
        raise NotFound("No agent application with that number.")
    return agent


def agent_application_of(*, user) -> HubAgent | None:
    """The person's latest application or agency, whatever its status, with its hub."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (HubAgent.objects.select_related("hub").filter(user_id=user.pk)
            .order_by("-created", "-pk").first())


def agent_applications_of(*, user) -> QuerySet[HubAgent]:
    return (HubAgent.objects.select_related("hub").filter(user_id=user.pk)
            .order_by("-created", "-pk"))


@dataclass(frozen=True)
class AgentDashboard:
    agency: HubAgent
    managed_shops: list  # up to DASHBOARD_ROWS live ManagedShop rows
    managed_count: int
    orders: list  # up to DASHBOARD_ROWS paid orders waiting to ship
    orders_count: int
    cash_outs: list  # up to DASHBOARD_ROWS cash-outs waiting for the owner
    cash_outs_count: int
    parcels: dict  # the hub's parcels for buyers: on_the_way, waiting, collected
    cash_ready: dict  # owners who could collect money at the hub now: ready_shops, ready_cents

    @property
    def parcels_waiting(self) -> int:
        return self.parcels["waiting"]

    @property
    def parcels_on_the_way(self) -> int:
        return self.parcels["on_the_way"]

    @property
    def cash_ready_shops(self) -> int:
        return self.cash_ready["ready_shops"]

    @property
    def cash_ready_cents(self) -> int:
        return self.cash_ready["ready_cents"]


DASHBOARD_ROWS = 10


def agent_dashboard(*, agency: HubAgent, with_rows: bool = True) -> AgentDashboard:
    """The agent's hub at a glance: their live managed shops, those shops' paid orders to
    ship, the hub's cash-outs waiting, its parcels for buyers and the money owners could collect
    now; counts (a fixed number of queries) and the first rows."""
    shops = ManagedShop.objects.filter(hub_id=agency.hub_id, agent_id=agency.user_id,
                                       ended_at__isnull=True)
    shop_ids = shops.values("shop_id")
    orders = orders_to_ship(shop_ids=shop_ids)
    cash_outs = (CashOut.objects.filter(hub_id=agency.hub_id, status=CashOut.Status.AWAITING)
                 .select_related("shop", "owner").order_by("created", "pk"))
    counts = {"managed": shops.count(), "orders": orders.count(),
              "cash_outs": cash_outs.count()}
    rows = {"managed": [], "orders": [], "cash_outs": []}
    if with_rows:
        rows["managed"] = (list(shops.select_related("shop", "shop__owner")
                                .order_by("shop__name", "pk")[:DASHBOARD_ROWS])
                           if counts["managed"] else [])
        rows["orders"] = list(orders[:DASHBOARD_ROWS]) if counts["orders"] else []
        rows["cash_outs"] = list(cash_outs[:DASHBOARD_ROWS]) if counts["cash_outs"] else []
    return AgentDashboard(
        agency=agency, managed_shops=rows["managed"], managed_count=counts["managed"],
        orders=rows["orders"], orders_count=counts["orders"], cash_outs=rows["cash_outs"],
        cash_outs_count=counts["cash_outs"],
        parcels=hub_parcel_counts(hub_reference=agency.hub.reference),
        cash_ready=cash_to_hand_out(user=agency.user))


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


def orphaned_shops_of_agent(*, user_id: int) -> list[ManagedShop]:
    """The shops a removed agent ran whose owners have no password (they cannot log in): staff
    may send each owner a take-over link. One query; at most 50."""
    return list(ManagedShop.objects.select_related("shop", "shop__owner")
                .filter(agent_id=user_id, end_reason=ManagedShop.EndReason.AGENT_REMOVED,
                        shop__owner__password__startswith=UNUSABLE_PASSWORD_PREFIX,
                        shop__owner__closed_at__isnull=True)
                .order_by("shop__name", "pk")[:50])


def hub_managed_shops(*, hub: Hub, limit: int = 50) -> list[ManagedShop]:
    """The shops run for neighbours at `hub` now, with owner and agent, by shop name."""
    return list(ManagedShop.objects.select_related("shop", "shop__owner", "agent")
                .filter(hub_id=hub.pk, ended_at__isnull=True).order_by("shop__name", "pk")[:limit])


def receipts_recent(*, limit: int = 20) -> list[CashOut]:
    """Cash-outs proved by a signed receipt, newest first (staff look at the paper)."""
    return list(CashOut.objects.select_related("hub", "shop", "agent")
                .filter(proof=CashOut.Proof.RECEIPT).order_by("-collected_at", "-pk")[:limit])
