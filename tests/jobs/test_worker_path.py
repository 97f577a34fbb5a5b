"""A poisoned item through the real path: beat's task on a Celery worker, Stripe over HTTP."""

import pytest

from jobs.models import JobFailure
from orders.models import Checkout
from orders.tasks import checkouts_expire_task
from sellers.models import Listing
from tests.factories import ListingFactory, UserFactory
from tests.orders.conftest import add, checkout
from tests.processes import celery_worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


def test_a_worker_expires_the_other_checkouts_when_stripe_refuses_one(
    api_client, refusing_stripe, settings, tmp_path
):
    settings.PAYMENT_EXPIRY_MINUTES = 0
    honey, jam = ListingFactory(stock=1), ListingFactory(stock=1)
    made = []
    for listing in (honey, jam):
        api_client.force_authenticate(UserFactory())
        add(api_client, listing)
        made.append(checkout(api_client).json()["id"])
    refused, fine = (Checkout.objects.get(pk=pk) for pk in made)
    refusing_stripe.refuse.add(refused.payment_intent_id)

    log = tmp_path / "worker.log"
    with celery_worker(log_path=log, extra_env={"STRIPE_API_BASE": refusing_stripe.base}) as (
        queue, _
    ):
        result = checkouts_expire_task.apply_async(queue=queue)
        try:
            expired = result.get(timeout=90)
        except Exception:
            print(log.read_text())
            raise

    assert expired == 1  # the task ended well: no retry storm, no dead job
    assert result.successful()
    fine.refresh_from_db()
    refused.refresh_from_db()
    assert (fine.status, refused.status) == (Checkout.Status.EXPIRED,
                                             Checkout.Status.PENDING_PAYMENT)
    assert Listing.objects.get(pk=jam.pk).stock == 1
    failure = JobFailure.objects.get()
    assert (failure.job, failure.item, failure.times) == (
        "checkouts-expire", f"checkout:{refused.pk}", 1
    )
    assert f"item checkout:{refused.pk} failed" in log.read_text()
