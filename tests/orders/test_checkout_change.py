"""Issue 14.5: checkout that forgives. The cart is emptied only by a successful payment; going
back from the pay page closes the unpaid checkout, releases its stock and leaves the ledger
alone; a payment at the same moment either stands (going back refused) or is refunded."""

import re
import time

import pytest
from django.db.models import Sum

from notifications.models import Notification
from orders.models import CartItem, Checkout, Order
from payments.gateway import as_dict, stripe_client
from payments.ledger import account_balance, escrow_account
from payments.models import Escrow, JournalEntry, Refund
from payments.selectors import escrow_summary
from sellers.models import Listing, Shop
from tests.builders import ADDRESS
from tests.checkout_http import add, checkout, pay
from tests.factories import ListingFactory, ShopFactory, UserFactory
from tests.stripe_support import event_body, sign, stripe_proxy
from tests.support import client_for, run_together

WEBHOOK = "/api/v1/payments/stripe/webhook"
PAGE_ADDRESS = {key: value for key, value in ADDRESS.items() if key != "country"}


def cart_lines(user) -> list[tuple[int, int]]:
    return list(CartItem.objects.filter(cart__user=user).order_by("listing_id")
                .values_list("listing_id", "quantity"))


def stripe_intent(checkout_id):
    record = Checkout.objects.get(pk=checkout_id)
    return as_dict(stripe_client().v1.payment_intents.retrieve(
        record.payment_intent_id, params={"expand": ["latest_charge"]}
    ))


def page_checkout(client, *, fulfillment="ship", key="page-key-1", **fields):
    body = {"fulfillment": fulfillment, "idempotency_key": key, "saved_address": "new",
            **PAGE_ADDRESS, **fields}
    return client.post("/checkout/", body)


@pytest.fixture
def jars_and_quilt(two_shops):
    honey, quilt = two_shops
    return honey, quilt


@pytest.mark.django_db
def test_going_back_from_the_pay_page_keeps_the_cart_releases_the_stock_and_moves_no_money(
    api_client, client, buyer, jars_and_quilt, localstripe
):
    honey, quilt = jars_and_quilt
    add(api_client, honey, 3)
    add(api_client, quilt, 1)
    client.force_login(buyer)
    placed = page_checkout(client)
    assert placed.status_code == 302
    first = Checkout.objects.get()
    assert placed["Location"] == f"/checkout/{first.pk}/pay/"
    assert (Listing.objects.get(pk=honey.pk).stock, Listing.objects.get(pk=quilt.pk).stock) == (
        2, 0)
    assert cart_lines(buyer) == [(honey.pk, 3), (quilt.pk, 1)]  # not emptied before paying
    pay_page = client.get(f"/checkout/{first.pk}/pay/").content.decode()
    assert "Change delivery or address" in pay_page and "Change my cart" in pay_page

    back = client.post(f"/checkout/{first.pk}/change/", {"next": "checkout"})

    assert (back.status_code, back["Location"]) == (302, "/checkout/")
    first.refresh_from_db()
    assert first.status == Checkout.Status.CANCELLED and first.changed_at is not None
    assert set(first.orders.values_list("status", flat=True)) == {Order.Status.CANCELLED}
    assert (Listing.objects.get(pk=honey.pk).stock, Listing.objects.get(pk=quilt.pk).stock) == (
        5, 1)
    assert cart_lines(buyer) == [(honey.pk, 3), (quilt.pk, 1)]
    assert not JournalEntry.objects.exists() and not Escrow.objects.exists()
    assert stripe_intent(first.pk)["status"] == "canceled"  # it can no longer take money
    assert not Notification.objects.filter(recipient__in=[honey.shop.owner, quilt.shop.owner])
    form = client.get("/checkout/")
    text = form.content.decode()
    assert "Nothing was charged. Your items are in your cart" in text
    assert "no-store" in form["Cache-Control"]
    assert 'value="Dana Buyer"' in text and 'value="12 Main St"' in text  # choices kept
    # The orders left unpaid are on no one's list.
    assert api_client.get("/api/v1/orders/").json()["count"] == 0
    api_client.force_authenticate(quilt.shop.owner)
    assert api_client.get("/api/v1/seller/orders/").json()["count"] == 0
    api_client.force_authenticate(buyer)

    # Now the buyer leaves the quilt, picks the honey up instead, and pays.
    client.post(f"/cart/items/{quilt.pk}/", {"quantity": "0"})
    again = page_checkout(client, fulfillment="pickup", key="page-key-2")
    second = Checkout.objects.exclude(pk=first.pk).get()
    assert again["Location"] == f"/checkout/{second.pk}/pay/"
    assert (second.fulfillment, second.amount_cents) == ("pickup", 3 * 1200)
    assert pay(api_client, second.pk).status_code == 200
    assert Listing.objects.get(pk=honey.pk).stock == 2
    assert Listing.objects.get(pk=quilt.pk).stock == 1
    assert cart_lines(buyer) == []  # bought, so out of the cart
    assert Order.objects.get(checkout=second).status == Order.Status.PAID


@pytest.mark.django_db
def test_checking_out_again_replaces_the_unpaid_checkout_and_holds_stock_once(
    api_client, buyer, jars_and_quilt, localstripe
):
    honey, _ = jars_and_quilt
    add(api_client, honey, 2)
    first = checkout(api_client).json()
    assert Listing.objects.get(pk=honey.pk).stock == 3
    # The cart is still theirs to change: 2 are held by their own checkout, so 5 are possible.
    assert api_client.patch(f"/api/v1/cart/items/{CartItem.objects.get().pk}",
                            {"quantity": 5}, format="json").status_code == 200
    second = checkout(api_client, fulfillment="pickup")
    assert second.status_code == 201, second.json()
    assert Listing.objects.get(pk=honey.pk).stock == 0  # 5 held by the new one, none by the old
    assert Checkout.objects.get(pk=first["id"]).status == Checkout.Status.CANCELLED
    assert stripe_intent(first["id"])["status"] == "canceled"
    refused = pay(api_client, first["id"])
    assert refused.status_code == 409
    assert refused.json()["detail"] == ("You changed this checkout before paying, so nothing "
                                        "was charged. Your items are in your cart.")
    assert pay(api_client, second.json()["id"]).status_code == 200
    assert Refund.objects.count() == 0 and cart_lines(buyer) == []


@pytest.mark.django_db
def test_going_back_after_the_payment_succeeded_is_refused_and_the_orders_stand(
    api_client, client, buyer, jars_and_quilt, localstripe
):
    honey, _ = jars_and_quilt
    add(api_client, honey, 3)
    created = checkout(api_client).json()
    assert pay(api_client, created["id"]).status_code == 200

    refused = api_client.post(f"/api/v1/checkout/{created['id']}/cancel")
    assert refused.status_code == 409
    assert "paid a moment ago, so it can no longer be changed" in refused.json()["detail"]
    client.force_login(buyer)
    page = client.post(f"/checkout/{created['id']}/change/", follow=True)
    assert page.redirect_chain[-1][0] == f"/checkout/{created['id']}/done/"
    assert "can no longer be changed" in page.content.decode()
    order = Order.objects.get(checkout_id=created["id"])
    assert order.status == Order.Status.PAID
    assert escrow_summary(reference=order.reference).held_cents == order.total_cents
    assert Listing.objects.get(pk=honey.pk).stock == 2 and cart_lines(buyer) == []


@pytest.mark.django_db
def test_going_back_twice_is_harmless_and_another_buyers_checkout_is_404(
    api_client, client, buyer, jars_and_quilt, localstripe
):
    honey, _ = jars_and_quilt
    add(api_client, honey, 1)
    created = checkout(api_client).json()
    stranger = UserFactory()
    client.force_login(stranger)
    assert client.post(f"/checkout/{created['id']}/change/").status_code == 404
    assert client.post("/checkout/999999/change/").status_code == 404
    api_client.force_authenticate(stranger)
    assert api_client.post(f"/api/v1/checkout/{created['id']}/cancel").status_code == 404
    assert Checkout.objects.get().status == Checkout.Status.PENDING_PAYMENT
    assert Listing.objects.get(pk=honey.pk).stock == 4

    api_client.force_authenticate(buyer)
    for _ in range(2):
        closed = api_client.post(f"/api/v1/checkout/{created['id']}/cancel")
        assert (closed.status_code, closed.json()["status"]) == (200, "cancelled")
    assert Listing.objects.get(pk=honey.pk).stock == 5  # returned once
    assert client.get(f"/checkout/{created['id']}/change/").status_code == 405


@pytest.mark.django_db
def test_back_to_the_form_then_a_changed_choice_replaces_the_checkout(
    api_client, client, buyer, jars_and_quilt, localstripe
):
    """The browser's Back shows the form again (never cached) with the reservation named;
    sending it changed, even with the key the form had before, makes a new checkout."""
    honey, _ = jars_and_quilt
    add(api_client, honey, 3)
    client.force_login(buyer)
    page_checkout(client, key="restored-key")
    first = Checkout.objects.get()
    back = client.get("/checkout/")
    text = back.content.decode()
    assert "no-store" in back["Cache-Control"]
    assert f'href="/checkout/{first.pk}/pay/"' in text and "Return to payment" in text
    assert re.search(r'value="ship"[^>]*checked', text)
    cart_page = client.get("/cart/").content.decode()
    assert "Stop paying and change my cart" in cart_page
    assert "Sold out" not in cart_page and "Only" not in cart_page  # their own hold is theirs

    again = page_checkout(client, fulfillment="pickup", key="restored-key")
    second = Checkout.objects.exclude(pk=first.pk).get()
    assert again["Location"] == f"/checkout/{second.pk}/pay/"
    assert second.fulfillment == "pickup"
    assert Checkout.objects.get(pk=first.pk).status == Checkout.Status.CANCELLED
    assert Listing.objects.get(pk=honey.pk).stock == 2


@pytest.mark.django_db
def test_a_payment_arriving_for_a_checkout_left_behind_is_refunded_in_full(
    api_client, client, buyer, jars_and_quilt, localstripe, failing_stripe, settings
):
    honey, _ = jars_and_quilt
    add(api_client, honey, 2)
    created = checkout(api_client).json()
    settings.STRIPE_API_BASE = failing_stripe.base  # Stripe unreachable as the buyer goes back
    closed = api_client.post(f"/api/v1/checkout/{created['id']}/cancel")
    assert (closed.status_code, closed.json()["status"]) == (200, "cancelled")
    settings.STRIPE_API_BASE = localstripe
    record = Checkout.objects.get(pk=created["id"])
    assert record.provider_cancel_due
    # The card was confirmed with Stripe in another tab before the cancel reached it.
    stripe = stripe_client()
    stripe.v1.payment_intents.update(record.payment_intent_id,
                                     params={"payment_method": "pm_card_visa"})
    stripe.v1.payment_intents.confirm(record.payment_intent_id)
    body = event_body("payment_intent.succeeded", {"id": record.payment_intent_id})
    hook = client.post(WEBHOOK, data=body, content_type="application/json",
                       HTTP_STRIPE_SIGNATURE=sign(body, settings.STRIPE_WEBHOOK_SECRET))
    assert hook.status_code == 200

    order = Order.objects.get(checkout=record)
    assert order.status == Order.Status.CANCELLED
    summary = escrow_summary(reference=order.reference)
    assert (summary.held_cents, summary.refunded_cents) == (order.total_cents, order.total_cents)
    assert account_balance(account=escrow_account(order.reference), currency="USD") == 0
    assert stripe_intent(record.pk)["latest_charge"]["amount_refunded"] == record.amount_cents
    assert Notification.objects.filter(recipient=buyer, kind="late_payment_refunded").count() == 1
    assert Listing.objects.get(pk=honey.pk).stock == 5
    assert cart_lines(buyer) == [(honey.pk, 2)]  # refunded, not bought: still in the cart


def _go_back_and_pay_setup():
    buyer = UserFactory()
    listing = ListingFactory(shop=ShopFactory(), stock=3, price_cents=2_000, shipping_cents=500)
    add(client_for(buyer), listing, 2)
    created = checkout(client_for(buyer)).json()
    return buyer, listing, created["id"]


def _go_back(buyer, checkout_id) -> int:
    return client_for(buyer).post(f"/api/v1/checkout/{checkout_id}/cancel").status_code


def _end_state(*, buyer, listing, checkout_id, went_back, paid) -> str:
    """Check what a go-back and a payment of one checkout left behind; name the outcome."""
    assert went_back in {200, 409} and paid in {200, 409}  # never a 500
    order = Order.objects.get(checkout_id=checkout_id)
    stock = Listing.objects.get(pk=listing.pk).stock
    kept = JournalEntry.objects.filter(reference=order.reference).aggregate(
        t=Sum("lines__amount_cents", default=0))["t"]
    assert kept == 0  # every entry balances
    if order.status == Order.Status.PAID:  # the payment won: the order stands
        assert (went_back, paid) == (409, 200)
        assert stock == 1 and CartItem.objects.filter(cart__user=buyer).count() == 0
        held = escrow_summary(reference=order.reference)
        assert (held.held_cents, held.refunded_cents) == (4_500, 0)
        return "paid; going back refused"
    # going back won: nothing kept, stock back once, cart intact
    assert order.status == Order.Status.CANCELLED and went_back == 200
    assert stock == 3
    assert list(CartItem.objects.filter(cart__user=buyer).values_list(
        "listing_id", "quantity")) == [(listing.pk, 2)]
    assert account_balance(account=escrow_account(order.reference), currency="USD") == 0
    intent = stripe_intent(checkout_id)
    if intent["status"] == "succeeded":
        assert intent["latest_charge"]["amount_refunded"] == 4_500
        return "went back; the payment refunded"
    assert intent["status"] == "canceled" and paid == 409
    assert not Escrow.objects.filter(reference=order.reference).exists()
    return "went back; never charged"


@pytest.mark.django_db
def test_going_back_before_paying_and_paying_before_going_back_each_end_consistent(localstripe):
    buyer, listing, checkout_id = _go_back_and_pay_setup()
    went_back = _go_back(buyer, checkout_id)
    paid = pay(client_for(buyer), checkout_id).status_code
    assert _end_state(buyer=buyer, listing=listing, checkout_id=checkout_id,
                      went_back=went_back, paid=paid) == "went back; never charged"

    buyer, listing, checkout_id = _go_back_and_pay_setup()
    paid = pay(client_for(buyer), checkout_id).status_code
    went_back = _go_back(buyer, checkout_id)
    assert _end_state(buyer=buyer, listing=listing, checkout_id=checkout_id,
                      went_back=went_back, paid=paid) == "paid; going back refused"


@pytest.mark.django_db(transaction=True)
def test_going_back_and_paying_at_the_same_moment_never_lose_money_or_sell_twice(localstripe):
    # The go-back starts a little later each round, so that both orders of arrival are met;
    # whichever lands, the end state is one of the consistent outcomes.
    for delay in (0, 0.05, 0.2, 0.6):
        buyer, listing, checkout_id = _go_back_and_pay_setup()

        def act(index, buyer=buyer, checkout_id=checkout_id, delay=delay):
            if index == 0:
                time.sleep(delay)
                return _go_back(buyer, checkout_id)
            return pay(client_for(buyer), checkout_id).status_code

        went_back, paid = run_together(2, act)
        assert _end_state(buyer=buyer, listing=listing, checkout_id=checkout_id,
                          went_back=went_back, paid=paid) in {
            "paid; going back refused", "went back; the payment refunded",
            "went back; never charged"}


@pytest.fixture
def processing_stripe(localstripe_base, settings):
    """localstripe behind a proxy that says the checkout's PaymentIntent is `processing`."""
    answers: dict[str, dict] = {}

    def intercept(command, path, headers):
        for stripe_id, body in answers.items():
            if command == "GET" and f"/v1/payment_intents/{stripe_id}" in path:
                return 200, body
        return None

    server = stripe_proxy(localstripe_base, intercept)
    server.answers = answers
    settings.STRIPE_API_BASE = server.base
    yield server
    server.stop()


@pytest.mark.django_db
@pytest.mark.parametrize("stripe_status", ["processing", "requires_capture"])
def test_going_back_while_the_payment_is_processing_is_refused(
    api_client, client, buyer, jars_and_quilt, processing_stripe, stripe_status
):
    honey, _ = jars_and_quilt
    add(api_client, honey, 2)
    client.force_login(buyer)
    assert page_checkout(client).status_code == 302
    placed = Checkout.objects.get()
    processing_stripe.answers[placed.payment_intent_id] = {
        "id": placed.payment_intent_id, "object": "payment_intent",
        "amount": placed.amount_cents, "currency": "usd", "status": stripe_status,
        "client_secret": placed.client_secret, "metadata": {"reference": placed.reference},
        "latest_charge": None, "last_payment_error": None,
    }
    back = client.post(f"/checkout/{placed.pk}/change/", {"next": "checkout"})
    assert back.status_code == 409
    assert "Your payment is being processed" in back.content.decode()
    placed.refresh_from_db()
    assert placed.status == Checkout.Status.PENDING_PAYMENT
    assert Order.objects.get(checkout=placed).status == Order.Status.PENDING_PAYMENT
    assert Listing.objects.get(pk=honey.pk).stock == 3  # still held for the payment
    refused = api_client.post(f"/api/v1/checkout/{placed.pk}/cancel")
    assert refused.status_code == 409
    assert "Your payment is being processed" in refused.json()["detail"]


@pytest.mark.django_db
def test_going_back_when_stripe_cannot_be_reached_does_not_promise_nothing_was_charged(
    api_client, client, buyer, jars_and_quilt, localstripe, settings
):
    honey, _ = jars_and_quilt
    add(api_client, honey, 2)
    client.force_login(buyer)
    assert page_checkout(client).status_code == 302
    placed = Checkout.objects.get()
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    back = client.post(f"/checkout/{placed.pk}/change/", {"next": "checkout"})
    assert (back.status_code, back["Location"]) == (302, "/checkout/")
    placed.refresh_from_db()
    assert placed.status == Checkout.Status.CANCELLED and placed.provider_cancel_due
    text = client.get("/checkout/").content.decode()
    assert "Nothing was charged" not in text
    assert "if a payment went through, it is refunded automatically" in text


@pytest.mark.django_db
def test_paying_a_checkout_whose_shop_has_closed_is_refused_and_charges_nothing(
    api_client, buyer, jars_and_quilt, localstripe
):
    honey, _ = jars_and_quilt
    add(api_client, honey, 2)
    created = checkout(api_client).json()
    # The state a close racing this checkout used to leave: a closed shop, an order unpaid.
    Shop.objects.filter(pk=honey.shop_id).update(status=Shop.Status.CLOSED)
    refused = pay(api_client, created["id"])
    assert refused.status_code == 409
    assert refused.json()["detail"] == "These orders were cancelled; nothing was charged."
    record = Checkout.objects.get(pk=created["id"])
    assert record.status == Checkout.Status.CANCELLED and record.paid_at is None
    assert Order.objects.get(checkout=record).status == Order.Status.CANCELLED
    assert stripe_intent(record.pk)["status"] == "canceled"
    assert not Escrow.objects.exists() and not JournalEntry.objects.exists()


@pytest.mark.django_db
def test_a_payment_arriving_after_the_shop_closed_is_refunded_in_full(
    api_client, client, buyer, jars_and_quilt, localstripe, settings
):
    honey, _ = jars_and_quilt
    add(api_client, honey, 2)
    record = Checkout.objects.get(pk=checkout(api_client).json()["id"])
    Shop.objects.filter(pk=honey.shop_id).update(status=Shop.Status.CLOSED)
    stripe = stripe_client()  # the card confirmed in another tab
    stripe.v1.payment_intents.update(record.payment_intent_id,
                                     params={"payment_method": "pm_card_visa"})
    stripe.v1.payment_intents.confirm(record.payment_intent_id)
    body = event_body("payment_intent.succeeded", {"id": record.payment_intent_id})
    hook = client.post(WEBHOOK, data=body, content_type="application/json",
                       HTTP_STRIPE_SIGNATURE=sign(body, settings.STRIPE_WEBHOOK_SECRET))
    assert hook.status_code == 200
    record.refresh_from_db()
    assert record.status == Checkout.Status.CANCELLED and record.paid_at is not None
    order = Order.objects.get(checkout=record)
    assert order.status == Order.Status.CANCELLED
    summary = escrow_summary(reference=order.reference)
    assert (summary.held_cents, summary.refunded_cents) == (order.total_cents, order.total_cents)
    assert stripe_intent(record.pk)["latest_charge"]["amount_refunded"] == record.amount_cents
    assert Notification.objects.filter(recipient=buyer, kind="late_payment_refunded").count() == 1
