"""One ?status= rule for every list: an unknown value is a 400 with the values that work, in
the API as a field error and on a page as a message above the unfiltered list."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import ShopFactory, UserFactory
from tests.staff import staff_api_login, staff_login, staff_make
from web.filters import status_filter

pytestmark = pytest.mark.django_db

STAFF_PAGES = ["/staff/reports/", "/staff/shops/", "/staff/disputes/"]
STAFF_API = ["/api/v1/moderation/listings/", "/api/v1/moderation/reports/",
             "/api/v1/moderation/shops/", "/api/v1/moderation/disputes/"]


def test_the_parser_keeps_known_values_defaults_empty_ones_and_refuses_the_rest():
    assert status_filter("paid", allowed=["paid", "shipped"]) == "paid"
    assert status_filter(" ", allowed=["paid"], default="paid") == "paid"
    assert status_filter(None, allowed=["paid"]) == ""
    with pytest.raises(ValidationError) as refused:
        status_filter("<b>", allowed=["paid", "shipped"])
    assert refused.value.message_dict == {"status": [
        "There is no status “<b>” to filter by. Use one of: paid, shipped."]}


@pytest.fixture
def seller_page():
    client = Client()
    client.force_login(ShopFactory().owner)
    return client


def test_the_seller_orders_page_says_what_is_wrong_and_shows_every_order(seller_page):
    response = seller_page.get("/sell/orders/?status=bogus")
    html = response.content.decode()
    assert response.status_code == 400
    assert "There is no status “bogus” to filter by. Use one of: pending_payment" in html
    assert seller_page.get("/sell/orders/?status=paid").status_code == 200


def test_the_seller_orders_api_answers_400_naming_the_field():
    api = APIClient()
    api.force_authenticate(ShopFactory().owner)
    response = api.get("/api/v1/seller/orders/?status=bogus")
    assert response.status_code == 400
    assert list(response.json()) == ["status"]
    assert response.json()["status"][0].startswith("There is no status “bogus” to filter by.")
    assert api.get("/api/v1/seller/orders/?status=paid").status_code == 200


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_a_staff_queue_page_says_what_is_wrong(client, path):
    staff_login(client, staff_make())
    response = client.get(f"{path}?status=bogus")
    assert response.status_code == 400
    assert "There is no status “bogus” to filter by." in response.content.decode()
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", STAFF_API)
def test_a_staff_queue_api_answers_400(path):
    api = staff_api_login(APIClient(), staff_make())
    response = api.get(f"{path}?status=bogus")
    assert response.status_code == 400
    assert response.json()["status"][0].startswith("There is no status “bogus” to filter by.")
    assert api.get(path).status_code == 200


def test_a_buyer_gets_no_staff_answer_either_way():
    api = APIClient()
    api.force_authenticate(UserFactory())
    assert api.get("/api/v1/moderation/reports/?status=bogus").status_code == 403
