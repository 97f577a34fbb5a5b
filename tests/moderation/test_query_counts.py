"""Staff pages and lists cost a fixed number of queries whatever their length (1 and 30 rows
of every kind each lists: held listings, reports, shops, audit rows, disputes, reviews,
screening terms)."""

import http.server
import itertools
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from moderation.services.audit import audit_record
from moderation.services.screening_terms import screening_term_save
from orders.services.lifecycle import review_create
from payments.errors import RefundRefused
from payments.services.escrow import escrow_refund
from sellers.models import Shop
from tests import builders
from tests.factories import ListingFactory, ShopFactory
from tests.staff import staff_login
from tests.stripe_support import serve

pytestmark = pytest.mark.django_db


_numbers = itertools.count(1)


def _rows(count: int, *, staff):
    for _ in range(count):
        n = next(_numbers)
        held = ListingFactory(status="pending_review", review_reason=f"Reason {n}")
        builders.report(listing=ListingFactory())
        ShopFactory(status=Shop.Status.PENDING_VERIFICATION)
        audit_record(actor=None, action="automatic_hide", object_type="listing",
                     object_id=held.pk, object_repr=held.title)
        builders.disputed_order()
        completed = builders.completed_order()
        review_create(order_id=completed.pk, buyer=completed.buyer, rating=2 + n % 4,
                      text=f"Review {n}")
        screening_term_save(actor=staff, values={"kind": "prohibited", "term": f"ivory {n}"})


URLS = ["/staff/", "/staff/listings/", "/staff/reports/", "/staff/shops/", "/staff/audit/",
        "/staff/disputes/", "/staff/reviews/", "/staff/screening/",
        "/api/v1/moderation/listings/", "/api/v1/moderation/reports/",
        "/api/v1/moderation/shops/", "/api/v1/moderation/audit/",
        "/api/v1/moderation/disputes/", "/api/v1/moderation/screening-terms/"]


def _counts(client) -> dict:
    # The staff session's last-seen time is written at most once a minute: a first request
    # takes that write, so it never lands in one measurement and not the other.
    assert client.get("/staff/").status_code == 200
    counts = {}
    for url in URLS:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[url] = len(queries)
    return counts


def _listed(client, url: str) -> int:
    body = client.get(url).json()
    return body["count"] if "count" in body else len(body)


def test_same_query_count_for_one_and_thirty_rows(client, moderator):
    staff_login(client, moderator)
    _rows(1, staff=moderator)
    one = _counts(client)
    assert _listed(client, "/api/v1/moderation/disputes/") == 1
    _rows(29, staff=moderator)
    thirty = _counts(client)
    assert _listed(client, "/api/v1/moderation/disputes/") == 30
    assert _listed(client, "/api/v1/moderation/screening-terms/") == 30
    assert one == thirty
    # /staff/ is the most: session, user, the verified device, 2 permission reads, 6 figures,
    # the open job failures, the staff trends' days, the header's cart count and the
    # unread-notification badge.
    assert max(one.values()) <= 15


@pytest.fixture
def refusing_refunds(settings):
    """A Stripe that refuses every refund (400), as it does for a charge it cannot refund."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = json.dumps({"error": {"type": "invalid_request_error",
                                         "message": "This charge cannot be refunded."}}).encode()
            self.send_response(400)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST  # noqa: N815

        def log_message(self, *args):
            pass

    server = serve(Handler)
    settings.STRIPE_API_BASE = server.base
    yield server
    server.stop()


def _refused_refunds(count: int) -> None:
    for _ in range(count):
        order = builders.paid_order()
        with pytest.raises(RefundRefused):
            escrow_refund(reference=order.reference, note="Cancelled")


def test_the_refunds_page_costs_the_same_at_one_and_thirty_refunds(
    client, moderator, refusing_refunds
):
    staff_login(client, moderator)
    _refused_refunds(1)
    client.get("/staff/")
    with CaptureQueriesContext(connection) as one:
        page = client.get("/staff/refunds/")
    assert page.status_code == 200 and page.content.decode().count("/retry/") == 1
    _refused_refunds(29)
    client.get("/staff/")
    with CaptureQueriesContext(connection) as thirty:
        page = client.get("/staff/refunds/")
    assert page.status_code == 200 and page.content.decode().count("/retry/") >= 20
    assert len(one) == len(thirty)
