"""A poisoned item through the real path: beat's task on a Celery worker, Stripe over HTTP."""

import pytest

from jobs.models import JobFailure
from orders.models import Order
from orders.tasks import orders_complete_unconfirmed_task
from payments.models import Escrow
from payments.selectors import escrow_summary
from payments.services import escrow_refund
from tests.processes import celery_worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


def ship(client, order):
    client.force_authenticate(order.shop.owner)
    response = client.post(f"/api/v1/orders/{order.pk}/ship",
                           {"carrier": "USPS", "tracking_number": "9400 1"}, format="json")
    assert response.status_code == 200, response.json()


def test_a_worker_completes_the_other_orders_when_one_cannot_be_released(
    api_client, buyer, two_shops, localstripe, settings, tmp_path
):
    from tests.checkout_http import paid_orders

    settings.ESCROW_AUTO_CONFIRM_DAYS = 0
    settings.ESCROW_TRANSIT_DAYS = 0
    good, bad = paid_orders(api_client, list(two_shops))
    ship(api_client, good)
    ship(api_client, bad)
    escrow_refund(reference=bad.reference, note="Refunded by staff")  # a state that raises

    log = tmp_path / "worker.log"
    with celery_worker(log_path=log, extra_env={"STRIPE_API_BASE": localstripe}) as (queue, _):
        result = orders_complete_unconfirmed_task.apply_async(queue=queue)
        try:
            completed = result.get(timeout=90)
        except Exception:
            print(log.read_text())
            raise

    assert completed == 1  # the task ended well: no retry storm, no dead job
    assert result.successful()
    good.refresh_from_db()
    bad.refresh_from_db()
    assert (good.status, bad.status) == (Order.Status.COMPLETED, Order.Status.SHIPPED)
    assert escrow_summary(reference=good.reference).status == Escrow.Status.RELEASED
    failure = JobFailure.objects.get()
    assert (failure.job, failure.item, failure.times) == (
        "orders-complete-unconfirmed", bad.reference, 1
    )
    assert failure.error.startswith("EscrowConflict:")
    assert f"item {bad.reference} failed" in log.read_text()
