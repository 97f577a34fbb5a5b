"""Redis (cache, rate-limit counters, Celery broker) goes down while a buyer checks out."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import Notification
from orders.models import Cart, CartItem, Order
from sellers.models import Listing
from tests.checkout_http import ADDRESS
from tests.factories import ListingFactory, ShopFactory, UserFactory
from tests.faults.conftest import app_env, manage, token_session, web_server
from tests.processes import celery_worker
from tests.support import wait_until

pytestmark = [pytest.mark.faults, pytest.mark.services, pytest.mark.django_db(transaction=True)]

Sent = Notification.EmailState.SENT


def test_checkout_with_redis_down_is_clean_and_mail_goes_out_after_recovery(
    private_redis, localstripe, tmp_path
):
    seller = UserFactory(display_name="Hal Seller")
    listing = ListingFactory(shop=ShopFactory(owner=seller), title="Buckwheat Honey",
                             price_cents=1500, shipping_cents=500, stock=3)
    buyer = UserFactory(display_name="Dana Buyer")
    mail_dir = tmp_path / "mail"
    env = app_env(REDIS_URL=private_redis.url, CACHE_KEY_PREFIX="faults",
                  STRIPE_API_BASE=localstripe, EMAIL_URL=f"file://{mail_dir}")
    with web_server(env=env, log_path=tmp_path / "web.log") as base:
        session = token_session(buyer)
        added = session.post(f"{base}/api/v1/cart/items/",
                             json={"listing": listing.pk, "quantity": 2}, timeout=30)
        assert added.status_code == 201, added.text
        assert session.get(f"{base}/readyz", timeout=30).status_code == 200

        private_redis.stop()
        not_ready = session.get(f"{base}/readyz", timeout=30)
        assert not_ready.status_code == 503
        assert not_ready.json()["checks"]["cache"]["ok"] is False
        assert not_ready.json()["checks"]["database"]["ok"] is True

        began = time.monotonic()
        created = session.post(
            f"{base}/api/v1/checkout", json={"fulfillment": "ship", "shipping_address": ADDRESS},
            headers={"Idempotency-Key": "redis-down-1"}, timeout=60,
        )
        took = time.monotonic() - began
        # Rate-limit counters fail open, and the e-mails wait in the outbox: the sale goes on.
        assert created.status_code == 201, created.text
        assert took < 15, f"checkout took {took:.1f} s with Redis down"
        checkout_id = created.json()["id"]
        paid = session.post(f"{base}/api/v1/checkout/{checkout_id}/pay",
                            json={"payment_method": "pm_card_visa"}, timeout=60)
        assert paid.status_code == 200, paid.text
        assert paid.json()["payment"]["status"] == "succeeded"

    # Everything the checkout promised is in the database, all of it.
    order = Order.objects.get(checkout_id=checkout_id)
    assert order.status == Order.Status.PAID
    assert order.total_cents == 2 * 1500 + 500
    assert Listing.objects.get(pk=listing.pk).stock == 1
    assert not CartItem.objects.filter(cart__user=buyer).exists()
    assert Cart.objects.filter(user=buyer).count() <= 1
    # The outbox holds the e-mails; none could be queued, so none went out yet.
    rows = list(Notification.objects.filter(recipient__in=[buyer, seller]).order_by("pk"))
    assert {row.recipient_id for row in rows} == {buyer.pk, seller.pk}
    assert all(row.email_state == Notification.EmailState.PENDING for row in rows)
    assert not mail_dir.exists() or not any(mail_dir.iterdir())

    # Redis comes back. Ten minutes pass (the sweep leaves younger rows alone); the sweep runs.
    private_redis.start()
    Notification.objects.filter(pk__in=[r.pk for r in rows]).update(
        next_attempt_at=timezone.now() - timedelta(minutes=11)
    )
    with celery_worker(log_path=tmp_path / "worker.log",
                       extra_env={"REDIS_URL": private_redis.url, "CACHE_KEY_PREFIX": "faults",
                                  "EMAIL_URL": f"file://{mail_dir}"}) as (queue, _):
        swept = manage("run_due_jobs", "--only", "notifications-sweep-stuck",
                       env=app_env(REDIS_URL=private_redis.url, CELERY_QUEUE=queue))
        assert f"notifications-sweep-stuck: {len(rows)}" in swept.stdout
        wait_until(
            lambda: Notification.objects.filter(pk__in=[r.pk for r in rows],
                                                email_state=Sent).count() == len(rows),
            timeout=60, what="every outbox row sent",
        )
    sent = list(Notification.objects.filter(pk__in=[r.pk for r in rows]))
    assert all(row.attempts == 1 and row.emailed_at for row in sent)
    messages = [path.read_text() for path in mail_dir.iterdir()]
    assert sum(text.count("Message-ID: <notification-") for text in messages) == len(rows)
