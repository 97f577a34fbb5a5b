"""Builders for the tests of counter-notices, filing rights and the transparency report."""

from rest_framework.test import APIClient

from brands.models import Notice, RightsOwner
from brands.services import notice_decide, notice_file
from tests.factories import ListingFactory, ShopFactory, UserFactory

ANSWER = {
    "statement": "I knit these hats myself from my own pattern; they carry no brand.",
    "evidence": "Photos of my pattern notebook, dated 2019.",
    "consents_to_jurisdiction": True,
    "signature_name": "Sam Seller",
}


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def owner_make(*, name: str = "Acme Quilts Inc.") -> RightsOwner:
    """A verified rights owner with one right ("Acme")."""
    owner = RightsOwner.objects.create(
        applicant=UserFactory(display_name="Alex Owner"), kind=RightsOwner.Kind.COMPANY,
        name=name, status=RightsOwner.Status.VERIFIED)
    owner.rights.create(name="Acme", basis="copyright", explanation="Our own quilt photos.")
    return owner


def notice_make(owner: RightsOwner, listings=None, *, shop=None) -> Notice:
    """A notice filed by the owner against `listings` (one new live listing by default)."""
    listings = listings or [ListingFactory(shop=shop or ShopFactory(), title="Acme quilt")]
    return notice_file(actor=owner.applicant, right_id=owner.rights.first().pk,
                       listing_ids=[listing.pk for listing in listings], reason="counterfeit",
                       evidence="The label is a copy of ours.", sworn=True,
                       signature_name="Alex Owner")


def notice_decided(owner: RightsOwner, decision: str, staff) -> Notice:
    notice = notice_make(owner)
    return notice_decide(notice_id=notice.pk, actor=staff, decision=decision,
                         note="Looked at the photos.")
