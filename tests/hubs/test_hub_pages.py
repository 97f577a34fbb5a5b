"""The public hub pages, the village page's hubs, and the agent's dashboard."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from hubs.models import ManagedShop
from hubs.services.agents import agent_remove
from hubs.services.hub_admin import hub_change
from sellers.models import Shop
from tests import builders
from tests.factories import ShopFactory, UserFactory, VillageFactory
from tests.hubs.agents_support import (
    applied,
    cash_out_waiting,
    managed_shop,
    verified_agent,
)
from tests.plain_words import raw_codes
from tests.support import cache_clear_own_keys

pytestmark = pytest.mark.django_db


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _queries(client, url, status=200) -> int:
    cache_clear_own_keys()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return len(queries)


# --- the public hub page --------------------------------------------------------------------

def test_the_hub_page_shows_the_place_its_agents_and_the_live_shops_it_runs(client):
    village = VillageFactory(name="Prairie du Chien", state="WI", slug="prairie-du-chien-wi")
    hub = builders.hub(village=village, name="Prairie du Chien Feed & Hub")
    agent = verified_agent(hub=hub, user=UserFactory(display_name="Avery Agent"))
    applied(hub=hub, user=UserFactory(display_name="Pat Pending"))
    managed_shop(agent, name="Kickapoo Eggs")
    managed_shop(agent, name="Closed Quilts", status=Shop.Status.SUSPENDED)
    ended = managed_shop(agent, name="Former Honey")
    ManagedShop.objects.filter(pk=ended.pk).update(
        ended_at=timezone.now(), end_reason=ManagedShop.EndReason.OWNER_TOOK_OVER)

    response = client.get(f"/hubs/{hub.slug}/")
    page = response.content.decode()
    assert response.status_code == 200
    for words in ("Prairie du Chien Feed &amp; Hub", hub.line1, "(608) 555-0100",
                  "Mon–Fri 9 am–5 pm, Sat 9 am–noon", 'href="/villages/prairie-du-chien-wi/"',
                  "Avery Agent", "Kickapoo Eggs", f'href="/hubs/{hub.slug}/apply/"'):
        assert words in page, words
    for hidden in ("Pat Pending", "Closed Quilts", "Former Honey"):
        assert hidden not in page, hidden
    assert raw_codes(page) == []


def test_a_closed_or_unknown_hub_is_not_found(client):
    hub = builders.hub()
    hub_change(actor=builders.moderator(), slug=hub.slug, is_open=False)
    assert client.get(f"/hubs/{hub.slug}/").status_code == 404
    assert client.get("/hubs/no-such-hub/").status_code == 404
    assert client.get("/hubs/").content.decode().count(hub.name) == 0


def test_the_hub_list_shows_open_hubs_with_their_hours(client):
    open_hub = builders.hub(name="Viroqua Hub")
    closed = builders.hub(name="Soldiers Grove Hub")
    hub_change(actor=builders.moderator(), slug=closed.slug, is_open=False)
    page = client.get("/hubs/").content.decode()
    assert f'href="/hubs/{open_hub.slug}/"' in page and "Viroqua Hub" in page
    assert "Soldiers Grove Hub" not in page
    assert open_hub.opening_hours in page


def test_the_village_page_shows_its_open_hubs_and_their_hours(client):
    village = VillageFactory(slug="kalona-ia")
    ShopFactory(village=village)
    hub = builders.hub(village=village, name="Kalona Feed & Hub")
    closed = builders.hub(village=village, name="Old Mill Hub")
    hub_change(actor=builders.moderator(), slug=closed.slug, is_open=False)
    builders.hub(name="Elsewhere Hub")
    page = client.get("/villages/kalona-ia/").content.decode()
    assert f'href="/hubs/{hub.slug}/"' in page and hub.opening_hours in page
    assert "Old Mill Hub" not in page and "Elsewhere Hub" not in page


def test_the_hub_pages_cost_the_same_queries_with_one_or_twenty_rows(client):
    hub = builders.hub()
    agent = verified_agent(hub=hub)
    managed_shop(agent)
    counts = [_queries(client, f"/hubs/{hub.slug}/"), _queries(client, "/hubs/")]
    staff = builders.moderator()
    for _ in range(19):
        other = verified_agent(hub=hub, staff=staff)
        managed_shop(other)
        builders.hub()
    assert [_queries(client, f"/hubs/{hub.slug}/"), _queries(client, "/hubs/")] == counts
    assert counts[0] <= 4, counts


# --- the agent's dashboard ------------------------------------------------------------------

def test_the_dashboard_shows_the_agents_shops_orders_to_ship_and_cash_waiting():
    agent = verified_agent()
    managed = managed_shop(agent, name="Kickapoo Eggs")
    order = builders.paid_order(shop=managed.shop)
    cash_out_waiting(managed, amount_cents=4250)
    # Another agent's shop at the same hub: its orders are not this agent's to ship.
    other = managed_shop(verified_agent(hub=agent.hub), name="Other Farm")
    other_order = builders.paid_order(shop=other.shop)
    shipped = builders.shipped_order(shop=managed.shop)  # already on its way
    cash_out_waiting(other)  # cash waits at the hub whoever started it
    cash_out_waiting(managed_shop(verified_agent()))  # another hub's

    response = _signed_in(agent.user).get("/hub/")
    page = response.content.decode()
    assert response.status_code == 200
    assert agent.hub.name in page and "Kickapoo Eggs" in page
    assert f"Order #{other_order.pk}" not in page and f"Order #{shipped.pk}" not in page
    assert "<strong>1</strong> shop you run" in page
    assert "<strong>1</strong> order to ship" in page and f"Order #{order.pk}" in page
    assert "<strong>2</strong> cash-outs waiting" in page and "$42.50" in page
    assert 'href="#orders-to-ship"' in page
    assert raw_codes(page) == []


def test_the_dashboard_counts_parcels_for_buyers_and_cash_owners_could_collect():
    from hubs.services.parcels import parcel_mark_arrived

    agent = verified_agent()
    managed = managed_shop(agent)
    sold = builders.completed_order(shop=managed.shop)  # released: the owner may collect it
    waiting = builders.shipped_order(hub=agent.hub.slug)
    parcel_mark_arrived(user=agent.user, order_id=waiting.pk)
    builders.shipped_order(hub=agent.hub.slug)  # on its way
    builders.shipped_order(hub=agent.hub.slug)
    builders.shipped_order(hub=builders.hub().slug)  # another hub's parcel

    page = _signed_in(agent.user).get("/hub/").content.decode()
    assert "<strong>1</strong> parcel waiting at the hub" in page
    assert "<strong>2</strong> parcels on the way" in page
    assert "<strong>1</strong> owner with cash to collect" in page
    me = APIClient()
    me.force_authenticate(agent.user)
    counts = me.get("/api/v1/hub/me").json()["counts"]
    assert (counts["parcels_waiting"], counts["parcels_on_the_way"]) == (1, 2)
    assert counts["cash_ready_shops"] == 1
    assert 0 < counts["cash_ready_cents"] <= sold.total_cents
    assert raw_codes(page) == []


def test_a_new_agents_dashboard_says_what_is_empty():
    page = _signed_in(verified_agent().user).get("/hub/").content.decode()
    assert "You do not run a shop for anyone yet." in page
    assert "No paid order waits to be shipped." in page
    assert "No cash-out waits for an owner's confirmation." in page


def test_the_dashboard_costs_the_same_queries_with_one_or_many_rows():
    agent = verified_agent()
    client = _signed_in(agent.user)
    managed = managed_shop(agent)
    builders.paid_order(shop=managed.shop)
    cash_out_waiting(managed)
    one = _queries(client, "/hub/")
    for _ in range(12):
        more = managed_shop(agent)
        builders.paid_order(shop=more.shop)
        cash_out_waiting(more)
    assert _queries(client, "/hub/") == one
    # session, person, header (2), agency, 3 counts, 3 lists, parcel counts, cash ready
    # (the agency again, its shops, their balances: 7)
    assert one == 19, one


@pytest.mark.parametrize("who", ["nobody", "pending", "rejected"])
def test_people_who_are_not_agents_get_a_clear_403(who):
    user = UserFactory()
    if who != "nobody":
        application = applied(user=user)
        if who == "rejected":
            from hubs.services.agents import agent_decide

            agent_decide(application_id=application.pk, actor=builders.moderator(),
                         decision="reject", note="We do not know you yet.")
    response = _signed_in(user).get("/hub/")
    page = response.content.decode()
    assert response.status_code == 403
    assert "This page is for hub agents" in page
    if who == "pending":
        assert "waits for staff" in page
    if who == "rejected":
        assert "We do not know you yet." in page
    assert raw_codes(page) == []


def test_a_removed_agent_loses_the_dashboard_at_once_in_the_same_session():
    agent = verified_agent()
    client = _signed_in(agent.user)
    assert client.get("/hub/").status_code == 200
    agent_remove(agent_id=agent.pk, actor=builders.moderator(), note="Left the village.")
    response = client.get("/hub/")
    assert response.status_code == 403 and "Left the village." in response.content.decode()


def test_agents_of_a_closed_hub_cannot_use_the_dashboard():
    agent = verified_agent()
    client = _signed_in(agent.user)
    hub_change(actor=builders.moderator(), slug=agent.hub.slug, is_open=False)
    response = client.get("/hub/")
    assert response.status_code == 403 and "is closed for now" in response.content.decode()


def test_the_dashboard_asks_visitors_to_sign_in(client):
    response = client.get("/hub/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_every_page_links_to_the_hubs_in_its_footer(client):
    footer = client.get("/").content.decode().split("<footer")[1]
    assert 'href="/hubs/">Village hubs</a>' in footer
