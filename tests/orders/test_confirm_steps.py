"""Every button that pays the seller or refunds the buyer asks first, saying who gets how much."""

import pytest
from django.test import Client

from orders.models import Order
from payments.models import JournalEntry
from payments.selectors import escrow_summary
from tests.checkout_http import add, checkout, paid_orders
from tests.factories import ListingFactory, ShopFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(api_client, buyer, localstripe):
    honey = ListingFactory(shop=ShopFactory(name="Driftless Bee Farm"), price_cents=1200,
                           shipping_cents=650, stock=5)
    (order,) = paid_orders(api_client, [honey], [2])  # 2400 + 650 = 3050 held
    return order


@pytest.fixture
def shipped(paid, api_client):
    api_client.force_authenticate(paid.shop.owner)
    response = api_client.post(f"/api/v1/orders/{paid.pk}/ship",
                               {"carrier": "USPS", "tracking_number": "9400"}, format="json")
    assert response.status_code == 200
    return paid


def _page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _text(response) -> str:
    return " ".join(response.content.decode().split())


def _kinds(order) -> list[str]:
    return sorted(JournalEntry.objects.filter(reference=order.reference)
                  .values_list("kind", flat=True))


def test_i_received_my_order_asks_first_then_pays_once(shipped, buyer):
    client = _page(buyer)
    page = _text(client.get(f"/orders/{shipped.pk}/"))
    assert f'href="/orders/{shipped.pk}/confirm/"' in page

    step = client.get(f"/orders/{shipped.pk}/confirm/")
    assert step.status_code == 200
    text = _text(step)
    assert ("Driftless Bee Farm will be paid the $30.50 we hold for this order (they receive "
            "$28.97 after the $1.53 marketplace fee).") in text
    assert "Yes, release $30.50 to Driftless Bee Farm" in text
    assert f'href="/orders/{shipped.pk}/">Go back</a>' in text
    assert 'name="confirmed" value="yes"' in text
    # Looking, or an old form posted without the confirmation, moves nothing.
    assert _text(client.post(f"/orders/{shipped.pk}/confirm/")).count("$28.97") == 1
    assert Order.objects.get(pk=shipped.pk).status == "shipped"
    assert _kinds(shipped) == ["hold"]

    done = client.post(f"/orders/{shipped.pk}/confirm/", {"confirmed": "yes"}, follow=True)
    assert "Thanks! The seller has been paid." in _text(done)
    again = client.post(f"/orders/{shipped.pk}/confirm/", {"confirmed": "yes"}, follow=True)
    assert "Thanks! The seller has been paid." in _text(again)  # the first answer
    assert Order.objects.get(pk=shipped.pk).status == "completed"
    assert _kinds(shipped) == ["hold", "release"]


def test_buyer_cancel_of_a_paid_order_says_the_refund(paid, buyer):
    client = _page(buyer)
    assert f'href="/orders/{paid.pk}/cancel/"' in _text(client.get(f"/orders/{paid.pk}/"))
    text = _text(client.get(f"/orders/{paid.pk}/cancel/"))
    assert "You get $30.50 back on the card you paid with." in text
    assert "Driftless Bee Farm receives nothing" in text
    assert Order.objects.get(pk=paid.pk).status == "paid"
    done = client.post(f"/orders/{paid.pk}/cancel/", {"confirmed": "yes"}, follow=True)
    assert "Order cancelled." in _text(done)
    assert escrow_summary(reference=paid.reference).refunded_cents == 3050


def test_cancelling_an_unpaid_order_needs_no_step(api_client, buyer, localstripe):
    listing = ListingFactory(stock=3)
    add(api_client, listing)
    order_id = checkout(api_client).json()["orders"][0]
    client = _page(buyer)
    done = client.post(f"/orders/{order_id}/cancel/", follow=True)
    assert "Order cancelled." in _text(done)
    assert Order.objects.get(pk=order_id).status == "cancelled"


def test_seller_cancel_and_refund_says_who_gets_what(paid):
    client = _page(paid.shop.owner)
    page = _text(client.get(f"/sell/orders/{paid.pk}/"))
    assert f'href="/sell/orders/{paid.pk}/cancel/"' in page
    text = _text(client.get(f"/sell/orders/{paid.pk}/cancel/"))
    assert "Dana Buyer gets $30.50 back on their card." in text
    assert "You receive nothing for this order" in text
    assert "Cancel and refund $30.50" in text
    assert f'href="/sell/orders/{paid.pk}/">Go back</a>' in text
    assert Order.objects.get(pk=paid.pk).status == "paid"
    client.post(f"/sell/orders/{paid.pk}/cancel/", {"confirmed": "yes"})
    assert Order.objects.get(pk=paid.pk).status == "cancelled"
    assert escrow_summary(reference=paid.reference).refunded_cents == 3050


def test_steps_of_other_peoples_orders_are_404_and_plain_actions_want_post(shipped, buyer):
    stranger = _page(UserFactory())
    assert stranger.get(f"/orders/{shipped.pk}/confirm/").status_code == 404
    assert stranger.post(f"/orders/{shipped.pk}/confirm/",
                         {"confirmed": "yes"}).status_code == 404
    assert stranger.get(f"/sell/orders/{shipped.pk}/cancel/").status_code == 404
    seller = _page(shipped.shop.owner)
    assert seller.get(f"/orders/{shipped.pk}/confirm/").status_code == 404
    assert _page(buyer).get(f"/orders/{shipped.pk}/extend/").status_code == 405
    assert _page(buyer).get(f"/orders/{shipped.pk}/nonsense/").status_code == 404
    assert Order.objects.get(pk=shipped.pk).status == "shipped"
    assert _kinds(shipped) == ["hold"]


def test_no_cancel_step_is_offered_once_the_order_has_shipped(shipped, buyer):
    for client, url in ((_page(shipped.shop.owner), f"/sell/orders/{shipped.pk}/cancel/"),
                        (_page(buyer), f"/orders/{shipped.pk}/cancel/")):
        answer = client.get(url, follow=True)
        text = answer.content.decode()
        assert answer.redirect_chain and "Cancel and refund" not in text
        assert "that is no longer possible" in text
    assert Order.objects.get(pk=shipped.pk).status == "shipped"
    assert _kinds(shipped) == ["hold"]
