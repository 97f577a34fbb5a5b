"""Helpers of the managed-shop tests: verified agents, a neighbour's details, a managed shop
opened through the service the page and the API call."""

import itertools

import pytest
from django.utils import timezone

from hubs.models import HubAgent, ManagedShop
from hubs.services.managed import managed_shop_open
from tests import builders
from tests.factories import UserFactory

_numbers = itertools.count(100)


@pytest.fixture
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def verified_agent(*, hub=None, name: str = "Avery Agent"):
    """A person staff verified as an agent of `hub` (a new hub unless given)."""
    hub = hub or builders.hub()
    user = UserFactory(display_name=name)
    HubAgent.objects.create(hub=hub, user=user, status=HubAgent.Status.VERIFIED,
                            statement="I run the feed store.", decided_at=timezone.now())
    return user


def agency_set(user, status: str) -> None:
    """What staff's removal leaves behind (the row's status), set directly."""
    HubAgent.objects.filter(user=user).update(status=status)


def neighbour(**overrides) -> dict:
    """A neighbour's details as the API takes them: a phone number and no e-mail address."""
    number = next(_numbers)
    values = {
        "owner_name": "Ruth Miller",
        "owner_phone": f"(608) 555-{number:04d}",
        "owner_address": {"name": "Ruth Miller", "line1": "4410 County Road K", "line2": "",
                          "city": "Cashton", "state": "WI", "postal_code": "54619"},
        "shop_name": f"Miller Family Quilts {number}",
        "shop_description": "Hand-stitched quilts.",
        "consent_on": timezone.localdate().isoformat(),
        "consent_statement": "She signed the paper form at the hub on Monday.",
    }
    values.update(overrides)
    return values


def managed_shop(agent, **overrides) -> ManagedShop:
    """A shop opened by `agent` for a new neighbour, through the service."""
    return managed_shop_open(agent=agent, **neighbour(**overrides))


def active_managed_shop(agent, **overrides) -> ManagedShop:
    """A managed shop staff have verified: it may sell at once."""
    from sellers.services import shop_verify

    managed = managed_shop(agent, **overrides)
    shop_verify(shop_id=managed.shop_id)
    managed.shop.refresh_from_db()
    return managed
