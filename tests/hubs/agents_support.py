"""Hubs and agents for the tests of hub pages, agents and the hub staff pages: made through
the hubs services (a managed shop, whose service lives elsewhere, as a row like
tests/builders.hub_world makes it)."""

from django.utils import timezone

from hubs.models import CashOut, HubAgent, ManagedShop
from hubs.services.agents import agent_apply, agent_decide
from tests import builders
from tests.factories import ShopFactory, UserFactory

STATEMENT = "I run the feed store on Main Street and know the farms around here."


def applied(*, hub=None, user=None) -> HubAgent:
    """A waiting application of a new person (or `user`) to `hub` (a new hub unless given)."""
    return agent_apply(user=user or UserFactory(), hub_slug=(hub or builders.hub()).slug,
                       statement=STATEMENT)


def verified_agent(*, hub=None, user=None, staff=None) -> HubAgent:
    """A verified agent of `hub` (a new hub unless given)."""
    application = applied(hub=hub, user=user)
    return agent_decide(application_id=application.pk, actor=staff or builders.moderator(),
                        decision="verify", note="")


def managed_shop(agent: HubAgent, *, shop=None, **shop_fields) -> ManagedShop:
    """A live managed shop of `agent` at their hub (a new active shop in its village)."""
    shop = shop or ShopFactory(village=agent.hub.village, **shop_fields)
    return ManagedShop.objects.create(
        shop=shop, hub=agent.hub, agent=agent.user, consent_on=timezone.localdate(),
        consent_statement="Signed the paper form at the hub.",
        owner_address={"name": shop.owner.display_name, "line1": "1 Farm Road",
                       "city": agent.hub.city, "state": agent.hub.state,
                       "postal_code": "53813"})


def cash_out_waiting(managed: ManagedShop, *, amount_cents: int = 2500) -> CashOut:
    return CashOut.objects.create(hub=managed.hub, shop=managed.shop, owner=managed.shop.owner,
                                  agent=managed.agent, amount_cents=amount_cents)
