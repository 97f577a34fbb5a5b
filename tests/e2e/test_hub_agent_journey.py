"""A hub agent on a phone (390×844): signs in, opens a shop for a neighbour who has only a
phone number, and lists a quilt with a photo for them; every act is shown on the shop's page."""

import pytest
from PIL import Image

from hubs.models import HubAct, ManagedShop
from notifications.models import Notification
from sellers.models import Listing
from tests import builders
from tests.browser import PHONE, log_in
from tests.factories import DEFAULT_PASSWORD, CategoryFactory
from tests.hubs.managed_support import verified_agent

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_agent_opens_a_shop_for_a_neighbour_and_lists_an_item_with_a_photo(
    live_server, browser, phone_page, screenshot, tmp_path
):
    CategoryFactory(name="Quilts & Textiles", slug="quilts")
    place = builders.hub(name="Cashton Feed Store")
    agent = verified_agent(hub=place, name="Avery Agent")
    form_photo = tmp_path / "consent.jpg"
    Image.new("RGB", (900, 1200), (240, 240, 232)).save(form_photo, format="JPEG")
    quilt = tmp_path / "quilt.jpg"
    Image.new("RGB", (1600, 1200), (150, 40, 60)).save(quilt, format="JPEG")
    page = phone_page
    base = live_server.url

    log_in(page, base, agent.email, then="/hub/shops/new/")
    assert "Open a shop for a neighbour" in page.inner_text("h1")
    page.fill("#id_owner_name", "Ruth Miller")
    page.fill("#id_owner_phone", "(608) 555-0142")
    page.fill("#id_address_name", "Ruth Miller")
    page.fill("#id_address_line1", "4410 County Road K")
    page.fill("#id_address_city", "Cashton")
    page.select_option("#id_address_state", "WI")
    page.fill("#id_address_postal_code", "54619")
    page.fill("#id_shop_name", "Miller Family Quilts")
    page.fill("#id_shop_description", "Hand-stitched quilts from our farm.")
    page.fill("#id_consent_statement", "Ruth signed the paper form at the hub this morning.")
    page.set_input_files("#id_consent_photo", str(form_photo))
    screenshot(page, "open-shop-form")
    page.click("button:has-text('Open the shop')")
    page.wait_for_url("**/hub/shops/*/")
    managed = ManagedShop.objects.get()
    assert managed.shop.owner.phone == "+16085550142" and managed.shop.owner.email == ""
    assert managed.consent_photo.name.endswith(".webp")
    main = page.inner_text("main")
    assert "Run by you at Cashton Feed Store for Ruth Miller" in main
    assert "Shop opened for a neighbour" in main
    screenshot(page, "shop-opened")

    page.click("text=Prepare a listing")
    page.fill("#id_title", "Log cabin quilt, queen size")
    page.fill("#id_description", "Cotton, hand-stitched over a winter.")
    page.select_option("#id_category", "quilts")
    page.fill("#id_price", "240.00")
    page.fill("#id_stock", "1")
    page.fill("#id_shipping", "18.00")
    page.set_input_files("#id_photo", str(quilt))
    screenshot(page, "listing-form")
    page.click("button:has-text('Save listing')")
    page.wait_for_url("**/hub/shops/*/listings/*/")
    listing = Listing.objects.get()
    assert (listing.shop_id, listing.status, listing.images.count()) == (
        managed.shop_id, Listing.Status.DRAFT, 1)
    assert page.locator("img[alt^='Photo 1 of']").count() == 1
    screenshot(page, "listing-saved")

    page.click(f"text=← {managed.shop.name}")
    activity = page.inner_text(".hub-activity")
    assert "Listing added: Log cabin quilt, queen size (with a photo)" in activity
    assert "by agent Avery Agent for Ruth Miller" in activity
    assert [act.action for act in HubAct.objects.order_by("at", "id")] == [
        HubAct.Action.SHOP_OPENED, HubAct.Action.LISTING_CREATED]
    screenshot(page, "shop-with-listing")

    # The agent asks for a take-over link; the owner sees where it leads (not used here).
    page.click("button:has-text('Send a take-over link')")
    assert "A link to run the shop is sent to Ruth Miller" in page.inner_text("main")
    link = Notification.objects.get(kind="hub_takeover_link").url
    owner_page = browser.new_context(viewport=PHONE, device_scale_factor=1).new_page()
    owner_page.goto(base + link)
    assert "Run your shop yourself" in owner_page.inner_text("h1")
    screenshot(owner_page, "takeover-page")

    # An owner who has a log-in sees who runs the shop, and stops the help (confirming first).
    owner = managed.shop.owner
    owner.email = "ruth@example.test"
    owner.set_password(DEFAULT_PASSWORD)
    owner.save(update_fields=["email", "password"])
    log_in(owner_page, base, owner.email, then="/sell/")
    assert "Run by Avery Agent at Cashton Feed Store" in owner_page.inner_text("#hub-agency")
    screenshot(owner_page, "owner-dashboard")
    owner_page.click("text=Stop the agent's help")
    screenshot(owner_page, "owner-stop-confirm")
    owner_page.click("button:has-text('Yes, stop the agent')")
    owner_page.wait_for_url("**/sell/hub-agent/")
    assert "Avery Agent no longer acts for your shop" in owner_page.inner_text("main")
    screenshot(owner_page, "owner-help-ended")
    managed.refresh_from_db()
    assert managed.end_reason == ManagedShop.EndReason.OWNER_REVOKED
    # The agent's open session: the next click is a 404.
    assert page.goto(f"{base}/hub/shops/{managed.shop_id}/").status == 404
