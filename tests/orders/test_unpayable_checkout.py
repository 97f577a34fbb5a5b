"""Issue 12.7: nothing is paid that cannot be delivered. A checkout whose orders were all
cancelled is cancelled with its PaymentIntent, refuses payment (409, a clear page), and a
payment that still arrives is refunded at once with the buyer told."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum

from notifications.models import Notification
from orders.models import Checkout, Order
from payments.gateway import as_dict, stripe_client
from payments.ledger import account_balance, escrow_account
from payments.models import Escrow, JournalEntry, PaymentIntent, Refund
from payments.selectors import escrow_summary
from sellers.models import Listing
from tests.checkout_http import add, checkout, pay
from tests.factories import ListingFactory, UserFactory
from tests.stripe_support import event_body, sign
from tests.support import client_for, run_together

WEBHOOK = "/api/v1/payments/stripe/webhook"
NOTHING_CHARGED = "These orders were cancelled; nothing was charged."


def unpaid(api_client, listings):
    for listing in listings:
        add(api_client, listing)
    created = checkout(api_client)
    assert created.status_code == 201, created.json()
    return created.json()


def cancel(api_client, order_id):
    response = api_client.post(f"/api/v1/orders/{order_id}/cancel")
    assert response.status_code == 200, response.json()


def stripe_intent(checkout_id):
    record = Checkout.objects.get(pk=checkout_id)
    return as_dict(stripe_client().v1.payment_intents.retrieve(
        record.payment_intent_id, params={"expand": ["latest_charge"]}
    ))


@pytest.mark.django_db
def test_cancelling_both_orders_of_an_unpaid_checkout_leaves_nothing_to_pay(
    api_client, client, buyer, two_shops, localstripe
):
    honey, quilt = two_shops
    created = unpaid(api_client, [honey, quilt])
    first, second = created["orders"]
    cancel(api_client, first)
    assert Checkout.objects.get(pk=created["id"]).status == Checkout.Status.PENDING_PAYMENT
    cancel(api_client, second)

    record = Checkout.objects.get(pk=created["id"])
    assert (record.status, record.provider_cancel_due) == (Checkout.Status.CANCELLED, False)
    assert stripe_intent(created["id"])["status"] == "canceled"  # it can no longer succeed

    client.force_login(buyer)
    page = client.get(f"/checkout/{created['id']}/pay/")
    assert page.status_code == 409
    text = page.content.decode()
    assert NOTHING_CHARGED in text
    assert "Pay $" not in text and 'id="pay-form"' not in text
    assert text.count("Cancelled</span>") == 2
    assert client.post(f"/checkout/{created['id']}/pay/",
                       {"payment_method": "pm_card_visa"}).status_code == 409
    paid = pay(api_client, created["id"])
    assert (paid.status_code, paid.json()["detail"]) == (409, NOTHING_CHARGED)
    synced = api_client.post(f"/api/v1/checkout/{created['id']}/sync")
    assert (synced.status_code, synced.json()["detail"]) == (409, NOTHING_CHARGED)
    assert client.get(f"/checkout/{created['id']}/done/").status_code == 302

    # Nothing was charged anywhere, and the goods are back on sale.
    assert stripe_intent(created["id"])["status"] == "canceled"
    assert PaymentIntent.objects.get().status == PaymentIntent.Status.CANCELED
    assert not Escrow.objects.exists() and not JournalEntry.objects.exists()
    assert Listing.objects.get(pk=honey.pk).stock == 5
    assert Listing.objects.get(pk=quilt.pk).stock == 1
    assert not Notification.objects.filter(kind="late_payment_refunded").exists()


@pytest.mark.django_db
def test_another_persons_cancelled_checkout_is_404(api_client, client, buyer, two_shops,
                                                   localstripe):
    created = unpaid(api_client, [two_shops[0]])
    cancel(api_client, created["orders"][0])
    client.force_login(UserFactory())
    assert client.get(f"/checkout/{created['id']}/pay/").status_code == 404
    api_client.force_authenticate(UserFactory())
    assert pay(api_client, created["id"]).status_code == 404


@pytest.mark.django_db
def test_a_pending_order_page_links_to_its_pay_page_until_it_is_paid(api_client, client, buyer,
                                                                     two_shops, localstripe):
    created = unpaid(api_client, [two_shops[0]])
    order_id = created["orders"][0]
    client.force_login(buyer)
    page = client.get(f"/orders/{order_id}/").content.decode()
    assert "Pay now" in page and f'href="/checkout/{created["id"]}/pay/"' in page
    assert pay(api_client, created["id"]).status_code == 200
    assert "Pay now" not in client.get(f"/orders/{order_id}/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("finisher", ["the expiry job", "the buyer's next look"])
def test_stripe_down_at_cancel_is_finished_later(api_client, client, buyer, two_shops,
                                                 localstripe, failing_stripe, settings,
                                                 finisher):
    created = unpaid(api_client, [two_shops[0]])
    settings.STRIPE_API_BASE = failing_stripe.base
    cancel(api_client, created["orders"][0])  # the buyer's cancel works while Stripe is down
    assert Checkout.objects.get(pk=created["id"]).provider_cancel_due
    settings.STRIPE_API_BASE = localstripe
    assert stripe_intent(created["id"])["status"] == "requires_payment_method"

    if finisher == "the expiry job":
        call_command("run_due_jobs", only=["checkouts-expire"], stdout=StringIO())
    else:
        client.force_login(buyer)
        assert client.get(f"/checkout/{created['id']}/pay/").status_code == 409

    record = Checkout.objects.get(pk=created["id"])
    assert (record.status, record.provider_cancel_due) == (Checkout.Status.CANCELLED, False)
    assert stripe_intent(created["id"])["status"] == "canceled"


@pytest.mark.django_db
def test_a_payment_that_still_arrives_is_refunded_once_and_the_buyer_told(
    api_client, client, buyer, two_shops, localstripe, failing_stripe, settings
):
    honey, quilt = two_shops
    created = unpaid(api_client, [honey, quilt])
    settings.STRIPE_API_BASE = failing_stripe.base  # Stripe unreachable as the buyer cancels
    for order_id in created["orders"]:
        cancel(api_client, order_id)
    settings.STRIPE_API_BASE = localstripe
    record = Checkout.objects.get(pk=created["id"])
    assert record.status == Checkout.Status.CANCELLED and record.provider_cancel_due
    # Meanwhile the buyer's browser had confirmed the card with Stripe (as Stripe.js does).
    stripe = stripe_client()
    stripe.v1.payment_intents.update(record.payment_intent_id,
                                     params={"payment_method": "pm_card_visa"})
    stripe.v1.payment_intents.confirm(record.payment_intent_id)

    for _ in range(2):  # Stripe tells us, and tells us again (a new event id each time)
        body = event_body("payment_intent.succeeded", {"id": record.payment_intent_id})
        response = client.post(WEBHOOK, data=body, content_type="application/json",
                               HTTP_STRIPE_SIGNATURE=sign(body, settings.STRIPE_WEBHOOK_SECRET))
        assert response.status_code == 200

    orders = list(Order.objects.filter(pk__in=created["orders"]).order_by("pk"))
    assert [order.status for order in orders] == [Order.Status.CANCELLED] * 2
    for order in orders:
        summary = escrow_summary(reference=order.reference)
        assert (summary.held_cents, summary.refunded_cents, summary.released_cents) == (
            order.total_cents, order.total_cents, 0
        )
        assert account_balance(account=escrow_account(order.reference), currency="USD") == 0
    assert Refund.objects.filter(status=Refund.Status.SUCCEEDED).count() == 2
    charge = stripe_intent(created["id"])["latest_charge"]
    assert charge["amount_refunded"] == record.amount_cents  # all of it, once
    told = Notification.objects.filter(recipient=buyer, kind="late_payment_refunded")
    assert told.count() == 1
    assert "$523.50" in told.get().message and "nothing is kept" in told.get().message
    record.refresh_from_db()
    assert (record.status, record.payment_status) == (Checkout.Status.CANCELLED, "succeeded")

    synced = api_client.post(f"/api/v1/checkout/{created['id']}/sync")
    assert synced.status_code == 409
    assert synced.json()["detail"] == ("These orders were cancelled; the payment that arrived "
                                       "afterwards is refunded in full.")
    assert Refund.objects.count() == 2 and told.count() == 1


@pytest.mark.django_db(transaction=True)
def test_cancel_and_pay_at_the_same_moment_never_keep_money_for_a_cancelled_order(localstripe):
    outcomes = set()
    for _ in range(4):
        buyer = UserFactory()
        listing = ListingFactory(stock=1, price_cents=2_000, shipping_cents=500)
        api = client_for(buyer)
        created = unpaid(api, [listing])
        order_id = created["orders"][0]

        def act(index, order_id=order_id, created=created, buyer=buyer):
            client = client_for(buyer)
            if index == 0:
                return client.post(f"/api/v1/orders/{order_id}/cancel").status_code
            return pay(client, created["id"]).status_code

        cancelled, paid = run_together(2, act)

        assert cancelled == 200 and paid in {200, 409}  # never a 500
        order = Order.objects.get(pk=order_id)
        assert order.status == Order.Status.CANCELLED  # the buyer's cancel always holds
        assert Listing.objects.get(pk=listing.pk).stock == 1
        kept = JournalEntry.objects.filter(reference=order.reference).aggregate(
            t=Sum("lines__amount_cents", default=0))["t"]
        assert kept == 0  # every entry balances
        assert account_balance(account=escrow_account(order.reference), currency="USD") == 0
        intent = stripe_intent(created["id"])
        if intent["status"] == "succeeded":
            assert intent["latest_charge"]["amount_refunded"] == 2_500
            assert Notification.objects.filter(  # and the buyer is told
                recipient=buyer, kind__in=["late_payment_refunded", "order_refunded"]
            ).exists()
            outcomes.add("paid, then refunded")
        else:
            assert intent["status"] == "canceled"
            assert not Escrow.objects.filter(reference=order.reference).exists()
            outcomes.add("never charged")
    assert outcomes  # at least one interleaving observed; each one kept no money


@pytest.mark.django_db
def test_a_payment_arriving_after_expiry_is_refunded_and_the_buyer_told(
    api_client, client, buyer, two_shops, localstripe, failing_stripe, settings
):
    settings.PAYMENT_EXPIRY_MINUTES = 0
    created = unpaid(api_client, [two_shops[0]])
    settings.STRIPE_API_BASE = failing_stripe.base  # down at expiry: expired anyway
    call_command("run_due_jobs", only=["checkouts-expire"], stdout=StringIO())
    settings.STRIPE_API_BASE = localstripe
    record = Checkout.objects.get(pk=created["id"])
    assert record.status == Checkout.Status.EXPIRED
    stripe = stripe_client()
    stripe.v1.payment_intents.update(record.payment_intent_id,
                                     params={"payment_method": "pm_card_visa"})
    stripe.v1.payment_intents.confirm(record.payment_intent_id)

    synced = api_client.post(f"/api/v1/checkout/{created['id']}/sync")  # the buyer looks

    assert synced.status_code == 409
    assert "The payment that arrived afterwards is refunded in full." in synced.json()["detail"]
    order = Order.objects.get(pk=created["orders"][0])
    assert order.status == Order.Status.CANCELLED
    summary = escrow_summary(reference=order.reference)
    assert (summary.held_cents, summary.refunded_cents) == (order.total_cents,
                                                           order.total_cents)
    assert stripe_intent(created["id"])["latest_charge"]["amount_refunded"] == order.total_cents
    assert Notification.objects.filter(recipient=buyer, kind="late_payment_refunded").count() == 1
    record.refresh_from_db()
    assert record.status == Checkout.Status.EXPIRED  # never "paid": nothing was delivered
