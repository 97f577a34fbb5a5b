import pytest

from payments.errors import EscrowConflict, InvalidAmount, PaymentConflict
from payments.gateway import stripe_client
from payments.ledger import (
    PLATFORM_FEES,
    REFUNDED,
    STRIPE_BALANCE,
    account_balance,
    escrow_account,
    seller_payable_account,
)
from payments.models import Escrow, JournalEntry, JournalLine, Refund
from payments.services import (
    escrow_hold,
    escrow_refund,
    escrow_release,
    escrow_resolve_partial,
    escrow_summary,
)
from tests.factories import ShopFactory
from tests.stripe_support import held_escrow, next_number, paid_intent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("localstripe")]


def balance(account):
    return account_balance(account=account, currency="USD")


def stripe_refunded(intent) -> int:
    pi = stripe_client().v1.payment_intents.retrieve(intent.stripe_id)
    return pi.latest_charge.amount_refunded


def test_hold_then_release_pays_seller_amount_minus_fee(settings):
    settings.PLATFORM_FEE_BPS = 500
    reference, shop, _ = held_escrow(amount_cents=2_599)
    assert balance(escrow_account(reference)) == 2_599
    assert balance(STRIPE_BALANCE) == -2_599

    summary = escrow_release(reference=reference)

    fee = 130  # 129.95 rounded half up
    assert balance(seller_payable_account(shop.pk)) == 2_599 - fee
    assert balance(PLATFORM_FEES) == fee
    assert balance(escrow_account(reference)) == 0
    assert (summary.status, summary.held_cents, summary.released_cents, summary.fee_cents,
            summary.refunded_cents) == ("released", 2_599, 2_599, fee, 0)


def test_release_twice_returns_the_first_result_and_moves_nothing():
    reference, shop, _ = held_escrow(amount_cents=5_000)
    first = escrow_release(reference=reference)
    lines = JournalLine.objects.count()
    second = escrow_release(reference=reference)
    assert first == second
    assert JournalLine.objects.count() == lines
    assert balance(seller_payable_account(shop.pk)) == 4_750


def test_hold_then_full_refund_goes_back_through_stripe():
    reference, shop, intent = held_escrow(amount_cents=3_000)

    summary = escrow_refund(reference=reference)

    assert (summary.status, summary.refunded_cents, summary.remaining_cents) == (
        "refunded", 3_000, 0)
    assert balance(REFUNDED) == 3_000
    assert balance(seller_payable_account(shop.pk)) == 0
    assert stripe_refunded(intent) == 3_000
    refund = Refund.objects.get()
    assert refund.status == "succeeded" and refund.stripe_id.startswith("re_")
    # repeating the same refund refunds nothing more, here or at Stripe
    escrow_refund(reference=reference)
    assert stripe_refunded(intent) == 3_000 and Refund.objects.count() == 1


def test_release_after_full_refund_is_refused_with_409():
    reference, shop, _ = held_escrow(amount_cents=1_500)
    escrow_refund(reference=reference)
    with pytest.raises(EscrowConflict) as error:
        escrow_release(reference=reference)
    assert error.value.http_status == 409
    assert not JournalEntry.objects.filter(kind="release").exists()
    assert balance(seller_payable_account(shop.pk)) == 0


def test_partial_refund_then_release_adds_up(settings):
    settings.PLATFORM_FEE_BPS = 1_000
    reference, shop, intent = held_escrow(amount_cents=10_000)

    escrow_refund(reference=reference, amount_cents=2_500)
    summary = escrow_release(reference=reference)

    assert summary.status == "partially_refunded"
    assert (summary.held_cents, summary.refunded_cents, summary.released_cents,
            summary.fee_cents) == (10_000, 2_500, 7_500, 750)
    assert balance(seller_payable_account(shop.pk)) == 6_750
    assert balance(REFUNDED) + balance(seller_payable_account(shop.pk)) + balance(
        PLATFORM_FEES) == 10_000
    assert stripe_refunded(intent) == 2_500


def test_dispute_partial_outcome_is_idempotent():
    reference, shop, intent = held_escrow(amount_cents=4_000)
    first = escrow_resolve_partial(reference=reference, refund_cents=1_000)
    second = escrow_resolve_partial(reference=reference, refund_cents=1_000)
    assert first == second
    assert (first.refunded_cents, first.released_cents, first.fee_cents) == (1_000, 3_000, 150)
    assert stripe_refunded(intent) == 1_000
    assert JournalEntry.objects.filter(kind="refund").count() == 1


def test_over_refund_is_refused_and_nothing_moves():
    reference, _, intent = held_escrow(amount_cents=2_000)
    escrow_refund(reference=reference, amount_cents=1_500)
    with pytest.raises(EscrowConflict, match="exceeds"):
        escrow_refund(reference=reference, amount_cents=600)
    with pytest.raises(InvalidAmount):
        escrow_refund(reference=reference, amount_cents=0)
    assert stripe_refunded(intent) == 1_500
    assert Refund.objects.count() == 1
    assert escrow_summary(reference=reference).remaining_cents == 500


def test_refund_after_release_is_refused():
    reference, _, intent = held_escrow(amount_cents=2_000)
    escrow_release(reference=reference)
    with pytest.raises(EscrowConflict):
        escrow_refund(reference=reference)
    assert stripe_refunded(intent) == 0 and Refund.objects.count() == 0


def test_holds_of_one_payment_never_exceed_what_was_paid():
    intent = paid_intent(amount_cents=5_000)
    shop_a, shop_b = ShopFactory(), ShopFactory()
    escrow_hold(reference="order:a1", shop=shop_a, amount_cents=3_000, currency="USD",
                payment_intent_id=intent.stripe_id)
    with pytest.raises(EscrowConflict, match="exceed"):
        escrow_hold(reference="order:b1", shop=shop_b, amount_cents=2_001, currency="USD",
                    payment_intent_id=intent.stripe_id)
    escrow_hold(reference="order:b1", shop=shop_b, amount_cents=2_000, currency="USD",
                payment_intent_id=intent.stripe_id)
    assert balance(STRIPE_BALANCE) == -5_000


def test_hold_is_idempotent_and_refuses_changed_terms():
    reference, shop, intent = held_escrow(amount_cents=1_200)
    again = escrow_hold(reference=reference, shop=shop, amount_cents=1_200, currency="USD",
                        payment_intent_id=intent.stripe_id)
    assert again.held_cents == 1_200 and Escrow.objects.count() == 1
    with pytest.raises(PaymentConflict):
        escrow_hold(reference=reference, shop=shop, amount_cents=1_100, currency="USD",
                    payment_intent_id=intent.stripe_id)
    assert JournalEntry.objects.filter(kind="hold").count() == 1


def test_hold_of_an_unpaid_intent_is_refused():
    from payments.services import payment_intent_create

    number = next_number()
    record = payment_intent_create(reference=f"paytest:{number}", amount_cents=900,
                                   currency="USD", idempotency_key=f"unpaid-{number}")
    with pytest.raises(EscrowConflict, match="not succeeded"):
        escrow_hold(reference="order:unpaid", shop=ShopFactory(), amount_cents=900,
                    currency="USD", payment_intent_id=record.stripe_id)
    assert not Escrow.objects.exists() and not JournalLine.objects.exists()


@pytest.mark.django_db
def test_a_refund_stripe_reported_failed_while_we_asked_is_not_posted(localstripe):
    from payments.services.escrow import refund_apply
    from payments.services.refund_recovery import refund_reported_failed

    reference, _, _ = held_escrow(amount_cents=2_500)
    escrow = Escrow.objects.get(reference=reference)
    refund = Refund.objects.create(escrow=escrow, idempotency_key=f"refund:{reference}:full",
                                   amount_cents=2_500, currency="USD")
    # refund.updated (failed) arrives between Stripe's answer and our posting of it
    refund_reported_failed(stripe_refund_id="re_late", error="The card was closed.",
                           metadata={"refund_key": refund.idempotency_key})

    after = refund_apply(refund=refund, stripe_refund_id="re_late")

    assert after.status == "failed"
    assert not JournalEntry.objects.filter(kind="refund", reference=reference).exists()
    assert escrow_summary(reference=reference).remaining_cents == 2_500
