"""On a phone (390×844): a neighbour finds the hub from the village page, applies to be its
agent, is verified by staff and opens the hub page with its counts. axe-core checks every page
visited (tests/browser.py AxeWatch)."""

import pytest

from hubs.models import HubAgent
from hubs.services.agents import agent_decide
from tests import builders
from tests.browser import log_in
from tests.factories import ShopFactory, UserFactory, VillageFactory
from tests.hubs.agents_support import cash_out_waiting, managed_shop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_neighbour_applies_and_uses_the_hub_page_on_a_phone(live_server, phone_page,
                                                              screenshot):
    village = VillageFactory(name="Prairie du Chien", state="WI", slug="prairie-du-chien-wi")
    ShopFactory(village=village, name="Kickapoo Valley Eggs")
    hub = builders.hub(village=village, name="Prairie du Chien Feed & Hub")
    person = UserFactory(display_name="Avery Agent", email="avery@example.test")
    page, base = phone_page, live_server.url

    log_in(page, base, person.email, then=f"/villages/{village.slug}/")
    page.get_by_role("link", name="Prairie du Chien Feed & Hub").click()
    page.wait_for_url(f"{base}/hubs/{hub.slug}/")
    assert page.get_by_text(hub.opening_hours).is_visible()
    screenshot(page, "1-hub")
    page.get_by_role("link", name="Apply to be an agent of this hub").click()
    page.get_by_label("About you").fill("Hi.")
    page.get_by_role("button", name="Send application").click()
    assert page.get_by_text("in at least 20 characters").is_visible()
    screenshot(page, "2-too-short")
    page.get_by_label("About you").fill(
        "I run the feed store on Blackhawk Avenue and know the farms around town.")
    page.get_by_role("button", name="Send application").click()
    page.wait_for_url(f"{base}/hubs/{hub.slug}/")
    assert page.get_by_text("waits for staff").first.is_visible()

    page.goto(f"{base}/hub/")
    assert page.get_by_role("heading", name="This page is for hub agents").is_visible()
    screenshot(page, "3-waiting")

    application = HubAgent.objects.get(user=person)
    agent = agent_decide(application_id=application.pk, actor=builders.moderator(),
                         decision="verify")
    managed = managed_shop(agent, name="Kickapoo Valley Honey")
    builders.paid_order(shop=managed.shop)
    cash_out_waiting(managed, amount_cents=4250)
    page.goto(f"{base}/hub/")
    assert page.get_by_role("heading", name="Prairie du Chien Feed & Hub").is_visible()
    assert page.get_by_text("1 order to ship").is_visible()
    screenshot(page, "4-dashboard")
