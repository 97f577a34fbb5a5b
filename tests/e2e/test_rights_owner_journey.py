"""A rights owner on a phone: applies with a PDF of proof, is verified, finds a copy of their
brand from the dashboard and files a sworn notice; the seller reads it on their phone; a
moderator upholds it from the staff queue on a laptop."""

import pytest

from brands.models import Notice, RightsOwner
from brands.services import owner_decide
from sellers.models import Listing
from tests import builders
from tests.browser import LAPTOP, PHONE, log_in
from tests.factories import ListingFactory, ShopFactory, UserFactory
from tests.staff import staff_browser_login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_owner_applies_files_a_notice_and_the_seller_reads_it(
        live_server, browser, phone_page, screenshot, tmp_path):
    base = live_server.url
    applicant = UserFactory(email="rowan@example.com", display_name="Rowan Rights")
    shop = ShopFactory(name="Bargain Barn Resale")
    copy = ListingFactory(shop=shop, title="Hearthstone cast iron skillet", price_cents=1900)
    ListingFactory(title="Plain walnut cutting board")
    proof = tmp_path / "registration.pdf"
    proof.write_bytes(builders.PDF_BYTES)
    page = phone_page

    log_in(page, base, applicant.email, "/brands/apply/")
    page.check("text=Company")
    page.fill("#id_name", "Hearthstone Ironworks LLC")
    page.fill("#id_right_name", "Hearthstone")
    page.check("text=Registered trademark")
    page.fill("#id_registration_number", "5123456")
    page.fill("#id_registration_office", "USPTO")
    page.set_input_files("#id_documents", str(proof))
    screenshot(page, "apply-phone")
    page.click("button:has-text('Send application')")
    page.wait_for_url(f"{base}/brands/")
    assert "checking your application" in page.inner_text("main")
    screenshot(page, "waiting-phone")

    owner = RightsOwner.objects.get()
    owner_decide(owner_id=owner.pk, actor=builders.moderator(), verify=True)
    page.goto(f"{base}/brands/")
    main = page.inner_text("main")
    assert "Hearthstone cast iron skillet" in main and "walnut" not in main
    screenshot(page, "dashboard-phone")
    page.click("a[aria-label='Report Hearthstone cast iron skillet']")
    page.wait_for_url(f"{base}/brands/notices/new/?listing={copy.pk}")
    assert page.input_value("#id_listings") == str(copy.pk)
    page.check("text=Counterfeit goods")
    page.fill("#id_evidence", "Our logo is misspelt and the casting marks differ.")
    page.check("#id_sworn")
    page.fill("#id_signature_name", "Rowan Rights")
    screenshot(page, "notice-form-phone")
    page.click("button:has-text('File the notice')")
    notice = Notice.objects.get()
    page.wait_for_url(f"{base}/brands/notices/{notice.pk}/")
    assert "Waiting for a decision" in page.inner_text("main")
    screenshot(page, "notice-phone")
    assert Listing.objects.get(pk=copy.pk).status == Listing.Status.TAKEN_DOWN

    seller_context = browser.new_context(viewport=PHONE, device_scale_factor=1)
    seller = seller_context.new_page()
    log_in(seller, base, shop.owner.email, "/sell/notices/")
    assert "Counterfeit goods" in seller.inner_text("main")
    screenshot(seller, "seller-notices-phone")
    seller.click(f"a:has-text('#{notice.pk}')")
    seller.wait_for_url(f"{base}/sell/notices/{notice.pk}/")
    text = seller.inner_text("main")
    assert "Hearthstone Ironworks LLC" in text and "How to answer" in text
    assert "registration.pdf" not in text
    screenshot(seller, "seller-notice-phone")
    seller_context.close()

    staff_context = browser.new_context(viewport=LAPTOP, device_scale_factor=1)
    staff = staff_context.new_page()
    staff_browser_login(staff, base, builders.moderator(display_name="Morgan"),
                        "/staff/brands/notices/")
    assert "Hearthstone" in staff.inner_text(f"#notice-{notice.pk}")
    screenshot(staff, "staff-queue-laptop")
    staff.click(f"#notice-{notice.pk} h2 a")
    staff.wait_for_url(f"{base}/staff/brands/notices/{notice.pk}/")
    assert "registration.pdf" in staff.inner_text("main")
    staff.fill("#id_note", "The casting marks differ from the owner's catalog.")
    screenshot(staff, "staff-notice-laptop")
    staff.click("button:has-text('Uphold')")
    staff.wait_for_url(f"{base}/staff/brands/notices/{notice.pk}/")
    assert "Upheld" in staff.inner_text("main")
    notice.refresh_from_db()
    assert notice.status == Notice.Status.UPHELD
    staff_context.close()

