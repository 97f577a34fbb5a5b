"""Who may see and do what, bad uploads (415 by content, 413 too large), 409 conflicts, the
per-owner rate limit, two notices at once, and pages that cost the same queries at 1 and 20
rows."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from brands.documents import DOCUMENT_MAX_BYTES
from brands.models import Notice, ProofDocument, RightsOwner
from notifications.models import Notification
from sellers.models import Listing
from tests import builders
from tests.factories import ListingFactory, ShopFactory, UserFactory
from tests.staff import staff_login
from tests.support import client_for, jpeg_bytes, run_together

pytestmark = pytest.mark.django_db


def _apply_with(client, upload):
    return client.post("/api/v1/brand/owners/", {
        "kind": "person", "name": "Jo Painter", "right_name": "Jo's photos",
        "basis": "copyright", "explanation": "I took these photos.", "documents": [upload],
    }, format="multipart")


def test_a_document_that_is_not_a_pdf_or_image_by_content_is_415():
    client = client_for(UserFactory())
    fake = SimpleUploadedFile("proof.pdf", b"<html><script>alert(1)</script></html>",
                              content_type="application/pdf")
    response = _apply_with(client, fake)
    assert response.status_code == 415
    assert RightsOwner.objects.count() == 0 and ProofDocument.objects.count() == 0


def test_a_document_over_5_mb_is_413():
    client = client_for(UserFactory())
    big = SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n" + b"0" * DOCUMENT_MAX_BYTES,
                             content_type="application/pdf")
    response = _apply_with(client, big)
    assert response.status_code == 413
    assert RightsOwner.objects.count() == 0


def test_a_photo_is_accepted_and_named_by_its_content():
    client = client_for(UserFactory())
    photo = SimpleUploadedFile("my photo.exe", jpeg_bytes(), content_type="text/plain")
    assert _apply_with(client, photo).status_code == 201
    document = ProofDocument.objects.get()
    assert (document.content_type, document.file_name) == ("image/jpeg", "my photo.jpg")


def test_a_second_application_while_one_waits_is_409():
    owner = builders.rights_owner(verified=False)
    again = _apply_with(client_for(owner.applicant),
                        SimpleUploadedFile("a.pdf", builders.PDF_BYTES))
    assert again.status_code == 409


def test_documents_only_for_staff_and_the_owners_people(moderator):
    owner = builders.rights_owner()
    document = ProofDocument.objects.get(owner=owner)
    notice = builders.rights_notice(owner=owner)
    seller = notice.items.get().shop.owner
    url = f"/api/v1/brand/documents/{document.pk}"
    for stranger in (seller, UserFactory(), builders.rights_owner(name="Other Co").applicant):
        assert client_for(stranger).get(url).status_code == 404
    assert Client().get(f"/brands/documents/{document.pk}/").status_code == 302  # log in
    seller_page = Client()
    seller_page.force_login(seller)
    assert seller_page.get(f"/brands/documents/{document.pk}/").status_code == 404
    mine = client_for(owner.applicant).get(url)
    assert mine.status_code == 200 and mine.content == builders.PDF_BYTES
    assert mine["Content-Disposition"].startswith("attachment")
    assert mine["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in mine["Cache-Control"]
    staff = staff_login(Client(), moderator)
    assert staff.get(f"/brands/documents/{document.pk}/").status_code == 200


def test_another_owners_notice_and_another_sellers_notice_are_404():
    notice = builders.rights_notice()
    other_owner = builders.rights_owner(name="Other Co")
    other_seller = ShopFactory().owner
    assert client_for(other_owner.applicant).get(
        f"/api/v1/brand/notices/{notice.pk}").status_code == 404
    assert client_for(other_owner.applicant).post(
        f"/api/v1/brand/notices/{notice.pk}/withdraw").status_code == 404
    assert client_for(other_seller).get(f"/api/v1/sell/notices/{notice.pk}").status_code == 404
    assert client_for(other_seller).get("/api/v1/sell/notices/").json()["results"] == []
    for path in ("/api/v1/brand/notices/99999999999", "/api/v1/sell/notices/99999999999",
                 "/api/v1/brand/documents/99999999999"):
        assert client_for(other_owner.applicant).get(path).status_code in (403, 404), path
    page = Client()
    page.force_login(other_seller)
    assert page.get(f"/sell/notices/{notice.pk}/").status_code == 404
    page.force_login(other_owner.applicant)
    assert page.get(f"/brands/notices/{notice.pk}/").status_code == 404
    # The seller it names sees it, without documents.
    seller = notice.items.get().shop.owner
    seen = client_for(seller).get(f"/api/v1/sell/notices/{notice.pk}").json()
    assert seen["owner_name"] == "Acme Quilts Inc." and "documents" not in seen
    # The public listing page says nothing of it.
    listing = ListingFactory()
    assert "Acme" not in Client().get(f"/listings/{listing.pk}/").content.decode()


def test_unverified_owner_and_strangers_cannot_file_and_suspended_filers_are_403():
    listing = ListingFactory()
    waiting = builders.rights_owner(verified=False)
    body = {"right": waiting.rights.get().pk, "listings": [listing.pk], "reason": "counterfeit",
            "evidence": "Fake.", "sworn": True, "signature_name": "Riley Rights"}
    assert client_for(waiting.applicant).post("/api/v1/brand/notices/", body,
                                              format="json").status_code == 403
    assert client_for(UserFactory()).post("/api/v1/brand/notices/", body,
                                          format="json").status_code == 403
    page = Client()
    page.force_login(waiting.applicant)
    assert page.get("/brands/notices/new/").status_code == 403
    verified = builders.rights_owner(name="Verified Co")
    RightsOwner.objects.filter(pk=verified.pk).update(filing_suspended=True)
    body["right"] = verified.rights.get().pk
    assert client_for(verified.applicant).post("/api/v1/brand/notices/", body,
                                               format="json").status_code == 403
    assert Listing.objects.get(pk=listing.pk).status == Listing.Status.ACTIVE
    assert Notice.objects.count() == 0


@pytest.mark.parametrize("change, status", [
    ({"sworn": False}, 400), ({"signature_name": ""}, 400), ({"reason": "ugly"}, 400),
    ({"evidence": ""}, 400), ({"listings": []}, 400), ({"right": 999999}, 400),
    ({"listings": [999999]}, 404), ({"listings": [2**40]}, 400), ({"right": 2**40}, 400),
    ({"listings": list(range(1, 22))}, 400),
])
def test_bad_notices_are_refused_and_nothing_comes_down(change, status):
    owner = builders.rights_owner()
    listing = ListingFactory()
    body = {"right": owner.rights.get().pk, "listings": [listing.pk], "reason": "counterfeit",
            "evidence": "Fake.", "sworn": True, "signature_name": "Riley Rights", **change}
    response = client_for(owner.applicant).post("/api/v1/brand/notices/", body, format="json")
    assert response.status_code == status, response.content
    assert Listing.objects.get(pk=listing.pk).status == Listing.Status.ACTIVE
    assert Notice.objects.count() == 0 and Notification.objects.filter(
        kind="notice_takedown").count() == 0


def test_one_listing_already_down_refuses_the_whole_notice_409():
    owner = builders.rights_owner()
    live, down = ListingFactory(), ListingFactory(status=Listing.Status.TAKEN_DOWN)
    body = {"right": owner.rights.get().pk, "listings": [live.pk, down.pk],
            "reason": "photos", "evidence": "Our photos.", "sworn": True,
            "signature_name": "Riley Rights"}
    response = client_for(owner.applicant).post("/api/v1/brand/notices/", body, format="json")
    assert response.status_code == 409
    assert Listing.objects.get(pk=live.pk).status == Listing.Status.ACTIVE
    assert Notice.objects.count() == 0


def test_notices_are_rate_limited_per_owner_agents_included(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "notice": "2/hour"}
    owner = builders.rights_owner()
    agent = UserFactory(email="agent@example.com")
    client_for(owner.applicant).post("/api/v1/brand/owners/me/agents/",
                                     {"email": "agent@example.com"}, format="json")
    answers = []
    for filer in (owner.applicant, agent, agent):
        body = {"right": owner.rights.get().pk, "listings": [ListingFactory().pk],
                "reason": "design", "evidence": "Our design.", "sworn": True,
                "signature_name": "Riley Rights"}
        answers.append(client_for(filer).post("/api/v1/brand/notices/", body, format="json"))
    assert [answer.status_code for answer in answers] == [201, 201, 429]
    assert int(answers[2]["Retry-After"]) > 0
    assert Notice.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_notices_against_one_listing_at_once_one_wins():
    first, second = builders.rights_owner(), builders.rights_owner(name="Second Co")
    listing = ListingFactory()

    def file(index):
        owner = (first, second)[index]
        body = {"right": owner.rights.get().pk, "listings": [listing.pk],
                "reason": "counterfeit", "evidence": "Fake.", "sworn": True,
                "signature_name": "Riley Rights"}
        return client_for(owner.applicant).post("/api/v1/brand/notices/", body,
                                                format="json").status_code

    assert sorted(run_together(2, file)) == [201, 409]
    assert Notice.objects.count() == 1


def _notices(count, owner, shop):
    for _ in range(count):
        builders.rights_notice(owner=owner, listings=[ListingFactory(shop=shop)])


@pytest.mark.parametrize("path, who", [
    ("/brands/", "owner"), ("/api/v1/brand/notices/", "owner"),
    ("/sell/notices/", "seller"), ("/api/v1/sell/notices/", "seller"),
    ("/staff/brands/notices/", "staff"), ("/api/v1/moderation/brand/notices/", "staff"),
    ("/staff/brands/owners/?status=verified", "staff"),
    ("/api/v1/moderation/brand/owners/?status=verified", "staff"),
])
def test_lists_cost_the_same_queries_at_1_and_20_rows(path, who, moderator,
                                                      django_assert_num_queries, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "notice": "100/hour"}
    shop = ShopFactory()
    owner = builders.rights_owner()
    if who == "staff":
        client = client_for(moderator) if path.startswith("/api/") else staff_login(
            Client(), moderator)
    else:
        client = Client()
        client.force_login(owner.applicant if who == "owner" else shop.owner)
    _notices(1, owner, shop)
    client.get(path)  # sessions and caches warm
    with CaptureQueriesContext(connection) as one_row:
        assert client.get(path).status_code == 200
    _notices(19, owner, shop)
    for n in range(19):
        builders.rights_owner(name=f"Owner {n}")
    with django_assert_num_queries(len(one_row)):
        response = client.get(path)
    assert response.status_code == 200
