"""Someone with no shop gets one answer: pages send them to "open a shop" with a message, the
API answers 403 with the same message; nothing is written either way."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from rest_framework.test import APIClient

from orders.models import Order
from sellers.errors import NoShop
from sellers.models import Listing, Shop
from tests.factories import CategoryFactory, UserFactory

pytestmark = pytest.mark.django_db

MESSAGE = "You have no shop yet. Open a shop to sell here."
SELLER_PAGES = ["/sell/shop/", "/sell/listings/new/", "/sell/orders/", "/sell/balance/",
                "/sell/reviews/"]
SELLER_API = ["/api/v1/seller/orders/", "/api/v1/seller/balance", "/api/v1/seller/payouts/"]


def test_the_message_is_the_one_rule():
    assert str(NoShop()) == MESSAGE and NoShop.http_status == 403


@pytest.mark.parametrize("path", SELLER_PAGES)
def test_a_seller_page_sends_someone_without_a_shop_to_open_one(path):
    client = Client()
    client.force_login(UserFactory())
    response = client.get(path)
    assert (response.status_code, response["Location"]) == (302, "/sell/shop/new/")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [MESSAGE]
    landing = client.get(response["Location"])
    assert landing.status_code == 200 and "Open a shop" in landing.content.decode()


def test_posting_a_new_listing_without_a_shop_writes_nothing():
    client = Client()
    client.force_login(UserFactory())
    category = CategoryFactory()
    response = client.post("/sell/listings/new/", {
        "title": "Honey", "description": "Raw.", "category": category.pk, "price": "12.50",
        "stock": 3, "shipping": "6.00"})
    assert (response.status_code, response["Location"]) == (302, "/sell/shop/new/")
    assert not Listing.objects.exists() and not Shop.objects.exists()


@pytest.mark.parametrize("path", SELLER_API)
def test_the_seller_api_answers_403_with_the_same_message(path):
    api = APIClient()
    api.force_authenticate(UserFactory())
    response = api.get(path)
    assert (response.status_code, response.json()) == (403, {"detail": MESSAGE})


def test_creating_a_listing_through_the_api_without_a_shop_is_403_and_writes_nothing():
    api = APIClient()
    api.force_authenticate(UserFactory())
    category = CategoryFactory()
    response = api.post("/api/v1/listings/", {
        "title": "Honey", "description": "Raw.", "category": category.slug,
        "price_cents": 1250, "stock": 3, "shipping_cents": 600}, format="json")
    assert (response.status_code, response.json()) == (403, {"detail": MESSAGE})
    assert not Listing.objects.exists() and not Order.objects.exists()


def test_signed_out_people_are_asked_to_sign_in_first():
    for path in SELLER_PAGES:
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    for path in SELLER_API:
        assert APIClient().get(path).status_code == 401
