"""Escrow steps: hold, release, refund, partial (dispute) outcome.

What happens to a refund afterwards (resumed, retried by staff, reported failed, made in the
Stripe dashboard) is in refund_recovery.py.

Each step is one transaction with row locks taken in one fixed order — PaymentIntent, then
Escrow, then Refund — and each is idempotent: a repeat returns the current summary and moves
nothing. Refunded + released never exceeds held. Stripe is only called between transactions,
never while a lock is held.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from ..errors import (
    EscrowConflict,
    EscrowFrozen,
    EscrowNotFound,
    InvalidAmount,
    PaymentConflict,
    PaymentProviderUnavailable,
    PaymentsError,
    RefundRefused,
)
from ..gateway import GatewayRefused, as_dict, stripe_read, stripe_write
from ..ledger import (
    PLATFORM_FEES,
    REFUNDED,
    STRIPE_BALANCE,
    Line,
    account_balance,
    escrow_account,
    journal_post,
    seller_payable_account,
)
from ..models import (
    Escrow,
    EscrowTopUp,
    GatewayCall,
    JournalEntry,
    PaymentIntent,
    Refund,
)
from ..money import currency_normalize, fee_split
from ..selectors import EscrowSummary, escrow_summary
from ..transitions import escrow_transition
from .hub_money import hub_commission_lines
from .intents import PaymentOutcome, payment_outcome_dispatch

FROZEN_MESSAGE = (
    "A chargeback is open on this payment: its money is frozen until the buyer's bank decides."
)

CLAIM_SECONDS = 120  # a refund being sent longer than this is presumed abandoned and resumed
OPEN_REFUND = (Refund.Status.PENDING, Refund.Status.UNKNOWN)


def _escrow_lock(reference: str) -> Escrow:
    escrow = Escrow.objects.select_for_update().filter(reference=reference).first()
    if escrow is None:
        raise EscrowNotFound(f"Nothing is held in escrow for {reference}.")
    return escrow


def escrow_hold(
    *, reference: str, shop, amount_cents: int, currency: str, payment_intent_id: str,
    actor=None,
) -> EscrowSummary:
    """Move part (or all) of a succeeded payment into escrow:<reference> for shop."""
    currency = currency_normalize(currency)
    if not isinstance(amount_cents, int) or amount_cents <= 0:
        raise InvalidAmount("A hold must be a positive whole number of cents.")
    with transaction.atomic():
        intent = PaymentIntent.objects.select_for_update().filter(
            stripe_id=payment_intent_id
        ).first()
        if intent is None:
            raise EscrowNotFound("That payment does not exist.")
        existing = Escrow.objects.filter(reference=reference).first()
        if existing is not None:
            if (existing.shop_id, existing.amount_cents, existing.currency,
                    existing.payment_intent_id) != (shop.pk, amount_cents, currency, intent.pk):
                raise PaymentConflict(f"{reference} is already held with different terms.")
            return escrow_summary(reference=reference)
        if intent.status != PaymentIntent.Status.SUCCEEDED:
            raise EscrowConflict("The payment has not succeeded; nothing can be held.")
        if intent.currency != currency:
            raise EscrowConflict("The hold's currency differs from the payment's.")
        held = Escrow.objects.filter(payment_intent=intent).aggregate(t=Sum("amount_cents"))["t"]
        if (held or 0) + amount_cents > intent.amount_cents:
            raise EscrowConflict("The holds would exceed what the buyer paid.")
        Escrow.objects.create(
            reference=reference, shop=shop, payment_intent=intent, amount_cents=amount_cents,
            currency=currency,
        )
        journal_post(
            key=f"hold:{reference}", kind=JournalEntry.Kind.HOLD, reference=reference, shop=shop,
            memo=f"Payment {intent.stripe_id} held", actor=actor,
            lines=[
                Line(STRIPE_BALANCE, -amount_cents, currency),
                Line(escrow_account(reference), amount_cents, currency),
            ],
        )
    return escrow_summary(reference=reference)


def escrow_top_up(
    *, reference: str, amount_cents: int, currency: str, payment_intent_id: str, actor=None,
) -> EscrowSummary:
    """Add a second succeeded payment to a held escrow (a pre-order's balance): the escrow
    then holds both, is released or refunded as one, and a refund goes back to the payments
    it came from. Idempotent per payment; a different amount for the same payment is 409."""
    currency = currency_normalize(currency)
    if not isinstance(amount_cents, int) or amount_cents <= 0:
        raise InvalidAmount("A hold must be a positive whole number of cents.")
    with transaction.atomic():
        intent = PaymentIntent.objects.select_for_update().filter(
            stripe_id=payment_intent_id
        ).first()
        if intent is None:
            raise EscrowNotFound("That payment does not exist.")
        escrow = _escrow_lock(reference)
        existing = EscrowTopUp.objects.filter(payment_intent=intent).first()
        if existing is not None:
            if (existing.escrow_id, existing.amount_cents) != (escrow.pk, amount_cents):
                raise PaymentConflict("This payment was already added with different terms.")
            return escrow_summary(reference=reference)
        if intent.status != PaymentIntent.Status.SUCCEEDED:
            raise EscrowConflict("The payment has not succeeded; nothing can be held.")
        if intent.currency != currency or escrow.currency != currency:
            raise EscrowConflict("The hold's currency differs from the payment's.")
        if escrow.status != Escrow.Status.HELD:
            raise EscrowConflict(
                f"The escrow is already {escrow.get_status_display().lower()}."
            )
        if intent.escrows.exists() or amount_cents > intent.amount_cents:
            raise EscrowConflict("The holds would exceed what the buyer paid.")
        EscrowTopUp.objects.create(escrow=escrow, payment_intent=intent,
                                   amount_cents=amount_cents)
        journal_post(
            key=f"hold:{reference}:{intent.stripe_id}", kind=JournalEntry.Kind.HOLD,
            reference=reference, shop=escrow.shop,
            memo=f"Payment {intent.stripe_id} added", actor=actor,
            lines=[
                Line(STRIPE_BALANCE, -amount_cents, currency),
                Line(escrow_account(reference), amount_cents, currency),
            ],
        )
    return escrow_summary(reference=reference)


def _refund_split(escrow: Escrow, amount: int) -> list[tuple[PaymentIntent | None, int]]:
    """Which payments a refund of `amount` goes back to: the top-ups first (newest first),
    then the escrow's own payment. [(None, amount)] for an escrow paid once."""
    top_ups = list(escrow.top_ups.select_related("payment_intent").order_by("-created", "-id"))
    if not top_ups:
        return [(None, amount)]
    sources = [(top_up.payment_intent, top_up.amount_cents) for top_up in top_ups]
    sources.append((escrow.payment_intent, escrow.amount_cents))
    taken = escrow.refunds.filter(
        status__in=(*OPEN_REFUND, Refund.Status.SUCCEEDED)
    ).values_list("payment_intent_id", "amount_cents")
    used: dict[int, int] = {}
    for intent_id, cents in taken:
        key = intent_id or escrow.payment_intent_id
        used[key] = used.get(key, 0) + cents
    parts = []
    for intent, paid in sources:
        room = paid - used.get(intent.pk, 0)
        share = min(room, amount)
        if share > 0:
            parts.append((None if intent.pk == escrow.payment_intent_id else intent, share))
            amount -= share
        if amount == 0:
            break
    if amount:  # more than the payments hold: refused by the caller's checks already
        raise EscrowConflict("The refund exceeds what the buyer paid.")
    return parts


def escrow_release(*, reference: str, actor=None) -> EscrowSummary:
    """Release what remains in escrow: seller payable minus the platform fee, fee to platform."""
    with transaction.atomic():
        escrow = _escrow_lock(reference)
        if JournalEntry.objects.filter(key=f"release:{reference}").exists():
            return escrow_summary(reference=reference)
        if escrow.status == Escrow.Status.FROZEN:
            raise EscrowFrozen(FROZEN_MESSAGE)
        if escrow.status == Escrow.Status.REFUNDED:
            raise EscrowConflict("The payment was refunded in full; there is nothing to release.")
        if escrow.refunds.filter(status__in=OPEN_REFUND).exists():
            raise EscrowConflict("A refund of this payment is in progress; try again later.")
        remaining = account_balance(account=escrow_account(reference), currency=escrow.currency)
        if remaining <= 0:
            raise EscrowConflict("Nothing is left in escrow to release.")
        seller_cents, fee_cents = fee_split(
            amount_cents=remaining, fee_bps=settings.PLATFORM_FEE_BPS
        )
        # A managed shop's hub takes its commission (its rate now) out of the seller's share.
        commission_lines, commission_cents = hub_commission_lines(
            shop_id=escrow.shop_id, released_cents=remaining, seller_cents=seller_cents,
            currency=escrow.currency)
        seller_cents -= commission_cents
        lines = [Line(escrow_account(reference), -remaining, escrow.currency),
                 *commission_lines]
        if seller_cents:
            lines.append(Line(seller_payable_account(escrow.shop_id), seller_cents,
                              escrow.currency))
        if fee_cents:
            lines.append(Line(PLATFORM_FEES, fee_cents, escrow.currency))
        journal_post(
            key=f"release:{reference}", kind=JournalEntry.Kind.RELEASE, reference=reference,
            shop=escrow.shop, actor=actor, lines=lines,
            memo=f"Released, fee {fee_cents}"
                 + (f", hub commission {commission_cents}" if commission_cents else ""),
        )
        refunded_any = escrow.refunds.filter(status=Refund.Status.SUCCEEDED).exists()
        escrow_transition(
            escrow=escrow, expected={Escrow.Status.HELD},
            to=Escrow.Status.PARTIALLY_REFUNDED if refunded_any else Escrow.Status.RELEASED,
        )
    return escrow_summary(reference=reference)


def escrow_refund(
    *, reference: str, amount_cents: int | None = None, idempotency_key: str = "",
    actor=None, note: str = "",
) -> EscrowSummary:
    """Refund all that remains (amount_cents=None) or a part, through Stripe, then the ledger.

    The refund is reserved under the escrow lock, sent to Stripe with no lock held, and posted
    under the lock again. The key defaults to one per reference and amount, so a double click
    refunds once; pass your own key for several partial refunds of the same amount.
    """
    if amount_cents is not None and (not isinstance(amount_cents, int) or amount_cents <= 0):
        raise InvalidAmount("A refund must be a positive whole number of cents.")
    key = idempotency_key or f"refund:{reference}:{amount_cents or 'full'}"
    stale = timezone.now() - timedelta(seconds=CLAIM_SECONDS)
    with transaction.atomic():
        escrow = _escrow_lock(reference)
        refund = Refund.objects.select_for_update().filter(idempotency_key=key).first()
        if refund is not None:
            if refund.escrow_id != escrow.pk:
                raise PaymentConflict("This idempotency key was used for another refund.")
            if refund.status == Refund.Status.SUCCEEDED and not escrow.refunds.filter(
                    idempotency_key__startswith=f"{key}:part-", status__in=OPEN_REFUND).exists():
                return escrow_summary(reference=reference)
            if refund.status == Refund.Status.FAILED:
                raise RefundRefused(
                    f"The payment provider refused this refund: {refund.error} "
                    "Staff can retry it from the failed refunds page."
                )
            if (refund.status in OPEN_REFUND and refund.claimed_at
                    and refund.claimed_at > stale):
                raise EscrowConflict("This refund is being sent now; try again in a moment.")
        else:
            if escrow.status == Escrow.Status.FROZEN:
                raise EscrowFrozen(FROZEN_MESSAGE)
            if escrow.status != Escrow.Status.HELD:
                raise EscrowConflict(
                    f"The escrow is already {escrow.get_status_display().lower()}."
                )
            reserved = escrow.refunds.filter(status__in=OPEN_REFUND).aggregate(
                t=Sum("amount_cents")
            )["t"] or 0
            remaining = account_balance(
                account=escrow_account(reference), currency=escrow.currency
            ) - reserved
            amount = remaining if amount_cents is None else amount_cents
            if remaining <= 0:
                raise EscrowConflict("Nothing is left in escrow to refund.")
            if amount > remaining:
                raise EscrowConflict(
                    f"A refund of {amount} cents exceeds the {remaining} cents still held."
                )
            for number, (intent, share) in enumerate(_refund_split(escrow, amount), 1):
                part = Refund.objects.create(
                    escrow=escrow, payment_intent=intent, amount_cents=share,
                    idempotency_key=key if number == 1 else f"{key}:part-{number}",
                    currency=escrow.currency, note=note[:200],
                    created_by=actor if getattr(actor, "is_authenticated", False) else None,
                )
                refund = refund or part
        # A refund of an escrow paid twice (a deposit and a balance) is one part per payment.
        parts = [refund, *Refund.objects.select_for_update().filter(
            escrow=escrow, idempotency_key__startswith=f"{key}:part-",
            status__in=OPEN_REFUND,
        ).filter(Q(claimed_at__isnull=True) | Q(claimed_at__lte=stale)).order_by("pk")]
        Refund.objects.filter(pk__in=[part.pk for part in parts]).update(
            claimed_at=timezone.now())
    for part in parts:
        if part.status in OPEN_REFUND:
            refund_send(refund=part)
    return escrow_summary(reference=reference)


def _stripe_refund_find(*, payment_intent_id: str, key: str):
    """Find a refund we may have made already (an earlier attempt with no answer)."""
    refunds = stripe_read(
        lambda client: client.v1.refunds.list(
            params={"payment_intent": payment_intent_id, "limit": 100}
        )
    )
    for item in refunds.data:
        if (as_dict(item).get("metadata") or {}).get("refund_key") == key:
            return item
    return None


def refund_send(*, refund: Refund) -> Refund:
    """Ask Stripe for a reserved refund (same key on every try of one attempt), then post it.

    Call with no lock held. An earlier unanswered attempt is looked up first, so a provider
    that ignores idempotency keys still refunds once. A refusal marks the refund failed (staff
    can retry it with a new attempt key) and tells the order's handler, so the buyer hears it.
    """
    refund = Refund.objects.select_related("escrow__payment_intent", "payment_intent").get(
        pk=refund.pk)
    intent_id = (refund.payment_intent or refund.escrow.payment_intent).stripe_id
    key = refund.attempt_key
    found = None
    attempted = GatewayCall.objects.filter(idempotency_key=key).exists()
    if attempted or refund.status == Refund.Status.UNKNOWN:
        try:
            found = _stripe_refund_find(payment_intent_id=intent_id, key=key)
        except (GatewayRefused, PaymentsError):
            # Whether the earlier try went through cannot be told: never treat it as refused.
            Refund.objects.filter(pk=refund.pk, status__in=OPEN_REFUND).update(
                status=Refund.Status.UNKNOWN, claimed_at=None
            )
            raise PaymentProviderUnavailable(
                "The payment provider could not say whether an earlier refund went through; "
                "it will be looked up again."
            ) from None
        if found is not None:
            GatewayCall.objects.filter(idempotency_key=key).update(
                status=GatewayCall.Status.SUCCEEDED, stripe_object_id=found.id
            )
    try:
        stripe_refund = found or stripe_write(
            operation="refund.create", idempotency_key=key,
            reference=refund.escrow.reference,
            send=lambda client, options: client.v1.refunds.create(
                params={
                    "payment_intent": intent_id, "amount": refund.amount_cents,
                    "metadata": {"refund_key": key, "reference": refund.escrow.reference},
                },
                options=options,
            ),
        )
    except GatewayRefused as refused:
        _refund_failed(refund=refund, error=str(refused))
        raise RefundRefused(f"The payment provider refused the refund: {refused}") from None
    except PaymentsError:
        Refund.objects.filter(pk=refund.pk, status__in=OPEN_REFUND).update(
            status=Refund.Status.UNKNOWN, claimed_at=None
        )
        raise
    if stripe_refund.status in {"failed", "canceled"}:
        _refund_failed(refund=refund, stripe_id=stripe_refund.id,
                       error=f"Stripe reports the refund {stripe_refund.status}.")
        raise RefundRefused(f"The payment provider reports the refund {stripe_refund.status}.")
    return refund_apply(refund=refund, stripe_refund_id=stripe_refund.id)


def _refund_failed(*, refund: Refund, error: str, stripe_id: str = "") -> None:
    """Record a refused attempt (nothing moved) and tell the order's handler (buyer told)."""
    fields = {"status": Refund.Status.FAILED, "error": error[:2000], "claimed_at": None}
    if stripe_id:
        fields["stripe_id"] = stripe_id
    if Refund.objects.filter(pk=refund.pk, status__in=OPEN_REFUND).update(**fields):
        refund_outcome(refund=refund, status="refund_failed")


def refund_outcome(*, refund: Refund, status: str) -> None:
    """Hand what became of a refund ("refunded" or "refund_failed") to its reference's owner."""
    escrow = refund.escrow
    intent = escrow.payment_intent
    payment_outcome_dispatch(PaymentOutcome(
        reference=intent.reference, payment_intent_id=intent.stripe_id or "", status=status,
        amount_cents=refund.amount_cents, currency=refund.currency,
        message=refund.error, escrow_references=(escrow.reference,),
    ))


def refund_apply(*, refund: Refund, stripe_refund_id: str) -> Refund:
    """Post a refund Stripe accepted: escrow → refunded. Idempotent."""
    with transaction.atomic():
        escrow = Escrow.objects.select_for_update().get(pk=refund.escrow_id)
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.status not in OPEN_REFUND:
            # Posted already, or Stripe reported it failed while we were asking (refund.updated
            # arrived first): staff retry a failed one; posting it would hide it.
            return refund
        suffix = "" if refund.attempt <= 1 else f":attempt-{refund.attempt}"
        journal_post(
            key=f"refund:{refund.pk}{suffix}", kind=JournalEntry.Kind.REFUND,
            reference=escrow.reference,
            shop=escrow.shop, memo=f"Refund {stripe_refund_id}", actor=refund.created_by,
            lines=[
                Line(escrow_account(escrow.reference), -refund.amount_cents, refund.currency),
                Line(REFUNDED, refund.amount_cents, refund.currency),
            ],
        )
        refund.status = Refund.Status.SUCCEEDED
        refund.stripe_id = stripe_refund_id
        refund.claimed_at = None
        refund.error = ""
        refund.save(update_fields=["status", "stripe_id", "claimed_at", "error", "updated"])
        left = account_balance(account=escrow_account(escrow.reference), currency=escrow.currency)
        if left == 0 and escrow.status == Escrow.Status.HELD:
            # Held again after a release only when a refund of a partial outcome was reported
            # failed and is now retried: then it ends partly refunded, as it was.
            was_released = JournalEntry.objects.filter(key=f"release:{escrow.reference}").exists()
            escrow_transition(escrow=escrow, to=Escrow.Status.PARTIALLY_REFUNDED
                              if was_released else Escrow.Status.REFUNDED)
    return refund


def escrow_resolve_partial(
    *, reference: str, refund_cents: int, actor=None, note: str = ""
) -> EscrowSummary:
    """Dispute outcome: refund refund_cents to the buyer and release the rest to the seller.

    refund_cents=0 releases everything; refund_cents equal to what is held refunds everything.
    Repeating the call returns the same result.
    """
    if not isinstance(refund_cents, int) or refund_cents < 0:
        raise InvalidAmount("refund_cents must be zero or a positive whole number of cents.")
    summary = escrow_summary(reference=reference)
    if refund_cents > summary.held_cents - summary.released_cents:
        raise EscrowConflict(
            f"A refund of {refund_cents} cents exceeds the {summary.held_cents} cents held."
        )
    if refund_cents:
        summary = escrow_refund(
            reference=reference, amount_cents=refund_cents,
            idempotency_key=f"dispute:{reference}:refund", actor=actor, note=note,
        )
    if summary.status == Escrow.Status.REFUNDED:
        return summary
    return escrow_release(reference=reference, actor=actor)
