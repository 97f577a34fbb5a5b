"""Staff pages and lists cost a fixed number of queries whatever their length."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from moderation.models import Report
from moderation.services.audit import audit_record
from sellers.models import Shop
from tests.factories import ListingFactory, ShopFactory, UserFactory
from tests.staff import staff_login

pytestmark = pytest.mark.django_db


def _rows(count: int):
    for n in range(count):
        held = ListingFactory(status="pending_review", review_reason=f"Reason {n}")
        live = ListingFactory()
        Report.objects.create(listing=live, reporter=UserFactory(), reason="fraud")
        ShopFactory(status=Shop.Status.PENDING_VERIFICATION)
        audit_record(actor=None, action="automatic_hide", object_type="listing",
                     object_id=held.pk, object_repr=held.title)


URLS = ["/staff/", "/staff/listings/", "/staff/reports/", "/staff/shops/", "/staff/audit/",
        "/staff/disputes/", "/api/v1/moderation/listings/", "/api/v1/moderation/reports/",
        "/api/v1/moderation/shops/", "/api/v1/moderation/audit/"]


def _counts(client) -> dict:
    counts = {}
    for url in URLS:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        counts[url] = len(queries)
    return counts


def test_same_query_count_for_one_and_twenty_rows(client, moderator):
    staff_login(client, moderator)
    _rows(1)
    one = _counts(client)
    _rows(19)
    twenty = _counts(client)
    assert one == twenty
    # /staff/ is the most: session, user, the verified device, 2 permission reads, 6 figures,
    # the open job failures and the unread-notification badge.
    assert max(one.values()) <= 13
