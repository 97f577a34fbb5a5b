"""On a phone (390×844): the agent sees the cash to hand out, starts a cash-out for a managed
shop's owner, types the code the owner reads from their phone, and the owner's statement shows
the cash collected. axe-core checks every page visited (tests/browser.py AxeWatch)."""

import pytest

from hubs.models import CashOut
from notifications.models import Notification
from tests.browser import log_in
from tests.hubs.money_support import managed_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_an_agent_hands_out_cash_on_a_phone(live_server, phone_page, screenshot):
    managed, agent = managed_world()
    page, base = phone_page, live_server.url

    log_in(page, base, agent.email, then="/hub/cash/")
    assert page.get_by_role("heading", name=f"Cash at {managed.hub.name}").is_visible()
    assert no_sideways_scroll(page)
    screenshot(page, "1-cash")
    page.get_by_role("link", name="Cash-out").first.click()
    page.wait_for_url(f"{base}/hub/shops/{managed.shop_id}/cash-out/")
    page.get_by_label("Amount in dollars").fill("10.00")
    page.get_by_role("button", name="Send the owner a code").click()
    assert page.get_by_text("the owner was sent a code").is_visible()
    assert no_sideways_scroll(page)
    screenshot(page, "2-waiting")

    cash_out = CashOut.objects.get()
    code = Notification.objects.get(kind="hub_cash_code").context["code"]
    page.get_by_label("The owner's 6-digit code").fill(code)
    page.get_by_role("button", name="Confirm with the code").click()
    assert page.get_by_text("the owner collected the money").is_visible()
    cash_out.refresh_from_db()
    assert cash_out.status == CashOut.Status.COLLECTED
    screenshot(page, "3-collected")

    page.goto(f"{base}/hub/shops/{managed.shop_id}/statement/")
    assert page.get_by_text("Collected at a village hub").is_visible()
    assert no_sideways_scroll(page)
    screenshot(page, "4-statement")
