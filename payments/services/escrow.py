"""Escrow steps: hold, release, refund, partial (dispute) outcome.

Each step is one transaction with row locks taken in one fixed order — PaymentIntent, then
Escrow, then Refund — and each is idempotent: a repeat returns the current summary and moves
nothing. Refunded + released never exceeds held. Stripe is only called between transactions,
never while a lock is held.
"""

import functools
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from jobs.services import JobRun

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
    GatewayCall,
    JournalEntry,
    PaymentIntent,
    ReconciliationIssue,
    Refund,
)
from ..money import currency_normalize, fee_split
from ..selectors import EscrowSummary, escrow_summary, release_left_with_seller
from ..transitions import escrow_transition
from .intents import PaymentOutcome, payment_outcome_dispatch
from .issues import issue_flag

FROZEN_MESSAGE = (
    "A chargeback is open on this payment: its money is frozen until the buyer's bank decides."
)


class RefundNotFound(PaymentsError):
    http_status = 404

CLAIM_SECONDS = 120  # a refund being sent longer than this is presumed abandoned and resumed
OPEN_REFUND = (Refund.Status.PENDING, Refund.Status.UNKNOWN)
RECONCILE_JOB = "payments-reconcile"  # the job that resumes open refunds (marketplace.jobs)


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
        lines = [Line(escrow_account(reference), -remaining, escrow.currency)]
        if seller_cents:
            lines.append(Line(seller_payable_account(escrow.shop_id), seller_cents,
                              escrow.currency))
        if fee_cents:
            lines.append(Line(PLATFORM_FEES, fee_cents, escrow.currency))
        journal_post(
            key=f"release:{reference}", kind=JournalEntry.Kind.RELEASE, reference=reference,
            shop=escrow.shop, memo=f"Released, fee {fee_cents}", actor=actor, lines=lines,
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
            if refund.status == Refund.Status.SUCCEEDED:
                return escrow_summary(reference=reference)
            if refund.status == Refund.Status.FAILED:
                raise RefundRefused(
                    f"The payment provider refused this refund: {refund.error} "
                    "Staff can retry it from the failed refunds page."
                )
            if refund.claimed_at and refund.claimed_at > stale:
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
            refund = Refund.objects.create(
                escrow=escrow, idempotency_key=key, amount_cents=amount,
                currency=escrow.currency, note=note[:200],
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
        Refund.objects.filter(pk=refund.pk).update(claimed_at=timezone.now())
    refund_send(refund=refund)
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
    refund = Refund.objects.select_related("escrow__payment_intent").get(pk=refund.pk)
    intent_id = refund.escrow.payment_intent.stripe_id
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
        _refund_outcome(refund=refund, status="refund_failed")


def _refund_outcome(*, refund: Refund, status: str) -> None:
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


def refunds_settle_open(*, payment_intent_id: str = "", run: JobRun | None = None) -> int:
    """Resume refunds left unknown (or abandoned mid-send); return how many were settled.

    Each refund is one item of `run` (a job's run): a refund that fails unexpectedly is kept
    for staff and the others go on.
    """
    run = run or JobRun(RECONCILE_JOB)
    stale = timezone.now() - timedelta(seconds=CLAIM_SECONDS)
    refunds = Refund.objects.filter(status__in=OPEN_REFUND).filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale)
    )
    if payment_intent_id:
        refunds = refunds.filter(escrow__payment_intent__stripe_id=payment_intent_id)
    settled = 0
    for refund in refunds.order_by("pk"):
        # Not one transaction: the claim commits before Stripe is asked.
        result = run.item(f"refund:{refund.pk}",
                          functools.partial(_refund_resume, refund, stale=stale), atomic=False)
        settled += bool(result.value)
    return settled


def _refund_resume(refund: Refund, *, stale) -> bool:
    claimed = Refund.objects.filter(pk=refund.pk, status__in=OPEN_REFUND).filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale)
    ).update(claimed_at=timezone.now(), status=Refund.Status.UNKNOWN)
    if not claimed:
        return False
    refund.status = Refund.Status.UNKNOWN
    try:
        refund_send(refund=refund)
    except PaymentsError:
        return False
    return True


def refund_retry(*, refund_id, actor=None) -> Refund:
    """Staff try a refused refund again, as a new attempt with its own idempotency key.

    A double click refunds once: a refund that already succeeded is returned as it is, one
    being sent right now answers 409. A frozen escrow (chargeback open) cannot be refunded.
    `retried_now` (on the refund, or on the error raised) says whether this call sent one.
    """
    try:
        refund_pk = int(refund_id)
    except (TypeError, ValueError):
        raise RefundNotFound("No such refund.") from None
    escrow_id = Refund.objects.filter(pk=refund_pk).values_list("escrow_id", flat=True).first()
    if escrow_id is None:
        raise RefundNotFound("No such refund.")
    stale = timezone.now() - timedelta(seconds=CLAIM_SECONDS)
    with transaction.atomic():
        escrow = Escrow.objects.select_for_update().get(pk=escrow_id)
        refund = Refund.objects.select_for_update().get(pk=refund_pk)
        if refund.status == Refund.Status.SUCCEEDED:
            refund.retried_now = False  # a repeat: the first answer, nothing sent
            return refund
        if refund.claimed_at and refund.claimed_at > stale:
            raise EscrowConflict("This refund is being sent now; try again in a moment.")
        if escrow.status == Escrow.Status.FROZEN:
            raise EscrowFrozen(FROZEN_MESSAGE)
        if refund.status == Refund.Status.FAILED:
            reserved = escrow.refunds.filter(status__in=OPEN_REFUND).exclude(
                pk=refund.pk).aggregate(t=Sum("amount_cents"))["t"] or 0
            remaining = account_balance(
                account=escrow_account(escrow.reference), currency=escrow.currency
            ) - reserved
            if refund.amount_cents > remaining:
                raise EscrowConflict(
                    f"Only {remaining} cents are still held; this refund of "
                    f"{refund.amount_cents} cents cannot be sent again."
                )
            refund.attempt += 1
            refund.status = Refund.Status.PENDING
            refund.error = ""
        refund.claimed_at = timezone.now()
        refund.save(update_fields=["attempt", "status", "error", "claimed_at", "updated"])
    try:
        refund_send(refund=refund)
    except PaymentsError as error:
        error.retried_now = True  # this call did send an attempt (refused or unanswered)
        raise
    refund = Refund.objects.select_related("escrow__payment_intent").get(pk=refund.pk)
    _refund_outcome(refund=refund, status="refunded")
    refund.retried_now = True
    return refund


def refund_reported_failed(*, stripe_refund_id: str, metadata: dict, error: str) -> Refund | None:
    """Stripe says a refund failed (refund.updated): reopen it; if it had posted, reverse it.

    The money goes back into escrow (refunded → escrow, one entry), the refund is `failed` so
    staff can retry it, and the buyer is told their refund is delayed. Idempotent.
    """
    refunds = Refund.objects.filter(stripe_id=stripe_refund_id)
    key = (metadata or {}).get("refund_key") or ""
    if key:
        refunds = Refund.objects.filter(Q(stripe_id=stripe_refund_id)
                                        | Q(idempotency_key=key.split(":attempt-")[0]))
    found = refunds.order_by("pk").first()
    if found is None:
        issue_flag(kind=ReconciliationIssue.Kind.UNKNOWN_OBJECT, subject=stripe_refund_id,
                   detail="Stripe reports a failed refund we have no record of.")
        return None
    with transaction.atomic():
        escrow = Escrow.objects.select_for_update().get(pk=found.escrow_id)
        refund = Refund.objects.select_for_update().get(pk=found.pk)
        if refund.status == Refund.Status.FAILED:
            return refund
        if refund.stripe_id and refund.stripe_id != stripe_refund_id:
            return refund  # an earlier attempt failed; the current one is another refund
        if refund.status == Refund.Status.SUCCEEDED and JournalEntry.objects.filter(
            key=f"refund_after_release:{stripe_refund_id}:{escrow.pk}"
        ).exists():
            # Made in the dashboard after the release: its money came from the seller's
            # balance, not from escrow, so putting it "back into escrow" would be wrong.
            issue_flag(
                kind=ReconciliationIssue.Kind.REFUND_MISMATCH, subject=stripe_refund_id,
                detail=f"A refund made outside the app after {escrow.reference} was released "
                       f"failed at Stripe: give the seller's balance back by hand. {error}"[:2000],
            )
            return refund
        if refund.status == Refund.Status.SUCCEEDED:
            journal_post(
                key=f"refund_reversal:{refund.pk}:attempt-{refund.attempt}",
                kind=JournalEntry.Kind.REFUND_REVERSAL, reference=escrow.reference,
                shop=escrow.shop, memo=f"Refund {stripe_refund_id} failed at Stripe",
                lines=[
                    Line(REFUNDED, -refund.amount_cents, refund.currency),
                    Line(escrow_account(escrow.reference), refund.amount_cents, refund.currency),
                ],
            )
            if escrow.status in {Escrow.Status.REFUNDED, Escrow.Status.PARTIALLY_REFUNDED}:
                escrow_transition(escrow=escrow, to=Escrow.Status.HELD)
        refund.status = Refund.Status.FAILED
        refund.stripe_id = stripe_refund_id
        refund.error = (error or "Stripe reports the refund failed.")[:2000]
        refund.claimed_at = None
        refund.save(update_fields=["status", "stripe_id", "error", "claimed_at", "updated"])
    refund = Refund.objects.select_related("escrow__payment_intent").get(pk=refund.pk)
    _refund_outcome(refund=refund, status="refund_failed")
    return refund


def refunds_external_apply(*, payment_intent_id: str) -> int:
    """Apply refunds made outside the app (the Stripe dashboard) like our own: return cents.

    Each succeeded refund at Stripe that is not ours (no refund_key of ours, unknown id) is
    posted against the intent's held escrows in order (escrow → refunded), once per Stripe
    refund. What no held escrow can take is flagged for staff.
    """
    intent = PaymentIntent.objects.filter(stripe_id=payment_intent_id).first()
    if intent is None or not payment_intent_id:
        return 0
    listing = stripe_read(
        lambda client: client.v1.refunds.list(
            params={"payment_intent": payment_intent_id, "limit": 100}
        )
    )
    ours = set(Refund.objects.filter(escrow__payment_intent=intent).exclude(stripe_id="")
               .values_list("stripe_id", flat=True))
    applied = 0
    touched: dict[str, int] = {}
    after_release: set[str] = set()
    for item in listing.data:
        item = as_dict(item)
        if item.get("status") != "succeeded" or item["id"] in ours:
            continue
        if (item.get("metadata") or {}).get("refund_key"):
            continue  # one of ours still being posted: refunds_settle_open finishes it
        applied += _external_refund_post(intent=intent, item=item, touched=touched,
                                         after_release=after_release)
    for reference, cents in touched.items():
        escrow = Escrow.objects.select_related("payment_intent").get(reference=reference)
        payment_outcome_dispatch(PaymentOutcome(
            reference=intent.reference, payment_intent_id=payment_intent_id,
            status="refunded_after_release" if reference in after_release else "refunded",
            amount_cents=cents, currency=escrow.currency,
            message="Refunded outside the app", escrow_references=(reference,),
        ))
    return applied


def _external_refund_post(*, intent: PaymentIntent, item: dict, touched: dict,
                          after_release: set) -> int:
    left = int(item.get("amount") or 0)
    posted = 0
    with transaction.atomic():
        PaymentIntent.objects.select_for_update().get(pk=intent.pk)
        if Refund.objects.filter(idempotency_key__startswith=f"external:{item['id']}:").exists():
            return 0
        escrows = Escrow.objects.select_for_update().filter(
            payment_intent=intent, status=Escrow.Status.HELD).order_by("pk")
        for escrow in escrows:
            if left <= 0:
                break
            reserved = escrow.refunds.filter(status__in=OPEN_REFUND).aggregate(
                t=Sum("amount_cents"))["t"] or 0
            room = account_balance(account=escrow_account(escrow.reference),
                                   currency=escrow.currency) - reserved
            amount = min(room, left)
            if amount <= 0:
                continue
            refund = Refund.objects.create(
                escrow=escrow, idempotency_key=f"external:{item['id']}:{escrow.pk}",
                amount_cents=amount, currency=escrow.currency,
                note="Refunded outside the app (Stripe dashboard)",
            )
            refund_apply(refund=refund, stripe_refund_id=item["id"])
            touched[escrow.reference] = touched.get(escrow.reference, 0) + amount
            left -= amount
            posted += amount
        released = Escrow.objects.select_for_update().filter(
            payment_intent=intent,
            status__in=[Escrow.Status.RELEASED, Escrow.Status.PARTIALLY_REFUNDED],
        ).order_by("pk")
        for escrow in released:
            if left <= 0:
                break
            amount = _refund_after_release_post(escrow=escrow, item=item, cents=left)
            if amount:
                after_release.add(escrow.reference)
            touched[escrow.reference] = touched.get(escrow.reference, 0) + amount
            left -= amount
            posted += amount
        if left > 0:
            issue_flag(
                kind=ReconciliationIssue.Kind.REFUND_MISMATCH, subject=item["id"],
                detail=f"A refund made outside the app ({item['id']}) has {left} cents that no "
                       f"escrow of {intent.reference} could take; look at it by hand.",
            )
    return posted


def release_take_back_lines(*, escrow: Escrow, cents: int) -> tuple[list[Line], int]:
    """Lines taking up to `cents` back from what this escrow's release left with the seller
    and the platform (the fee pro rata), and how much they take. The seller's available
    balance may go negative: what the seller owes, paid back from later releases first."""
    seller, fee = release_left_with_seller(escrow=escrow)
    room = seller + fee
    amount = min(room, cents)
    if amount <= 0:
        return [], 0
    fee_part = amount * fee // room
    lines = []
    if amount - fee_part:
        lines.append(Line(seller_payable_account(escrow.shop_id), -(amount - fee_part),
                          escrow.currency))
    if fee_part:
        lines.append(Line(PLATFORM_FEES, -fee_part, escrow.currency))
    return lines, amount


def _refund_after_release_post(*, escrow: Escrow, item: dict, cents: int) -> int:
    """A refund of money already released: it comes back from the seller's balance (and the
    fee, pro rata) — the seller may owe it, paid back from later releases before any payout.
    """
    lines, amount = release_take_back_lines(escrow=escrow, cents=cents)
    if amount <= 0:
        return 0
    journal_post(
        key=f"refund_after_release:{item['id']}:{escrow.pk}", kind=JournalEntry.Kind.REFUND,
        reference=escrow.reference, shop=escrow.shop,
        memo=f"Refund {item['id']} made outside the app after release",
        lines=[*lines, Line(REFUNDED, amount, escrow.currency)],
    )
    Refund.objects.create(
        escrow=escrow, idempotency_key=f"external:{item['id']}:{escrow.pk}",
        amount_cents=amount, currency=escrow.currency, status=Refund.Status.SUCCEEDED,
        stripe_id=item["id"], note="Refunded outside the app after release",
    )
    nothing_left = release_left_with_seller(escrow=escrow) == (0, 0)
    escrow_transition(
        escrow=escrow,
        to=Escrow.Status.REFUNDED if nothing_left else Escrow.Status.PARTIALLY_REFUNDED,
    )
    return amount
