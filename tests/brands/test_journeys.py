"""Black-box journeys of brand protection through the API: an owner applies, is verified,
files a notice; the listing leaves search and checkout while an order in flight completes;
upheld notices become strikes and the third suspends the shop; withdrawal and reversal undo."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from brands.models import Notice, NoticeListing, RightsOwner, Strike
from notifications.models import Notification
from payments.selectors import shop_balance
from payments.services.payouts import payout_create, payouts_run
from sellers.models import Listing, Shop
from tests import builders
from tests.checkout_http import add, checkout
from tests.factories import ListingFactory, ShopFactory, UserFactory
from tests.support import audit_rows, client_for

pytestmark = pytest.mark.django_db


def _apply(client, **extra):
    body = {"kind": "company", "name": "Acme Quilts Inc.", "right_name": "Acme",
            "basis": "registered", "registration_number": "US 1234567",
            "registration_office": "USPTO", "documents": [builders.proof_pdf()], **extra}
    return client.post("/api/v1/brand/owners/", body, format="multipart")


def _notice_body(owner, listings, **extra):
    return {"right": owner.rights.first().pk, "listings": [item.pk for item in listings],
            "reason": "counterfeit", "evidence": "Our logo, misspelt.", "sworn": True,
            "signature_name": "Riley Rights", **extra}


def test_apply_verify_file_takes_the_listing_down_while_an_order_in_flight_completes(
        mod_client, localstripe):
    applicant = UserFactory(display_name="Riley Rights")
    owner_api = client_for(applicant)
    shop = ShopFactory(name="Knockoff Corner")
    quilt = ListingFactory(shop=shop, title="Acme star quilt", price_cents=9000, stock=5,
                           shipping_cents=0)
    buyer = UserFactory()
    in_flight = builders.paid_order(buyer=buyer, listing=quilt)
    later_buyer = client_for(UserFactory())
    add(later_buyer, quilt, 1)

    applied = _apply(owner_api)
    assert applied.status_code == 201, applied.content
    assert applied.json()["status"] == "pending"
    owner = RightsOwner.objects.get()
    # Waiting: cannot file yet.
    assert owner_api.post("/api/v1/brand/notices/", _notice_body(owner, [quilt]),
                          format="json").status_code == 403
    queue = mod_client.get("/api/v1/moderation/brand/owners/").json()
    assert [row["name"] for row in queue["results"]] == ["Acme Quilts Inc."]
    assert queue["results"][0]["documents"][0]["content_type"] == "application/pdf"
    verified = mod_client.post(f"/api/v1/moderation/brand/owners/{owner.pk}/verify",
                               {"note": "USPTO record matches."}, format="json")
    assert verified.status_code == 200 and verified.json()["status"] == "verified"
    assert Notification.objects.filter(recipient=applicant,
                                       kind="rights_owner_verified").count() == 1

    filed = owner_api.post("/api/v1/brand/notices/", _notice_body(owner, [quilt]),
                           format="json")

    assert filed.status_code == 201, filed.content
    notice = filed.json()
    assert (notice["status"], notice["status_label"]) == ("open", "Waiting for a decision")
    assert notice["listings"][0]["listing"] == quilt.pk
    quilt.refresh_from_db()
    assert quilt.status == Listing.Status.TAKEN_DOWN
    anonymous = APIClient()
    assert anonymous.get("/api/v1/listings/?q=acme").json()["results"] == []
    assert anonymous.get(f"/api/v1/listings/{quilt.pk}").status_code == 404
    assert client_for(UserFactory()).post("/api/v1/cart/items/",
                                          {"listing": quilt.pk, "quantity": 1},
                                          format="json").status_code == 409
    assert checkout(later_buyer).status_code == 409
    told = Notification.objects.get(kind="notice_takedown")
    assert told.recipient_id == shop.owner_id
    assert told.context == {"notice_id": notice["id"], "listing_title": "Acme star quilt",
                            "owner_name": "Acme Quilts Inc.", "right_name": "Acme",
                            "reason": "Counterfeit goods"}
    staff_queue = mod_client.get("/api/v1/moderation/brand/notices/").json()
    assert [row["id"] for row in staff_queue["results"]] == [notice["id"]]
    assert ("notice_takedown", "listing", str(quilt.pk)) in [row[:3] for row in audit_rows()]
    # The order paid before the notice ships and completes.
    seller_api = client_for(shop.owner)
    assert seller_api.post(f"/api/v1/orders/{in_flight.pk}/ship",
                           {"carrier": "UPS", "tracking_number": "1Z9"},
                           format="json").status_code == 200
    done = client_for(buyer).post(f"/api/v1/orders/{in_flight.pk}/confirm-receipt")
    assert done.status_code == 200 and done.json()["escrow"]["status"] == "released"
    # The seller sees the notice; a second notice on the listing is refused.
    mine = seller_api.get("/api/v1/sell/notices/").json()
    assert [row["owner_name"] for row in mine["results"]] == ["Acme Quilts Inc."]
    again = owner_api.post("/api/v1/brand/notices/", _notice_body(owner, [quilt]),
                           format="json")
    assert again.status_code == 409 and "already taken down" in again.json()["detail"]


def _upheld(owner, shop, n, mod_client):
    notice = builders.rights_notice(owner=owner, listings=[ListingFactory(shop=shop)])
    response = mod_client.post(f"/api/v1/moderation/brand/notices/{notice.pk}/decide",
                               {"decision": "uphold", "note": f"Fake number {n}."},
                               format="json")
    assert response.status_code == 200, response.content
    return notice


def test_three_upheld_notices_suspend_the_shop_and_hold_its_payouts(mod_client):
    shop = ShopFactory(name="Fake Bags Inc")
    builders.completed_order(listing=ListingFactory(shop=shop, price_cents=5000))
    available = shop_balance(shop=shop).available_cents
    owner = builders.rights_owner()

    first, second = (_upheld(owner, shop, n, mod_client) for n in (1, 2))
    shop.refresh_from_db()
    assert shop.status == Shop.Status.ACTIVE
    assert Strike.objects.filter(shop=shop, removed_at=None).count() == 2
    third = _upheld(owner, shop, 3, mod_client)

    shop.refresh_from_db()
    assert shop.status == Shop.Status.SUSPENDED
    assert f"#{first.pk}, #{second.pk}, #{third.pk}" in shop.status_reason
    strike = Strike.objects.get(notice=third)
    assert strike.expires_at - strike.created == timedelta(days=365)
    suspended = Notification.objects.get(kind="shop_suspended")
    assert suspended.recipient_id == shop.owner_id
    assert "Repeat infringement" in suspended.context["reason"]
    assert payout_create(shop_id=shop.pk) is None
    assert payouts_run().held == 1
    assert shop_balance(shop=shop).available_cents == available
    decided = Notification.objects.filter(kind="notice_decided").values_list(
        "recipient_id", flat=True)
    assert sorted(decided) == sorted([shop.owner_id, owner.applicant_id] * 3)
    actions = [row[0] for row in audit_rows()]
    assert actions.count("notice_upheld") == 3 and actions[-1] == "shop_suspended"


def test_expired_strikes_do_not_count(mod_client):
    shop = ShopFactory()
    owner = builders.rights_owner()
    for n in (1, 2):
        _upheld(owner, shop, n, mod_client)
    Strike.objects.filter(shop=shop).update(
        created=timezone.now() - timedelta(days=400),
        expires_at=timezone.now() - timedelta(days=35))
    _upheld(owner, shop, 3, mod_client)
    shop.refresh_from_db()
    assert shop.status == Shop.Status.ACTIVE


def test_withdrawal_removes_the_strike_and_puts_the_listing_back(mod_client):
    shop = ShopFactory()
    owner = builders.rights_owner()
    notices = [_upheld(owner, shop, n, mod_client) for n in (1, 2)]
    owner_api = client_for(owner.applicant)

    response = owner_api.post(f"/api/v1/brand/notices/{notices[0].pk}/withdraw",
                              {"note": "Licensed after all."}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert Strike.objects.filter(shop=shop, removed_at=None).count() == 1
    item = NoticeListing.objects.get(notice=notices[0])
    assert item.restored_at is not None
    assert Listing.objects.get(pk=item.listing_id).status == Listing.Status.ACTIVE
    # A third upheld notice makes two active strikes: the shop stays open.
    _upheld(owner, shop, 3, mod_client)
    shop.refresh_from_db()
    assert shop.status == Shop.Status.ACTIVE
    assert owner_api.post(f"/api/v1/brand/notices/{notices[0].pk}/withdraw").status_code == 409
    told = Notification.objects.filter(kind="notice_decided", recipient=shop.owner,
                                       context__notice_id=notices[0].pk).order_by("id").last()
    assert "withdrawn by the rights owner" in told.message


def test_staff_reverse_restores_and_upheld_again_is_409(mod_client):
    notice = builders.rights_notice()
    item = notice.items.get()
    url = f"/api/v1/moderation/brand/notices/{notice.pk}/decide"
    assert mod_client.post(url, {"decision": "uphold"}, format="json").status_code == 400
    assert mod_client.post(url, {"decision": "reverse", "note": "The goods are genuine."},
                           format="json").status_code == 200
    assert Listing.objects.get(pk=item.listing_id).status == Listing.Status.ACTIVE
    assert Notice.objects.get().status == Notice.Status.REVERSED
    assert mod_client.post(url, {"decision": "uphold", "note": "x"},
                           format="json").status_code == 409
    assert mod_client.post("/api/v1/moderation/brand/notices/999999/decide",
                           {"decision": "uphold", "note": "x"}, format="json").status_code == 404
    assert [row[0] for row in audit_rows(object_type="notice")] == ["notice_reversed"]


def test_reject_an_application_tells_why_and_allows_a_new_one(mod_client):
    owner = builders.rights_owner(verified=False)
    url = f"/api/v1/moderation/brand/owners/{owner.pk}/reject"
    assert mod_client.post(url, {}, format="json").status_code == 400
    assert mod_client.post(url, {"note": "The number belongs to someone else."},
                           format="json").status_code == 200
    told = Notification.objects.get(kind="rights_owner_rejected")
    assert told.context["reason"] == "The number belongs to someone else."
    assert mod_client.post(url, {"note": "again"}, format="json").status_code == 409
    assert audit_rows(object_type="rights_owner")[0][:2] == ("owner_rejected", "rights_owner")
    again = _apply(client_for(owner.applicant), name="Acme Quilts LLC")
    assert again.status_code == 201 and again.json()["status"] == "pending"


def test_an_agent_files_for_the_owner_but_does_not_manage_people():
    owner = builders.rights_owner()
    helper = UserFactory(email="paralegal@example.com")
    owner_api = client_for(owner.applicant)
    added = owner_api.post("/api/v1/brand/owners/me/agents/",
                           {"email": "paralegal@example.com"}, format="json")
    assert added.status_code == 201
    agent_api = client_for(helper)
    listing = ListingFactory()
    filed = agent_api.post("/api/v1/brand/notices/", _notice_body(owner, [listing]),
                           format="json")
    assert filed.status_code == 201
    assert Notice.objects.get().filed_by == helper
    assert agent_api.post("/api/v1/brand/owners/me/agents/", {"email": "x@example.com"},
                          format="json").status_code == 403
    assert owner_api.get(f"/api/v1/brand/notices/{filed.json()['id']}").status_code == 200
    assert owner_api.delete(f"/api/v1/brand/owners/me/agents/{added.json()['id']}"
                            ).status_code == 204
    assert agent_api.get(f"/api/v1/brand/notices/{filed.json()['id']}").status_code == 404
