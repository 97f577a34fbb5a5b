"""The payment provider is down, or answers 500, while a buyer checks out."""

import subprocess

import pytest
from django.core.management import call_command

from orders.models import Checkout, Order
from payments.models import Escrow, GatewayCall, JournalEntry, PaymentIntent
from sellers.models import Listing
from tests.checkout_http import add, checkout, pay
from tests.factories import ListingFactory, ShopFactory
from tests.processes import BIN, free_port, stop_process, wait_for_port

pytestmark = [pytest.mark.faults, pytest.mark.services]


class PrivateLocalstripe:
    """A localstripe process of this test's own, stopped and started again on one port."""

    def __init__(self, log_dir):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / "localstripe.log"
        self.process = None

    def start(self):
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [str(BIN / "localstripe"), "--from-scratch", "--port", str(self.port)],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )
        wait_for_port(self.port, timeout=30)

    def stop(self):
        stop_process(self.process, timeout=10)


@pytest.fixture
def own_localstripe(tmp_path, settings):
    server = PrivateLocalstripe(tmp_path)
    server.start()
    settings.STRIPE_API_BASE = server.base
    yield server
    server.stop()


def _assert_refused_cleanly(response, listing, stock_before):
    assert response.status_code == 503, response.json()
    detail = response.json()["detail"]
    assert "could not reach the payment provider" in detail
    assert "try again" in detail
    created = Checkout.objects.get()
    assert created.status == Checkout.Status.PENDING_PAYMENT
    assert created.payment_intent_id == ""
    assert list(created.orders.values_list("status", flat=True)) == [Order.Status.PENDING_PAYMENT]
    # Stock is reserved for the buyer's retry, and no money moved anywhere.
    assert Listing.objects.get(pk=listing.pk).stock == stock_before - 1
    assert not Order.objects.filter(status=Order.Status.PAID).exists()
    assert not Escrow.objects.exists()
    assert not JournalEntry.objects.exists()
    return created


def _expire_and_assert_stock_back(created, listing, stock_before, settings):
    # The checkout was made with PAYMENT_EXPIRY_MINUTES=0: it is due at once.
    call_command("run_due_jobs", only=["checkouts-expire"])
    created.refresh_from_db()
    assert created.status == Checkout.Status.EXPIRED
    assert list(created.orders.values_list("status", flat=True)) == [Order.Status.CANCELLED]
    assert Listing.objects.get(pk=listing.pk).stock == stock_before
    assert not JournalEntry.objects.exists()


@pytest.mark.django_db
def test_localstripe_down_gives_503_then_the_checkout_expires_and_stock_returns(
    own_localstripe, api_client, settings
):
    settings.PAYMENT_EXPIRY_MINUTES = 0
    buyer = ShopFactory().owner  # any user can buy
    api_client.force_authenticate(buyer)
    listing = ListingFactory(shop=ShopFactory(), price_cents=2500, shipping_cents=0, stock=4)
    own_localstripe.stop()

    add(api_client, listing)
    response = checkout(api_client)
    created = _assert_refused_cleanly(response, listing, stock_before=4)
    # Three attempts with one idempotency key, then "unknown": nothing is assumed.
    call = GatewayCall.objects.get(operation="payment_intent.create")
    assert (call.attempts, call.status) == (3, GatewayCall.Status.UNKNOWN)
    assert PaymentIntent.objects.get().status == PaymentIntent.Status.UNKNOWN
    _expire_and_assert_stock_back(created, listing, 4, settings)
    # Paying the expired checkout is refused; nothing is charged.
    assert pay(api_client, created.pk).status_code == 409

    # The provider comes back: the next checkout works, no restart of the app needed.
    own_localstripe.start()
    # The cart was never emptied (only a payment empties it): the buyer checks out again.
    assert [(line["listing"], line["quantity"]) for line in
            api_client.get("/api/v1/cart").json()["items"]] == [(listing.pk, 1)]
    again = checkout(api_client)
    assert again.status_code == 201, again.json()
    paid = pay(api_client, again.json()["id"])
    assert paid.status_code == 200 and paid.json()["payment"]["status"] == "succeeded"
    assert Order.objects.get(checkout_id=again.json()["id"]).status == Order.Status.PAID
    assert Listing.objects.get(pk=listing.pk).stock == 3


@pytest.mark.django_db
def test_localstripe_answering_500_gives_503_and_no_order_is_paid(
    failing_stripe, api_client, settings
):
    settings.PAYMENT_EXPIRY_MINUTES = 0
    settings.STRIPE_API_BASE = failing_stripe.base
    buyer = ShopFactory().owner
    api_client.force_authenticate(buyer)
    listing = ListingFactory(shop=ShopFactory(), price_cents=900, shipping_cents=300, stock=2)

    add(api_client, listing)
    response = checkout(api_client)
    created = _assert_refused_cleanly(response, listing, stock_before=2)
    keys = {request["key"] for request in failing_stripe.requests}
    assert len(failing_stripe.requests) == 3 and len(keys) == 1  # same key on every retry
    _expire_and_assert_stock_back(created, listing, 2, settings)
    assert not PaymentIntent.objects.filter(status=PaymentIntent.Status.SUCCEEDED).exists()
