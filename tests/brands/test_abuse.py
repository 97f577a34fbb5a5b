"""Owners whose notices are reversed again and again: flagged for staff, filing suspended."""

from datetime import timedelta

import pytest
from django.utils import timezone

from brands.abuse import owners_flagged
from brands.models import Notice, RightsOwner
from moderation.models import AuditLog
from notifications.models import Notification
from tests.brands.answers_support import api, notice_decided, notice_make, owner_make
from tests.builders import moderator
from tests.factories import ListingFactory, ShopFactory
from tests.staff import staff_api_login, staff_login

pytestmark = pytest.mark.django_db


def _history(owner, staff, *, reversed_count: int, upheld_count: int):
    for _ in range(reversed_count):
        notice_decided(owner, "reverse", staff)
    for _ in range(upheld_count):
        notice_decided(owner, "uphold", staff)


@pytest.mark.parametrize("reversed_count, upheld_count, flagged", [
    (3, 2, True),  # 5 decided, 3 reversed: more than half
    (2, 2, False),  # only 4 decided
    (3, 3, False),  # 6 decided, exactly half
    (4, 3, True),
])
def test_an_owner_is_flagged_at_five_decided_with_more_than_half_reversed(
        reversed_count, upheld_count, flagged):
    staff = moderator()
    owner = owner_make()
    _history(owner, staff, reversed_count=reversed_count, upheld_count=upheld_count)
    assert (owner in owners_flagged()) is flagged


def test_restored_after_an_answer_counts_against_the_owner_and_old_decisions_do_not():
    staff = moderator()
    owner = owner_make()
    _history(owner, staff, reversed_count=2, upheld_count=2)
    restored = notice_make(owner)
    Notice.objects.filter(pk=restored.pk).update(status=Notice.Status.RESTORED,
                                                 decided_at=timezone.now())
    assert owner in owners_flagged()
    Notice.objects.filter(owner=owner, status=Notice.Status.REVERSED).update(
        decided_at=timezone.now() - timedelta(days=91))
    assert owner not in owners_flagged()


def test_staff_see_the_flag_and_suspend_filing_then_the_owner_gets_403(client):
    staff = moderator()
    owner = owner_make(name="Overeager Brands LLC")
    _history(owner, staff, reversed_count=4, upheld_count=1)
    staff_login(client, staff)
    queue = client.get("/staff/brands/notices/")
    assert b"1 rights owner with many notices reversed" in queue.content
    flags = client.get("/staff/brands/flags/")
    assert b"Overeager Brands LLC" in flags.content
    assert b"4 of 5 notices went against them" in flags.content

    response = client.post(f"/staff/brands/owners/{owner.pk}/filing/suspend/",
                           {"note": "Four of five notices were mistakes."})
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.filing_suspended and owner.filing_suspended_note.startswith("Four")
    audit = AuditLog.objects.get(action=AuditLog.Action.OWNER_FILING_SUSPENDED)
    assert audit.actor == staff and audit.object_id == str(owner.pk)
    assert Notification.objects.filter(recipient=owner.applicant,
                                       kind="owner_filing_suspended").count() == 1

    listing = ListingFactory(shop=ShopFactory())
    filed = api(owner.applicant).post("/api/v1/brand/notices/", {
        "right": owner.rights.first().pk, "listings": [listing.pk], "reason": "counterfeit",
        "evidence": "Copy.", "sworn": True, "signature_name": "Alex Owner"}, format="json")
    assert filed.status_code == 403
    assert "may not file notices" in filed.json()["detail"]
    listing.refresh_from_db()
    assert listing.status == "active"


def test_suspending_twice_is_409_and_restoring_lets_them_file(api_client):
    staff = moderator()
    owner = owner_make()
    staff_api_login(api_client, staff)
    url = f"/api/v1/moderation/brand/owners/{owner.pk}/"
    first = api_client.post(url + "suspend-filing", {"note": "Too many mistakes."}, format="json")
    assert first.status_code == 200 and first.json()["filing_suspended"] is True
    assert api_client.post(url + "suspend-filing", {"note": "Again."},
                           format="json").status_code == 409
    assert api_client.post(url + "suspend-filing", {}, format="json").status_code == 400
    back = api_client.post(url + "restore-filing", {"note": "Talked to them."}, format="json")
    assert back.status_code == 200 and back.json()["filing_suspended"] is False
    assert AuditLog.objects.filter(action=AuditLog.Action.OWNER_FILING_RESTORED).count() == 1
    assert api_client.post("/api/v1/moderation/brand/owners/999999/suspend-filing",
                           {"note": "x"}, format="json").status_code == 404


def test_only_moderators_see_flags_and_suspend(client):
    owner = owner_make()
    someone = owner_make(name="Someone").applicant
    assert api(someone).get("/api/v1/moderation/brand/owners/flagged/").status_code == 403
    assert api(someone).post(f"/api/v1/moderation/brand/owners/{owner.pk}/suspend-filing",
                             {"note": "x"}, format="json").status_code == 403
    client.force_login(someone)
    assert client.get("/staff/brands/flags/").status_code == 403
    assert not RightsOwner.objects.filter(filing_suspended=True).exists()


@pytest.mark.parametrize("owners", [1, 20])
def test_the_flag_list_costs_the_same_for_1_and_20_owners(api_client, owners,
                                                          django_assert_num_queries):
    staff = moderator()
    for number in range(owners):
        owner = owner_make(name=f"Brand {number}")
        Notice.objects.bulk_create([
            Notice(owner=owner, filed_by=owner.applicant, right=owner.rights.first(),
                   reason="counterfeit", evidence="x", sworn_statement="x",
                   signature_name="x", sworn_at=timezone.now(), status=Notice.Status.REVERSED,
                   decided_at=timezone.now()) for _ in range(5)])
    staff_api_login(api_client, staff)
    with django_assert_num_queries(5):
        response = api_client.get("/api/v1/moderation/brand/owners/flagged/?page_size=100")
    assert response.json()["count"] == owners
