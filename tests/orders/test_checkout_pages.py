"""Issue 14.5: the cart, checkout and pay pages count units ("3 items" for three jars), show only
what works with JavaScript off, and cost a fixed number of queries however long the cart."""

import re

import pytest

from orders.models import Checkout, SavedAddress
from tests.builders import ADDRESS
from tests.checkout_http import add, checkout
from tests.factories import ListingFactory, ShopFactory


@pytest.mark.django_db
@pytest.mark.parametrize(("quantity", "words"), [(3, "3 items"), (1, "1 item")])
def test_summaries_count_units_not_lines(api_client, client, buyer, localstripe, quantity,
                                         words):
    honey = ListingFactory(shop=ShopFactory(name="Driftless Bee Farm"), price_cents=1200,
                           shipping_cents=650, stock=9)
    add(api_client, honey, quantity)
    client.force_login(buyer)
    cart = " ".join(client.get("/cart/").content.decode().split())
    assert f"{words}: <strong>" in cart
    form = " ".join(client.get("/checkout/").content.decode().split())
    assert f"Driftless Bee Farm</strong> · {words} ·" in form
    assert f"{words} · total with shipping" in form
    created = checkout(api_client).json()
    pay_page = client.get(f"/checkout/{created['id']}/pay/").content.decode()
    assert f"({words}, shipped)" in pay_page


@pytest.mark.django_db
def test_the_checkout_summary_says_what_pickup_costs(api_client, client, buyer):
    jam = ListingFactory(price_cents=1200, shipping_cents=650, stock=9, local_pickup=True)
    add(api_client, jam, 2)
    client.force_login(buyer)
    form = " ".join(client.get("/checkout/").content.decode().split())
    assert "total with shipping: <strong>$30.50</strong>" in form
    assert "With local pickup there is no shipping: you pay <strong>$24.00</strong>." in form
    no_pickup = ListingFactory(price_cents=500, shipping_cents=300, stock=9, local_pickup=False)
    add(api_client, no_pickup, 1)
    form = " ".join(client.get("/checkout/").content.decode().split())
    assert "With local pickup" not in form


@pytest.mark.django_db
def test_the_pay_page_as_served_is_the_form_that_works_without_javascript(
    api_client, client, buyer, localstripe, settings
):
    add(api_client, ListingFactory(stock=9), 1)
    created = checkout(api_client).json()
    client.force_login(buyer)
    text = client.get(f"/checkout/{created['id']}/pay/").content.decode()
    # Test mode: a test-card choice posts as it is; the card box waits, hidden, for Stripe.js.
    assert re.search(r'<div class="field" id="card-field" hidden>', text)
    assert '<select id="test-card" name="payment_method">' in text
    assert "<noscript>" not in text
    assert re.search(r'<input type="hidden" name="payment_method" id="payment-method" disabled>',
                     text)
    paid = client.post(f"/checkout/{created['id']}/pay/", {"payment_method": "pm_card_visa"})
    assert paid.status_code == 302 and paid["Location"].endswith("/done/")
    assert Checkout.objects.get().status == Checkout.Status.PAID

    # Production: no test cards; without JavaScript the page says what is needed instead of
    # showing a dead card box or a button that cannot work.
    add(api_client, ListingFactory(stock=9), 1)
    second = checkout(api_client).json()
    settings.STRIPE_API_BASE = ""
    text = client.get(f"/checkout/{second['id']}/pay/").content.decode()
    assert "Paying by card needs JavaScript" in text and 'id="test-card"' not in text
    assert re.search(r'id="pay-button" hidden>', text)
    assert re.search(r'<div class="field" id="card-field" hidden>', text)


def _fill_cart(api_client, count):
    shops = [ShopFactory() for _ in range(3)]
    for index in range(count):
        add(api_client, ListingFactory(shop=shops[index % 3], stock=9, local_pickup=True), 2)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/cart/", "/checkout/"])
def test_cart_and_checkout_pages_cost_the_same_queries_at_1_and_30_lines(
    api_client, client, buyer, localstripe, django_assert_max_num_queries, path
):
    SavedAddress.objects.create(user=buyer, name="Dana Buyer", line1="12 Main St",
                                city="Decorah", state="IA", postal_code="52101")
    client.force_login(buyer)
    _fill_cart(api_client, 1)
    checkout(api_client)  # an unpaid checkout: its notice and the buyer's own hold are read too
    with django_assert_max_num_queries(14) as one:
        assert client.get(path).status_code == 200
    _fill_cart(api_client, 29)
    checkout(api_client, address=ADDRESS)
    with django_assert_max_num_queries(14) as many:
        page = client.get(path)
    assert page.status_code == 200
    assert len(one.captured_queries) == len(many.captured_queries)
    assert page.content.decode().count('<li class="cart-line') in {0, 30}
