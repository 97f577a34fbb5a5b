"""Hubs and their verified agents for the ship-to-hub tests (rows made directly: the agent
application flow is tested on its own), and hub orders built through the real services."""

import itertools

from django.utils import timezone

from hubs.models import Hub, HubAgent
from orders.services.lifecycle import order_ship
from tests.builders import paid_order
from tests.factories import UserFactory, VillageFactory

_numbers = itertools.count(1)


def hub_make(*, name: str | None = None, is_open: bool = True, village=None, **fields) -> Hub:
    number = next(_numbers)
    village = village or VillageFactory()
    return Hub.objects.create(
        village=village, name=name or f"Corner Store Hub {number}",
        slug=f"corner-store-hub-{number}", line1=f"{number} Main St", city="Decorah",
        state="IA", postal_code="52101", phone="563-555-0142",
        opening_hours="Mon–Fri 9 am–5 pm, Sat 9 am–noon", is_open=is_open, **fields,
    )


def agent_make(hub: Hub, user=None, *, status=HubAgent.Status.VERIFIED):
    user = user or UserFactory(display_name=f"Agent {next(_numbers)}")
    HubAgent.objects.create(hub=hub, user=user, status=status,
                            statement="I keep the village store.",
                            decided_at=timezone.now() if status != "pending" else None)
    return user


def hub_order(hub: Hub, **paid):
    """A paid order its buyer chose to ship to `hub`."""
    return paid_order(hub=hub.slug, **paid)


def hub_shipped(hub: Hub, **paid):
    order = hub_order(hub, **paid)
    return order_ship(order_id=order.pk, seller=order.shop.owner, carrier="USPS",
                      tracking_number=f"9400{order.pk:018d}")
