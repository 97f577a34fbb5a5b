"""Order pages as buyers and sellers use them: the right buttons per state, others' → 404."""

import pytest

from orders.models import Order
from tests import builders
from tests.factories import ListingFactory, ShopFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(buyer):
    listing = ListingFactory(title="<script>alert(1)</script> Honey", stock=5,
                             shop=ShopFactory(name="Bee <b>Farm</b>"))
    return builders.paid_order(buyer=buyer, listing=listing)


def test_buyer_pages_show_the_order_and_its_actions(client, buyer, paid):
    client.force_login(buyer)
    listing_html = client.get("/orders/").content.decode()
    assert f"Order #{paid.pk}" in listing_html
    assert "<script>alert(1)</script>" not in listing_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Honey" in listing_html
    detail = client.get(f"/orders/{paid.pk}/").content.decode()
    assert "Cancel order" in detail
    assert "I received my order" not in detail  # not shipped yet
    assert "Bee &lt;b&gt;Farm&lt;/b&gt;" in detail
    response = client.post(f"/orders/{paid.pk}/confirm/", {"confirmed": "yes"}, follow=True)
    assert "cannot become completed now" in response.content.decode()
    assert Order.objects.get(pk=paid.pk).status == "paid"


def test_seller_pages_ship_and_packing_slip(client, paid):
    seller = paid.shop.owner
    client.force_login(seller)
    dashboard = client.get("/sell/").content.decode()
    assert "paid order to ship" in dashboard
    assert f"/sell/orders/{paid.pk}/" in dashboard
    assert "/sell/balance/" in dashboard
    assert f"Order #{paid.pk}" in client.get("/sell/orders/?status=paid").content.decode()
    assert f"Order #{paid.pk}" not in client.get("/sell/orders/?status=shipped").content.decode()
    slip = client.get(f"/sell/orders/{paid.pk}/packing-slip/").content.decode()
    assert "12 Main St" in slip and "packing slip" in slip
    bad = client.post(f"/sell/orders/{paid.pk}/ship/", {"carrier": "", "tracking_number": ""},
                      follow=True)
    assert "Enter the carrier and the tracking number." in bad.content.decode()
    done = client.post(f"/sell/orders/{paid.pk}/ship/",
                       {"carrier": "USPS", "tracking_number": "9400"}, follow=True)
    assert "Marked as shipped" in done.content.decode()
    assert Order.objects.get(pk=paid.pk).status == "shipped"


def test_other_peoples_order_pages_are_404(client, paid):
    stranger = UserFactory()
    client.force_login(stranger)
    for path in (f"/orders/{paid.pk}/", f"/sell/orders/{paid.pk}/",
                 f"/sell/orders/{paid.pk}/packing-slip/"):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/orders/{paid.pk}/cancel/").status_code == 404
    assert client.post(f"/sell/orders/{paid.pk}/ship/",
                       {"carrier": "X", "tracking_number": "1"}).status_code == 404
    assert Order.objects.get(pk=paid.pk).status == "paid"


def test_pages_need_log_in(client):
    for path in ("/orders/", "/checkout/", "/sell/orders/", "/sell/"):
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_checkout_page_shows_field_errors_and_reserves_nothing(client, buyer):
    listing = ListingFactory(stock=2)
    client.force_login(buyer)
    client.post("/cart/add/", {"listing": listing.pk, "quantity": 2})
    response = client.post("/checkout/", {"fulfillment": "ship", "idempotency_key": "k1",
                                          "name": "D", "line1": "1 Main", "city": "X",
                                          "state": "IA", "postal_code": "5210"})
    html = response.content.decode()
    assert "5-digit ZIP code" in html
    assert not Order.objects.exists()
    listing.refresh_from_db()
    assert listing.stock == 2


def test_buyer_dispute_form_from_the_order_page(client, buyer, paid):
    client.force_login(buyer)
    bad = client.post(f"/orders/{paid.pk}/dispute/", {"reason": "", "details": ""}, follow=True)
    assert "Choose a reason and tell us what happened." in bad.content.decode()
    assert Order.objects.get(pk=paid.pk).status == "paid"
    good = client.post(f"/orders/{paid.pk}/dispute/",
                       {"reason": "damaged", "details": "The jar broke."}, follow=True)
    assert "Dispute opened." in good.content.decode()
    assert Order.objects.get(pk=paid.pk).status == "disputed"
    assert client.post(f"/orders/{paid.pk}/no-such-action/").status_code == 404
