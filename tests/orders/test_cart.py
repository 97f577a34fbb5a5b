import pytest

from orders.models import Cart, CartItem
from sellers.models import Listing, Shop
from tests.factories import DEFAULT_PASSWORD, ListingFactory, ShopFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer(api_client):
    user = UserFactory()
    api_client.force_authenticate(user)
    return user


def test_cart_groups_lines_per_shop_with_server_totals(api_client, buyer):
    honey = ListingFactory(price_cents=1200, shipping_cents=500)
    comb = ListingFactory(shop=honey.shop, price_cents=1800, shipping_cents=650)
    quilt = ListingFactory(price_cents=48000, shipping_cents=2500)
    for listing, quantity in ((honey, 2), (comb, 1), (quilt, 1)):
        response = api_client.post(
            "/api/v1/cart/items/", {"listing": listing.pk, "quantity": quantity}, format="json"
        )
        assert response.status_code == 201, response.json()
    body = api_client.get("/api/v1/cart").json()
    assert [(i["listing"], i["quantity"], i["unit_price_cents"]) for i in body["items"]] == [
        (honey.pk, 2, 1200), (comb.pk, 1, 1800), (quilt.pk, 1, 48000)
    ]
    assert [(s["shop"], s["subtotal_cents"], s["shipping_cents"]) for s in body["shops"]] == [
        (honey.shop.slug, 4200, 650), (quilt.shop.slug, 48000, 2500)
    ]
    assert body["subtotal_cents"] == 52200
    assert body["shipping_cents"] == 3150
    assert body["total_cents"] == 55350
    assert body["currency"] == "USD"


def test_adding_the_same_listing_again_adds_to_the_quantity(api_client, buyer):
    listing = ListingFactory(stock=5)
    api_client.post("/api/v1/cart/items/", {"listing": listing.pk, "quantity": 2}, format="json")
    api_client.post("/api/v1/cart/items/", {"listing": listing.pk, "quantity": 2}, format="json")
    assert list(CartItem.objects.values_list("quantity", flat=True)) == [4]
    response = api_client.post(
        "/api/v1/cart/items/", {"listing": listing.pk, "quantity": 2}, format="json"
    )
    assert response.status_code == 400
    assert "Only 5 left" in response.json()["detail"]
    assert list(CartItem.objects.values_list("quantity", flat=True)) == [4]


@pytest.mark.parametrize(
    "body",
    [
        {"listing": "abc", "quantity": 1},
        {"listing": 1, "quantity": 0},
        {"listing": 1, "quantity": -3},
        {"listing": 1, "quantity": 1.5},
        {"listing": 1, "quantity": 100000},
        {},
    ],
)
def test_cart_add_bad_input_is_400(api_client, buyer, body):
    response = api_client.post("/api/v1/cart/items/", body, format="json")
    assert response.status_code == 400
    assert not CartItem.objects.exists()


@pytest.mark.parametrize("state", ["inactive_listing", "suspended_shop", "missing"])
def test_cart_refuses_what_cannot_be_bought(api_client, buyer, state):
    listing = ListingFactory()
    if state == "inactive_listing":
        Listing.objects.filter(pk=listing.pk).update(status=Listing.Status.PENDING_REVIEW)
    elif state == "suspended_shop":
        Shop.objects.filter(pk=listing.shop_id).update(status=Shop.Status.SUSPENDED)
    listing_id = listing.pk if state != "missing" else listing.pk + 999
    response = api_client.post(
        "/api/v1/cart/items/", {"listing": listing_id, "quantity": 1}, format="json"
    )
    assert response.status_code == 409
    assert "no longer for sale" in response.json()["detail"]
    assert not CartItem.objects.exists()


def test_a_seller_cannot_buy_from_their_own_shop(api_client):
    shop = ShopFactory()
    listing = ListingFactory(shop=shop)
    api_client.force_authenticate(shop.owner)
    response = api_client.post(
        "/api/v1/cart/items/", {"listing": listing.pk, "quantity": 1}, format="json"
    )
    assert response.status_code == 400
    assert not CartItem.objects.exists()


def test_a_listing_gone_after_adding_shows_unavailable_and_leaves_the_totals(api_client, buyer):
    keep = ListingFactory(price_cents=1000, shipping_cents=300)
    gone = ListingFactory(price_cents=5000, shipping_cents=900)
    for listing in (keep, gone):
        api_client.post("/api/v1/cart/items/", {"listing": listing.pk}, format="json")
    Listing.objects.filter(pk=gone.pk).update(status=Listing.Status.ARCHIVED)
    body = api_client.get("/api/v1/cart").json()
    unavailable = [i for i in body["items"] if not i["available"]]
    assert [i["listing"] for i in unavailable] == [gone.pk]
    assert "No longer for sale" in unavailable[0]["problem"]
    assert body["total_cents"] == 1300


def test_update_and_delete_only_your_own_items(api_client, buyer):
    listing = ListingFactory(stock=3)
    api_client.post("/api/v1/cart/items/", {"listing": listing.pk}, format="json")
    item = CartItem.objects.get()
    assert api_client.patch(
        f"/api/v1/cart/items/{item.pk}", {"quantity": 3}, format="json"
    ).status_code == 200
    assert api_client.patch(
        f"/api/v1/cart/items/{item.pk}", {"quantity": 4}, format="json"
    ).status_code == 400
    other = UserFactory()
    api_client.force_authenticate(other)
    assert api_client.patch(
        f"/api/v1/cart/items/{item.pk}", {"quantity": 1}, format="json"
    ).status_code == 404
    assert api_client.delete(f"/api/v1/cart/items/{item.pk}").status_code == 404
    api_client.force_authenticate(buyer)
    assert api_client.delete(f"/api/v1/cart/items/{item.pk}").status_code == 204
    assert not CartItem.objects.exists()


def test_cart_api_requires_sign_in(api_client):
    assert api_client.get("/api/v1/cart").status_code == 401
    assert api_client.post("/api/v1/cart/items/", {"listing": 1}, format="json").status_code == 401


def test_cart_api_query_count_is_fixed(api_client, buyer, django_assert_num_queries):
    first = ListingFactory()
    api_client.post("/api/v1/cart/items/", {"listing": first.pk}, format="json")
    with django_assert_num_queries(2):
        api_client.get("/api/v1/cart")
    for listing in ListingFactory.create_batch(19):
        api_client.post("/api/v1/cart/items/", {"listing": listing.pk}, format="json")
    with django_assert_num_queries(2):
        api_client.get("/api/v1/cart")


def test_visitor_cart_in_the_session_merges_at_login(client):
    listing = ListingFactory(stock=4)
    other = ListingFactory(stock=2)
    client.post("/cart/add/", {"listing": listing.pk, "quantity": 2})
    client.post("/cart/add/", {"listing": other.pk, "quantity": 1})
    page = client.get("/cart/").content.decode()
    assert listing.title in page and other.title in page
    user = UserFactory()
    CartItem.objects.create(cart=Cart.objects.create(user=user), listing=listing, quantity=3)
    response = client.post("/accounts/login/", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    quantities = dict(CartItem.objects.filter(cart__user=user).values_list("listing", "quantity"))
    assert quantities == {listing.pk: 4, other.pk: 1}  # 3 + 2 capped at the stock of 4
    assert "cart" not in client.session


def test_cart_page_updates_and_removes(client):
    user = UserFactory()
    client.force_login(user)
    listing = ListingFactory(stock=5, title="Comb Honey <b>Square</b>")
    response = client.post("/cart/add/", {"listing": listing.pk, "quantity": 2}, follow=True)
    html = response.content.decode()
    assert "Added to your cart." in html
    assert "Comb Honey &lt;b&gt;Square&lt;/b&gt;" in html
    client.post(f"/cart/items/{listing.pk}/", {"quantity": 9})
    assert CartItem.objects.get().quantity == 2
    client.post(f"/cart/items/{listing.pk}/", {"quantity": 0})
    assert not CartItem.objects.exists()
    assert "Your cart is empty" in client.get("/cart/").content.decode()
