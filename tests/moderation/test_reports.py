"""Buyers' reports: one per person per listing; three distinct reporters hide a listing."""

import pytest
from rest_framework.test import APIClient

from moderation.models import AuditLog, Report
from notifications.models import Notification
from sellers.models import Listing
from tests.factories import UserFactory
from tests.support import audit_rows

pytestmark = pytest.mark.django_db


def _report(user, listing, reason="counterfeit", details="Logo is wrong."):
    client = APIClient()
    client.force_authenticate(user)
    return client.post(f"/api/v1/listings/{listing.pk}/reports/",
                       {"reason": reason, "details": details}, format="json")


def test_three_distinct_reporters_hide_the_listing(live_listing, moderator):
    people = [UserFactory() for _ in range(3)]
    first, second = _report(people[0], live_listing), _report(people[1], live_listing, "fraud")
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["status"] == "open"
    assert Listing.objects.get(pk=live_listing.pk).status == "active"
    assert AuditLog.objects.count() == 0

    assert _report(people[2], live_listing, "misleading").status_code == 201

    listing = Listing.objects.get(pk=live_listing.pk)
    assert listing.status == "pending_review"
    assert audit_rows() == [(
        "automatic_hide", "listing", str(live_listing.pk),
        "Hidden automatically after reports from 3 different people "
        "(counterfeit, fraud, misleading).", "active", "pending_review")]
    assert AuditLog.objects.get().actor is None
    assert APIClient().get(f"/api/v1/listings/{live_listing.pk}").status_code == 404
    assert Notification.objects.filter(kind="staff_new_report", recipient=moderator).count() == 3


def test_one_person_reporting_three_times_does_not_hide(live_listing):
    pest = UserFactory()
    assert _report(pest, live_listing).status_code == 201
    for _ in range(2):
        again = _report(pest, live_listing, "fraud")
        assert again.status_code == 409
        assert again.json()["detail"].startswith("You have already reported this listing")
    assert Report.objects.filter(listing=live_listing).count() == 1
    assert Listing.objects.get(pk=live_listing.pk).status == "active"
    assert AuditLog.objects.count() == 0


def test_bad_reports_are_refused(live_listing):
    person = UserFactory()
    bad = _report(person, live_listing, reason="ugly")
    assert bad.status_code == 400 and "reason" in bad.json()
    own = _report(live_listing.shop.owner, live_listing)
    assert own.status_code == 400
    hidden = live_listing.__class__.objects.filter(pk=live_listing.pk)
    hidden.update(status="taken_down")
    assert _report(person, live_listing).status_code == 404
    assert APIClient().post(f"/api/v1/listings/{live_listing.pk}/reports/",
                            {"reason": "fraud"}, format="json").status_code == 401
    assert Report.objects.count() == 0


def test_dismiss_puts_an_auto_hidden_listing_back_and_closes_all_its_reports(
    live_listing, mod_client
):
    reporters = UserFactory.create_batch(3)
    for reporter, reason in zip(reporters, ("counterfeit", "fraud", "other"), strict=True):
        _report(reporter, live_listing, reason)
    report = Report.objects.order_by("id").first()
    queue = mod_client.get("/api/v1/moderation/reports/?status=open").json()
    assert [row["distinct_reporters"] for row in queue["results"]] == [3, 3, 3]

    response = mod_client.post(f"/api/v1/moderation/reports/{report.pk}/resolve",
                               {"action": "dismiss", "note": "Genuine goods; receipts seen."},
                               format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "dismissed"
    assert Listing.objects.get(pk=live_listing.pk).status == "active"
    assert set(Report.objects.values_list("status", flat=True)) == {"dismissed"}
    assert audit_rows(action="report_dismissed") == [(
        "report_dismissed", "listing", str(live_listing.pk), "Genuine goods; receipts seen.",
        "pending_review", "active")]
    twice = mod_client.post(f"/api/v1/moderation/reports/{report.pk}/resolve",
                            {"action": "dismiss"}, format="json")
    assert twice.status_code == 409
    told = Notification.objects.filter(kind="report_resolved").order_by("recipient_id")
    assert [n.recipient_id for n in told] == sorted(r.pk for r in reporters)
    assert "stays up" in told[0].message


def test_take_down_from_a_report_tells_the_seller(live_listing, mod_client):
    _report(UserFactory(), live_listing, "counterfeit")
    report = Report.objects.get()
    response = mod_client.post(f"/api/v1/moderation/reports/{report.pk}/resolve",
                               {"action": "take_down", "note": ""}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "actioned"
    assert Listing.objects.get(pk=live_listing.pk).status == "taken_down"
    assert audit_rows() == [("listing_taken_down", "listing", str(live_listing.pk),
                             "Taken down after reports (counterfeit).", "active",
                             "taken_down")]
    told = Notification.objects.get(kind="listing_taken_down")
    assert told.recipient_id == live_listing.shop.owner_id
    thanked = Notification.objects.get(kind="report_resolved")
    assert thanked.recipient_id == report.reporter_id
    assert "took the listing down" in thanked.message


def test_report_page_for_buyers(client, live_listing):
    person = UserFactory()
    assert client.get(f"/listings/{live_listing.pk}/report/").status_code == 302
    client.force_login(person)
    assert client.get(f"/listings/{live_listing.pk}/report/").status_code == 200
    sent = client.post(f"/listings/{live_listing.pk}/report/",
                       {"reason": "prohibited", "details": "Sells live bees by mail"})
    assert sent.status_code == 302 and sent["Location"] == f"/listings/{live_listing.pk}/"
    again = client.post(f"/listings/{live_listing.pk}/report/", {"reason": "fraud"})
    assert again.status_code == 400
    assert "already reported" in again.content.decode()
    assert list(Report.objects.values_list("reason", "details")) == [
        ("prohibited", "Sells live bees by mail")]


def test_seller_editing_a_reported_listing_does_not_release_it(live_listing):
    for reason in ("counterfeit", "fraud", "other"):
        _report(UserFactory(), live_listing, reason)
    seller = APIClient()
    seller.force_authenticate(live_listing.shop.owner)
    edited = seller.patch(f"/api/v1/listings/{live_listing.pk}",
                          {"title": "Genuine wildflower honey"}, format="json")
    assert edited.status_code == 200
    listing = Listing.objects.get(pk=live_listing.pk)
    assert (listing.status, listing.title) == ("pending_review", "Genuine wildflower honey")
    assert listing.review_reason.startswith("Hidden automatically after reports")
