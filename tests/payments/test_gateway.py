"""Stripe timing out or failing: the test starts its own hanging port or HTTP-500 server."""

import pytest

from payments.errors import EscrowConflict, PaymentProviderUnavailable
from payments.gateway import stripe_client
from payments.ledger import REFUNDED, account_balance, escrow_account
from payments.models import GatewayCall, JournalLine, PaymentIntent, Refund
from payments.services import (
    escrow_refund,
    escrow_release,
    payment_intent_create,
    refunds_settle_open,
)
from tests.stripe_support import held_escrow, next_number

pytestmark = pytest.mark.django_db


def stripe_intents_for(reference):
    listed = stripe_client().v1.payment_intents.list(params={"limit": 100})
    # Every page: the run's localstripe holds every test's intents, oldest first.
    return [pi for pi in listed.auto_paging_iter()
            if pi.metadata.to_dict().get("reference") == reference]


def test_create_timing_out_moves_nothing_and_the_retry_with_the_same_key_succeeds_once(
    settings, hanging_port, localstripe_base
):
    port, accepted = hanging_port
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{port}"
    settings.STRIPE_TIMEOUT_SECONDS = 1
    number = next_number()
    reference, key = f"paytest:{number}", f"checkout-key-{number}"

    with pytest.raises(PaymentProviderUnavailable) as error:
        payment_intent_create(reference=reference, amount_cents=4_200, currency="USD",
                              idempotency_key=key)

    assert error.value.http_status == 503
    assert len(accepted) == 3  # bounded: three attempts, then give up
    record = PaymentIntent.objects.get(reference=reference)
    assert (record.status, record.stripe_id) == ("unknown", None)
    call = GatewayCall.objects.get(idempotency_key=key)
    assert (call.status, call.attempts) == ("unknown", 3)
    assert not JournalLine.objects.exists()

    settings.STRIPE_API_BASE = localstripe_base
    retried = payment_intent_create(reference=reference, amount_cents=4_200, currency="USD",
                                    idempotency_key=key)
    again = payment_intent_create(reference=reference, amount_cents=4_200, currency="USD",
                                  idempotency_key=key)

    assert retried.pk == again.pk == record.pk
    assert retried.stripe_id.startswith("pi_") and retried.status == "requires_payment_method"
    call.refresh_from_db()
    assert (call.status, call.attempts, call.stripe_object_id) == (
        "succeeded", 4, retried.stripe_id)
    assert [pi.id for pi in stripe_intents_for(reference)] == [retried.stripe_id]


def test_refund_against_a_failing_stripe_is_unknown_then_settles_once(
    settings, localstripe, failing_stripe
):
    reference, _, intent = held_escrow(amount_cents=3_000)
    settings.STRIPE_API_BASE = failing_stripe.base

    with pytest.raises(PaymentProviderUnavailable):
        escrow_refund(reference=reference)

    refund = Refund.objects.get()
    assert refund.status == "unknown"
    assert [r["key"] for r in failing_stripe.requests] == [refund.idempotency_key] * 3
    assert account_balance(account=escrow_account(reference), currency="USD") == 3_000
    assert account_balance(account=REFUNDED, currency="USD") == 0
    with pytest.raises(EscrowConflict, match="in progress"):
        escrow_release(reference=reference)  # the unknown refund reserves its money

    settings.STRIPE_API_BASE = localstripe
    summary = escrow_refund(reference=reference)

    assert summary.status == "refunded" and summary.refunded_cents == 3_000
    stripe_refunds = stripe_client().v1.refunds.list(params={"payment_intent": intent.stripe_id})
    assert [r.amount for r in stripe_refunds.data] == [3_000]
    assert Refund.objects.get().status == "succeeded"


def test_an_unknown_refund_that_did_happen_is_adopted_not_repeated(settings, localstripe,
                                                                  failing_stripe):
    reference, _, intent = held_escrow(amount_cents=2_500)
    settings.STRIPE_API_BASE = failing_stripe.base
    with pytest.raises(PaymentProviderUnavailable):
        escrow_refund(reference=reference, amount_cents=1_000)
    refund = Refund.objects.get()
    # Stripe did act on one of the attempts, but its answer was lost:
    settings.STRIPE_API_BASE = localstripe
    made = stripe_client().v1.refunds.create(params={
        "payment_intent": intent.stripe_id, "amount": 1_000,
        "metadata": {"refund_key": refund.idempotency_key},
    })

    assert refunds_settle_open() == 1

    refund.refresh_from_db()
    assert (refund.status, refund.stripe_id) == ("succeeded", made.id)
    stripe_refunds = stripe_client().v1.refunds.list(params={"payment_intent": intent.stripe_id})
    assert [r.id for r in stripe_refunds.data] == [made.id]
    assert account_balance(account=REFUNDED, currency="USD") == 1_000
