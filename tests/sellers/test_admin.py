import pytest

from sellers.models import Listing, Shop
from tests.factories import ListingFactory, ShopFactory, UserFactory
from tests.staff import staff_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    staff_login(client, UserFactory(is_staff=True, is_superuser=True))
    return client


def test_staff_verify_shop_through_admin_action(staff_client):
    shop = ShopFactory(status=Shop.Status.PENDING_VERIFICATION)
    already = ShopFactory()
    response = staff_client.post("/admin/sellers/shop/", {
        "action": "verify", "_selected_action": [shop.pk, already.pk]}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 shop(s) verified." in html and "not waiting for verification" in html
    shop.refresh_from_db()
    assert shop.status == "active" and shop.verified_at is not None


def test_staff_suspend_and_reinstate(staff_client):
    shop = ShopFactory()
    staff_client.post("/admin/sellers/shop/", {"action": "suspend",
                                               "_selected_action": [shop.pk]})
    shop.refresh_from_db()
    assert shop.status == "suspended" and shop.status_reason.startswith("Suspended by staff")
    staff_client.post("/admin/sellers/shop/", {"action": "reinstate",
                                               "_selected_action": [shop.pk]})
    shop.refresh_from_db()
    assert (shop.status, shop.status_reason) == ("active", "")


def test_staff_approve_listing(staff_client):
    listing = ListingFactory(status=Listing.Status.PENDING_REVIEW, review_reason="new shop")
    staff_client.post("/admin/sellers/listing/", {"action": "approve",
                                                  "_selected_action": [listing.pk]})
    listing.refresh_from_db()
    assert (listing.status, listing.review_reason) == ("active", "")
    assert listing.approved_at is not None


def test_admin_lists_render(staff_client):
    ShopFactory()
    ListingFactory()
    for url in ["/admin/sellers/shop/", "/admin/sellers/listing/", "/admin/sellers/village/",
                "/admin/sellers/category/", "/admin/sellers/screeningterm/add/"]:
        assert staff_client.get(url).status_code == 200, url
