import pytest

from payments.errors import InvalidAmount, PaymentConflict, PaymentDeclined
from payments.gateway import stripe_client
from payments.models import PaymentIntent
from payments.services import (
    payment_intent_cancel,
    payment_intent_confirm,
    payment_intent_create,
    payment_intent_sync,
)
from tests.stripe_support import next_number

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("localstripe")]


def new_intent(amount_cents=2_500):
    number = next_number()
    return payment_intent_create(
        reference=f"paytest:{number}", amount_cents=amount_cents, currency="usd",
        idempotency_key=f"key-{number}", metadata={"buyer": "42"},
    )


def test_create_asks_stripe_for_the_servers_amount_with_the_reference():
    record = new_intent(2_500)
    pi = stripe_client().v1.payment_intents.retrieve(record.stripe_id)
    assert (pi.amount, pi.currency, pi.metadata.to_dict()) == (
        2_500, "usd", {"buyer": "42", "reference": record.reference})
    assert record.client_secret == pi.client_secret
    assert (record.currency, record.status) == ("USD", "requires_payment_method")


def test_same_key_returns_the_same_intent_and_a_changed_request_is_refused():
    record = new_intent(2_500)
    again = payment_intent_create(reference=record.reference, amount_cents=2_500,
                                  currency="USD", idempotency_key=record.idempotency_key)
    assert again.pk == record.pk
    with pytest.raises(PaymentConflict):
        payment_intent_create(reference=record.reference, amount_cents=2_600, currency="USD",
                              idempotency_key=record.idempotency_key)
    with pytest.raises(PaymentConflict):
        payment_intent_create(reference=record.reference, amount_cents=2_500, currency="USD",
                              idempotency_key="another-key")
    assert PaymentIntent.objects.count() == 1


@pytest.mark.parametrize("amount", [0, -5, 10.5, 100_000_000])
def test_bad_amounts_are_refused_before_stripe(amount):
    with pytest.raises(InvalidAmount):
        payment_intent_create(reference="paytest:1", amount_cents=amount, currency="USD",
                              idempotency_key="k")
    assert not PaymentIntent.objects.exists()


def test_confirm_with_a_good_card_succeeds_and_hands_over_the_outcome(outcomes):
    record = new_intent(3_100)
    result = payment_intent_confirm(reference=record.reference, payment_method="pm_card_visa")
    assert (result.status, result.amount_cents, result.client_secret) == ("succeeded", 3_100, "")
    assert [(o.status, o.payment_intent_id) for o in outcomes] == [
        ("succeeded", record.stripe_id)]
    record.refresh_from_db()
    assert record.charge_id.startswith("ch_")


def test_a_declined_card_is_402_recorded_and_handed_over_as_failed(outcomes):
    record = new_intent()
    with pytest.raises(PaymentDeclined) as error:
        payment_intent_confirm(reference=record.reference,
                               payment_method="pm_card_chargeCustomerFail")
    assert error.value.http_status == 402
    assert "declined" in str(error.value)
    record.refresh_from_db()
    assert record.status == "failed"
    assert [o.status for o in outcomes] == ["failed"]
    assert "declined" in record.last_error
    # (Real Stripe lets the buyer confirm again with another card; localstripe answers 400.)


def test_three_d_secure_returns_requires_action_with_the_client_secret(outcomes):
    record = new_intent()
    card = stripe_client().v1.payment_methods.create(params={
        "type": "card",
        "card": {"number": "4000002500003155", "exp_month": 12, "exp_year": 2031, "cvc": "123"},
    })
    result = payment_intent_confirm(reference=record.reference, payment_method=card.id)
    assert (result.status, result.client_secret) == ("requires_action", record.client_secret)
    assert outcomes == []


def test_a_malformed_payment_method_is_400():
    record = new_intent()
    with pytest.raises(InvalidAmount):
        payment_intent_confirm(reference=record.reference, payment_method="4242 4242")


def test_sync_after_success_and_cancel_of_a_paid_intent_keep_it_paid():
    record = new_intent()
    payment_intent_confirm(reference=record.reference, payment_method="pm_card_visa")
    assert payment_intent_sync(reference=record.reference).status == "succeeded"
    assert payment_intent_cancel(reference=record.reference).status == "succeeded"


def test_cancel_of_an_unpaid_intent_cancels_it_at_stripe():
    record = new_intent()
    assert payment_intent_cancel(reference=record.reference).status == "canceled"
    assert stripe_client().v1.payment_intents.retrieve(record.stripe_id).status == "canceled"
