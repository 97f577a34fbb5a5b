"""Shops and listings in the Django admin: read-only fields, and actions that are moderation
decisions (through the moderation services: audited, the owner told), for moderators only."""

import pytest

from moderation.models import AuditLog
from notifications.models import Notification
from sellers.models import Listing, ScreeningTerm, Shop
from tests.factories import ListingFactory, ShopFactory
from tests.staff import staff_login, staff_make

pytestmark = pytest.mark.django_db

LOOK_ONLY = ("sellers.view_shop", "sellers.view_listing", "sellers.view_screeningterm")


@pytest.fixture
def moderator():
    return staff_make(email="morgan@example.com")


@pytest.fixture
def staff_client(client, moderator):
    return staff_login(client, moderator)


def audit(object_type, pk):
    return list(AuditLog.objects.filter(object_type=object_type, object_id=str(pk)).order_by("id")
                .values_list("action", "actor__email", "status_before", "status_after"))


def test_moderator_verifies_a_shop_through_the_admin_audited_and_told(staff_client):
    shop = ShopFactory(status=Shop.Status.PENDING_VERIFICATION)
    already = ShopFactory()
    response = staff_client.post("/admin/sellers/shop/", {
        "action": "verify", "_selected_action": [shop.pk, already.pk]}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 shop(s) verified." in html and "not waiting for verification" in html
    shop.refresh_from_db()
    assert shop.status == "active" and shop.verified_at is not None
    assert audit("shop", shop.pk) == [
        ("shop_verified", "morgan@example.com", "pending_verification", "active")]
    assert audit("shop", already.pk) == []
    assert Notification.objects.filter(kind="shop_verified", recipient=shop.owner).count() == 1


def test_moderator_suspends_and_reinstates_audited(staff_client):
    shop = ShopFactory()
    staff_client.post("/admin/sellers/shop/", {"action": "suspend",
                                               "_selected_action": [shop.pk]})
    shop.refresh_from_db()
    assert shop.status == "suspended" and shop.status_reason.startswith("Suspended by staff")
    staff_client.post("/admin/sellers/shop/", {"action": "reinstate",
                                               "_selected_action": [shop.pk]})
    shop.refresh_from_db()
    assert (shop.status, shop.status_reason) == ("active", "")
    assert audit("shop", shop.pk) == [
        ("shop_suspended", "morgan@example.com", "active", "suspended"),
        ("shop_reinstated", "morgan@example.com", "suspended", "active")]
    kinds = set(Notification.objects.filter(recipient=shop.owner).values_list("kind", flat=True))
    assert {"shop_suspended", "shop_reinstated"} <= kinds


def test_moderator_approves_a_listing_audited_and_told(staff_client):
    listing = ListingFactory(status=Listing.Status.PENDING_REVIEW, review_reason="new shop")
    staff_client.post("/admin/sellers/listing/", {"action": "approve",
                                                  "_selected_action": [listing.pk]})
    listing.refresh_from_db()
    assert (listing.status, listing.review_reason) == ("active", "")
    assert listing.approved_at is not None
    assert audit("listing", listing.pk) == [
        ("listing_approved", "morgan@example.com", "pending_review", "active")]
    assert Notification.objects.filter(kind="listing_approved",
                                       recipient=listing.shop.owner).count() == 1


def test_staff_without_moderate_are_not_offered_the_actions_and_change_nothing(client):
    staff_login(client, staff_make(permissions=LOOK_ONLY))
    shop = ShopFactory(status=Shop.Status.PENDING_VERIFICATION)
    listing = ListingFactory(status=Listing.Status.PENDING_REVIEW, review_reason="held")
    shops_page = client.get("/admin/sellers/shop/")
    listings_page = client.get("/admin/sellers/listing/")
    assert shops_page.status_code == listings_page.status_code == 200
    assert shops_page.context["action_form"] is None or not [
        v for v, _ in shops_page.context["action_form"].fields["action"].choices if v]
    assert listings_page.context["action_form"] is None or not [
        v for v, _ in listings_page.context["action_form"].fields["action"].choices if v]
    for url, action, pk in [("/admin/sellers/shop/", "verify", shop.pk),
                            ("/admin/sellers/shop/", "suspend", shop.pk),
                            ("/admin/sellers/listing/", "approve", listing.pk)]:
        assert client.post(url, {"action": action, "_selected_action": [pk]}).status_code == 403
    shop.refresh_from_db()
    listing.refresh_from_db()
    assert (shop.status, listing.status) == ("pending_verification", "pending_review")
    assert not AuditLog.objects.exists()


def test_fields_that_decide_trust_are_read_only_in_the_admin(staff_client):
    shop = ShopFactory()
    listing = ListingFactory(shop=shop, title="Raw Honey", stock=5, price_cents=1200)
    term = ScreeningTerm.objects.create(kind="prohibited", term="ivory")
    page = staff_client.get(f"/admin/sellers/listing/{listing.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("title", "description", "stock", "status", "price_cents"):
        assert f'name="{name}"' not in html
    assert staff_client.post(f"/admin/sellers/listing/{listing.pk}/change/", {
        "title": "Rolex", "stock": 999, "status": "active"}).status_code == 403
    assert staff_client.post(f"/admin/sellers/shop/{shop.pk}/change/", {
        "status": "suspended", "name": "X"}).status_code == 403
    assert staff_client.post(f"/admin/sellers/screeningterm/{term.pk}/change/", {
        "term": "gold", "kind": "prohibited", "is_active": ""}).status_code == 403
    assert staff_client.get("/admin/sellers/screeningterm/add/").status_code == 403
    assert staff_client.post(f"/admin/sellers/screeningterm/{term.pk}/delete/",
                             {"post": "yes"}).status_code == 403
    listing.refresh_from_db()
    term.refresh_from_db()
    assert (listing.title, listing.stock) == ("Raw Honey", 5)
    assert (term.term, term.is_active) == ("ivory", True)
    assert ScreeningTerm.objects.count() == 1


def test_admin_lists_render(client):
    staff_client = staff_login(client, staff_make(permissions=(), is_superuser=True))
    ShopFactory()
    ListingFactory()
    for url in ["/admin/sellers/shop/", "/admin/sellers/listing/", "/admin/sellers/village/",
                "/admin/sellers/category/", "/admin/sellers/screeningterm/"]:
        assert staff_client.get(url).status_code == 200, url
