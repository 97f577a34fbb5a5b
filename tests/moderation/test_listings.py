"""Listing decisions through the moderation API: visibility, audit rows, notifications."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from moderation.models import AuditLog
from notifications.models import Notification
from sellers.models import Listing
from tests.checkout_http import add, checkout
from tests.factories import ListingFactory, UserFactory
from tests.staff import staff_login
from tests.support import audit_rows

pytestmark = pytest.mark.django_db


def _search_ids(client, q="honey"):
    response = client.get(f"/api/v1/listings/?q={q}")
    assert response.status_code == 200
    return [row["id"] for row in response.json()["results"]]


def _storefront_ids(client, shop):
    response = client.get(f"/api/v1/shops/{shop.slug}/listings/")
    return [row["id"] for row in response.json()["results"]]


def test_take_down_removes_from_search_storefront_and_checkout(
    api_client, mod_client, moderator, live_listing, shop
):
    buyer = UserFactory()
    shopper = APIClient()
    shopper.force_authenticate(buyer)
    add(shopper, live_listing, 1)
    assert _search_ids(shopper) == [live_listing.pk]
    assert _storefront_ids(shopper, shop) == [live_listing.pk]

    response = mod_client.post(f"/api/v1/moderation/listings/{live_listing.pk}/take-down",
                               {"reason": "Counterfeit brand goods."}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json() == {"id": live_listing.pk, "status": "taken_down",
                               "review_reason": "Counterfeit brand goods."}
    assert _search_ids(shopper) == []
    assert _storefront_ids(shopper, shop) == []
    assert shopper.get(f"/api/v1/listings/{live_listing.pk}").status_code == 404
    page = shopper.get(f"/shops/{shop.slug}/")
    assert "Raw Wildflower Honey" not in page.content.decode()
    cart = shopper.get("/api/v1/cart").json()
    assert [line["available"] for line in cart["items"]] == [False]
    attempt = checkout(shopper)
    assert attempt.status_code == 409
    assert attempt.json() == {"detail": "Nothing in your cart can be bought right now."}
    assert audit_rows() == [("listing_taken_down", "listing", str(live_listing.pk),
                             "Counterfeit brand goods.", "active", "taken_down")]
    assert AuditLog.objects.get().actor == moderator
    told = Notification.objects.get(kind="listing_taken_down")
    assert told.recipient == shop.owner
    assert told.context == {"listing_id": live_listing.pk, "listing_title": live_listing.title,
                            "reason": "Counterfeit brand goods."}
    assert Notification.objects.exclude(kind="listing_taken_down").count() == 0


def test_approve_makes_a_held_listing_appear_and_records_why_it_was_held(
    api_client, mod_client, shop
):
    held = ListingFactory(shop=shop, title="Clover honey jar", status="pending_review",
                          review_reason="Mentions the brand “Gucci”.")
    assert _search_ids(api_client) == []

    response = mod_client.post(f"/api/v1/moderation/listings/{held.pk}/approve")

    assert response.status_code == 200
    assert response.json()["status"] == "active"
    assert _search_ids(api_client) == [held.pk]
    assert _storefront_ids(api_client, shop) == [held.pk]
    assert audit_rows() == [("listing_approved", "listing", str(held.pk),
                             "Approved. It was held because: Mentions the brand “Gucci”.",
                             "pending_review", "active")]
    assert list(Notification.objects.values_list("recipient", "kind")) == [
        (shop.owner_id, "listing_approved")]
    again = mod_client.post(f"/api/v1/moderation/listings/{held.pk}/approve")
    assert again.status_code == 409
    assert AuditLog.objects.count() == 1


def test_reject_needs_a_reason_keeps_it_hidden_and_tells_the_seller(api_client, mod_client,
                                                                      shop):
    held = ListingFactory(shop=shop, title="Honey of ivory", status="pending_review")
    blank = mod_client.post(f"/api/v1/moderation/listings/{held.pk}/reject", {"reason": " "},
                            format="json")
    assert blank.status_code == 400
    assert "reason" in blank.json()
    assert AuditLog.objects.count() == 0 and Notification.objects.count() == 0

    response = mod_client.post(f"/api/v1/moderation/listings/{held.pk}/reject",
                               {"reason": "Ivory may not be sold."}, format="json")

    assert response.json()["status"] == "rejected"
    assert _search_ids(api_client) == []
    assert audit_rows() == [("listing_rejected", "listing", str(held.pk),
                             "Ivory may not be sold.", "pending_review", "rejected")]
    told = Notification.objects.get()
    assert (told.recipient_id, told.kind, told.context["reason"]) == (
        shop.owner_id, "listing_rejected", "Ivory may not be sold.")


def test_queue_is_oldest_first_with_shop_history(mod_client, shop):
    now = timezone.now()
    newer = ListingFactory(shop=shop, status="pending_review", created=now)
    older = ListingFactory(shop=shop, status="pending_review",
                           created=now - timezone.timedelta(days=2))
    ListingFactory(shop=shop, status="rejected")
    rows = mod_client.get("/api/v1/moderation/listings/?status=pending_review").json()
    assert [row["id"] for row in rows["results"]] == [older.pk, newer.pk]
    assert rows["results"][0]["shop"] == {"slug": shop.slug, "name": shop.name,
                                          "status": "active"}


def test_bulk_approve_approves_each_and_reports_the_rest(mod_client, shop, live_listing):
    first = ListingFactory(shop=shop, status="pending_review")
    second = ListingFactory(shop=shop, status="pending_review")
    response = mod_client.post("/api/v1/moderation/listings/bulk-approve",
                               {"ids": [first.pk, second.pk, live_listing.pk]}, format="json")
    assert response.status_code == 200
    assert response.json()["approved"] == [first.pk, second.pk]
    assert len(response.json()["problems"]) == 1
    assert set(Listing.objects.filter(pk__in=[first.pk, second.pk])
               .values_list("status", flat=True)) == {"active"}
    assert AuditLog.objects.filter(action="listing_approved").count() == 2
    assert Notification.objects.filter(kind="listing_approved").count() == 2


def test_staff_pages_approve_reject_and_take_down(client, moderator, shop, live_listing):
    held = ListingFactory(shop=shop, status="pending_review", review_reason="Mentions “ivory”.")
    other = ListingFactory(shop=shop, status="pending_review")
    staff_login(client, moderator)
    page = client.get("/staff/listings/").content.decode()
    assert "Mentions “ivory”." in page and f"listing-{held.pk}" in page
    response = client.post(f"/staff/listings/{held.pk}/approve/")
    assert response.status_code == 302
    client.post(f"/staff/listings/{other.pk}/reject/", {"reason": "Blurry photos."})
    client.post(f"/staff/listings/{live_listing.pk}/take-down/", {"reason": "Fake."})
    assert [Listing.objects.get(pk=pk).status for pk in (held.pk, other.pk, live_listing.pk)] \
        == ["active", "rejected", "taken_down"]
    assert [row[0] for row in audit_rows()] == ["listing_approved", "listing_rejected",
                                                 "listing_taken_down"]
    refused = client.post(f"/staff/listings/{other.pk}/reject/", {"reason": "x"}, follow=True)
    assert "not waiting for review" in refused.content.decode()
    assert AuditLog.objects.count() == 3


def test_bulk_approve_page(client, moderator, shop, live_listing):
    held = [ListingFactory(shop=shop, status="pending_review") for _ in range(2)]
    staff_login(client, moderator)
    response = client.post("/staff/listings/bulk-approve/",
                           {"ids": [held[0].pk, held[1].pk, live_listing.pk]}, follow=True)
    text = response.content.decode()
    assert "2 listing(s) approved." in text
    assert f"#{live_listing.pk}: " in text
    assert set(Listing.objects.filter(pk__in=[h.pk for h in held])
               .values_list("status", flat=True)) == {"active"}
    empty = client.post("/staff/listings/bulk-approve/", {}, follow=True)
    assert "Tick at least one listing" in empty.content.decode()
