"""PaymentIntents: create, confirm server-side, sync, and hand outcomes to the caller's handler."""

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from ..errors import (
    EscrowNotFound,
    InvalidAmount,
    PaymentConflict,
    PaymentDeclined,
    PaymentsError,
)
from ..gateway import GatewayRefused, as_dict, charge_id_of, stripe_read, stripe_write
from ..models import PaymentIntent, ReconciliationIssue
from ..money import currency_normalize
from .issues import issue_flag

logger = logging.getLogger(__name__)
PAYMENT_METHOD_ID = re.compile(r"^pm_[A-Za-z0-9_]{1,120}$")
MAX_AMOUNT_CENTS = 99_999_999  # Stripe's own ceiling for USD


@dataclass(frozen=True)
class PaymentOutcome:
    """A verified payment result handed to the handler registered for the reference's kind."""

    reference: str
    payment_intent_id: str  # the Stripe id, pass it to escrow_hold
    # "succeeded" | "failed" | "canceled" | "disputed" (a chargeback opened: escrows frozen) |
    # "dispute_won" | "dispute_lost" | "refunded" (a refund made outside the app, or a retried
    # one, posted) | "refunded_after_release" (an outside refund taken back from the seller's
    # balance) | "refund_failed" (a refund was refused or reported failed: buyer delayed)
    status: str
    amount_cents: int
    currency: str
    message: str = ""
    # The escrows the outcome is about ("order:<id>"), for the money outcomes after payment.
    escrow_references: tuple[str, ...] = ()


@dataclass(frozen=True)
class PaymentResult:
    """What confirm and sync return to the caller (and the API shows)."""

    reference: str
    payment_intent_id: str
    status: str  # a PaymentIntent.Status value
    client_secret: str  # for Stripe.js when status is requires_action
    amount_cents: int
    currency: str
    message: str = ""


_OUTCOME_HANDLERS: dict[str, Callable[[PaymentOutcome], None]] = {}
_DISPATCHED = {"succeeded", "failed", "canceled", "disputed"}


def payment_outcome_handler_register(*, kind: str, handler: Callable[[PaymentOutcome], None]):
    """Route outcomes of references "<kind>:…" to handler (call from AppConfig.ready)."""
    _OUTCOME_HANDLERS[kind] = handler


def payment_outcome_dispatch(outcome: PaymentOutcome) -> None:
    """Call the handler of the reference's kind; outside any transaction or lock of ours."""
    kind = outcome.reference.split(":", 1)[0]
    handler = _OUTCOME_HANDLERS.get(kind)
    if handler is None:
        logger.info("No payment outcome handler for %s (%s)", kind, outcome.status)
        return
    handler(outcome)


def _params(record: PaymentIntent) -> dict:
    return {
        "amount": record.amount_cents,
        "currency": record.currency.lower(),
        "capture_method": "automatic",
        "payment_method_types": ["card"],
        "metadata": {**record.metadata, "reference": record.reference},
    }


def payment_intent_create(
    *, reference: str, amount_cents: int, currency: str, idempotency_key: str,
    metadata: dict | None = None,
) -> PaymentIntent:
    """Create (or return) the one Stripe PaymentIntent of a reference.

    Call it OUTSIDE any transaction that holds row locks. The idempotency key is stored first;
    the same key returns the same intent, and an unknown outcome is retried with it.
    """
    currency = currency_normalize(currency)
    if not isinstance(amount_cents, int) or not 0 < amount_cents <= MAX_AMOUNT_CENTS:
        raise InvalidAmount("The amount must be a positive whole number of cents.")
    if not reference or len(reference) > 80 or ":" not in reference:
        raise InvalidAmount("A reference looks like 'checkout:42'.")
    if not idempotency_key or len(idempotency_key) > 120:
        raise InvalidAmount("An idempotency key of 1 to 120 characters is required.")
    clean_metadata = {str(k)[:40]: str(v)[:500] for k, v in (metadata or {}).items()}
    try:
        record, _ = PaymentIntent.objects.get_or_create(
            idempotency_key=idempotency_key,
            defaults={
                "reference": reference, "amount_cents": amount_cents, "currency": currency,
                "metadata": clean_metadata,
            },
        )
    except IntegrityError:
        raise PaymentConflict(f"A payment already exists for {reference}.") from None
    if (record.reference, record.amount_cents, record.currency) != (
        reference, amount_cents, currency
    ):
        raise PaymentConflict("This idempotency key was used for a different payment.")
    if record.stripe_id:
        return record
    return payment_intent_send(record)


def payment_intent_send(record: PaymentIntent) -> PaymentIntent:
    try:
        obj = stripe_write(
            operation="payment_intent.create", idempotency_key=record.idempotency_key,
            reference=record.reference,
            send=lambda client, options: client.v1.payment_intents.create(
                params=_params(record), options=options
            ),
        )
    except GatewayRefused as refused:
        PaymentIntent.objects.filter(pk=record.pk).update(
            status=PaymentIntent.Status.FAILED, last_error=str(refused)[:2000]
        )
        raise PaymentsError(f"The payment provider refused the payment: {refused}") from None
    except PaymentsError:
        PaymentIntent.objects.filter(pk=record.pk).update(status=PaymentIntent.Status.UNKNOWN)
        raise
    PaymentIntent.objects.filter(pk=record.pk, stripe_id__isnull=True).update(
        stripe_id=obj.id, client_secret=obj.client_secret or "",
        status=_status_from_stripe(as_dict(obj)),
    )
    record.refresh_from_db()
    return record


def _status_from_stripe(obj: dict) -> str:
    status = obj["status"]
    if status in {"requires_payment_method", "requires_confirmation"}:
        failed = obj.get("last_payment_error")
        return (
            PaymentIntent.Status.FAILED if failed else PaymentIntent.Status.REQUIRES_PAYMENT_METHOD
        )
    if status in {"requires_capture"}:
        return PaymentIntent.Status.PROCESSING
    return PaymentIntent.Status(status)


def _record_for(reference: str) -> PaymentIntent:
    record = PaymentIntent.objects.filter(reference=reference).first()
    if record is None:
        raise EscrowNotFound(f"No payment exists for {reference}.")
    return record


def payment_intent_confirm(*, reference: str, payment_method: str) -> PaymentResult:
    """Attach the buyer's PaymentMethod, then confirm with no arguments (server-side).

    A declined card raises PaymentDeclined (402); 3-D Secure returns status requires_action and
    the client_secret; success is applied exactly like a webhook (the outcome handler runs).
    """
    if not isinstance(payment_method, str) or not PAYMENT_METHOD_ID.match(payment_method):
        raise InvalidAmount("payment_method must be a Stripe PaymentMethod id (pm_…).")
    record = _record_for(reference)
    if record.status == PaymentIntent.Status.SUCCEEDED:
        return payment_intent_sync(reference=reference)
    if not record.stripe_id:
        record = payment_intent_send(record)
    key = f"pi-confirm:{record.stripe_id}:{uuid.uuid4().hex}"
    try:
        stripe_write(
            operation="payment_intent.update", idempotency_key=f"{key}:attach",
            reference=reference,
            send=lambda client, options: client.v1.payment_intents.update(
                record.stripe_id, params={"payment_method": payment_method}, options=options
            ),
        )
        obj = stripe_write(
            operation="payment_intent.confirm", idempotency_key=f"{key}:confirm",
            reference=reference,
            send=lambda client, options: client.v1.payment_intents.confirm(
                record.stripe_id, options=options
            ),
        )
    except GatewayRefused as refused:
        result = payment_intent_sync(reference=reference)
        if result.status == PaymentIntent.Status.SUCCEEDED:
            return result  # confirmed by an earlier request: converge, do not report a failure
        if refused.http_status == 402:
            raise PaymentDeclined(f"The card was declined: {refused}") from None
        raise PaymentsError(f"The payment could not be confirmed: {refused}") from None
    return payment_intent_apply(stripe_payment_intent=obj)


def payment_intent_sync(*, reference: str) -> PaymentResult:
    """Fetch the intent's current state from Stripe and apply it (the webhook's code path)."""
    record = _record_for(reference)
    if not record.stripe_id:
        record = payment_intent_send(record)  # an unknown create: retried with its own key
    obj = stripe_read(
        lambda client: client.v1.payment_intents.retrieve(
            record.stripe_id, params={"expand": ["latest_charge"]}
        )
    )
    return payment_intent_apply(stripe_payment_intent=obj)


def payment_intent_cancel(*, reference: str) -> PaymentResult:
    """Cancel an unpaid intent at Stripe so it can no longer succeed; a paid one stays paid."""
    record = _record_for(reference)
    if record.status in {PaymentIntent.Status.SUCCEEDED, PaymentIntent.Status.CANCELED}:
        return _result(record)
    if not record.stripe_id:
        return payment_intent_sync(reference=reference)
    try:
        obj = stripe_write(
            operation="payment_intent.cancel", idempotency_key=f"pi-cancel:{record.stripe_id}",
            reference=reference,
            send=lambda client, options: client.v1.payment_intents.cancel(
                record.stripe_id, options=options
            ),
        )
    except GatewayRefused:
        return payment_intent_sync(reference=reference)  # e.g. it succeeded meanwhile
    return payment_intent_apply(stripe_payment_intent=obj)


def payment_intent_apply(*, stripe_payment_intent) -> PaymentResult:
    """Converge our record on a PaymentIntent just fetched from Stripe, then dispatch.

    Never downgrades a succeeded intent. An amount, currency or reference that differs from
    what we asked for is not applied: it is flagged for staff and nothing is dispatched.
    """
    obj = as_dict(stripe_payment_intent)
    with transaction.atomic():
        record = PaymentIntent.objects.select_for_update().filter(stripe_id=obj["id"]).first()
        if record is None:
            raise EscrowNotFound("That payment is not one of ours.")
        metadata_reference = (obj.get("metadata") or {}).get("reference")
        if (
            obj["amount"] != record.amount_cents
            or str(obj["currency"]).upper() != record.currency
            or metadata_reference != record.reference
        ):
            issue_flag(
                kind=ReconciliationIssue.Kind.AMOUNT_MISMATCH, subject=obj["id"],
                detail=(
                    f"{record.reference}: asked {record.amount_cents} {record.currency}, Stripe "
                    f"has {obj['amount']} {str(obj['currency']).upper()} for {metadata_reference}."
                ),
            )
            return _result(record, message="Payment amount mismatch; staff will review.")
        status = _status_from_stripe(obj)
        if record.status == PaymentIntent.Status.SUCCEEDED:
            status = PaymentIntent.Status.SUCCEEDED
        error = obj.get("last_payment_error")
        record.status = status
        record.charge_id = charge_id_of(obj) or record.charge_id
        record.last_error = (error.get("message") or "")[:2000] if error else ""
        record.save(update_fields=["status", "charge_id", "last_error", "updated"])
    result = _result(record, message=record.last_error)
    if status in _DISPATCHED:
        payment_outcome_dispatch(
            PaymentOutcome(
                reference=record.reference, payment_intent_id=record.stripe_id, status=status,
                amount_cents=record.amount_cents, currency=record.currency,
                message=record.last_error,
            )
        )
    return result


def _result(record: PaymentIntent, *, message: str = "") -> PaymentResult:
    return PaymentResult(
        reference=record.reference, payment_intent_id=record.stripe_id or "",
        status=record.status,
        client_secret=record.client_secret
        if record.status == PaymentIntent.Status.REQUIRES_ACTION else "",
        amount_cents=record.amount_cents, currency=record.currency, message=message,
    )
