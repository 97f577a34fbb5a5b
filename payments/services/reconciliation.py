"""Reconciliation: compare our records and ledger with Stripe, settle unknowns, flag the rest."""

import functools
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Sum
from django.utils import timezone

from jobs.services import JobRun

from ..errors import PaymentsError
from ..gateway import GatewayRefused, as_dict, stripe_read
from ..models import Escrow, EscrowTopUp, GatewayCall, PaymentIntent, ReconciliationIssue
from .intents import payment_intent_apply, payment_intent_send
from .issues import issue_flag
from .refund_recovery import RECONCILE_JOB, refunds_settle_open
from .webhooks import refund_totals_compare

UNHELD_GRACE = timedelta(hours=1)  # a paid intent with nothing in escrow after this is flagged


@dataclass(frozen=True)
class ReconciliationResult:
    checked: int
    settled: int
    issues_open: int


def reconciliation_run(*, days: int = 3) -> ReconciliationResult:
    """Check every PaymentIntent of the last `days` against Stripe; return what was found."""
    now = timezone.now()
    # Each refund, intent and call is one item: one that fails is kept for staff (with its
    # id) and the run goes on. Not one transaction each: most items talk to Stripe.
    run = JobRun(RECONCILE_JOB)
    settled = refunds_settle_open(run=run)
    for record in PaymentIntent.objects.filter(
        status__in=[PaymentIntent.Status.UNKNOWN, PaymentIntent.Status.CREATING],
        stripe_id__isnull=True, created__lt=now - timedelta(minutes=5),
    ).order_by("pk"):
        result = run.item(f"payment_intent:{record.pk}",
                          functools.partial(_unknown_create_settle, record), atomic=False)
        settled += bool(result.value)
    checked = 0
    for record in PaymentIntent.objects.filter(
        created__gte=now - timedelta(days=days), stripe_id__isnull=False
    ).order_by("pk"):
        checked += 1
        run.item(f"payment_intent:{record.pk}",
                 functools.partial(_intent_check, record, now=now), atomic=False)
    for call in GatewayCall.objects.filter(
        status=GatewayCall.Status.UNKNOWN, created__lt=now - timedelta(minutes=5)
    ).exclude(operation__in=["payment_intent.create", "refund.create"]):
        run.item(f"gateway_call:{call.pk}", functools.partial(
            issue_flag, kind=ReconciliationIssue.Kind.UNKNOWN_OUTCOME,
            subject=call.idempotency_key,
            detail=f"{call.operation} for {call.reference} never got an answer.",
        ))
    run.finish()
    open_count = ReconciliationIssue.objects.filter(is_resolved=False).count()
    return ReconciliationResult(checked=checked, settled=settled, issues_open=open_count)


def _unknown_create_settle(record: PaymentIntent) -> bool:
    try:
        payment_intent_send(record)
    except PaymentsError:
        issue_flag(kind=ReconciliationIssue.Kind.UNKNOWN_OUTCOME, subject=record.reference,
                   detail="Creating the PaymentIntent still gets no answer from Stripe.")
        return False
    return True


def _intent_check(record: PaymentIntent, *, now) -> None:
    try:
        obj = stripe_read(
            lambda client: client.v1.payment_intents.retrieve(
                record.stripe_id, params={"expand": ["latest_charge"]}
            )
        )
    except GatewayRefused as refused:
        issue_flag(kind=ReconciliationIssue.Kind.UNKNOWN_OBJECT, subject=record.stripe_id,
                   detail=f"Stripe does not know {record.reference}'s intent: {refused}")
        return
    payment_intent_apply(stripe_payment_intent=obj)
    obj = as_dict(obj)
    record.refresh_from_db()
    if obj["status"] == "succeeded" and record.status != PaymentIntent.Status.SUCCEEDED:
        issue_flag(kind=ReconciliationIssue.Kind.STATUS_MISMATCH, subject=record.stripe_id,
                   detail=f"Stripe says succeeded; we say {record.status}.")
    if record.status == PaymentIntent.Status.SUCCEEDED and obj["status"] != "succeeded":
        issue_flag(kind=ReconciliationIssue.Kind.STATUS_MISMATCH, subject=record.stripe_id,
                   detail=f"We recorded success; Stripe now says {obj['status']}.")
    held = (Escrow.objects.filter(payment_intent=record).aggregate(t=Sum("amount_cents"))["t"]
            or EscrowTopUp.objects.filter(payment_intent=record).aggregate(
                t=Sum("amount_cents"))["t"])
    if (
        record.status == PaymentIntent.Status.SUCCEEDED and not held
        and record.updated < now - UNHELD_GRACE
    ):
        issue_flag(kind=ReconciliationIssue.Kind.STATUS_MISMATCH, subject=record.reference,
                   detail="Paid at Stripe but nothing was put in escrow.")
    charge = obj.get("latest_charge")
    if charge is not None and not isinstance(charge, str):
        refund_totals_compare(stripe_id=record.stripe_id,
                              stripe_refunded_cents=int(charge.get("amount_refunded") or 0))
