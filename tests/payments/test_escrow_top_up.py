"""A second payment added to an escrow (a pre-order's balance): held, released and refunded
with the first, each refund going back to the payment it came from (real localstripe)."""

import pytest

from payments.errors import EscrowConflict, PaymentConflict
from payments.models import EscrowTopUp, JournalEntry, Refund
from payments.selectors import escrow_summary
from payments.services import escrow_refund, escrow_release, escrow_top_up
from tests.stripe_support import held_escrow, paid_intent

pytestmark = pytest.mark.django_db


def topped_up(first=3000, second=7000):
    reference, shop, intent = held_escrow(amount_cents=first)
    balance = paid_intent(amount_cents=second)
    escrow_top_up(reference=reference, amount_cents=second, currency="USD",
                  payment_intent_id=balance.stripe_id)
    return reference, intent, balance


def test_a_top_up_is_held_once_and_released_with_the_first_payment(localstripe):
    reference, _, balance = topped_up()
    again = escrow_top_up(reference=reference, amount_cents=7000, currency="USD",
                          payment_intent_id=balance.stripe_id)
    assert (again.held_cents, again.remaining_cents) == (10000, 10000)
    assert EscrowTopUp.objects.count() == 1
    assert JournalEntry.objects.filter(kind="hold", reference=reference).count() == 2
    released = escrow_release(reference=reference)
    assert (released.released_cents, released.remaining_cents) == (10000, 0)


def test_a_partial_refund_comes_from_the_top_up_first_then_the_first_payment(localstripe):
    reference, first, balance = topped_up()
    escrow_refund(reference=reference, amount_cents=8000, note="Short harvest")
    parts = {part.payment_intent_id: part.amount_cents
             for part in Refund.objects.filter(escrow__reference=reference)}
    assert parts == {balance.pk: 7000, None: 1000}  # None: the escrow's own payment
    summary = escrow_summary(reference=reference)
    assert (summary.refunded_cents, summary.remaining_cents) == (8000, 2000)
    escrow_refund(reference=reference, amount_cents=8000, note="Short harvest")  # a repeat
    assert Refund.objects.filter(escrow__reference=reference).count() == 2
    rest = escrow_refund(reference=reference)
    assert (rest.refunded_cents, rest.remaining_cents, rest.status) == (10000, 0, "refunded")


@pytest.mark.parametrize("case", ["other_amount", "not_held", "already_escrowed", "bad_amount"])
def test_a_top_up_that_does_not_fit_is_refused_and_moves_nothing(localstripe, case):
    reference, first, balance = topped_up()
    before = JournalEntry.objects.count()
    if case == "other_amount":
        with pytest.raises(PaymentConflict):
            escrow_top_up(reference=reference, amount_cents=6999, currency="USD",
                          payment_intent_id=balance.stripe_id)
    elif case == "not_held":
        escrow_release(reference=reference)
        before = JournalEntry.objects.count()
        late = paid_intent(amount_cents=500)
        with pytest.raises(EscrowConflict):
            escrow_top_up(reference=reference, amount_cents=500, currency="USD",
                          payment_intent_id=late.stripe_id)
    elif case == "already_escrowed":
        _, _, spent = held_escrow(amount_cents=400)
        before = JournalEntry.objects.count()
        with pytest.raises(EscrowConflict):
            escrow_top_up(reference=reference, amount_cents=400, currency="USD",
                          payment_intent_id=spent.stripe_id)
    else:
        more = paid_intent(amount_cents=500)
        with pytest.raises(EscrowConflict):
            escrow_top_up(reference=reference, amount_cents=501, currency="USD",
                          payment_intent_id=more.stripe_id)
    assert JournalEntry.objects.count() == before
