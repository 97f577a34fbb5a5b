"""Issue 12.1: no item can poison a periodic job. Each job meets one item that raises; the
others still complete, the failing one is kept for staff with its id, the job ends well, and
the item's failure closes itself once the item goes through."""

import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.utils import timezone

from jobs.models import JobFailure
from orders.models import Checkout, Order
from orders.services import deadlines, payment_outcomes
from payments.models import Escrow
from payments.selectors import escrow_summary
from payments.services import escrow_refund, reconciliation_run
from payments.services.intents import _OUTCOME_HANDLERS
from sellers.models import Listing
from tests import processes
from tests.checkout_http import add, checkout, paid_orders
from tests.factories import ListingFactory, UserFactory
from tests.stripe_support import paid_intent


def run_jobs(*names):
    from io import StringIO

    out = StringIO()
    call_command("run_due_jobs", only=list(names), stdout=out)
    return out.getvalue()


def open_failures(job):
    return list(JobFailure.objects.filter(job=job, resolved_at__isnull=True)
                .values_list("item", "times"))


def unpaid_checkout(client, user, listing, quantity=1):
    client.force_authenticate(user)
    add(client, listing, quantity)
    created = checkout(client)
    assert created.status_code == 201, created.json()
    return created.json()


def ship(client, order):
    client.force_authenticate(order.shop.owner)
    response = client.post(f"/api/v1/orders/{order.pk}/ship",
                           {"carrier": "USPS", "tracking_number": "9400 1"}, format="json")
    assert response.status_code == 200, response.json()


@pytest.mark.django_db(transaction=True)
def test_a_buyer_cancelling_an_unpaid_order_no_longer_stops_checkout_expiry(
    api_client, localstripe, settings
):
    """The case from the issue, through the API and the real command in its own process."""
    settings.PAYMENT_EXPIRY_MINUTES = 0
    honey = ListingFactory(price_cents=1200, stock=5)
    jam = ListingFactory(price_cents=800, stock=2)
    walked_away = unpaid_checkout(api_client, UserFactory(), honey)
    cancelled = api_client.post(f"/api/v1/orders/{walked_away['orders'][0]}/cancel")
    assert cancelled.status_code == 200, cancelled.json()
    later = unpaid_checkout(api_client, UserFactory(), jam, 2)
    assert Listing.objects.get(pk=jam.pk).stock == 0

    done = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "run_due_jobs", "--only", "checkouts-expire"],
        cwd=processes.ROOT, capture_output=True, text=True, timeout=180,
        env={**os.environ, "DATABASE_URL": processes.test_database_url(),
             "STRIPE_API_BASE": localstripe},
    )

    assert done.returncode == 0, done.stderr
    assert "checkouts-expire: 1" in done.stdout, done.stderr
    assert Checkout.objects.get(pk=later["id"]).status == Checkout.Status.EXPIRED
    assert Listing.objects.get(pk=jam.pk).stock == 2  # back on sale
    assert Listing.objects.get(pk=honey.pk).stock == 5
    assert Checkout.objects.get(pk=walked_away["id"]).status == Checkout.Status.CANCELLED
    assert not JobFailure.objects.exists()


@pytest.mark.django_db
def test_expiry_cancels_only_the_orders_still_waiting_for_payment(api_client, localstripe,
                                                                  settings):
    settings.PAYMENT_EXPIRY_MINUTES = 0
    honey, quilt = ListingFactory(stock=3), ListingFactory(stock=3)
    user = UserFactory()
    api_client.force_authenticate(user)
    add(api_client, honey)
    created = unpaid_checkout(api_client, user, quilt)
    first, second = created["orders"]
    assert api_client.post(f"/api/v1/orders/{first}/cancel").status_code == 200
    assert Checkout.objects.get(pk=created["id"]).status == Checkout.Status.PENDING_PAYMENT

    assert "checkouts-expire: 1" in run_jobs("checkouts-expire")

    assert Checkout.objects.get(pk=created["id"]).status == Checkout.Status.EXPIRED
    assert Order.objects.get(pk=second).status == Order.Status.CANCELLED
    assert [e.note for e in Order.objects.get(pk=first).events.all()][-1] == (
        "Cancelled by the buyer."  # not cancelled a second time by the job
    )
    assert Listing.objects.get(pk=honey.pk).stock == 3
    assert Listing.objects.get(pk=quilt.pk).stock == 3
    assert not JobFailure.objects.exists()


@pytest.mark.django_db
def test_a_checkout_stripe_will_not_look_up_still_expires_and_puts_its_stock_back(
    api_client, refusing_stripe, settings
):
    settings.PAYMENT_EXPIRY_MINUTES = 0
    honey, jam = ListingFactory(stock=2), ListingFactory(stock=2)
    refused = unpaid_checkout(api_client, UserFactory(), honey)
    fine = unpaid_checkout(api_client, UserFactory(), jam)
    refusing_stripe.refuse.add(Checkout.objects.get(pk=refused["id"]).payment_intent_id)

    assert "checkouts-expire: 2\n" in run_jobs("checkouts-expire")

    assert refusing_stripe.refused  # Stripe really answered 404 for that one
    for done, listing in ((refused, honey), (fine, jam)):
        assert Checkout.objects.get(pk=done["id"]).status == Checkout.Status.EXPIRED
        assert Listing.objects.get(pk=listing.pk).stock == 2
    assert open_failures("checkouts-expire") == []


@pytest.mark.django_db
def test_one_checkout_that_fails_does_not_stop_the_others_and_closes_when_it_goes_through(
    api_client, localstripe, settings, monkeypatch
):
    settings.PAYMENT_EXPIRY_MINUTES = 0
    honey, jam = ListingFactory(stock=2), ListingFactory(stock=2)
    broken = unpaid_checkout(api_client, UserFactory(), honey)
    fine = unpaid_checkout(api_client, UserFactory(), jam)
    real = payment_outcomes.order_notify.order_cancelled_notify

    def broken_for_one(order, **kwargs):  # no real way makes telling one person fail
        if order.checkout_id == broken["id"]:
            raise RuntimeError("mail template missing")
        return real(order, **kwargs)

    monkeypatch.setattr(payment_outcomes.order_notify, "order_cancelled_notify", broken_for_one)
    out = run_jobs("checkouts-expire")
    assert "checkouts-expire: 1 (1 item(s) failed" in out
    run_jobs("checkouts-expire")  # the next minute: counted again, on the same row

    assert Checkout.objects.get(pk=fine["id"]).status == Checkout.Status.EXPIRED
    assert Listing.objects.get(pk=jam.pk).stock == 2
    # the failing one changed nothing: its own transaction rolled back
    assert Checkout.objects.get(pk=broken["id"]).status == Checkout.Status.PENDING_PAYMENT
    assert Listing.objects.get(pk=honey.pk).stock == 1
    assert open_failures("checkouts-expire") == [(f"checkout:{broken['id']}", 2)]
    failure = JobFailure.objects.get()
    assert failure.error.startswith("RuntimeError:")
    assert failure.first_seen < failure.last_seen

    monkeypatch.setattr(payment_outcomes.order_notify, "order_cancelled_notify", real)
    assert "checkouts-expire: 1" in run_jobs("checkouts-expire")
    assert Checkout.objects.get(pk=broken["id"]).status == Checkout.Status.EXPIRED
    assert Listing.objects.get(pk=honey.pk).stock == 2
    failure.refresh_from_db()
    assert failure.resolved_at is not None and failure.resolved_by is None
    assert open_failures("checkouts-expire") == []


@pytest.mark.django_db
def test_one_unshipped_order_that_fails_does_not_stop_the_others(api_client, buyer, two_shops,
                                                                 localstripe, settings,
                                                                 monkeypatch):
    settings.SHIP_BY_DAYS = 0
    good, bad = paid_orders(api_client, list(two_shops))
    real = deadlines.order_notify.order_cancelled_notify

    def broken_for_one(order, **kwargs):  # no real way makes telling one person fail
        if order.pk == bad.pk:
            raise RuntimeError("the notice for this order cannot be written")
        return real(order, **kwargs)

    monkeypatch.setattr(deadlines.order_notify, "order_cancelled_notify", broken_for_one)
    assert "orders-cancel-unshipped: 1 (1 item(s) failed" in run_jobs("orders-cancel-unshipped")

    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.status == Order.Status.CANCELLED
    assert escrow_summary(reference=good.reference).refunded_cents == good.total_cents
    assert bad.status == Order.Status.PAID  # its transaction rolled back: nothing half done
    assert escrow_summary(reference=bad.reference).status == Escrow.Status.HELD
    assert open_failures("orders-cancel-unshipped") == [(bad.reference, 1)]
    assert "RuntimeError: the notice" in JobFailure.objects.get().error

    monkeypatch.undo()
    assert "orders-cancel-unshipped: 1" in run_jobs("orders-cancel-unshipped")
    bad.refresh_from_db()
    assert bad.status == Order.Status.CANCELLED
    assert escrow_summary(reference=bad.reference).refunded_cents == bad.total_cents
    assert open_failures("orders-cancel-unshipped") == []


@pytest.mark.django_db
def test_an_order_whose_escrow_cannot_be_released_does_not_stop_auto_confirm(
    api_client, buyer, two_shops, localstripe, settings
):
    settings.ESCROW_AUTO_CONFIRM_DAYS = 0
    settings.ESCROW_TRANSIT_DAYS = 0
    good, bad = paid_orders(api_client, list(two_shops))
    ship(api_client, good)
    ship(api_client, bad)
    escrow_refund(reference=bad.reference, note="Refunded by staff")  # a state that raises

    assert "orders-complete-unconfirmed: 1 (1 item(s) failed" in run_jobs(
        "orders-complete-unconfirmed"
    )

    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.status == Order.Status.COMPLETED
    assert escrow_summary(reference=good.reference).status == Escrow.Status.RELEASED
    assert bad.status == Order.Status.SHIPPED
    assert escrow_summary(reference=bad.reference).released_cents == 0
    assert open_failures("orders-complete-unconfirmed") == [(bad.reference, 1)]
    assert JobFailure.objects.get().error.startswith("EscrowConflict:")


@pytest.mark.django_db
def test_one_order_failing_to_settle_does_not_stop_the_others(
    api_client, buyer, two_shops, localstripe, failing_stripe, settings, monkeypatch
):
    good, bad = paid_orders(api_client, list(two_shops))
    settings.STRIPE_API_BASE = failing_stripe.base  # Stripe down while the buyer cancels
    for order in (good, bad):
        api_client.post(f"/api/v1/orders/{order.pk}/cancel")
    settings.STRIPE_API_BASE = localstripe
    assert Escrow.objects.filter(status=Escrow.Status.HELD).count() == 2
    real = deadlines.order_refund_in_full

    def broken_for_one(order, actor, note):
        if order.pk == bad.pk:
            raise RuntimeError("unexpected failure for this order")
        return real(order, actor, note)

    monkeypatch.setattr(deadlines, "order_refund_in_full", broken_for_one)
    assert "orders-money-settle: 1 (1 item(s) failed" in run_jobs("orders-money-settle")

    assert escrow_summary(reference=good.reference).refunded_cents == good.total_cents
    assert escrow_summary(reference=bad.reference).status == Escrow.Status.HELD
    assert open_failures("orders-money-settle") == [(bad.reference, 1)]

    monkeypatch.undo()
    run_jobs("orders-money-settle")
    assert escrow_summary(reference=bad.reference).refunded_cents == bad.total_cents
    assert open_failures("orders-money-settle") == []


@pytest.mark.django_db
def test_one_reminder_that_fails_does_not_stop_the_others(api_client, buyer, two_shops,
                                                          localstripe, monkeypatch):
    good, bad = paid_orders(api_client, list(two_shops))
    soon = timezone.now() + timezone.timedelta(hours=20)
    Order.objects.filter(pk__in=[good.pk, bad.pk]).update(ship_by=soon)
    real = deadlines.order_notify.ship_by_soon_notify

    def broken_for_one(order):
        if order.pk == bad.pk:
            raise RuntimeError("reminder broken for this order")
        return real(order)

    monkeypatch.setattr(deadlines.order_notify, "ship_by_soon_notify", broken_for_one)
    assert "orders-remind-deadlines: 1 (1 item(s) failed" in run_jobs("orders-remind-deadlines")

    from notifications.models import Notification

    reminded = Notification.objects.filter(kind="ship_by_soon")
    assert list(reminded.values_list("recipient_id", flat=True)) == [good.shop.owner_id]
    assert open_failures("orders-remind-deadlines") == [(bad.reference, 1)]


@pytest.mark.django_db
def test_one_shop_failing_to_reserve_does_not_stop_the_daily_payouts(localstripe, monkeypatch):
    from payments.models import Payout
    from payments.services import payouts
    from tests.stripe_support import released

    good, bad = released(2_000), released(3_000)
    real = payouts.payout_create

    def broken_for_one(*, shop_id, **kwargs):
        if shop_id == bad.pk:
            raise RuntimeError("this shop's balance cannot be read")
        return real(shop_id=shop_id, **kwargs)

    monkeypatch.setattr(payouts, "payout_create", broken_for_one)
    out = run_jobs("payouts-daily")
    assert "'created': 1" in out and "(1 item(s) failed" in out

    assert list(Payout.objects.values_list("shop_id", flat=True)) == [good.pk]
    assert open_failures("payouts-daily") == [(f"shop:{bad.pk}", 1)]

    monkeypatch.undo()
    run_jobs("payouts-daily")
    assert sorted(Payout.objects.values_list("shop_id", flat=True)) == sorted([good.pk, bad.pk])
    assert open_failures("payouts-daily") == []


@pytest.mark.django_db
def test_one_payment_failing_to_apply_does_not_stop_reconciliation(localstripe, outcomes):
    good, bad = paid_intent(amount_cents=1_500), paid_intent(amount_cents=2_500)
    outcomes.clear()

    def handler(outcome):  # the caller's handler fails for one payment (a real dispatch)
        if outcome.reference == bad.reference:
            raise RuntimeError("the order for this payment is broken")
        outcomes.append(outcome)

    _OUTCOME_HANDLERS["paytest"] = handler
    result = reconciliation_run(days=1)

    assert result.checked >= 2
    assert [outcome.reference for outcome in outcomes] == [good.reference]
    assert open_failures("payments-reconcile") == [(f"payment_intent:{bad.pk}", 1)]


@pytest.mark.django_db
def test_the_session_clean_up_failing_is_kept_and_the_other_jobs_run(monkeypatch, capsys):
    from marketplace.accounts import tasks

    def broken():
        raise RuntimeError("sessions table locked")

    monkeypatch.setattr(tasks, "_expired_sessions_delete", broken)
    out = run_jobs("clear-expired-sessions", "orders-remind-deadlines")
    assert "clear-expired-sessions: 0 (1 item(s) failed" in out
    assert "orders-remind-deadlines: 0" in out
    assert open_failures("clear-expired-sessions") == [("expired-sessions", 1)]
    monkeypatch.undo()
    run_jobs("clear-expired-sessions")
    assert open_failures("clear-expired-sessions") == []


@pytest.mark.django_db
def test_a_job_failure_row_is_one_per_open_item_and_reopens_after_it_closed():
    from jobs.services import JobRun

    def boom():
        raise ValueError("bad")

    for _ in range(3):
        JobRun("orders-money-settle").item("order:1", boom)
    assert open_failures("orders-money-settle") == [("order:1", 3)]
    assert JobRun("orders-money-settle").item("order:1", lambda: 7).value == 7
    assert open_failures("orders-money-settle") == []
    JobRun("orders-money-settle").item("order:1", boom)
    assert open_failures("orders-money-settle") == [("order:1", 1)]
    assert JobFailure.objects.count() == 2


@pytest.mark.django_db
def test_checking_a_payment_stripe_refuses_to_look_up_is_a_clear_503(api_client,
                                                                      refusing_stripe):
    created = unpaid_checkout(api_client, UserFactory(), ListingFactory(stock=1))
    refusing_stripe.refuse.add(Checkout.objects.get(pk=created["id"]).payment_intent_id)
    synced = api_client.post(f"/api/v1/checkout/{created['id']}/sync")
    assert synced.status_code == 503
    assert "could not look up this payment" in synced.json()["detail"]
    assert Checkout.objects.get(pk=created["id"]).status == Checkout.Status.PENDING_PAYMENT


@pytest.mark.django_db
def test_a_job_that_stops_as_a_whole_does_not_stop_the_next_job(monkeypatch, capsys):
    """Not an item: the job itself breaks (its query, say). The other jobs still run, and the
    command's exit status says so."""
    from django.contrib.sessions.models import Session
    from django.core.management.base import CommandError

    import orders.tasks

    def broken():
        raise RuntimeError("database gone")

    monkeypatch.setattr(orders.tasks, "checkouts_expire_task", broken)
    Session.objects.create(session_key="old", session_data="x",
                           expire_date=timezone.now() - timezone.timedelta(days=1))
    with pytest.raises(CommandError, match="Stopped jobs: checkouts-expire"):
        call_command("run_due_jobs", only=["clear-expired-sessions", "checkouts-expire",
                                           "orders-remind-deadlines"])
    captured = capsys.readouterr()
    assert "checkouts-expire: stopped: RuntimeError: database gone" in captured.err
    assert "clear-expired-sessions: 1" in captured.out
    assert "orders-remind-deadlines: 0" in captured.out  # the job after the broken one ran
    assert not Session.objects.exists()
