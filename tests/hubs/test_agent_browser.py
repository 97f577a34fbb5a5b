"""On a phone (390×844): a neighbour finds the hub from the village page, applies to be its
agent, is verified by staff and opens the hub page with its counts. axe-core checks every page
visited (tests/browser.py AxeWatch)."""

import pytest

from hubs.models import Hub, HubAgent
from hubs.services.agents import agent_decide
from tests import builders
from tests.browser import log_in
from tests.factories import ShopFactory, UserFactory, VillageFactory
from tests.hubs.agents_support import applied, cash_out_waiting, managed_shop
from tests.staff import staff_browser_login

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


def test_staff_open_a_hub_and_verify_its_first_agent_on_a_phone(live_server, phone_page,
                                                                screenshot):
    village = VillageFactory(name="Viroqua", state="WI", slug="viroqua-wi")
    moderator = builders.moderator(display_name="Morgan Moderator")
    page, base = phone_page, live_server.url

    staff_browser_login(page, base, moderator, then="/staff/hubs/")
    assert page.get_by_text("No hubs yet").is_visible()
    screenshot(page, "1-list-empty")  # (before typing: the page check reloads what it sees)
    page.get_by_label("Village").select_option(label=str(village))
    page.get_by_label("Name", exact=True).fill("Viroqua Co-op Hub")
    page.get_by_label("Street address").fill("609 N Main St")
    page.get_by_label("Town").fill("Viroqua")
    page.get_by_label("State", exact=True).select_option("WI")
    page.get_by_label("ZIP code").fill("53665")
    page.get_by_label("Phone").fill("608 555 0199")
    page.get_by_label("Opening hours").fill("Mon–Sat 8 am–8 pm")
    page.get_by_label("Commission (basis points)").fill("200")
    page.get_by_role("button", name="Open the hub").click()
    page.wait_for_url(f"{base}/staff/hubs/viroqua-co-op-hub/")
    assert page.get_by_text("(608) 555-0199").is_visible()
    screenshot(page, "2-hub")

    application = applied(hub=Hub.objects.get())
    page.goto(f"{base}/staff/hubs/agents/")
    page.get_by_role("link", name=application.user.display_name).click()
    page.get_by_role("button", name="Verify").click()
    assert page.get_by_text("Verified: the agent is told").is_visible()
    screenshot(page, "3-verified")
    page.goto(f"{base}/staff/hubs/")
    screenshot(page, "4-list")
