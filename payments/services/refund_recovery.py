"""Refunds after the first try: resumed when Stripe did not answer, retried by staff when it
refused, reopened when it reports one failed later, and refunds made outside the app (the
Stripe dashboard) posted like our own.

The same rules as escrow.py hold: locks in the order PaymentIntent → Escrow → Refund, and
Stripe is only called between transactions, never while a lock is held.
"""

import functools
from datetime import timedelta

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from jobs.services import JobRun

from ..errors import EscrowConflict, EscrowFrozen, PaymentsError, RefundNotFound
from ..gateway import as_dict, stripe_read
from ..ledger import (
    PLATFORM_FEES,
    REFUNDED,
    Line,
    account_balance,
    escrow_account,
    journal_post,
    seller_payable_account,
)
from ..models import Escrow, JournalEntry, PaymentIntent, ReconciliationIssue, Refund
from ..selectors import release_left_with_hub, release_left_with_seller
from ..transitions import escrow_transition
from .escrow import (
    CLAIM_SECONDS,
    FROZEN_MESSAGE,
    OPEN_REFUND,
    refund_apply,
    refund_outcome,
    refund_send,
)
from .intents import PaymentOutcome, payment_outcome_dispatch
from .issues import issue_flag

RECONCILE_JOB = "payments-reconcile"  # the job that resumes open refunds (marketplace.jobs)


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
        refunds = refunds.filter(
            Q(payment_intent__stripe_id=payment_intent_id)
            | Q(payment_intent__isnull=True, escrow__payment_intent__stripe_id=payment_intent_id))
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
    refund_outcome(refund=refund, status="refunded")
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
    refund_outcome(refund=refund, status="refund_failed")
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
    hub_account, commission = release_left_with_hub(escrow=escrow)
    room = seller + fee + commission
    amount = min(room, cents)
    if amount <= 0:
        return [], 0
    fee_part = amount * fee // room
    commission_part = amount * commission // room  # a managed shop's hub gives its share back
    lines = []
    if amount - fee_part - commission_part:
        lines.append(Line(seller_payable_account(escrow.shop_id),
                          -(amount - fee_part - commission_part), escrow.currency))
    if fee_part:
        lines.append(Line(PLATFORM_FEES, -fee_part, escrow.currency))
    if commission_part:
        lines.append(Line(hub_account, -commission_part, escrow.currency))
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
    nothing_left = (release_left_with_seller(escrow=escrow) == (0, 0)
                    and release_left_with_hub(escrow=escrow)[1] == 0)
    escrow_transition(
        escrow=escrow,
        to=Escrow.Status.REFUNDED if nothing_left else Escrow.Status.PARTIALLY_REFUNDED,
    )
    return amount
