"""A new seller's first days: what the dashboard says is waiting, listings prepared as drafts
(with their photos) while the shop waits for verification, published by the verification; the
first listings' check announced before it happens; the fee shown on the listing form."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from sellers.models import Listing, ListingImage, ScreeningTerm, Shop
from sellers.services import listing_approve, shop_verify
from tests.factories import CategoryFactory, ListingFactory, ShopFactory
from tests.staff import staff_api_login, staff_make
from tests.support import client_for, jpeg_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending():
    CategoryFactory(slug="honey", name="Honey")
    return ShopFactory(status=Shop.Status.PENDING_VERIFICATION, name="New Loom")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form(**overrides):
    data = {"title": "Raw honey, 1 lb", "description": "From our hives.", "category": "honey",
            "price": "12.00", "stock": "4", "shipping": "0"}
    data.update(overrides)
    return data


def photo(name="jar.jpg"):
    return SimpleUploadedFile(name, jpeg_bytes(), content_type="image/jpeg")


def test_opening_a_shop_says_it_waits_for_verification_never_that_it_is_open(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    answer = client.post("/sell/shop/new/", {"name": "Quilts by Ann", "village_name": "Decorah",
                                             "village_state": "IA"}, follow=True)
    text = answer.content.decode()
    assert "Your shop is open" not in text
    assert "waiting for verification by our team, usually within a day" in text
    assert "What happens next" in text and "Prepare your listings now" in text
    assert "Your first 3 listings are checked by our team" in text
    assert "Waiting for verification" in text


def test_a_pending_shop_saves_a_draft_with_its_photo(pending):
    seller = signed_in(pending.owner)
    page = seller.get("/sell/listings/new/").content.decode()
    assert "saved as a draft, with its photo, and published automatically" in page
    assert "Your first 3 listings are checked by our team" in page

    answer = seller.post("/sell/listings/new/", {**form(), "photo": photo()}, follow=True)
    listing = Listing.objects.get()
    assert (listing.status, listing.hold_reason, listing.approved_at) == ("draft", "", None)
    assert ListingImage.objects.filter(listing=listing).count() == 1
    text = answer.content.decode()
    assert "is saved as a draft with its photo" in text
    assert "published when our team has verified your shop" in text
    dashboard = seller.get("/sell/").content.decode()
    assert 'class="badge draft">Draft<' in dashboard

    # Nobody else sees a draft.
    assert Client().get(f"/listings/{listing.pk}/").status_code == 404
    other = signed_in(ShopFactory().owner)
    assert other.get(f"/sell/listings/{listing.pk}/").status_code == 404
    assert client_for(ShopFactory().owner).patch(
        f"/api/v1/listings/{listing.pk}", {"title": "Mine now"}, format="json"
    ).status_code == 404


def test_editing_a_draft_keeps_it_a_draft(pending):
    seller = signed_in(pending.owner)
    seller.post("/sell/listings/new/", form())
    listing = Listing.objects.get()
    answer = seller.post(f"/sell/listings/{listing.pk}/", form(title="Raw honey, 2 lb"))
    assert answer.status_code == 302
    listing.refresh_from_db()
    assert (listing.title, listing.status) == ("Raw honey, 2 lb", "draft")
    assert seller.post(f"/sell/listings/{listing.pk}/photos/",
                       {"photo": photo()}).status_code == 302
    assert listing.images.count() == 1


def test_bad_input_with_a_photo_says_to_choose_it_again_and_saves_nothing(pending):
    seller = signed_in(pending.owner)
    answer = seller.post("/sell/listings/new/", {**form(price="twelve"), "photo": photo()})
    assert answer.status_code == 400
    text = answer.content.decode()
    assert "Your photo was not saved because of the problems above" in text
    assert 'value="Raw honey, 1 lb"' in text  # what was typed is kept
    assert not Listing.objects.exists() and not ListingImage.objects.exists()


def test_the_api_saves_a_draft_for_a_pending_shop(pending):
    answer = client_for(pending.owner).post("/api/v1/listings/", {
        "title": "Wool socks", "description": "", "category": "honey", "price_cents": 1800,
        "stock": 2, "shipping_cents": 0, "local_pickup": False}, format="json")
    assert answer.status_code == 201
    assert answer.json()["status"] == "draft"


def test_verification_publishes_the_drafts_through_the_first_listings_check(pending, client):
    ScreeningTerm.objects.create(kind="prohibited", term="ivory")
    seller = signed_in(pending.owner)
    seller.post("/sell/listings/new/", {**form(title="Honey jar"), "photo": photo()})
    seller.post("/sell/listings/new/", form(title="Ivory comb"))
    other_shops_draft = ListingFactory(shop=ShopFactory(status=Shop.Status.PENDING_VERIFICATION),
                                       status="draft")

    moderator = staff_api_login(client_for(staff_make()), staff_make())
    assert moderator.post(f"/api/v1/moderation/shops/{pending.slug}/verify").status_code == 200

    rows = dict(Listing.objects.filter(shop=pending).values_list("title", "hold_reason"))
    assert rows == {"Honey jar": "new_shop", "Ivory comb": "screening"}
    assert set(Listing.objects.filter(shop=pending).values_list("status", flat=True)) == {
        "pending_review"}
    assert Listing.objects.get(title="Honey jar").images.count() == 1  # photos kept
    other_shops_draft.refresh_from_db()
    assert other_shops_draft.status == "draft"
    page = seller.get("/sell/").content.decode()
    assert "What happens next" not in page
    assert "Your first 3 listings are checked by our team before going live" in page


def test_after_three_approved_listings_new_ones_go_live_and_the_note_is_gone(pending):
    seller = signed_in(pending.owner)
    for number in range(4):
        seller.post("/sell/listings/new/", form(title=f"Jar {number}"))
    shop_verify(shop_id=pending.pk)
    drafts = list(Listing.objects.filter(shop=pending).order_by("created", "id"))
    assert [d.status for d in drafts] == ["pending_review"] * 4
    for listing in drafts[:3]:
        listing_approve(listing_id=listing.pk)
    page = seller.get("/sell/listings/new/").content.decode()
    assert "checked by our team before" not in page
    seller.post("/sell/listings/new/", form(title="Jar 5"))
    assert Listing.objects.get(title="Jar 5").status == "active"


def test_the_note_counts_down_the_listings_still_checked(pending):
    shop_verify(shop_id=pending.pk)
    listing = ListingFactory(shop=pending, status="pending_review", hold_reason="new_shop")
    listing_approve(listing_id=listing.pk)
    page = signed_in(pending.owner).get("/sell/listings/new/").content.decode()
    assert "Your next 2 listings are checked by our team before they go live." in page
    assert "This usually takes less than a day." in page


@pytest.mark.django_db(transaction=True)
def test_a_listing_saved_while_the_shop_is_verified_is_never_left_a_draft():
    CategoryFactory(slug="honey", name="Honey")
    shop = ShopFactory(status=Shop.Status.PENDING_VERIFICATION)
    seller = signed_in(shop.owner)
    barrier = threading.Barrier(2)

    def create():
        try:
            barrier.wait()
            seller.post("/sell/listings/new/", form())
        finally:
            connection.close()

    def verify():
        try:
            barrier.wait()
            shop_verify(shop_id=shop.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=create), threading.Thread(target=verify)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert Shop.objects.get(pk=shop.pk).status == "active"
    assert list(Listing.objects.values_list("status", "hold_reason")) == [
        ("pending_review", "new_shop")]


def test_the_listing_form_states_what_the_seller_receives(pending):
    seller = signed_in(pending.owner)
    blank = seller.get("/sell/listings/new/").content.decode()
    assert "on a $12.00 price you receive $11.40" in blank
    assert 'data-fee-bps="500"' in blank and "js/fee_preview.js" in blank
    typed = seller.post("/sell/listings/new/", form(price="12.00", stock="")).content.decode()
    assert "You receive $11.40 of $12.00 (our 5 % fee is $0.60)" in typed
    seller.post("/sell/listings/new/", form(price="25.99"))
    listing = Listing.objects.get()
    edit = seller.get(f"/sell/listings/{listing.pk}/").content.decode()
    assert "You receive $24.69 of $25.99 (our 5 % fee is $1.30)" in edit


def test_the_fee_shown_follows_the_ledgers_setting(pending, settings):
    settings.PLATFORM_FEE_BPS = 1_000
    seller = signed_in(pending.owner)
    typed = seller.post("/sell/listings/new/", form(price="12.00", stock="")).content.decode()
    assert "You receive $10.80 of $12.00 (our 10 % fee is $1.20)" in typed
