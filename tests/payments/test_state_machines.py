"""The Escrow and Payout state machines: one table each, one function that writes status
under the row lock; an illegal move is a 409 and changes nothing."""

import threading

import pytest
from django.db import connection

from payments.errors import EscrowConflict, PayoutConflict
from payments.models import Escrow, Payout
from payments.services import escrow_release, payout_mark_paid, payouts_run
from payments.transitions import (
    ESCROW_TRANSITIONS,
    PAYOUT_TRANSITIONS,
    escrow_status_label,
    escrow_transition,
    payout_transition,
)
from tests.factories import UserFactory
from tests.stripe_support import held_escrow


def test_every_status_has_a_row_and_a_label():
    assert set(ESCROW_TRANSITIONS) == set(Escrow.Status.values)
    assert set(PAYOUT_TRANSITIONS) == set(Payout.Status.values)
    assert escrow_status_label("frozen") == "Frozen by a chargeback"
    assert escrow_status_label("none") == "Not paid yet"
    assert all(label and "_" not in label for label in Escrow.Status.labels)
    assert all(label and "_" not in label for label in Payout.Status.labels)


@pytest.mark.django_db
def test_an_illegal_escrow_move_is_refused_and_changes_nothing(localstripe):
    reference, _, _ = held_escrow(amount_cents=2_000)
    escrow_release(reference=reference)
    escrow = Escrow.objects.get(reference=reference)
    with pytest.raises(EscrowConflict) as refused:
        escrow_transition(escrow=escrow, to=Escrow.Status.HELD)
    assert refused.value.http_status == 409
    assert "released to the seller" in str(refused.value).lower()
    assert Escrow.objects.get(pk=escrow.pk).status == "released"
    with pytest.raises(EscrowConflict):  # checked against the caller's expectation too
        escrow_transition(escrow=escrow, to=Escrow.Status.FROZEN, expected={"held"})


@pytest.mark.django_db
def test_a_paid_payout_cannot_fail_or_be_paid_again(localstripe):
    reference, shop, _ = held_escrow(amount_cents=5_000)
    escrow_release(reference=reference)
    payouts_run()
    payout = Payout.objects.get()
    payout_mark_paid(payout=payout, bank_reference="ACH-9", actor=UserFactory(is_staff=True))
    with pytest.raises(PayoutConflict):
        payout_transition(payout_id=payout.pk, to=Payout.Status.FAILED)
    with pytest.raises(PayoutConflict):
        payout_transition(payout_id=payout.pk, to=Payout.Status.PAID)
    assert Payout.objects.get(pk=payout.pk).status == "paid"


@pytest.mark.django_db(transaction=True)
def test_two_racing_moves_from_held_leave_exactly_one_winner(localstripe):
    reference, _, _ = held_escrow(amount_cents=2_000)
    escrow = Escrow.objects.get(reference=reference)
    barrier = threading.Barrier(2)
    results = []

    def move(to):
        try:
            barrier.wait()
            escrow_transition(escrow=Escrow.objects.get(pk=escrow.pk), to=to,
                              expected={Escrow.Status.HELD})
            results.append(to)
        except EscrowConflict:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=move, args=(to,))
               for to in (Escrow.Status.FROZEN, Escrow.Status.REFUNDED)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results).count("refused") == 1
    winner = next(r for r in results if r != "refused")
    assert Escrow.objects.get(pk=escrow.pk).status == winner
