"""Dispute statements and decisions through the API, on real localstripe and the ledger."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from moderation.models import AuditLog, DisputeDecision, DisputePhoto, DisputeStatement
from notifications.models import Notification
from orders.models import Order
from payments.models import JournalEntry
from payments.selectors import escrow_summary, shop_balance
from tests import builders
from tests.checkout_http import paid_orders
from tests.factories import ListingFactory, ShopFactory, UserFactory
from tests.staff import staff_api_login, staff_login
from tests.support import audit_rows, dispute_opened_hours_ago, jpeg_bytes

pytestmark = pytest.mark.django_db


def _client(user):
    client = APIClient()
    if user.is_staff:
        return staff_api_login(client, user)
    client.force_authenticate(user)
    return client


def _disputed(*, paid_on_stripe: bool):
    """A 3050-cent order (two jars and shipping) the buyer disputed 49 hours ago."""
    shop = ShopFactory(name="Driftless Bee Farm")
    honey = ListingFactory(shop=shop, title="Raw Wildflower Honey", price_cents=1200,
                           shipping_cents=650, stock=5)
    buyer = UserFactory(display_name="Dana Buyer")
    buyer_api = _client(buyer)
    if paid_on_stripe:  # refunds go back through Stripe
        (order,) = paid_orders(buyer_api, [honey], [2])
    else:
        order = builders.paid_order(buyer=buyer, listing=honey, quantity=2)
    opened = buyer_api.post(f"/api/v1/orders/{order.pk}/dispute",
                            {"reason": "damaged", "details": "Jar arrived cracked."},
                            format="json")
    assert opened.status_code == 200
    dispute_opened_hours_ago(order, 49)
    Notification.objects.all().delete()
    return order, buyer_api, _client(shop.owner)


@pytest.fixture
def disputed(localstripe):
    """Paid on localstripe, for the decisions that refund."""
    return _disputed(paid_on_stripe=True)


@pytest.fixture
def disputed_without_stripe():
    """Paid through tests/builders.py, for what moves no money back to the buyer."""
    return _disputed(paid_on_stripe=False)


def _entries(order):
    return list(JournalEntry.objects.filter(reference=order.reference).order_by("id")
                .values_list("kind", flat=True))


def _told(order):
    return sorted(Notification.objects.filter(kind="dispute_resolved")
                  .values_list("recipient_id", flat=True)) == sorted(
        [order.buyer_id, order.shop.owner_id])


def test_refund_in_full(disputed, mod_client):
    order, _, _ = disputed
    queue = mod_client.get("/api/v1/moderation/disputes/?status=open").json()
    assert [row["id"] for row in queue["results"]] == [order.pk]
    response = mod_client.post(f"/api/v1/moderation/disputes/{order.pk}/resolve",
                               {"outcome": "refund", "note": "Broken in transit."},
                               format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "refunded"
    assert response.json()["escrow"]["refunded_cents"] == 3050
    summary = escrow_summary(reference=order.reference)
    assert (summary.held_cents, summary.refunded_cents, summary.released_cents,
            summary.remaining_cents, summary.status) == (3050, 3050, 0, 0, "refunded")
    assert _entries(order) == ["hold", "refund"]
    assert Order.objects.get(pk=order.pk).status == "refunded"
    assert audit_rows() == [("dispute_resolved", "order", str(order.pk),
                             "refunded in full to the buyer; refunded 3050 cents USD. "
                             "Broken in transit.", "disputed", "refunded")]
    assert _told(order)
    buyer_note = Notification.objects.get(kind="dispute_resolved", recipient=order.buyer)
    assert buyer_note.context["refund_cents"] == 3050
    assert mod_client.get("/api/v1/moderation/disputes/?status=open").json()["count"] == 0


def test_release_to_the_seller(disputed_without_stripe, mod_client):
    order, _, _ = disputed_without_stripe
    response = mod_client.post(f"/api/v1/moderation/disputes/{order.pk}/resolve",
                               {"outcome": "release"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "completed"
    summary = escrow_summary(reference=order.reference)
    assert (summary.released_cents, summary.refunded_cents, summary.remaining_cents) == (
        3050, 0, 0)
    assert _entries(order) == ["hold", "release"]
    assert shop_balance(shop=order.shop).available_cents == 3050 - summary.fee_cents
    assert audit_rows()[0][4:] == ("disputed", "completed")
    assert _told(order)
    assert "refund_cents" not in Notification.objects.filter(kind="dispute_resolved")[0].context


def test_partial_refund_above_held_is_400_and_twice_is_409(disputed, mod_client):
    order, _, _ = disputed
    too_much = mod_client.post(f"/api/v1/moderation/disputes/{order.pk}/resolve",
                               {"outcome": "partial_refund", "refund_cents": 3050},
                               format="json")
    assert too_much.status_code == 400
    assert "refund_cents" in too_much.json()
    assert _entries(order) == ["hold"]
    assert AuditLog.objects.count() == 0 and Notification.objects.count() == 0

    response = mod_client.post(f"/api/v1/moderation/disputes/{order.pk}/resolve",
                               {"outcome": "partial_refund", "refund_cents": 1000,
                                "note": "One jar broken."}, format="json",
                               HTTP_IDEMPOTENCY_KEY="decide-1")

    assert response.status_code == 200
    assert response.json()["status"] == "completed"
    summary = escrow_summary(reference=order.reference)
    assert (summary.refunded_cents, summary.released_cents, summary.remaining_cents) == (
        1000, 2050, 0)
    assert sorted(_entries(order)) == ["hold", "refund", "release"]
    assert shop_balance(shop=order.shop).available_cents == 2050 - summary.fee_cents
    assert _told(order)
    replay = mod_client.post(f"/api/v1/moderation/disputes/{order.pk}/resolve",
                             {"outcome": "partial_refund", "refund_cents": 1000,
                              "note": "One jar broken."}, format="json",
                             HTTP_IDEMPOTENCY_KEY="decide-1")
    assert replay.status_code == 200 and replay.json()["status"] == "completed"
    twice = mod_client.post(f"/api/v1/moderation/disputes/{order.pk}/resolve",
                            {"outcome": "refund"}, format="json")
    assert twice.status_code == 409
    assert AuditLog.objects.count() == 1 and DisputeDecision.objects.count() == 1
    assert Notification.objects.filter(kind="dispute_resolved").count() == 2
    assert escrow_summary(reference=order.reference).refunded_cents == 1000


def test_each_side_gives_one_statement_with_clean_photos(disputed_without_stripe, mod_client):
    order, buyer_api, seller_api = disputed_without_stripe
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    photo = Image.new("RGB", (80, 60), (10, 200, 10))
    raw = io.BytesIO()
    photo.save(raw, format="JPEG", exif=exif)
    sent = buyer_api.post(f"/api/v1/disputes/{order.pk}/statements", {
        "text": "Photo of the cracked jar.",
        "photos": [SimpleUploadedFile("a.jpg", raw.getvalue(), "image/jpeg"),
                   SimpleUploadedFile("b.jpg", jpeg_bytes(), "image/jpeg")],
    }, format="multipart")
    assert sent.status_code == 201, sent.json()
    assert sent.json()["role"] == "buyer" and len(sent.json()["photos"]) == 2
    stored = DisputePhoto.objects.order_by("id").first()
    with stored.image.open("rb") as handle:
        kept = Image.open(handle)
        assert kept.format == "WEBP" and not kept.getexif()
    again = buyer_api.post(f"/api/v1/disputes/{order.pk}/statements", {"text": "More."})
    assert again.status_code == 409
    fake = seller_api.post(f"/api/v1/disputes/{order.pk}/statements", {
        "text": "Packed well.",
        "photos": [SimpleUploadedFile("x.jpg", b"<svg></svg>", "image/jpeg")],
    }, format="multipart")
    assert fake.status_code == 400
    assert DisputeStatement.objects.filter(role="seller").count() == 0
    answer = seller_api.post(f"/api/v1/disputes/{order.pk}/statements",
                             {"text": "Packed in bubble wrap."})
    assert answer.status_code == 201 and answer.json()["role"] == "seller"
    stranger = _client(UserFactory())
    assert stranger.post(f"/api/v1/disputes/{order.pk}/statements",
                         {"text": "Hi"}).status_code == 404
    detail = mod_client.get(f"/api/v1/moderation/disputes/{order.pk}").json()
    assert [s["role"] for s in detail["statements"]] == ["buyer", "seller"]
    assert [e["status"] for e in detail["timeline"]] == ["pending_payment", "paid", "disputed"]
    assert detail["escrow"]["remaining_cents"] == 3050


def test_staff_dispute_page_shows_both_sides_and_resolves(disputed, client, moderator):
    order, buyer_api, seller_api = disputed
    buyer_client = client.__class__()
    buyer_client.force_login(order.buyer)
    assert buyer_client.get(f"/disputes/{order.pk}/evidence/").status_code == 200
    sent = buyer_client.post(f"/disputes/{order.pk}/evidence/", {
        "text": "Glass everywhere.",
        "photos": [SimpleUploadedFile("c.jpg", jpeg_bytes(), "image/jpeg")]})
    assert sent.status_code == 302
    assert DisputePhoto.objects.filter(statement__role="buyer").count() == 1
    assert buyer_client.get(f"/sell/disputes/{order.pk}/").status_code == 404
    seller_client = client.__class__()
    seller_client.force_login(order.shop.owner)
    page = seller_client.get(f"/sell/disputes/{order.pk}/")
    assert page.status_code == 200 and "Jar arrived cracked." in page.content.decode()
    seller_client.post(f"/sell/disputes/{order.pk}/", {"text": "It left here intact."})
    staff_login(client, moderator)
    html = client.get(f"/staff/disputes/{order.pk}/").content.decode()
    assert "Glass everywhere." in html and "It left here intact." in html
    step = client.post(f"/staff/disputes/{order.pk}/resolve/",
                       {"outcome": "partial_refund", "refund": "5.00", "note": "Split"})
    assert step.status_code == 200 and "Dana Buyer gets $5.00 back" in step.content.decode()
    assert Order.objects.get(pk=order.pk).status == "disputed"
    response = client.post(f"/staff/disputes/{order.pk}/resolve/",
                           {"outcome": "partial_refund", "refund": "5.00", "note": "Split",
                            "confirmed": "yes"})
    assert response.status_code == 302
    assert Order.objects.get(pk=order.pk).status == "completed"
    assert escrow_summary(reference=order.reference).refunded_cents == 500
    # A refund written with more than two decimals is refused and moves nothing.
    other = client.post(f"/staff/disputes/{order.pk}/resolve/",
                        {"outcome": "partial_refund", "refund": "1.005"}, follow=True)
    assert "Could not resolve" in other.content.decode()
    assert escrow_summary(reference=order.reference).refunded_cents == 500
