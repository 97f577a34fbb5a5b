"""A Celery worker is SIGKILLed in the middle of the escrow release job, then restarted."""

import os
import signal

import psycopg
import pytest
import redis
from django.conf import settings
from django.utils import timezone

from orders.models import Order
from orders.services.lifecycle import order_ship
from orders.tasks import orders_complete_unconfirmed_task
from payments.ledger import account_balance, seller_payable_account
from payments.models import Escrow, JournalEntry
from tests import processes
from tests.checkout_http import paid_orders
from tests.factories import ListingFactory, ShopFactory, UserFactory
from tests.processes import celery_worker
from tests.support import wait_until

pytestmark = [pytest.mark.faults, pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _backends_waiting_on_a_lock(conn) -> int:
    return conn.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
    ).fetchone()[0]


def _backends_in_a_transaction(conn) -> int:
    return conn.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND (wait_event_type = 'Lock' OR xact_start IS NOT NULL)"
    ).fetchone()[0]


def _releases(order: Order) -> int:
    return JournalEntry.objects.filter(kind=JournalEntry.Kind.RELEASE,
                                       reference=order.reference).count()


def test_release_happens_once_after_the_worker_is_killed_mid_job(
    api_client, localstripe, tmp_path
):
    buyer = UserFactory()
    api_client.force_authenticate(buyer)
    first = ListingFactory(shop=ShopFactory(), price_cents=4000, shipping_cents=0, stock=2)
    second = ListingFactory(shop=ShopFactory(), price_cents=10000, shipping_cents=0, stock=2)
    orders = paid_orders(api_client, [first, second])
    for order in orders:
        order_ship(order_id=order.pk, seller=order.shop.owner, carrier="USPS",
                   tracking_number=f"9400{order.pk}")
    Order.objects.filter(pk__in=[o.pk for o in orders]).update(
        auto_confirm_at=timezone.now() - timezone.timedelta(minutes=1)
    )
    done, interrupted = orders  # the job takes due orders in pk order

    # Hold the second order's escrow row: the job completes the first order, then stops in the
    # middle of the second one's transaction (status changed, release not yet posted).
    url = processes.test_database_url().replace("postgres://", "postgresql://")
    blocker = psycopg.connect(url)
    blocker.execute("SELECT 1 FROM payments_escrow WHERE reference = %s FOR UPDATE",
                    [interrupted.reference])
    observer = psycopg.connect(url, autocommit=True)
    queues = []
    try:
        with celery_worker(log_path=tmp_path / "worker-1.log") as (queue, process):
            queues.append(queue)
            orders_complete_unconfirmed_task.apply_async(queue=queue)
            wait_until(lambda: Order.objects.get(pk=done.pk).status == Order.Status.COMPLETED,
                       timeout=60, what="the first order completed by the worker")
            wait_until(lambda: _backends_waiting_on_a_lock(observer) == 1, timeout=30,
                       what="the worker blocked inside the second order's release")
            os.killpg(process.pid, signal.SIGKILL)  # the worker and its pool child, no goodbye
            process.wait(timeout=10)
        blocker.rollback()
        # The killed worker's transaction is rolled back by PostgreSQL, not committed.
        wait_until(lambda: _backends_in_a_transaction(observer) == 0, timeout=30,
                   what="the killed worker's transaction rolled back")
        interrupted.refresh_from_db()
        assert interrupted.status == Order.Status.SHIPPED
        assert interrupted.completed_at is None
        assert _releases(interrupted) == 0
        assert Escrow.objects.get(reference=interrupted.reference).status == Escrow.Status.HELD
        assert _releases(done) == 1

        # Restarted (beat sends the job again every 5 minutes; here we send it at once).
        with celery_worker(log_path=tmp_path / "worker-2.log") as (queue, _):
            queues.append(queue)
            orders_complete_unconfirmed_task.apply_async(queue=queue)
            wait_until(
                lambda: Order.objects.get(pk=interrupted.pk).status == Order.Status.COMPLETED,
                timeout=60, what="the interrupted order completed after the restart",
            )
            # Once more, as a late redelivery of the killed run's message would: no effect.
            orders_complete_unconfirmed_task.apply_async(queue=queue).get(timeout=60)
    finally:
        blocker.close()
        observer.close()
        if queues:  # what the killed worker left unacknowledged must not linger in Redis
            redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(*queues)

    for order, amount in ((done, 4000), (interrupted, 10000)):
        order.refresh_from_db()
        assert order.status == Order.Status.COMPLETED
        assert _releases(order) == 1
        assert Escrow.objects.get(reference=order.reference).status == Escrow.Status.RELEASED
        fee = amount * settings.PLATFORM_FEE_BPS // 10_000
        assert account_balance(account=seller_payable_account(order.shop_id),
                               currency="USD") == amount - fee
        assert list(order.events.values_list("status", flat=True)).count(
            Order.Status.COMPLETED) == 1
