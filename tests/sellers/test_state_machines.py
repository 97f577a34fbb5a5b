"""The listing and shop state machines, through the API and pages as sellers and moderators use
them: legal moves work, every other move is a 409 that changes nothing, a listing's hold
reason is its own field (not read from the note's text), and people read plain labels."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from moderation.models import AuditLog, Report
from sellers.errors import InvalidTransition
from sellers.models import Listing, ScreeningTerm, Shop
from sellers.services.transitions import (
    LISTING_TRANSITIONS,
    SHOP_TRANSITIONS,
    listing_transition,
    shop_transition,
)
from tests.factories import ListingFactory, ShopFactory, UserFactory
from tests.staff import staff_api_login, staff_login, staff_make
from tests.support import client_for

pytestmark = pytest.mark.django_db

L, S, H = Listing.Status, Shop.Status, Listing.HoldReason


@pytest.fixture
def mod_api(api_client):
    return staff_api_login(api_client, staff_make(email="morgan@example.com"))


def _state(listing):
    listing.refresh_from_db()
    return listing.status, listing.hold_reason


# --- the tables -------------------------------------------------------------------------

@pytest.mark.parametrize("start", list(L))
@pytest.mark.parametrize("to", list(L))
def test_every_listing_move_is_allowed_exactly_when_the_table_says(start, to):
    listing = ListingFactory(status=start, review_reason="note")
    hold = H.SCREENING if to == L.PENDING_REVIEW else ""
    if to in LISTING_TRANSITIONS[start]:
        saved = listing_transition(listing_id=listing.pk, to=to, hold=hold)
        assert _state(listing) == (to, hold) == (saved.status, saved.hold_reason)
    else:
        with pytest.raises(InvalidTransition) as refused:
            listing_transition(listing_id=listing.pk, to=to, hold=hold)
        assert refused.value.http_status == 409
        assert Listing.Status(start).label.lower() in str(refused.value)
        assert _state(listing) == (start, "")


@pytest.mark.parametrize("start", list(S))
@pytest.mark.parametrize("to", list(S))
def test_every_shop_move_is_allowed_exactly_when_the_table_says(start, to):
    shop = ShopFactory(status=start)
    if to in SHOP_TRANSITIONS[start]:
        shop_transition(shop_id=shop.pk, to=to)
    else:
        with pytest.raises(InvalidTransition):
            shop_transition(shop_id=shop.pk, to=to)
    shop.refresh_from_db()
    assert shop.status == (to if to in SHOP_TRANSITIONS[start] else start)


def test_a_listing_waits_for_review_for_exactly_one_hold_reason():
    listing = ListingFactory()
    with pytest.raises(ValueError):
        listing_transition(listing_id=listing.pk, to=L.PENDING_REVIEW)
    with pytest.raises(ValueError):
        listing_transition(listing_id=listing.pk, to=L.PENDING_REVIEW, hold="because")
    with pytest.raises(ValueError):
        listing_transition(listing_id=listing.pk, to=L.TAKEN_DOWN, hold=H.SCREENING)
    assert _state(listing) == (L.ACTIVE, "")


# --- moderators through the API: illegal moves are 409 and write nothing ------------------

@pytest.mark.parametrize(("status", "action", "body"), [
    (L.ACTIVE, "approve", {}),
    (L.TAKEN_DOWN, "approve", {}),
    (L.ARCHIVED, "reject", {"reason": "Blurry."}),
    (L.REJECTED, "take-down", {"reason": "Fake."}),
    (L.ARCHIVED, "take-down", {"reason": "Fake."}),
    (L.TAKEN_DOWN, "take-down", {"reason": "Again."}),
])
def test_moderator_moves_a_listing_cannot_make_are_409(mod_api, status, action, body):
    listing = ListingFactory(status=status, review_reason="earlier note")
    answer = mod_api.post(f"/api/v1/moderation/listings/{listing.pk}/{action}", body,
                          format="json")
    assert answer.status_code == 409
    assert Listing.Status(status).label.lower() in str(answer.json())
    listing.refresh_from_db()
    assert (listing.status, listing.review_reason) == (status, "earlier note")
    assert not AuditLog.objects.exists()


@pytest.mark.parametrize(("status", "action"), [
    (S.ACTIVE, "verify"), (S.SUSPENDED, "verify"), (S.SUSPENDED, "suspend"),
    (S.ACTIVE, "reinstate"), (S.PENDING_VERIFICATION, "reinstate"),
])
def test_moderator_moves_a_shop_cannot_make_are_409(mod_api, status, action):
    shop = ShopFactory(status=status, status_reason="earlier")
    answer = mod_api.post(f"/api/v1/moderation/shops/{shop.slug}/{action}",
                          {"reason": "Counterfeits."}, format="json")
    assert answer.status_code == 409
    shop.refresh_from_db()
    assert (shop.status, shop.status_reason) == (status, "earlier")
    assert not AuditLog.objects.exists()


def test_a_shop_waiting_for_verification_can_be_suspended_and_later_reinstated(mod_api):
    shop = ShopFactory(status=S.PENDING_VERIFICATION)
    assert mod_api.post(f"/api/v1/moderation/shops/{shop.slug}/suspend",
                        {"reason": "Fake documents."}, format="json").status_code == 200
    assert mod_api.post(f"/api/v1/moderation/shops/{shop.slug}/reinstate", {},
                        format="json").status_code == 200
    shop.refresh_from_db()
    assert shop.status == S.ACTIVE and shop.verified_at is not None
    assert list(AuditLog.objects.order_by("id").values_list("status_before", "status_after")) \
        == [("pending_verification", "suspended"), ("suspended", "active")]


# --- sellers through the API: each hold has its reason ----------------------------------

def _body(**overrides):
    return {"title": "Raw Wildflower Honey", "description": "One pound.",
            "category": "honey", "price_cents": 1250, "stock": 4, "shipping_cents": 600,
            **overrides}


def test_each_way_into_review_records_its_hold_reason(category):
    seller = ShopFactory().owner
    api = client_for(seller)
    first = api.post("/api/v1/listings/", _body(), format="json").json()
    assert Listing.objects.get(pk=first["id"]).hold_reason == H.NEW_SHOP

    ListingFactory.create_batch(3, shop=seller.shop, approved_at=timezone.now())
    ScreeningTerm.objects.create(kind="watched_brand", term="Rolex")
    flagged = api.post("/api/v1/listings/", _body(title="Rolex watch"), format="json").json()
    assert flagged["status"] == "pending_review"
    assert Listing.objects.get(pk=flagged["id"]).hold_reason == H.SCREENING

    clean = api.post("/api/v1/listings/", _body(title="Clover honey"), format="json").json()
    assert clean["status"] == "active"
    live = Listing.objects.get(pk=clean["id"])
    assert api.patch(f"/api/v1/listings/{live.pk}", {"title": "Rolex clover honey"},
                     format="json").json()["status"] == "pending_review"
    assert _state(live) == (L.PENDING_REVIEW, H.SCREENING)
    assert api.patch(f"/api/v1/listings/{live.pk}", {"title": "Clover honey, 1 lb"},
                     format="json").json()["status"] == "active"
    assert _state(live) == (L.ACTIVE, "")

    declined = ListingFactory(shop=seller.shop, status=L.REJECTED, review_reason="Blurry.")
    assert api.patch(f"/api/v1/listings/{declined.pk}", {"stock": 2},
                     format="json").status_code == 200
    assert _state(declined) == (L.PENDING_REVIEW, H.RESUBMITTED)


def test_a_reported_listing_stays_held_whatever_its_seller_edits_until_a_moderator_decides(
        mod_api, category):
    listing = ListingFactory(title="Clover honey", category=category)
    for _ in range(3):
        reporter = client_for(UserFactory())
        assert reporter.post(f"/api/v1/listings/{listing.pk}/reports/",
                             {"reason": "counterfeit"}, format="json").status_code == 201
    assert _state(listing) == (L.PENDING_REVIEW, H.REPORTED)

    seller = client_for(listing.shop.owner)
    # The seller rewrites the text so that no note prefix could give the hold away.
    assert seller.patch(f"/api/v1/listings/{listing.pk}", {"title": "Honey, reworded"},
                        format="json").json()["status"] == "pending_review"
    Listing.objects.filter(pk=listing.pk).update(review_reason="Anything at all.")
    assert _state(listing) == (L.PENDING_REVIEW, H.REPORTED)

    report = Report.objects.filter(listing=listing).first()
    answer = mod_api.post(f"/api/v1/moderation/reports/{report.pk}/resolve",
                          {"action": "dismiss", "note": "Genuine."}, format="json")
    assert answer.status_code == 200
    assert _state(listing) == (L.ACTIVE, "")


def test_dismissing_reports_does_not_release_a_listing_held_for_another_reason(mod_api):
    listing = ListingFactory()
    reporter = UserFactory()
    client_for(reporter).post(f"/api/v1/listings/{listing.pk}/reports/",
                              {"reason": "fraud"}, format="json")
    # Screening holds it meanwhile, with a note that reads like the reports' one.
    listing_transition(listing_id=listing.pk, to=L.PENDING_REVIEW, hold=H.SCREENING,
                       review_reason="Hidden automatically after reports? No: “Rolex”.")
    report = Report.objects.get(listing=listing)
    assert mod_api.post(f"/api/v1/moderation/reports/{report.pk}/resolve",
                        {"action": "dismiss"}, format="json").status_code == 200
    assert _state(listing) == (L.PENDING_REVIEW, H.SCREENING)


# --- the migration that read hold reasons from the notes ---------------------------------

def test_the_migration_reads_each_existing_hold_from_its_note():
    migration = importlib.import_module("sellers.migrations.0005_listing_hold_reason")
    rows = {
        "reported": ListingFactory(status=L.PENDING_REVIEW, review_reason=(
            "Hidden automatically after reports from 3 different people (fraud).")),
        "new_shop": ListingFactory(status=L.PENDING_REVIEW, review_reason=(
            "A new shop's first 3 listings are checked by our team before they go live. "
            "This usually takes less than a day.")),
        "resubmitted": ListingFactory(status=L.PENDING_REVIEW, review_reason=(
            "Changed after it was declined: waiting for our team again.")),
        "screening": ListingFactory(status=L.PENDING_REVIEW,
                                    review_reason="Mentions “ivory”, which may not be sold."),
        "": ListingFactory(status=L.REJECTED, review_reason="Hidden automatically after x"),
    }
    migration.hold_reasons_from_text(django_apps, None)
    assert {key: Listing.objects.get(pk=row.pk).hold_reason for key, row in rows.items()} == {
        key: key for key in rows}


# --- labels people read ----------------------------------------------------------------

def test_people_read_plain_status_labels(client):
    shop = ShopFactory(status=S.PENDING_VERIFICATION)
    ListingFactory(shop=shop, status=L.PENDING_REVIEW, review_reason="Held.",
                   hold_reason=H.SCREENING)
    client.force_login(shop.owner)
    page = client.get("/sell/").content.decode()
    assert "Waiting for review" in page and "Waiting for verification" in page
    assert "pending_review" not in page.replace('class="badge pending_review"', "")

    staff_login(client, staff_make())
    queue = client.get("/staff/shops/").content.decode()
    assert "Waiting for verification" in queue
    held = client.get("/staff/listings/").content.decode()
    assert "Flagged by screening" in held and "Held." in held
