"""The checkout state machine: one table, one function, checked under the row lock."""

import itertools

import pytest
from django.utils import timezone

from orders.errors import CheckoutInvalidTransition
from orders.models import Checkout
from orders.services.checkout_states import CHECKOUT_TRANSITIONS, checkout_transition
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
Status = Checkout.Status


def a_checkout(status):
    return Checkout.objects.create(
        buyer=UserFactory(), idempotency_key=f"k-{status}-{timezone.now().timestamp()}",
        request_fingerprint="f", amount_cents=1_000, fulfillment="ship", status=status,
        expires_at=timezone.now(),
    )


def test_the_table_names_every_status_and_only_an_unpaid_checkout_moves():
    assert set(CHECKOUT_TRANSITIONS) == set(Status.values)
    assert CHECKOUT_TRANSITIONS[Status.PENDING_PAYMENT] == {
        Status.PAID, Status.EXPIRED, Status.CANCELLED,
    }
    assert all(not moves for status, moves in CHECKOUT_TRANSITIONS.items()
               if status != Status.PENDING_PAYMENT)


@pytest.mark.parametrize("current,to", list(itertools.product(Status.values, Status.values)))
def test_each_move_is_allowed_exactly_when_the_table_says(current, to):
    checkout = a_checkout(current)
    if to in CHECKOUT_TRANSITIONS[current]:
        moved = checkout_transition(checkout=checkout, to=to, payment_message="moved")
        assert (moved.status, moved.payment_message) == (to, "moved")
    else:
        with pytest.raises(CheckoutInvalidTransition) as refused:
            checkout_transition(checkout=checkout, to=to, payment_message="moved")
        assert refused.value.http_status == 409
        assert str(refused.value).startswith(f"This checkout is {Status(current).label.lower()};")
    checkout.refresh_from_db()
    assert checkout.status == (to if to in CHECKOUT_TRANSITIONS[current] else current)


def test_an_expected_status_is_checked_under_the_lock():
    checkout = a_checkout(Status.PENDING_PAYMENT)
    stale = Checkout.objects.get(pk=checkout.pk)
    checkout_transition(checkout=checkout, to=Status.CANCELLED)
    with pytest.raises(CheckoutInvalidTransition):
        checkout_transition(checkout=stale, to=Status.EXPIRED, expected={Status.PENDING_PAYMENT})
    assert Checkout.objects.get(pk=checkout.pk).status == Status.CANCELLED


def test_people_read_checkout_statuses_as_words():
    assert [Status(value).label for value in Status.values] == [
        "Waiting for payment", "Paid", "Expired", "Cancelled"
    ]
