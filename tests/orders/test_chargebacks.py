"""Chargebacks through the front door: signed `charge.dispute.*` events (localstripe sends none
and has no disputes API, so the signed event is the source of truth), then the buyer's and
seller's API, the deadline jobs and the payout job, checked against the ledger."""

import io

import pytest
from django.core.management import call_command
from django.test import Client

from notifications.models import Notification
from orders.models import Checkout, Order
from payments.ledger import CHARGEBACKS, account_balance, seller_payable_account
from payments.models import Chargeback, Escrow, Payout, ReconciliationIssue
from payments.services import payout_mark_paid, payouts_run
from sellers.models import Listing
from tests.checkout_http import paid_orders
from tests.factories import ListingFactory, ShopFactory, UserFactory
from tests.stripe_support import event_body, next_number, sign

pytestmark = pytest.mark.django_db
WEBHOOK = "/api/v1/payments/stripe/webhook"


def deliver(settings, event_type, data_object):
    body = event_body(event_type, data_object)
    return Client().post(WEBHOOK, data=body, content_type="application/json",
                         HTTP_STRIPE_SIGNATURE=sign(body, settings.STRIPE_WEBHOOK_SECRET))


def dispute(order, *, status="needs_response", dispute_id=None, amount=None):
    intent = Checkout.objects.get(pk=order.checkout_id).payment_intent_id
    return {"id": dispute_id or f"dp_test_{next_number()}", "object": "dispute",
            "amount": order.total_cents if amount is None else amount, "currency": "usd",
            "payment_intent": intent, "reason": "fraudulent", "status": status}


def as_seller(api_client, order):
    api_client.force_authenticate(order.shop.owner)
    return api_client


def as_buyer(api_client, order):
    api_client.force_authenticate(order.buyer)
    return api_client


def ship(api_client, order):
    response = as_seller(api_client, order).post(
        f"/api/v1/orders/{order.pk}/ship", {"carrier": "USPS", "tracking_number": "9400 1"},
        format="json")
    assert response.status_code == 200, response.json()


def run_job(name):
    call_command("run_due_jobs", "--only", name, stdout=io.StringIO())


def escrow_status(api_client, order):
    return as_buyer(api_client, order).get(f"/api/v1/orders/{order.pk}").json()["escrow"]


@pytest.fixture
def shop_listing():
    shop = ShopFactory(name="Driftless Bee Farm")  # no Stripe account: manual payouts
    return ListingFactory(shop=shop, price_cents=1_500, shipping_cents=500, stock=10)


def test_a_chargeback_freezes_the_escrow_nothing_is_released_or_paid(
    api_client, buyer, shop_listing, settings, localstripe
):
    (order,) = paid_orders(api_client, [shop_listing])
    ship(api_client, order)
    Order.objects.filter(pk=order.pk).update(auto_confirm_at="2020-01-01T00:00:00Z")

    response = deliver(settings, "charge.dispute.created", dispute(order))
    assert response.status_code == 200, response.content

    run_job("orders-complete-unconfirmed")
    assert Order.objects.get(pk=order.pk).status == "shipped"
    assert escrow_status(api_client, order)["status"] == "frozen"
    assert escrow_status(api_client, order)["held_cents"] == 2_000
    assert Escrow.objects.get(reference=order.reference).status == "frozen"

    result = payouts_run()
    assert (result.created, result.paid) == (0, 0) and not Payout.objects.exists()
    assert account_balance(account=seller_payable_account(order.shop_id), currency="USD") == 0

    confirm = as_buyer(api_client, order).post(f"/api/v1/orders/{order.pk}/confirm-receipt")
    assert confirm.status_code == 409
    assert "chargeback" in confirm.json()["detail"].lower()
    assert Order.objects.get(pk=order.pk).status == "shipped"

    told = Notification.objects.filter(kind="chargeback_opened", recipient=order.shop.owner)
    assert told.count() == 1
    balance = as_seller(api_client, order).get("/api/v1/seller/balance").json()
    assert (balance["escrow_cents"], balance["frozen_cents"]) == (2_000, 2_000)

    # the same event delivered again (a new event id) changes nothing more
    deliver(settings, "charge.dispute.created", dispute(order, dispute_id=Chargeback.objects
                                                         .get().dispute_id))
    assert Chargeback.objects.count() == 1 and told.count() == 1


def test_a_chargeback_won_lifts_the_freeze_and_release_works_again(
    api_client, buyer, shop_listing, settings, localstripe
):
    (order,) = paid_orders(api_client, [shop_listing])
    ship(api_client, order)
    opened = dispute(order)
    deliver(settings, "charge.dispute.created", opened)
    assert as_buyer(api_client, order).post(
        f"/api/v1/orders/{order.pk}/confirm-receipt").status_code == 409

    closed = deliver(settings, "charge.dispute.closed", {**opened, "status": "won"})
    assert closed.status_code == 200

    assert escrow_status(api_client, order)["status"] == "held"
    confirm = as_buyer(api_client, order).post(f"/api/v1/orders/{order.pk}/confirm-receipt")
    assert confirm.status_code == 200, confirm.json()
    assert confirm.json()["escrow"]["status"] == "released"
    assert account_balance(account=seller_payable_account(order.shop_id),
                           currency="USD") == 1_900  # 2 000 less the 5 % fee
    assert Chargeback.objects.get().status == "won"
    assert Notification.objects.filter(kind="chargeback_won",
                                       recipient=order.shop.owner).count() == 1


def test_a_chargeback_lost_before_release_refunds_the_order_through_the_ledger(
    api_client, buyer, shop_listing, settings, localstripe
):
    (order,) = paid_orders(api_client, [shop_listing])
    opened = dispute(order)
    deliver(settings, "charge.dispute.created", opened)
    deliver(settings, "charge.dispute.closed", {**opened, "status": "lost"})
    deliver(settings, "charge.dispute.closed", {**opened, "status": "lost"})  # again: no effect

    order.refresh_from_db()
    assert order.status == "refunded"
    assert Listing.objects.get(pk=shop_listing.pk).stock == 10  # never shipped: back on sale
    escrow = escrow_status(api_client, order)
    assert (escrow["status"], escrow["released_cents"]) == ("refunded", 0)
    assert account_balance(account=f"escrow:{order.reference}", currency="USD") == 0
    assert account_balance(account=CHARGEBACKS, currency="USD") == 2_000
    assert account_balance(account=seller_payable_account(order.shop_id), currency="USD") == 0
    assert Notification.objects.filter(kind="chargeback_lost",
                                       recipient=order.shop.owner).count() == 1
    assert Notification.objects.filter(kind="chargeback_refunded",
                                       recipient=order.buyer).count() == 1
    assert payouts_run().created == 0


def test_a_chargeback_lost_after_payout_is_owed_and_paid_back_first(
    api_client, buyer, shop_listing, settings, localstripe
):
    (first,) = paid_orders(api_client, [shop_listing])
    ship(api_client, first)
    assert as_buyer(api_client, first).post(
        f"/api/v1/orders/{first.pk}/confirm-receipt").status_code == 200
    assert payouts_run().created == 1
    payout = Payout.objects.get()
    staff = UserFactory(is_staff=True)
    payout_mark_paid(payout=payout, bank_reference="ACH-1", actor=staff)
    assert payout.amount_cents == 1_900

    opened = dispute(first)
    deliver(settings, "charge.dispute.created", opened)
    deliver(settings, "charge.dispute.closed", {**opened, "status": "lost"})

    first.refresh_from_db()
    assert first.status == "refunded"
    payable = seller_payable_account(first.shop_id)
    assert account_balance(account=payable, currency="USD") == -1_900
    assert account_balance(account=CHARGEBACKS, currency="USD") == 2_000  # seller + fee back
    balance = as_seller(api_client, first).get("/api/v1/seller/balance").json()
    assert (balance["available_cents"], balance["owed_cents"]) == (-1_900, 1_900)
    page = Client()
    page.force_login(first.shop.owner)
    assert "You owe $19.00" in page.get("/sell/balance/").content.decode()
    lost = Notification.objects.get(kind="chargeback_lost", recipient=first.shop.owner)
    assert "You owe $19.00" in lost.message

    # The next sale pays the debt back first: 1 900 of its 1 900 → nothing to pay out yet.
    as_buyer(api_client, first)
    (second,) = paid_orders(api_client, [shop_listing])
    ship(api_client, second)
    as_buyer(api_client, second).post(f"/api/v1/orders/{second.pk}/confirm-receipt")
    assert account_balance(account=payable, currency="USD") == 0
    assert payouts_run().created == 0
    # A third sale brings the balance above the minimum: only the part not owed is paid out.
    (third,) = paid_orders(as_buyer(api_client, first), [shop_listing])
    ship(api_client, third)
    as_buyer(api_client, third).post(f"/api/v1/orders/{third.pk}/confirm-receipt")
    assert payouts_run().created == 1
    assert Payout.objects.order_by("-pk").first().amount_cents == 1_900
    assert account_balance(account=payable, currency="USD") == 0
    assert account_balance(account="stripe_balance", currency="USD") == -6_000


def test_a_chargeback_on_a_released_unpaid_balance_holds_it_from_payout(
    api_client, buyer, shop_listing, settings, localstripe
):
    (order,) = paid_orders(api_client, [shop_listing])
    ship(api_client, order)
    as_buyer(api_client, order).post(f"/api/v1/orders/{order.pk}/confirm-receipt")
    opened = dispute(order)
    deliver(settings, "charge.dispute.created", opened)
    assert payouts_run().created == 0  # the released 19.00 is frozen, not paid out
    deliver(settings, "charge.dispute.closed", {**opened, "status": "won"})
    assert Escrow.objects.get(reference=order.reference).status == "released"
    assert payouts_run().created == 1


def test_a_full_refund_made_in_the_stripe_dashboard_refunds_the_order_once(
    api_client, buyer, shop_listing, settings, localstripe
):
    from payments.gateway import stripe_client

    (order,) = paid_orders(api_client, [shop_listing])
    intent = Checkout.objects.get(pk=order.checkout_id).payment_intent_id
    stripe_client().v1.refunds.create(params={"payment_intent": intent, "amount": 2_000})
    charge = {"id": "ch_x", "object": "charge", "payment_intent": intent,
              "amount_refunded": 2_000}
    assert deliver(settings, "charge.refunded", charge).status_code == 200
    assert deliver(settings, "charge.refunded", charge).status_code == 200

    order.refresh_from_db()
    assert order.status == "refunded"
    assert Listing.objects.get(pk=shop_listing.pk).stock == 10  # never shipped: back on sale
    escrow = escrow_status(api_client, order)
    assert (escrow["status"], escrow["refunded_cents"]) == ("refunded", 2_000)
    assert account_balance(account="refunded", currency="USD") == 2_000
    assert Notification.objects.filter(kind="order_refunded", recipient=order.buyer).count() == 1
    # nothing left to release or refund: confirm and cancel are refused, nothing moves
    assert as_buyer(api_client, order).post(
        f"/api/v1/orders/{order.pk}/cancel").status_code == 409


def test_an_open_chargeback_is_in_the_staff_disputes_queue_marked_as_one(
    api_client, buyer, shop_listing, settings, localstripe
):
    from tests.staff import staff_api_login, staff_login, staff_make

    (order,) = paid_orders(api_client, [shop_listing])
    opened = dispute(order)
    deliver(settings, "charge.dispute.created", opened)

    moderator = staff_make()
    queue = staff_api_login(api_client, moderator).get("/api/v1/moderation/disputes/").json()
    rows = queue["results"] if isinstance(queue, dict) else queue
    assert [(row["id"], row["chargeback"]) for row in rows] == [(order.pk, True)]
    page = staff_login(Client(), moderator)
    listing = page.get("/staff/disputes/").content.decode()
    assert f"#{order.pk}" in listing and "Chargeback" in listing
    detail = page.get(f"/staff/disputes/{order.pk}/")
    assert detail.status_code == 200 and "Frozen by a chargeback" in detail.content.decode()
    # a staff member without the moderation permission cannot see the queue
    outsider = staff_make(permissions=())
    assert staff_api_login(api_client, outsider).get(
        "/api/v1/moderation/disputes/").status_code == 403

    deliver(settings, "charge.dispute.closed", {**opened, "status": "won"})
    queue = staff_api_login(api_client, moderator).get("/api/v1/moderation/disputes/").json()
    rows = queue["results"] if isinstance(queue, dict) else queue
    assert rows == []


@pytest.mark.parametrize("outcome", ["won", "lost"])
def test_cancelling_a_paid_order_under_a_chargeback_refunds_once_after_the_bank_decides(
    api_client, buyer, shop_listing, settings, localstripe, outcome
):
    from payments.models import Refund

    (order,) = paid_orders(api_client, [shop_listing])
    opened = dispute(order)
    deliver(settings, "charge.dispute.created", opened)

    cancelled = as_buyer(api_client, order).post(f"/api/v1/orders/{order.pk}/cancel")
    assert cancelled.status_code == 200, cancelled.json()
    assert cancelled.json()["escrow"]["status"] == "frozen"
    assert not Refund.objects.exists()  # nothing goes back while the bank decides
    run_job("orders-money-settle")
    assert not Refund.objects.exists()

    deliver(settings, "charge.dispute.closed", {**opened, "status": outcome})
    run_job("orders-money-settle")
    run_job("orders-money-settle")

    assert Order.objects.get(pk=order.pk).status == "cancelled"
    assert Escrow.objects.get(reference=order.reference).status == "refunded"
    refunded = account_balance(account="refunded", currency="USD")
    charged_back = account_balance(account=CHARGEBACKS, currency="USD")
    # won: our refund of 20.00; lost: the bank's, and no second refund of ours
    assert (refunded, charged_back) == ((2_000, 0) if outcome == "won" else (0, 2_000))
    assert Refund.objects.count() == (1 if outcome == "won" else 0)


def test_a_dashboard_refund_after_payout_is_owed_by_the_seller_and_told(
    api_client, buyer, shop_listing, settings, localstripe
):
    from payments.gateway import stripe_client

    (order,) = paid_orders(api_client, [shop_listing])
    ship(api_client, order)
    as_buyer(api_client, order).post(f"/api/v1/orders/{order.pk}/confirm-receipt")
    payouts_run()
    payout_mark_paid(payout=Payout.objects.get(), bank_reference="ACH-2",
                     actor=UserFactory(is_staff=True))

    intent = Checkout.objects.get(pk=order.checkout_id).payment_intent_id
    stripe_client().v1.refunds.create(params={"payment_intent": intent, "amount": 1_000})
    charge = {"id": "ch_y", "object": "charge", "payment_intent": intent,
              "amount_refunded": 1_000}
    assert deliver(settings, "charge.refunded", charge).status_code == 200
    assert deliver(settings, "charge.refunded", charge).status_code == 200

    payable = seller_payable_account(order.shop_id)
    assert account_balance(account=payable, currency="USD") == -950  # 1 000 less its fee
    assert account_balance(account="platform_fees", currency="USD") == 50
    assert account_balance(account="refunded", currency="USD") == 1_000
    assert escrow_status(api_client, order)["status"] == "partially_refunded"
    assert escrow_status(api_client, order)["refunded_cents"] == 1_000
    assert Order.objects.get(pk=order.pk).status == "completed"
    told = Notification.objects.get(kind="refund_after_release", recipient=order.shop.owner)
    assert "You owe $9.50" in told.message
    assert Notification.objects.filter(kind="order_refunded", recipient=order.buyer).count() == 1
    assert as_seller(api_client, order).get("/api/v1/seller/balance").json()["owed_cents"] == 950
    assert payouts_run().created == 0


@pytest.mark.django_db(transaction=True)
def test_a_chargeback_racing_confirm_receipt_never_pays_out_frozen_money(
    api_client, buyer, shop_listing, settings, localstripe
):
    import threading

    from django.db import connection
    from rest_framework.test import APIClient

    (order,) = paid_orders(api_client, [shop_listing])
    ship(api_client, order)
    body = event_body("charge.dispute.created", dispute(order))
    signature = sign(body, settings.STRIPE_WEBHOOK_SECRET)
    barrier = threading.Barrier(2)
    codes = {}

    def confirm():
        try:
            client = APIClient()
            client.force_authenticate(order.buyer)
            barrier.wait()
            codes["confirm"] = client.post(
                f"/api/v1/orders/{order.pk}/confirm-receipt").status_code
        finally:
            connection.close()

    def hook():
        try:
            barrier.wait()
            codes["hook"] = Client().post(WEBHOOK, data=body, content_type="application/json",
                                          HTTP_STRIPE_SIGNATURE=signature).status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm), threading.Thread(target=hook)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert codes["hook"] == 200 and codes["confirm"] in (200, 409)
    escrow = Escrow.objects.get(reference=order.reference)
    assert escrow.status == "frozen"
    released = codes["confirm"] == 200
    assert escrow.frozen_from == ("released" if released else "held")
    assert Order.objects.get(pk=order.pk).status == ("completed" if released else "shipped")
    assert payouts_run().created == 0 and not Payout.objects.exists()


def test_a_chargeback_lost_after_a_dashboard_refund_takes_back_only_what_is_left(
    api_client, buyer, shop_listing, settings, localstripe
):
    from payments.gateway import stripe_client

    (order,) = paid_orders(api_client, [shop_listing])  # $20.00: $19.00 seller, $1.00 fee
    ship(api_client, order)
    as_buyer(api_client, order).post(f"/api/v1/orders/{order.pk}/confirm-receipt")
    intent = Checkout.objects.get(pk=order.checkout_id).payment_intent_id
    stripe_client().v1.refunds.create(params={"payment_intent": intent, "amount": 1_000})
    charge = {"id": "ch_z", "object": "charge", "payment_intent": intent,
              "amount_refunded": 1_000}
    assert deliver(settings, "charge.refunded", charge).status_code == 200

    opened = dispute(order, amount=1_000)  # the bank takes back the other $10.00
    deliver(settings, "charge.dispute.created", opened)
    deliver(settings, "charge.dispute.closed", {**opened, "status": "lost"})

    payable = seller_payable_account(order.shop_id)
    assert account_balance(account=CHARGEBACKS, currency="USD") == 1_000
    assert account_balance(account="refunded", currency="USD") == 1_000
    assert account_balance(account=payable, currency="USD") == 0  # all $19.00 back, no more
    assert account_balance(account="platform_fees", currency="USD") == 0
    assert not ReconciliationIssue.objects.filter(kind="amount_mismatch").exists()
    assert Order.objects.get(pk=order.pk).status == "refunded"
