"""Chargebacks (Stripe disputes): freeze on `charge.dispute.created`, thaw or post the loss
on `charge.dispute.closed`.

localstripe sends no dispute events and has no disputes API: the signed event (its signature
verified by the webhook) is the source of truth. When Stripe's API answers we fetch the
dispute and prefer what it says; a 404 or no answer falls back to the event.

Payments knows money, not orders: it freezes and posts by escrow reference and hands the
outcome ("disputed", "dispute_won", "dispute_lost", with the escrow references) to the
handler the reference's kind registered (orders), outside any lock of ours.
"""

import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..errors import PaymentsError
from ..gateway import GatewayRefused, as_dict, stripe_read
from ..ledger import (
    CHARGEBACKS,
    Line,
    account_balance,
    escrow_account,
    journal_post,
)
from ..models import Chargeback, Escrow, EscrowTopUp, JournalEntry, PaymentIntent
from ..models import ReconciliationIssue as Issue
from ..transitions import escrow_transition
from .intents import PaymentOutcome, payment_outcome_dispatch
from .issues import issue_flag
from .refund_recovery import release_take_back_lines

logger = logging.getLogger(__name__)
EscrowStatus = Escrow.Status
WON = {"won", "warning_closed"}
LOST = {"lost"}
RELEASED_STATES = {EscrowStatus.RELEASED, EscrowStatus.PARTIALLY_REFUNDED}


def dispute_fetch(data_object: dict) -> dict:
    """The dispute as Stripe's API has it, or the signed event's copy when the API cannot say."""
    dispute_id = str(data_object.get("id") or "")
    if not dispute_id:
        return data_object
    try:
        fetched = as_dict(stripe_read(lambda client: client.v1.disputes.retrieve(dispute_id)))
    except (GatewayRefused, PaymentsError) as error:  # localstripe: no disputes API (404)
        logger.info("Dispute %s not fetched (%s); using the signed event", dispute_id, error)
        return data_object
    if fetched.get("id") != dispute_id:
        return data_object
    return {**data_object, **{k: v for k, v in fetched.items() if v not in (None, "")}}


def _intent_of(dispute: dict) -> PaymentIntent | None:
    intent_id = dispute.get("payment_intent") or ""
    if isinstance(intent_id, dict):
        intent_id = intent_id.get("id", "")
    record = PaymentIntent.objects.filter(stripe_id=intent_id).first() if intent_id else None
    charge = dispute.get("charge") or ""
    if record is None and isinstance(charge, str) and charge:
        record = PaymentIntent.objects.filter(charge_id=charge).first()
    return record


def _chargeback_get(*, intent: PaymentIntent, dispute: dict) -> Chargeback:
    chargeback, _ = Chargeback.objects.get_or_create(
        dispute_id=str(dispute["id"]),
        defaults={
            "payment_intent": intent,
            "amount_cents": int(dispute.get("amount") or 0),
            "currency": str(dispute.get("currency") or intent.currency).upper(),
            "reason": str(dispute.get("reason") or "")[:80],
        },
    )
    return chargeback


def _dispatch(*, intent: PaymentIntent, status: str, chargeback: Chargeback,
              references: list[str]) -> None:
    if references:
        payment_outcome_dispatch(PaymentOutcome(
            reference=intent.reference, payment_intent_id=intent.stripe_id or "",
            status=status, amount_cents=chargeback.amount_cents, currency=chargeback.currency,
            message=chargeback.reason, escrow_references=tuple(references),
        ))


def chargeback_opened(*, dispute: dict) -> Chargeback | None:
    """Freeze every escrow the disputed payment holds or released; idempotent."""
    intent = _intent_of(dispute)
    subject = str(dispute.get("id") or dispute.get("payment_intent") or "")
    issue_flag(
        kind=Issue.Kind.DISPUTE, subject=subject,
        detail=(
            f"Chargeback of {dispute.get('amount')} {dispute.get('currency')} on "
            f"{intent.reference if intent else 'an unknown payment'}: "
            f"{dispute.get('reason', '')}"
        ),
    )
    if intent is None or not dispute.get("id"):
        return None
    with transaction.atomic():
        PaymentIntent.objects.select_for_update().get(pk=intent.pk)
        chargeback = _chargeback_get(intent=intent, dispute=dispute)
        if chargeback.status != Chargeback.Status.OPEN:
            return chargeback  # a late "created" after "closed": nothing to freeze
        references = []
        for escrow in _escrows_paid_by(intent):
            if escrow.status in {EscrowStatus.HELD, *RELEASED_STATES}:
                escrow_transition(escrow=escrow, to=EscrowStatus.FROZEN, frozen_from=escrow.status)
            if escrow.status == EscrowStatus.FROZEN:
                references.append(escrow.reference)
    _dispatch(intent=intent, status="disputed", chargeback=chargeback, references=references)
    return chargeback


def chargeback_closed(*, dispute: dict) -> Chargeback | None:
    """Won: the escrows thaw. Lost: post the loss (one entry per escrow); idempotent."""
    status = str(dispute.get("status") or "")
    if status not in WON | LOST:
        logger.warning("Dispute %s closed as %r: left for staff", dispute.get("id"), status)
        return None
    intent = _intent_of(dispute)
    if intent is None or not dispute.get("id"):
        issue_flag(kind=Issue.Kind.UNKNOWN_OBJECT, subject=str(dispute.get("id") or "?"),
                   detail="A chargeback closed on a payment we do not know.")
        return None
    with transaction.atomic():
        PaymentIntent.objects.select_for_update().get(pk=intent.pk)
        chargeback = _chargeback_get(intent=intent, dispute=dispute)
        chargeback = Chargeback.objects.select_for_update().get(pk=chargeback.pk)
        escrows = _escrows_paid_by(intent)
        references = []
        if chargeback.status != Chargeback.Status.OPEN:
            # Decided already: hand the outcome on again (the handler is idempotent), so a
            # delivery whose order step failed is finished by Stripe's next delivery.
            references = [escrow.reference for escrow in escrows]
        elif status in WON:
            for escrow in escrows:
                if escrow.status == EscrowStatus.FROZEN:
                    escrow_transition(escrow=escrow, to=escrow.frozen_from or EscrowStatus.HELD,
                                      frozen_from="")
                    references.append(escrow.reference)
            chargeback.status = Chargeback.Status.WON
        else:
            lost = 0
            for escrow in escrows:
                cents = _loss_post(escrow=escrow, chargeback=chargeback,
                                   cap=(chargeback.amount_cents or intent.amount_cents) - lost)
                if cents or escrow.status == EscrowStatus.FROZEN:
                    references.append(escrow.reference)
                if escrow.status in {EscrowStatus.HELD, *RELEASED_STATES}:
                    escrow_transition(escrow=escrow, to=EscrowStatus.FROZEN,
                                      frozen_from=escrow.status)
                if escrow.status == EscrowStatus.FROZEN:
                    left = account_balance(account=escrow_account(escrow.reference),
                                           currency=escrow.currency)
                    if escrow.payment_intent_id != intent.pk and left > 0:
                        # The bank took back a top-up (a pre-order's balance) only: the
                        # first payment is still held, to be refunded or released as usual.
                        escrow_transition(escrow=escrow, to=escrow.frozen_from
                                          or EscrowStatus.HELD, frozen_from="")
                    else:
                        escrow_transition(escrow=escrow, to=EscrowStatus.REFUNDED,
                                          frozen_from="")
                lost += cents
            if lost != chargeback.amount_cents:
                issue_flag(
                    kind=Issue.Kind.AMOUNT_MISMATCH, subject=chargeback.dispute_id,
                    detail=f"Chargeback lost: the bank took {chargeback.amount_cents} cents; "
                           f"our escrows and releases of {intent.reference} had {lost}.",
                )
            chargeback.status = Chargeback.Status.LOST
        if chargeback.closed_at is None:
            chargeback.closed_at = timezone.now()
            chargeback.save(update_fields=["status", "closed_at"])
    _dispatch(intent=intent, status=f"dispute_{chargeback.status}", chargeback=chargeback,
              references=references)
    return chargeback


def _escrows_paid_by(intent: PaymentIntent) -> list[Escrow]:
    """The escrows a payment went into, locked: those it paid first, and those it topped up
    (a pre-order's balance)."""
    topped = EscrowTopUp.objects.filter(payment_intent=intent).values_list("escrow_id",
                                                                           flat=True)
    return list(Escrow.objects.select_for_update().filter(
        Q(payment_intent=intent) | Q(pk__in=list(topped))).order_by("pk"))


def _loss_post(*, escrow: Escrow, chargeback: Chargeback, cap: int) -> int:
    """Post what the bank took for one escrow, at most `cap` cents: what it still holds, then
    what its release left with the seller and the platform.

    Held: escrow → chargebacks. Released: the seller's share and the fee come back
    (seller_payable and platform_fees → chargebacks, less what a refund after the release took
    already), so the seller's available balance may go negative: that is what the seller owes,
    and later releases pay it back first.
    """
    origin = escrow.frozen_from if escrow.status == EscrowStatus.FROZEN else escrow.status
    key = f"chargeback:{chargeback.dispute_id}:{escrow.reference}"
    existing = JournalEntry.objects.filter(key=key).first()
    if existing is not None:
        return sum(line.amount_cents for line in existing.lines.filter(account=CHARGEBACKS))
    lines = []
    held = account_balance(account=escrow_account(escrow.reference), currency=escrow.currency)
    from_escrow = min(max(held, 0), max(cap, 0))
    if from_escrow:
        lines.append(Line(escrow_account(escrow.reference), -from_escrow, escrow.currency))
    if origin in RELEASED_STATES and cap - from_escrow > 0:
        lines += release_take_back_lines(escrow=escrow, cents=cap - from_escrow)[0]
    total = -sum(line.amount_cents for line in lines)
    if total <= 0:
        return 0
    lines.append(Line(CHARGEBACKS, total, escrow.currency))
    journal_post(
        key=key, kind=JournalEntry.Kind.CHARGEBACK, reference=escrow.reference,
        shop=escrow.shop, memo=f"Chargeback {chargeback.dispute_id} lost", lines=lines,
    )
    return total
