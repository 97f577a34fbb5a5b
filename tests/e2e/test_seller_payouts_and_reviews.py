"""On a phone (390×844): a new seller opens a shop, reads what happens next, prepares a draft
listing with a photo (the form shows what they receive after the fee as the price is typed),
sets up payouts through the Stripe Connect stand-in and comes back to a ready account; the
shop's verification publishes the draft. A buyer reads a listing's reviews, page by page.
axe-core runs on every page visited: a serious or critical violation fails."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from PIL import Image

from payments.models import PayoutAccount
from sellers.models import Listing, Shop
from sellers.services import shop_verify
from tests.factories import CategoryFactory, ListingFactory, ShopFactory
from tests.support import mailed_link, review_answered, review_written

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WEBHOOK = "/api/v1/payments/stripe/webhook"


def checked(page, screenshot, step: str) -> None:
    """Screenshot the page and run axe-core on it: serious or critical violations fail."""
    screenshot(page, step)
    results = Axe().run(page)
    violations = results.response["violations"]
    moderate = [(v["id"], v["impact"]) for v in violations
                if v["impact"] not in {"serious", "critical"}]
    if moderate:
        print(f"axe on {step}: {moderate}")
    serious = [v for v in violations if v["impact"] in {"serious", "critical"}]
    assert serious == [], f"{step}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}" for v in serious)


def test_a_new_seller_prepares_a_draft_and_sets_up_payouts_on_a_phone(
    live_server, phone_page, screenshot, tmp_path, connect_fake, mailoutbox, eager_tasks
):
    connect_fake.webhook_url = f"{live_server.url}{WEBHOOK}"
    CategoryFactory(name="Honey & Syrups", slug="honey-syrups")
    photo = tmp_path / "honey.jpg"
    Image.new("RGB", (1200, 900), (214, 150, 40)).save(photo, format="JPEG")
    page = phone_page

    page.goto(live_server.url + "/accounts/signup/?next=/sell/")
    page.fill("#id_display_name", "Rosa Martinez")
    page.fill("#id_email", "rosa.payouts@example.test")
    page.fill("#id_password", "plum-orchard-41")
    page.click("button:has-text('Sign up')")
    page.wait_for_url(live_server.url + "/sell/")
    page.goto(live_server.url + mailed_link(mailoutbox[0], "/accounts/confirm-email/"))
    page.click("button:has-text('Confirm my address')")
    page.goto(live_server.url + "/sell/")
    page.click("text=Open a shop")
    terms = page.inner_text("#shop-terms-summary")
    assert "5 % fee" in terms and "$10.00" in terms
    checked(page, screenshot, "1-open-a-shop")
    page.fill("#id_name", "Driftless Bee Farm")
    page.fill("#id_village_name", "Decorah")
    page.select_option("#id_village_state", "IA")
    page.click("button:has-text('Open my shop')")
    page.wait_for_url(live_server.url + "/sell/")
    main = page.inner_text("main")
    assert "Your shop is open" not in main and "Waiting for verification" in main
    assert "What happens next" in main and "Prepare your listings now" in main
    checked(page, screenshot, "2-dashboard-pending")

    page.click("text=Prepare a listing")
    assert "saved as a draft" in page.inner_text("#draft-note")
    assert "Your first 3 listings" in page.inner_text("#first-listings-note")
    page.fill("#id_title", "Raw Wildflower Honey, 1 lb jar")
    page.select_option("#id_category", "honey-syrups")
    page.fill("#id_price", "12.00")
    page.wait_for_function(
        "document.getElementById('price-receive').textContent.includes('$11.40 of $12.00')")
    page.fill("#id_stock", "20")
    page.set_input_files("#id_photo", str(photo))
    checked(page, screenshot, "3-draft-listing-form")
    page.click("button:has-text('Save listing')")
    page.wait_for_url("**/sell/listings/*/")
    assert "saved as a draft with its photo" in page.inner_text("main")
    listing = Listing.objects.get(title="Raw Wildflower Honey, 1 lb jar")
    assert (listing.status, listing.images.count()) == ("draft", 1)
    checked(page, screenshot, "4-draft-saved")

    page.goto(live_server.url + "/sell/payouts/")
    checked(page, screenshot, "5-payouts-not-set-up")
    page.click("button:has-text('Set up payouts with Stripe')")
    page.wait_for_url(f"{connect_fake.base}/connect/onboarding/*")
    assert "Set up payouts for Driftless Bee Farm" in page.inner_text("h1")
    checked(page, screenshot, "6-stripe-stand-in")
    page.click("button:has-text('Finish')")
    page.wait_for_url(live_server.url + "/sell/payouts/")
    assert "Ready for payouts" in page.inner_text("#payout-status")
    assert "Your payout account is ready" in page.inner_text("main")
    checked(page, screenshot, "7-payouts-ready")
    shop = Shop.objects.get(name="Driftless Bee Farm")
    account = PayoutAccount.objects.get(shop=shop)
    assert (account.status, account.payouts_enabled) == ("enabled", True)
    for _ in range(300):  # the stand-in's signed account.updated reaches our webhook too
        if connect_fake.events_sent:
            break
        page.wait_for_timeout(100)
    assert [event["status"] for event in connect_fake.events_sent] == [200]

    shop_verify(shop_id=shop.pk)  # staff verify the shop: the draft is published
    page.goto(live_server.url + "/sell/")
    assert "Waiting for review" in page.inner_text("table.seller-listings")
    assert "What happens next" not in page.inner_text("main")
    checked(page, screenshot, "8-dashboard-verified")
    listing.refresh_from_db()
    assert (listing.status, listing.hold_reason, listing.images.count()) == (
        "pending_review", "new_shop", 1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_buyer_reads_a_listings_reviews_on_a_phone(live_server, phone_page, screenshot):
    jar = ListingFactory(title="Raw honey", shop=ShopFactory(name="Driftless Bee Farm"))
    for number in range(11):
        review_written(jar, 5 - number % 3, f"Review number {number}: lovely honey.",
                 days_ago=20 - number)
    answered = review_written(jar, 4, "Good honey, slow post.", name="Ann B.")
    review_answered(answered, "Sorry about the post office: we ship on Mondays now.")
    page = phone_page

    page.goto(f"{live_server.url}/listings/{jar.pk}/")
    reviews = page.locator("#reviews")
    reviews.scroll_into_view_if_needed()
    text = reviews.inner_text()
    assert "Good honey, slow post." in text and "we ship on Mondays now." in text
    assert "Review number 2:" in text and "Review number 1:" not in text
    checked(page, screenshot, "listing-reviews")
    page.click("text=Older reviews")
    page.wait_for_url("**?reviews=2#reviews")
    assert "Review number 0:" in page.inner_text("#reviews")
    checked(page, screenshot, "listing-reviews-page-2")
    page.goto(f"{live_server.url}/shops/{jar.shop.slug}/#reviews")
    assert "Reply from Driftless Bee Farm" in page.inner_text("#reviews")
    checked(page, screenshot, "storefront-reviews")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
