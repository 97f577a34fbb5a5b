"""Every moderation endpoint and page: anonymous → 401 / log-in, non-moderators → 403."""

import pytest
from rest_framework.test import APIClient

from moderation.models import AuditLog, Report
from sellers.models import Listing, Shop
from tests import builders
from tests.factories import ListingFactory, ShopFactory, UserFactory
from tests.staff import staff_api_login, staff_login

API_GET = [
    "/api/v1/moderation/dashboard",
    "/api/v1/moderation/listings/?status=pending_review",
    "/api/v1/moderation/reports/?status=open",
    "/api/v1/moderation/shops/",
    "/api/v1/moderation/disputes/?status=open",
    "/api/v1/moderation/disputes/{order}",
    "/api/v1/moderation/audit/",
    "/api/v1/moderation/screening-terms/",
]
API_POST = [
    "/api/v1/moderation/listings/{listing}/approve",
    "/api/v1/moderation/listings/{listing}/reject",
    "/api/v1/moderation/listings/{listing}/take-down",
    "/api/v1/moderation/listings/bulk-approve",
    "/api/v1/moderation/reports/{report}/resolve",
    "/api/v1/moderation/shops/{shop}/verify",
    "/api/v1/moderation/shops/{shop}/suspend",
    "/api/v1/moderation/shops/{shop}/reinstate",
    "/api/v1/moderation/disputes/{order}/resolve",
    "/api/v1/moderation/screening-terms/",
    "/api/v1/moderation/reviews/1/hide",
]
API_PATCH = ["/api/v1/moderation/screening-terms/1"]
PAGES_GET = ["/staff/", "/staff/listings/", "/staff/reports/", "/staff/shops/",
             "/staff/disputes/", "/staff/disputes/{order}/", "/staff/screening/",
             "/staff/reviews/", "/staff/audit/"]
PAGES_POST = [
    "/staff/listings/{listing}/approve/", "/staff/listings/{listing}/reject/",
    "/staff/listings/{listing}/take-down/", "/staff/listings/bulk-approve/",
    "/staff/reports/{report}/resolve/", "/staff/shops/{shop}/verify/",
    "/staff/shops/{shop}/suspend/", "/staff/shops/{shop}/reinstate/",
    "/staff/disputes/{order}/resolve/", "/staff/screening/new/", "/staff/screening/1/",
    "/staff/reviews/1/hide/",
]
BODY = {"reason": "nope", "action": "take_down", "outcome": "refund", "ids": [1],
        "kind": "prohibited", "term": "ivory"}


@pytest.fixture
def targets(db):
    pending_shop = ShopFactory(status=Shop.Status.PENDING_VERIFICATION)
    listing = ListingFactory(status=Listing.Status.PENDING_REVIEW)
    live = ListingFactory()
    report = Report.objects.create(listing=live, reporter=UserFactory(), reason="fraud")
    return {"listing": listing.pk, "report": report.pk, "shop": pending_shop.slug,
            "order": 1}


def _people():
    seller = ShopFactory().owner
    staff_without_permission = UserFactory(is_staff=True)
    return {"buyer": UserFactory(), "seller": seller, "staff": staff_without_permission}


def _unchanged(targets):
    assert Listing.objects.get(pk=targets["listing"]).status == Listing.Status.PENDING_REVIEW
    assert Shop.objects.get(slug=targets["shop"]).status == Shop.Status.PENDING_VERIFICATION
    assert Report.objects.get(pk=targets["report"]).status == Report.Status.OPEN
    assert AuditLog.objects.count() == 0


def test_api_anonymous_401_and_non_moderators_403(targets):
    anonymous = APIClient()
    for template in API_GET:
        url = template.format(**targets)
        assert anonymous.get(url).status_code == 401, url
    for template in API_POST:
        url = template.format(**targets)
        assert anonymous.post(url, BODY, format="json").status_code == 401, url
    for url in API_PATCH:
        assert anonymous.patch(url, BODY, format="json").status_code == 401, url
    for who, user in _people().items():
        client = APIClient()
        if user.is_staff:
            staff_api_login(client, user)
        else:
            client.force_authenticate(user)
        for template in API_GET:
            url = template.format(**targets)
            assert client.get(url).status_code == 403, (who, url)
        for template in API_POST:
            url = template.format(**targets)
            assert client.post(url, BODY, format="json").status_code == 403, (who, url)
        for url in API_PATCH:
            assert client.patch(url, BODY, format="json").status_code == 403, (who, url)
    _unchanged(targets)


def test_pages_anonymous_to_login_and_non_moderators_403(client, targets):
    for template in PAGES_GET:
        url = template.format(**targets)
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url
    for template in PAGES_POST:
        url = template.format(**targets)
        response = client.post(url, BODY)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    for who, user in _people().items():
        if user.is_staff:
            staff_login(client, user)
        else:
            client.force_login(user)
        for template in PAGES_GET:
            url = template.format(**targets)
            assert client.get(url).status_code == 403, (who, url)
        for template in PAGES_POST:
            url = template.format(**targets)
            assert client.post(url, BODY).status_code == 403, (who, url)
    _unchanged(targets)


def test_moderator_sees_every_page_and_list(client, api_client, targets):
    moderator = builders.moderator()
    staff_login(client, moderator)
    for template in PAGES_GET:
        url = template.format(**targets)
        expected = 404 if "{order}" in template else 200  # order 1 does not exist here
        assert client.get(url).status_code == expected, url
    staff_api_login(api_client, moderator)
    for template in API_GET:
        url = template.format(**targets)
        expected = 404 if "{order}" in template else 200
        assert api_client.get(url).status_code == expected, url


def test_superuser_is_a_moderator(api_client, db):
    boss = UserFactory(is_staff=True, is_superuser=True)
    staff_api_login(api_client, boss)
    assert api_client.get("/api/v1/moderation/dashboard").status_code == 200
