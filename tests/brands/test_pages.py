"""The pages: apply with a form, staff verify, file a notice with the sworn statement, the
owner's dashboard with catalog matches, the seller's notices, the staff queue and decision."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from brands.models import Notice, OwnerAgent, RightsOwner
from brands.services import SWORN_STATEMENT
from sellers.models import Listing
from tests import builders
from tests.factories import ListingFactory, UserFactory
from tests.staff import staff_login
from tests.support import audit_rows

pytestmark = pytest.mark.django_db


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_apply_page_then_staff_verify_page(moderator):
    applicant = UserFactory()
    page = _signed_in(applicant)
    assert page.get("/brands/").url == "/brands/apply/"
    form = page.get("/brands/apply/")
    assert form.status_code == 200 and "Apply as a rights owner" in form.content.decode()
    missing = page.post("/brands/apply/", {"kind": "company", "name": "Acme",
                                           "right_name": "Acme", "basis": "registered"})
    assert missing.status_code == 400
    assert "Give the registration number." in missing.content.decode()
    bad = page.post("/brands/apply/", {
        "kind": "company", "name": "Acme", "right_name": "Acme", "basis": "copyright",
        "explanation": "Our quilts' designs.",
        "documents": SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf")})
    assert bad.status_code == 415 and "not a PDF or a photo" in bad.content.decode()
    sent = page.post("/brands/apply/", {
        "kind": "company", "name": "Acme", "right_name": "Acme", "basis": "copyright",
        "explanation": "Our quilts' designs.", "documents": builders.proof_pdf()})
    assert sent.status_code == 302 and sent.url == "/brands/"
    assert "checking your application" in page.get("/brands/").content.decode()
    owner = RightsOwner.objects.get()

    staff = staff_login(Client(), moderator)
    queue = staff.get("/staff/brands/owners/").content.decode()
    assert "Acme" in queue and "1 document" in queue
    detail = staff.get(f"/staff/brands/owners/{owner.pk}/").content.decode()
    assert "registration.pdf" in detail
    staff.post(f"/staff/brands/owners/{owner.pk}/verify/", {"note": ""})
    owner.refresh_from_db()
    assert owner.status == RightsOwner.Status.VERIFIED
    assert staff.post(f"/staff/brands/owners/{owner.pk}/nonsense/").status_code == 404
    assert _signed_in(UserFactory()).get("/staff/brands/owners/").status_code in (302, 403)


def test_file_a_notice_from_the_dashboard_then_staff_uphold(moderator):
    owner = builders.rights_owner(right_name="Acme")
    match = ListingFactory(title="Acme star quilt, king size")
    ListingFactory(title="Plain quilt")
    page = _signed_in(owner.applicant)
    dashboard = page.get("/brands/").content.decode()
    assert "Acme star quilt" in dashboard and "Plain quilt" not in dashboard
    form = page.get(f"/brands/notices/new/?listing={match.pk}")
    assert SWORN_STATEMENT in form.content.decode()
    unsworn = page.post("/brands/notices/new/", {
        "right": owner.rights.get().pk, "listings": str(match.pk), "reason": "counterfeit",
        "evidence": "Misspelt logo.", "signature_name": "Riley Rights"})
    assert unsworn.status_code == 400 and "Confirm the statement" in unsworn.content.decode()
    filed = page.post("/brands/notices/new/", {
        "right": owner.rights.get().pk, "listings": f"#{match.pk}", "reason": "counterfeit",
        "evidence": "Misspelt logo.", "sworn": "on", "signature_name": "Riley Rights"})
    notice = Notice.objects.get()
    assert filed.status_code == 302 and filed.url == f"/brands/notices/{notice.pk}/"
    assert notice.sworn_statement == SWORN_STATEMENT and notice.signature_name == "Riley Rights"
    assert "Waiting for a decision" in page.get(filed.url).content.decode()
    again = page.post("/brands/notices/new/", {
        "right": owner.rights.get().pk, "listings": str(match.pk), "reason": "counterfeit",
        "evidence": "Misspelt logo.", "sworn": "on", "signature_name": "Riley Rights"})
    assert again.status_code == 409 and "already taken down" in again.content.decode()

    seller = _signed_in(match.shop.owner)
    mine = seller.get("/sell/notices/").content.decode()
    assert f"#{notice.pk}" in mine and "Counterfeit goods" in mine
    one = seller.get(f"/sell/notices/{notice.pk}/").content.decode()
    assert "Acme Quilts Inc." in one and "How to answer" in one and "registration.pdf" not in one
    assert "Notices against my shop" in seller.get("/sell/").content.decode()

    staff = staff_login(Client(), moderator)
    assert f"Notice #{notice.pk}" in staff.get("/staff/brands/notices/").content.decode()
    detail = staff.get(f"/staff/brands/notices/{notice.pk}/").content.decode()
    assert "registration.pdf" in detail and "Riley Rights" in detail
    staff.post(f"/staff/brands/notices/{notice.pk}/decide/",
               {"decision": "uphold", "note": "Logo misspelt; confirmed."})
    notice.refresh_from_db()
    assert notice.status == Notice.Status.UPHELD
    assert "notice_upheld" in [row[0] for row in audit_rows()]
    assert "Upheld" in seller.get("/sell/notices/").content.decode()


def test_owner_adds_and_removes_a_person_and_withdraws_from_the_page():
    owner = builders.rights_owner()
    helper = UserFactory(email="helper@example.com")
    page = _signed_in(owner.applicant)
    page.post("/brands/agents/", {"email": "helper@example.com"})
    agent = OwnerAgent.objects.get()
    assert agent.user == helper
    assert "helper@example.com" in page.get("/brands/").content.decode()
    helper_page = _signed_in(helper)
    assert "you act for them" in helper_page.get("/brands/").content.decode()
    page.post("/brands/agents/", {"email": "nobody@example.com"})
    assert OwnerAgent.objects.count() == 1
    page.post(f"/brands/agents/{agent.pk}/remove/")
    assert OwnerAgent.objects.count() == 0
    notice = builders.rights_notice(owner=owner)
    page.post(f"/brands/notices/{notice.pk}/withdraw/", {"note": "Settled."})
    notice.refresh_from_db()
    assert notice.status == Notice.Status.WITHDRAWN
    assert Listing.objects.get(pk=notice.items.get().listing_id).status == "active"
