"""A village hub as a pick-up point: parcels shipped to the hub, their arrival, the hand-over.

Orders keep only the hub's opaque reference, name, address and hours (orders/services/
hub_points.py); this module gives orders those facts (registered in HubsConfig.ready()) and
lets the hub's verified agent record a parcel's arrival and hand it over by the buyer's code.
The order's own services do the work (the same code check and escrow release as a local
pickup); each act is also a HubAct row, written in the same transaction.
"""

from django.db.models import Q

from orders.errors import OrderNotFound
from orders.models import Order
from orders.selectors import hub_parcel_counts, hub_parcel_for_hub, hub_parcels
from orders.services.hub_points import HubPoint
from orders.services.lifecycle import order_hub_arrived, order_hub_hand_over

from ..errors import NotFound
from ..models import Hub, HubAct, HubAgent
from ..selectors import agency_of
from .acts import act_record

HUB_POINTS_SHOWN = 200  # the checkout lists at most this many hubs; the search narrows them


def hub_point_of(hub: Hub) -> HubPoint:
    return HubPoint(reference=hub.reference, slug=hub.slug, name=hub.name,
                    address=hub.as_address(), hours=hub.opening_hours,
                    village=str(hub.village.name), is_open=hub.is_open)


def hub_point_lookup(key: str) -> HubPoint | None:
    """A hub by its address slug or its reference ("hub:3"), open or closed."""
    hubs = Hub.objects.select_related("village")
    if key.startswith("hub:"):
        number = key.removeprefix("hub:")
        hub = (hubs.filter(pk=int(number)).first()
               if number.isascii() and number.isdigit() and len(number) < 10 else None)
    else:
        hub = hubs.filter(slug=key).first()
    return hub_point_of(hub) if hub is not None else None


def hub_points_open(query: str = "") -> list[HubPoint]:
    """Open hubs by state, village and name; `query` matches a name, village, town, state or
    ZIP code."""
    hubs = Hub.objects.select_related("village").filter(is_open=True)
    if query:
        words = Q(name__icontains=query) | Q(village__name__icontains=query) | Q(
            city__icontains=query) | Q(postal_code__startswith=query)
        if len(query) == 2:
            words |= Q(state__iexact=query)
        hubs = hubs.filter(words)
    hubs = hubs.order_by("state", "village__name", "name")[:HUB_POINTS_SHOWN]
    return [hub_point_of(hub) for hub in hubs]


def _agency(*, user) -> HubAgent:
    """The verified agency of `user`; anyone else gets NotFound (the parcel pages are 404)."""
    agency = agency_of(user=user)
    if agency is None:
        raise NotFound("No hub parcels for you: only a verified agent of a hub sees them.")
    return agency


def parcels_of_agent(*, user, state: str):
    """The agent's hub, its parcel counts, and its parcels in `state` (a queryset)."""
    agency = _agency(user=user)
    hub = agency.hub
    return hub, hub_parcel_counts(hub_reference=hub.reference), hub_parcels(
        hub_reference=hub.reference, state=state)


def parcel_for_agent(*, user, order_id) -> tuple[Hub, Order]:
    """One parcel shipped to the agent's hub; another hub's parcel is NotFound."""
    hub = _agency(user=user).hub
    try:
        return hub, hub_parcel_for_hub(hub_reference=hub.reference, order_id=order_id)
    except OrderNotFound:
        raise NotFound("No parcel with that number for this hub.") from None


def _record(*, hub: Hub, agent, action: str, detail: str):
    def record(order: Order) -> None:
        act_record(hub=hub, action=action, agent=agent, reference=order.reference,
                   detail=detail.format(order=order))
    return record


def parcel_mark_arrived(*, user, order_id) -> Order:
    """The agent records that a parcel for their hub arrived; the buyer is told (409 when it
    has not been shipped, or was already marked)."""
    hub, order = parcel_for_agent(user=user, order_id=order_id)
    return order_hub_arrived(
        order_id=order.pk, hub_reference=hub.reference, actor=user,
        and_then=_record(hub=hub, agent=user, action=HubAct.Action.PARCEL_ARRIVED,
                         detail="Order #{order.pk} from {order.shop.name} arrived."),
    )


def parcel_hand_over(*, user, order_id, code: str) -> Order:
    """The agent types the buyer's code: the order completes exactly like a local pickup.

    A wrong code counts toward the order's lock (ten in total); a parcel that has not arrived
    is 409; another hub's parcel is 404.
    """
    hub, order = parcel_for_agent(user=user, order_id=order_id)
    return order_hub_hand_over(
        order_id=order.pk, hub_reference=hub.reference, actor=user, code=code,
        and_then=_record(hub=hub, agent=user, action=HubAct.Action.PARCEL_COLLECTED,
                         detail="Order #{order.pk} collected by the buyer."),
    )
