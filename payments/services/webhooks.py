"""Stripe webhooks: verify on the raw body, store each event id once, converge on Stripe's state.

An event is only a hint: we fetch the PaymentIntent's current state from Stripe and apply that,
so events may arrive late, twice or out of order. Only one request processes an event id (a
conditional claim); repeats answer 200 without effect.
"""

import logging
from datetime import timedelta

import stripe
from django.conf import settings
from django.db import IntegrityError
from django.db.models import Q, Sum
from django.utils import timezone

from ..errors import WebhookInvalid
from ..gateway import as_dict, stripe_read
from ..ledger import REFUNDED
from ..models import Escrow, JournalLine, PaymentIntent, ReconciliationIssue, WebhookEvent
from .chargebacks import chargeback_closed, chargeback_opened, dispute_fetch
from .intents import payment_intent_apply
from .issues import issue_flag
from .payout_accounts import payout_account_sync
from .refund_recovery import (
    refund_reported_failed,
    refunds_external_apply,
    refunds_settle_open,
)

logger = logging.getLogger(__name__)
SIGNATURE_TOLERANCE_SECONDS = 300
CLAIM_SECONDS = 300


def webhook_event_verify(*, payload: bytes, signature: str | None):
    """Return the event if the Stripe-Signature matches the raw body; else WebhookInvalid.

    Two endpoints deliver here: the platform's (STRIPE_WEBHOOK_SECRET) and the Connect one for
    the shops' connected accounts (STRIPE_CONNECT_WEBHOOK_SECRET, when set); each signs with its
    own secret, so the signature is checked against the platform secret, then the Connect one.
    """
    if not signature:
        raise WebhookInvalid("Missing Stripe-Signature header.")
    secrets = [settings.STRIPE_WEBHOOK_SECRET]
    if settings.STRIPE_CONNECT_WEBHOOK_SECRET:
        secrets.append(settings.STRIPE_CONNECT_WEBHOOK_SECRET)
    for secret in secrets:
        try:
            return stripe.Webhook.construct_event(
                payload, signature, secret, tolerance=SIGNATURE_TOLERANCE_SECONDS,
            )
        except stripe.SignatureVerificationError:
            continue
        except ValueError:
            raise WebhookInvalid("The body is not a Stripe event.") from None
    raise WebhookInvalid("Invalid or stale signature.")


def webhook_event_receive(*, payload: bytes, signature: str | None) -> str:
    """Verify, store once, and apply an event; return processed | duplicate."""
    event = webhook_event_verify(payload=payload, signature=signature)
    data_object = as_dict(event.data.object)
    try:
        record, _ = WebhookEvent.objects.get_or_create(
            event_id=event.id,
            defaults={"type": event.type, "object_id": str(data_object.get("id", ""))[:80]},
        )
    except IntegrityError:
        return "duplicate"
    stale = timezone.now() - timedelta(seconds=CLAIM_SECONDS)
    claimed = WebhookEvent.objects.filter(pk=record.pk).filter(
        Q(status__in=[WebhookEvent.Status.RECEIVED, WebhookEvent.Status.FAILED])
        | Q(status=WebhookEvent.Status.PROCESSING, claimed_at__lt=stale)
    ).update(status=WebhookEvent.Status.PROCESSING, claimed_at=timezone.now())
    if not claimed:
        return "duplicate"
    try:
        _event_apply(event.type, data_object)
    except Exception as error:
        # Stripe delivers again after a non-2xx answer; the next delivery may claim it.
        WebhookEvent.objects.filter(pk=record.pk).update(
            status=WebhookEvent.Status.FAILED, error=f"{type(error).__name__}: {error}"[:2000]
        )
        raise
    WebhookEvent.objects.filter(pk=record.pk).update(
        status=WebhookEvent.Status.PROCESSED, processed_at=timezone.now(), error=""
    )
    return "processed"


def _event_apply(event_type: str, data_object) -> None:
    if event_type.startswith("payment_intent."):
        payment_intent_refresh(stripe_id=data_object["id"])
    elif event_type == "charge.refunded":
        intent_id = data_object.get("payment_intent") or ""
        refunds_settle_open(payment_intent_id=intent_id)
        stripe_refunded = int(data_object.get("amount_refunded") or 0)
        if stripe_refunded > _refunded_ours(stripe_id=intent_id):
            refunds_external_apply(payment_intent_id=intent_id)  # made in the dashboard
        refund_totals_compare(stripe_id=intent_id, stripe_refunded_cents=stripe_refunded)
    elif event_type in {"charge.refund.updated", "refund.updated"}:
        if data_object.get("status") == "failed":
            refund_reported_failed(
                stripe_refund_id=str(data_object.get("id") or ""),
                metadata=data_object.get("metadata") or {},
                error=f"Stripe reports the refund failed ({data_object.get('failure_reason')})."
                if data_object.get("failure_reason") else "Stripe reports the refund failed.",
            )
    elif event_type == "charge.dispute.created":
        chargeback_opened(dispute=dispute_fetch(data_object))
    elif event_type == "charge.dispute.closed":
        chargeback_closed(dispute=dispute_fetch(data_object))
    elif event_type == "account.updated":
        # Only a hint, like every event: the account is fetched again and Stripe's latest
        # state stored, so a late or repeated event never sets an older state.
        payout_account_sync(stripe_account_id=str(data_object.get("id") or ""))
    else:
        logger.info("Ignoring Stripe event type %s", event_type)


def payment_intent_refresh(*, stripe_id: str):
    """Fetch a PaymentIntent from Stripe and apply it, if it is one of ours."""
    if not PaymentIntent.objects.filter(stripe_id=stripe_id).exists():
        issue_flag(kind=ReconciliationIssue.Kind.UNKNOWN_OBJECT, subject=stripe_id,
                   detail="Stripe sent an event about a PaymentIntent we did not create.")
        return None
    obj = stripe_read(
        lambda client: client.v1.payment_intents.retrieve(
            stripe_id, params={"expand": ["latest_charge"]}
        )
    )
    return payment_intent_apply(stripe_payment_intent=obj)


def _refunded_ours(*, stripe_id: str) -> int:
    references = list(
        Escrow.objects.filter(payment_intent__stripe_id=stripe_id).values_list("reference",
                                                                               flat=True)
    )
    # Refunds posted, less refunds Stripe later reported failed (refund_reversal entries).
    return JournalLine.objects.filter(
        reference__in=references, account=REFUNDED
    ).aggregate(t=Sum("amount_cents"))["t"] or 0


def refund_totals_compare(*, stripe_id: str, stripe_refunded_cents: int) -> bool:
    """Flag a PaymentIntent whose refunds at Stripe differ from our ledger; True if equal."""
    ours = _refunded_ours(stripe_id=stripe_id)
    if ours == stripe_refunded_cents:
        return True
    issue_flag(
        kind=ReconciliationIssue.Kind.REFUND_MISMATCH, subject=stripe_id,
        detail=f"Stripe refunded {stripe_refunded_cents} cents; our ledger refunded {ours}.",
    )
    return False
