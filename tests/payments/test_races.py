"""Two requests colliding on real Postgres: threads, each with its own connection."""

import threading

import pytest
from django.db import connection

from payments.errors import PaymentsError
from payments.gateway import stripe_client
from payments.ledger import REFUNDED, account_balance, escrow_account, seller_payable_account
from payments.models import JournalEntry, Refund
from tests.stripe_support import held_escrow

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("localstripe")]


def start_at_once(*calls):
    """Start every call at once; return [(result or None, error or None)]."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def worker(index, call):
        barrier.wait()
        try:
            results[index] = (call(), None)
        except PaymentsError as error:
            results[index] = (None, error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_release_twice_at_once_releases_once():
    from payments.services import escrow_release

    reference, shop, _ = held_escrow(amount_cents=8_000)
    results = start_at_once(lambda: escrow_release(reference=reference),
                           lambda: escrow_release(reference=reference))
    assert [error for _, error in results] == [None, None]  # the second is a no-op repeat
    assert results[0][0] == results[1][0]
    assert JournalEntry.objects.filter(kind="release").count() == 1
    assert account_balance(account=seller_payable_account(shop.pk), currency="USD") == 7_600


def test_release_racing_a_full_refund_one_wins_and_the_ledger_adds_up():
    from payments.services import escrow_refund, escrow_release

    reference, shop, intent = held_escrow(amount_cents=6_000)
    results = start_at_once(lambda: escrow_release(reference=reference),
                           lambda: escrow_refund(reference=reference))
    errors = [error for _, error in results if error is not None]
    assert len(errors) == 1 and errors[0].http_status == 409
    payable = account_balance(account=seller_payable_account(shop.pk), currency="USD")
    refunded = account_balance(account=REFUNDED, currency="USD")
    stripe_refunded = stripe_client().v1.payment_intents.retrieve(
        intent.stripe_id).latest_charge.amount_refunded
    if results[0][1] is None:  # release won
        assert (payable, refunded, stripe_refunded) == (5_700, 0, 0)
        assert not Refund.objects.exists()
    else:  # refund won
        assert (payable, refunded, stripe_refunded) == (0, 6_000, 6_000)
    assert account_balance(account=escrow_account(reference), currency="USD") == 0


def test_the_same_refund_twice_at_once_refunds_once_at_stripe():
    from payments.services import escrow_refund

    reference, _, intent = held_escrow(amount_cents=2_000)
    results = start_at_once(lambda: escrow_refund(reference=reference, amount_cents=700),
                           lambda: escrow_refund(reference=reference, amount_cents=700))
    errors = [error for _, error in results if error is not None]
    assert all(error.http_status == 409 for error in errors)  # "being sent now", if any
    stripe_refunds = stripe_client().v1.refunds.list(params={"payment_intent": intent.stripe_id})
    assert [r.amount for r in stripe_refunds.data] == [700]
    assert account_balance(account=REFUNDED, currency="USD") == 700
