"""A buyer whose home the carriers do not reach chooses a village hub at checkout on a phone
(390×844) and pays with a test card on localstripe; the seller ships to the hub; the hub's
agent marks the parcel arrived and hands it over with the buyer's code; the seller is paid."""

import pytest

from hubs.models import Hub, HubAct, HubAgent
from orders.models import Order
from payments.selectors import escrow_summary
from tests.browser import PHONE, log_in
from tests.factories import ListingFactory, ShopFactory, UserFactory, VillageFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_buyer_ships_to_a_village_hub_and_collects_it_with_the_code(
    live_server, browser, screenshot, localstripe
):
    base = live_server.url
    village = VillageFactory(name="Kalona", state="IA", slug="kalona-ia")
    hub = Hub.objects.create(
        village=village, name="Kalona Quilt Corner", slug="kalona-quilt-corner",
        line1="4 Main St", city="Kalona", state="IA", postal_code="52247",
        phone="319-555-0110", opening_hours="Mon–Fri 9 am–5 pm, Sat 9 am–noon",
    )
    Hub.objects.create(
        village=VillageFactory(name="Arthur", state="IL", slug="arthur-il"),
        name="Arthur Dry Goods", slug="arthur-dry-goods", line1="12 Vine St", city="Arthur",
        state="IL", postal_code="61911", phone="217-555-0123",
        opening_hours="Tue–Sat 8 am–4 pm",
    )
    agent = UserFactory(display_name="Ruth Yoder")
    HubAgent.objects.create(hub=hub, user=agent, status=HubAgent.Status.VERIFIED,
                            statement="I keep the quilt shop on Main Street.")
    honey = ListingFactory(shop=ShopFactory(name="Driftless Bee Farm"),
                           title="Raw Wildflower Honey", price_cents=1200, shipping_cents=650)
    buyer = UserFactory(display_name="Dana Buyer")

    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, base, buyer.email)
    page.goto(f"{base}/listings/{honey.pk}/")
    page.click("form.buy button[type=submit]")
    page.wait_for_url(f"{base}/cart/")
    page.click("text=Check out")
    page.wait_for_url(f"{base}/checkout/")
    # Search the hubs, then choose one: the list shows each hub's village and hours.
    page.fill("#id_hub_q", "Kalona")
    page.click("button:has-text('Find hubs')")
    page.wait_for_url("**/checkout/?hub_q=Kalona*")
    assert "Arthur Dry Goods" not in page.inner_text("#hub-choices")
    assert "Mon–Fri 9 am–5 pm" in page.inner_text("#hub-choices")
    page.check("label:has-text('Deliver to a village hub')")
    page.check("label:has-text('Kalona Quilt Corner')")
    screenshot(page, "checkout-hub")
    page.click("button:has-text('Continue to payment')")
    page.wait_for_url("**/pay/")
    fields = page.locator("#card-element input")
    fields.first.wait_for()
    for index, value in enumerate(["4242424242424242", "12", "30", "123", "52247"]):
        fields.nth(index).fill(value)
    page.click("#pay-button")
    page.wait_for_url("**/done/")
    order = Order.objects.get(buyer=buyer)
    assert order.status == Order.Status.PAID and order.hub_reference == hub.reference
    assert order.total_cents == 1850  # shipping as usual
    page.goto(f"{base}/orders/{order.pk}/")
    assert "Deliver to Kalona Quilt Corner" in page.inner_text("#hub-delivery")
    assert order.pickup_code not in page.inner_text("main")

    seller_context = browser.new_context(viewport=PHONE)
    seller = seller_context.new_page()
    seller.set_default_timeout(15_000)
    log_in(seller, base, honey.shop.owner.email)
    seller.goto(f"{base}/sell/orders/{order.pk}/")
    assert "Dana Buyer c/o Kalona Quilt Corner" in seller.inner_text("main")
    seller.fill("#id_carrier", "USPS")
    seller.fill("#id_tracking_number", "9400111899223817")
    seller.click("button:has-text('Mark as shipped')")
    assert "Marked as shipped" in seller.inner_text(".messages")
    assert "On its way to the hub" in seller.inner_text("#hub-delivery")
    screenshot(seller, "seller-shipped-to-hub")

    agent_context = browser.new_context(viewport=PHONE)
    desk = agent_context.new_page()
    desk.set_default_timeout(15_000)
    log_in(desk, base, agent.email)
    desk.goto(f"{base}/hub/parcels/")
    card = desk.locator(f"#parcel-{order.pk}")
    assert "for Dana Buyer c/o Kalona Quilt Corner" in card.inner_text()
    screenshot(desk, "agent-on-the-way")
    card.locator("button:has-text('It arrived at the hub')").click()
    desk.wait_for_url("**/hub/parcels/?state=waiting")
    assert "marked arrived" in desk.inner_text(".messages")
    screenshot(desk, "agent-waiting")

    page.goto(f"{base}/orders/{order.pk}/")
    order.refresh_from_db()
    assert order.pickup_code in page.inner_text(".pickup-code")
    assert "Waiting at the hub" in page.inner_text("#hub-delivery")
    screenshot(page, "buyer-code")

    desk.click(f"#parcel-{order.pk} a:has-text('Hand over to the buyer')")
    desk.wait_for_url(f"**/hub/parcels/{order.pk}/hand-over/")
    desk.fill("#id_code", "000000" if order.pickup_code != "000000" else "111111")
    desk.click("button:has-text('Confirm hand-over')")
    assert "9 tries left" in desk.inner_text(".form-errors")
    screenshot(desk, "agent-wrong-code")
    desk.fill("#id_code", order.pickup_code)
    desk.click("button:has-text('Confirm hand-over')")
    desk.wait_for_url("**/hub/parcels/?state=collected")
    assert "handed over" in desk.inner_text(".messages")
    screenshot(desk, "agent-collected")

    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    assert escrow_summary(reference=order.reference).released_cents == 1850
    assert set(HubAct.objects.filter(hub=hub).values_list("action", flat=True)) == {
        "parcel_arrived", "parcel_collected"}
    page.goto(f"{base}/orders/{order.pk}/")
    assert "Collected at Kalona Quilt Corner" in page.inner_text(".timeline")
    screenshot(page, "buyer-collected")
    for ctx in (agent_context, seller_context, context):
        ctx.close()
