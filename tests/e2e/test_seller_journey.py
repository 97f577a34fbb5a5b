import io

import pytest
from django.contrib.auth import get_user_model
from PIL import Image

from sellers.models import Listing, Shop
from tests.browser import LAPTOP
from tests.factories import CategoryFactory, UserFactory
from tests.staff import staff_browser_login
from tests.support import mailed_link

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def staff_runs_admin_action(browser, live_server, staff, changelist: str, pk: int, action: str):
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        staff_browser_login(page, live_server.url, staff, changelist, door="/admin/login/")
        page.check(f"input[name=_selected_action][value='{pk}']")
        page.select_option("select[name=action]", action)
        page.click("button[name=index]")
        return page.inner_text(".messagelist")
    finally:
        context.close()


def test_seller_signs_up_opens_shop_gets_verified_lists_an_item_with_photo(
    live_server, browser, phone_page, screenshot, tmp_path, mailoutbox, eager_tasks
):
    CategoryFactory(name="Honey & Syrups", slug="honey-syrups")
    staff = UserFactory(is_staff=True, is_superuser=True)
    photo = tmp_path / "honey.jpg"
    Image.new("RGB", (1600, 1200), (214, 150, 40)).save(photo, format="JPEG")
    page = phone_page

    page.goto(live_server.url + "/accounts/signup/?next=/sell/")
    page.fill("#id_display_name", "Rosa Martinez")
    page.fill("#id_email", "rosa@example.test")
    page.fill("#id_password", "plum-orchard-41")
    page.click("button:has-text('Sign up')")
    page.wait_for_url(live_server.url + "/sell/")
    # A shop waits for a confirmed e-mail address: the page says so, the mail has the link.
    assert "Please confirm your e-mail address" in page.inner_text("main")
    screenshot(page, "confirm-first")
    page.goto(live_server.url + mailed_link(mailoutbox[0], "/accounts/confirm-email/"))
    page.click("button:has-text('Confirm my address')")
    page.goto(live_server.url + "/sell/")
    page.click("text=Open a shop")
    page.fill("#id_name", "Driftless Bee Farm")
    page.fill("#id_description", "Raw honey from hives on the bluffs.")
    page.fill("#id_village_name", "Decorah")
    page.fill("#id_village_county", "Winneshiek")
    page.select_option("#id_village_state", "IA")
    page.click("button:has-text('Open my shop')")
    page.wait_for_url(live_server.url + "/sell/")
    assert "Our team verifies your shop" in page.inner_text("main")
    screenshot(page, "shop-pending")

    shop = Shop.objects.get(owner__email="rosa@example.test")
    message = staff_runs_admin_action(browser, live_server, staff, "/admin/sellers/shop/",
                                      shop.pk, "verify")
    assert "1 shop(s) verified." in message

    page.reload()
    page.click("text=List an item")
    page.fill("#id_title", "Raw Wildflower Honey, 1 lb jar")
    page.fill("#id_description", "Unheated, unfiltered.\nFrom our own hives.")
    page.select_option("#id_category", "honey-syrups")
    page.fill("#id_price", "12.50")
    page.fill("#id_stock", "20")
    page.fill("#id_shipping", "6.50")
    page.check("#id_local_pickup")
    page.set_input_files("#id_photo", str(photo))
    screenshot(page, "listing-form")
    page.click("button:has-text('Save listing')")
    page.wait_for_url("**/sell/listings/*/")
    assert "Why it is waiting for review:" in page.inner_text("main")
    listing = Listing.objects.get(title="Raw Wildflower Honey, 1 lb jar")
    assert (listing.status, listing.price_cents, listing.images.count()) == (
        "pending_review", 1250, 1)

    message = staff_runs_admin_action(browser, live_server, staff, "/admin/sellers/listing/",
                                      listing.pk, "approve")
    assert "1 listing(s) approved." in message

    page.goto(live_server.url + "/sell/")
    assert "Active" in page.inner_text("table.seller-listings")
    screenshot(page, "dashboard")
    page.click("text=View your storefront")
    page.wait_for_url(f"**/shops/{shop.slug}/")
    card = page.locator(".card", has_text="Raw Wildflower Honey")
    assert "$12.50" in card.inner_text()
    image = card.locator("img")
    image.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                           arg=image.element_handle())
    assert image.evaluate("img => img.naturalWidth") == 320
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    path = screenshot(page, "storefront")
    assert path.exists()

    photo_row = listing.images.get()
    Image.open(io.BytesIO(photo_row.image.read())).verify()
    for stored in (photo_row.image, photo_row.thumbnail):
        stored.delete(save=False)
    assert get_user_model().objects.filter(email="rosa@example.test").exists()
