"""Requests that collide on real Postgres: reports on one listing, two staff on one dispute."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from moderation.models import AuditLog, DisputeDecision, Report
from notifications.models import Notification
from payments.selectors import escrow_summary
from sellers.models import Listing
from tests import builders
from tests.checkout_http import paid_orders
from tests.factories import ListingFactory, ShopFactory, UserFactory
from tests.staff import staff_api_login
from tests.support import dispute_opened_hours_ago

pytestmark = pytest.mark.django_db(transaction=True)


def _together(calls) -> list:
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _poster(user, url, body):
    client = APIClient()
    if user.is_staff:
        staff_api_login(client, user)
    else:
        client.force_authenticate(user)
    return lambda: client.post(url, body, format="json").status_code


def test_a_double_click_reports_once():
    listing = ListingFactory()
    person = UserFactory()
    url = f"/api/v1/listings/{listing.pk}/reports/"
    codes = _together([_poster(person, url, {"reason": "fraud"}) for _ in range(2)])
    assert sorted(codes) == [201, 409]
    assert Report.objects.filter(listing=listing).count() == 1


def test_two_last_reports_at_once_hide_the_listing_once():
    listing = ListingFactory()
    for person in [UserFactory() for _ in range(2)]:
        Report.objects.create(listing=listing, reporter=person, reason="fraud")
    url = f"/api/v1/listings/{listing.pk}/reports/"
    codes = _together([_poster(UserFactory(), url, {"reason": "counterfeit"})
                       for _ in range(2)])
    # The first to take the listing's lock is the third reporter and hides it; the other
    # then finds a listing that is no longer public.
    assert sorted(codes) == [201, 404]
    assert Report.objects.filter(listing=listing).count() == 3
    assert Listing.objects.get(pk=listing.pk).status == "pending_review"
    assert AuditLog.objects.filter(action="automatic_hide").count() == 1


def test_two_moderators_resolving_one_dispute_at_once(localstripe):
    shop = ShopFactory()
    listing = ListingFactory(shop=shop, price_cents=2000, shipping_cents=0)
    buyer = APIClient()
    buyer.force_authenticate(UserFactory())
    (order,) = paid_orders(buyer, [listing])
    buyer.post(f"/api/v1/orders/{order.pk}/dispute", {"reason": "other", "details": "Wrong"},
               format="json")
    dispute_opened_hours_ago(order, 49)
    url = f"/api/v1/moderation/disputes/{order.pk}/resolve"
    codes = _together([
        _poster(builders.moderator(), url, {"outcome": "refund"}),
        _poster(builders.moderator(), url, {"outcome": "release"}),
    ])
    assert sorted(codes) == [200, 409]
    summary = escrow_summary(reference=order.reference)
    assert summary.remaining_cents == 0
    assert summary.refunded_cents + summary.released_cents == 2000
    assert 0 in (summary.refunded_cents, summary.released_cents)
    assert DisputeDecision.objects.count() == 1
    assert AuditLog.objects.filter(action="dispute_resolved").count() == 1
    assert Notification.objects.filter(kind="dispute_resolved").count() == 2


def _staff_poster(url, body):
    from rest_framework.test import APIClient as Client

    from tests.staff import staff_api_login, staff_make
    client = staff_api_login(Client(), staff_make())
    return lambda: client.post(url, body, format="json").status_code


@pytest.mark.parametrize(("first", "second", "winners"), [
    ("approve", "reject", {"active", "rejected"}),
    ("approve", "take-down", {"active", "taken_down"}),
    ("approve", "approve", {"active"}),
])
def test_two_moderators_deciding_one_held_listing_at_once(first, second, winners):
    listing = ListingFactory(status="pending_review", review_reason="Held.",
                             hold_reason="screening")
    base = f"/api/v1/moderation/listings/{listing.pk}"
    codes = _together([_staff_poster(f"{base}/{first}", {"reason": "Fake."}),
                       _staff_poster(f"{base}/{second}", {"reason": "Fake."})])
    listing.refresh_from_db()
    if first == "approve" and second == "take-down" and sorted(codes) == [200, 200]:
        # Approved first, then taken down: both moves are legal one after the other.
        assert listing.status == "taken_down"
        assert AuditLog.objects.filter(object_id=str(listing.pk)).count() == 2
        return
    assert sorted(codes) == [200, 409]
    assert listing.status in winners
    audits = AuditLog.objects.filter(object_type="listing", object_id=str(listing.pk))
    assert list(audits.values_list("status_after", flat=True)) == [listing.status]
    assert Notification.objects.filter(recipient=listing.shop.owner).count() == 1


def test_two_moderators_verifying_one_shop_at_once_verify_it_once():
    shop = ShopFactory(status="pending_verification")
    url = f"/api/v1/moderation/shops/{shop.slug}/verify"
    codes = _together([_staff_poster(url, {}), _staff_poster(url, {})])
    assert sorted(codes) == [200, 409]
    shop.refresh_from_db()
    assert shop.status == "active"
    assert AuditLog.objects.filter(object_type="shop", action="shop_verified").count() == 1
    assert Notification.objects.filter(recipient=shop.owner, kind="shop_verified").count() == 1
