"""Review replies and hiding, and screening rules edited by staff."""

from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from moderation.models import AuditLog
from orders.models import Checkout, Order, Review
from orders.services.lifecycle import shop_rating_refresh
from sellers.models import Listing, ScreeningTerm
from tests.factories import CategoryFactory, ShopFactory, UserFactory
from tests.staff import staff_login
from tests.support import audit_rows

pytestmark = pytest.mark.django_db


def _review(shop, rating, text=""):
    """A completed order of `shop` with a review (the buyer's journey is tested in orders)."""
    buyer = UserFactory()
    checkout = Checkout.objects.create(buyer=buyer, idempotency_key=f"k{buyer.pk}",
                                       request_fingerprint="x", amount_cents=1000,
                                       fulfillment="ship",
                                       expires_at=timezone.now())
    order = Order.objects.create(checkout=checkout, buyer=buyer, shop=shop, status="completed",
                                 fulfillment="ship", subtotal_cents=1000, shipping_cents=0,
                                 total_cents=1000)
    review = Review.objects.create(order=order, shop=shop, buyer=buyer, rating=rating,
                                   text=text)
    shop_rating_refresh(shop_id=shop.pk)
    return review


def test_hiding_an_abusive_review_refreshes_the_rating_and_is_audited(mod_client, client):
    shop = ShopFactory(name="Berea Loom House")
    _review(shop, 5)
    abusive = _review(shop, 1, "You are all crooks!!!")
    shop.refresh_from_db()
    assert (shop.rating_avg, shop.rating_count) == (Decimal("3.00"), 2)

    response = mod_client.post(f"/api/v1/moderation/reviews/{abusive.pk}/hide",
                               {"reason": "Abusive language."}, format="json")

    assert response.status_code == 200 and response.json()["is_hidden"] is True
    shop.refresh_from_db()
    assert (shop.rating_avg, shop.rating_count) == (Decimal("5.00"), 1)
    assert audit_rows() == [("review_hidden", "review", str(abusive.pk), "Abusive language.",
                             "visible", "hidden")]
    assert mod_client.post(f"/api/v1/moderation/reviews/{abusive.pk}/hide",
                           {"reason": "again"}, format="json").status_code == 409
    page = client.get(f"/shops/{shop.slug}/").content.decode()
    assert "★ 5.00 (1 review)" in page


def test_seller_replies_once_and_only_to_own_reviews():
    shop = ShopFactory()
    review = _review(shop, 4, "Nice quilt")
    seller = APIClient()
    seller.force_authenticate(shop.owner)
    first = seller.post(f"/api/v1/seller/reviews/{review.pk}/reply", {"text": "Thank you!"},
                        format="json")
    assert first.status_code == 200 and first.json()["seller_reply"] == "Thank you!"
    second = seller.post(f"/api/v1/seller/reviews/{review.pk}/reply", {"text": "Edited"},
                         format="json")
    assert second.status_code == 409
    other = APIClient()
    other.force_authenticate(ShopFactory().owner)
    assert other.post(f"/api/v1/seller/reviews/{review.pk}/reply", {"text": "Hi"},
                      format="json").status_code == 404
    assert Review.objects.get(pk=review.pk).seller_reply == "Thank you!"


def test_screening_rules_edited_by_staff_hold_new_listings(mod_client, client, moderator):
    created = mod_client.post("/api/v1/moderation/screening-terms/", {
        "kind": "watched_brand", "term": "Gucci", "price_floor_cents": 20000,
        "note": "Often faked"}, format="json")
    assert created.status_code == 201, created.json()
    term_id = created.json()["id"]
    duplicate = mod_client.post("/api/v1/moderation/screening-terms/",
                                {"kind": "watched_brand", "term": "gucci"}, format="json")
    assert duplicate.status_code == 409
    bad = mod_client.post("/api/v1/moderation/screening-terms/",
                          {"kind": "prohibited", "term": "ivory", "price_floor_cents": 5},
                          format="json")
    assert bad.status_code == 400 and "price_floor_cents" in bad.json()

    seller = APIClient()
    shop = ShopFactory()
    for _ in range(3):  # past a new shop's hand-checked listings
        Listing.objects.create(shop=shop, title="Old", category=CategoryFactory(),
                               price_cents=100, status="active")
    seller.force_authenticate(shop.owner)
    category = CategoryFactory()
    cheap = seller.post("/api/v1/listings/", {
        "title": "Gucci handbag", "description": "", "category": category.slug,
        "price_cents": 5000, "stock": 1, "shipping_cents": 0}, format="json")
    assert cheap.json()["status"] == "pending_review"
    dear = seller.post("/api/v1/listings/", {
        "title": "Gucci scarf", "description": "", "category": category.slug,
        "price_cents": 30000, "stock": 1, "shipping_cents": 0}, format="json")
    assert dear.json()["status"] == "active"

    off = mod_client.patch(f"/api/v1/moderation/screening-terms/{term_id}",
                           {"is_active": False}, format="json")
    assert off.status_code == 200 and off.json()["is_active"] is False
    assert ScreeningTerm.objects.get(pk=term_id).price_floor_cents == 20000
    assert [row[0] for row in audit_rows()] == ["screening_changed", "screening_changed"]
    assert audit_rows()[1][5] == "inactive"
    staff_login(client, moderator)
    client.post("/staff/screening/new/", {"kind": "prohibited", "term": "ivory",
                                          "is_active": "on"})
    assert ScreeningTerm.objects.filter(term="ivory", is_active=True).exists()
    assert AuditLog.objects.count() == 3
