"""Payouts: reserve a shop's available balance, send it (Stripe Connect or by hand), settle.

Ledger: reserving moves seller_payable → seller_payout_pending; paying moves pending →
seller_paid_out; a refused payout moves pending back to payable. Reserving locks the shop row,
so two jobs running at once reserve once: the second sees a zero balance.
"""

import csv
import functools
import io
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from jobs.services import JobRun
from notifications.services import notify
from sellers.models import Shop

from ..errors import InvalidAmount, PaymentsError, PayoutConflict
from ..gateway import GatewayRefused, stripe_write
from ..ledger import (
    Line,
    account_balance,
    journal_post,
    seller_paid_out_account,
    seller_payable_account,
    seller_payout_pending_account,
)
from ..models import JournalEntry, JournalLine, Payout

PAYOUT_MINIMUM_CENTS = 1_000  # $10: smaller balances wait for the next run
CLAIM_SECONDS = 300
PAYOUTS_JOB = "payouts-daily"  # its name in marketplace.jobs


@dataclass(frozen=True)
class PayoutRunResult:
    created: int
    paid: int
    held: int  # shops skipped because they are suspended
    unknown: int


def payout_create(*, shop_id: int, currency: str = "USD") -> Payout | None:
    """Reserve the shop's whole available balance as one payout, if it reaches the minimum."""
    with transaction.atomic():
        shop = Shop.objects.select_for_update().get(pk=shop_id)
        if shop.status == Shop.Status.SUSPENDED:
            return None
        available = account_balance(account=seller_payable_account(shop.pk), currency=currency)
        if available < PAYOUT_MINIMUM_CENTS:
            return None
        payout = Payout.objects.create(
            shop=shop, amount_cents=available, currency=currency,
            method=(
                Payout.Method.STRIPE_TRANSFER if shop.stripe_account_id else Payout.Method.MANUAL
            ),
        )
        journal_post(
            key=f"payout:{payout.pk}", kind=JournalEntry.Kind.PAYOUT, shop=shop,
            memo=f"Payout {payout.pk} reserved",
            lines=[
                Line(seller_payable_account(shop.pk), -available, currency),
                Line(seller_payout_pending_account(shop.pk), available, currency),
            ],
        )
    return payout


def _payout_settle_paid(*, payout_id: int, provider_ref: str, actor=None) -> Payout:
    with transaction.atomic():
        payout = Payout.objects.select_for_update().get(pk=payout_id)
        if payout.status == Payout.Status.PAID:
            return payout
        if payout.status == Payout.Status.FAILED:
            raise PayoutConflict("This payout failed and its money went back to the balance.")
        journal_post(
            key=f"payout_paid:{payout.pk}", kind=JournalEntry.Kind.PAYOUT_PAID,
            shop=payout.shop, memo=f"Payout {payout.pk} paid ({provider_ref})"[:200],
            actor=actor,
            lines=[
                Line(seller_payout_pending_account(payout.shop_id), -payout.amount_cents,
                     payout.currency),
                Line(seller_paid_out_account(payout.shop_id), payout.amount_cents,
                     payout.currency),
            ],
        )
        payout.status = Payout.Status.PAID
        payout.provider_ref = provider_ref
        payout.paid_at = timezone.now()
        payout.claimed_at = None
        payout.marked_by = actor if getattr(actor, "is_authenticated", False) else None
        payout.save(update_fields=["status", "provider_ref", "paid_at", "claimed_at",
                                   "marked_by"])
        notify(
            recipient=payout.shop.owner, kind="payout_sent", url="/sell/balance/",
            dedupe_key=f"payout_sent:{payout.pk}",
            context={"amount_cents": payout.amount_cents, "currency": payout.currency,
                     "provider_ref": provider_ref},
        )
    return payout


def _payout_settle_failed(*, payout_id: int, error: str) -> Payout:
    with transaction.atomic():
        payout = Payout.objects.select_for_update().get(pk=payout_id)
        if payout.status in {Payout.Status.PAID, Payout.Status.FAILED}:
            return payout
        journal_post(
            key=f"payout_reversal:{payout.pk}", kind=JournalEntry.Kind.PAYOUT_REVERSAL,
            shop=payout.shop, memo=f"Payout {payout.pk} refused",
            lines=[
                Line(seller_payout_pending_account(payout.shop_id), -payout.amount_cents,
                     payout.currency),
                Line(seller_payable_account(payout.shop_id), payout.amount_cents,
                     payout.currency),
            ],
        )
        payout.status = Payout.Status.FAILED
        payout.error = error[:2000]
        payout.claimed_at = None
        payout.save(update_fields=["status", "error", "claimed_at"])
    return payout


def payout_send(*, payout: Payout) -> Payout:
    """Send a Stripe Connect payout: a Transfer whose idempotency key is the payout id.

    Claimed first (one sender at a time), called with no lock held. A suspended shop's
    payout stays pending (held). A payout that got no answer stays `unknown` and is resent
    with the same key on the next run.
    """
    stale = timezone.now() - timedelta(seconds=CLAIM_SECONDS)
    claimed = Payout.objects.filter(
        pk=payout.pk, method=Payout.Method.STRIPE_TRANSFER,
        status__in=[Payout.Status.PENDING, Payout.Status.UNKNOWN],
        shop__status__in=[Shop.Status.ACTIVE, Shop.Status.PENDING_VERIFICATION],
    ).filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale)).update(
        claimed_at=timezone.now()
    )
    payout.refresh_from_db()
    if not claimed:
        return payout
    shop = payout.shop
    try:
        transfer = stripe_write(
            operation="transfer.create", idempotency_key=payout.idempotency_key,
            reference=f"payout:{payout.pk}",
            send=lambda client, options: client.v1.transfers.create(
                params={
                    "amount": payout.amount_cents, "currency": payout.currency.lower(),
                    "destination": shop.stripe_account_id,
                    "metadata": {"payout_id": str(payout.pk), "shop": shop.slug},
                },
                options=options,
            ),
        )
    except GatewayRefused as refused:
        return _payout_settle_failed(payout_id=payout.pk, error=str(refused))
    except PaymentsError as error:
        Payout.objects.filter(pk=payout.pk).update(
            status=Payout.Status.UNKNOWN, error=str(error), claimed_at=None
        )
        payout.refresh_from_db()
        return payout
    return _payout_settle_paid(payout_id=payout.pk, provider_ref=transfer.id)


def payout_mark_paid(*, payout: Payout, bank_reference: str, actor) -> Payout:
    """Staff record that a manual payout was paid by bank transfer."""
    bank_reference = (bank_reference or "").strip()
    if not bank_reference or len(bank_reference) > 120:
        raise InvalidAmount("A bank reference of 1 to 120 characters is required.")
    if payout.method != Payout.Method.MANUAL:
        raise PayoutConflict("Only manual payouts are marked paid by hand.")
    if payout.shop.status == Shop.Status.SUSPENDED:
        raise PayoutConflict("The shop is suspended: its payouts are held.")
    return _payout_settle_paid(payout_id=payout.pk, provider_ref=bank_reference, actor=actor)


def payouts_run() -> PayoutRunResult:
    """The daily job: reserve every eligible balance, then send Stripe Connect payouts."""
    shop_ids = (
        JournalLine.objects.filter(account__startswith="seller_payable:")
        .values_list("shop_id", flat=True).distinct()
    )
    run = JobRun(PAYOUTS_JOB)  # each shop, then each payout, is one item: failures kept
    created = held = 0
    for shop_id in sorted(set(shop_ids)):
        if Shop.objects.filter(pk=shop_id, status=Shop.Status.SUSPENDED).exists():
            held += 1
            continue
        reserved = run.item(f"shop:{shop_id}", functools.partial(payout_create, shop_id=shop_id))
        created += reserved.value is not None
    paid = unknown = 0
    to_send = Payout.objects.filter(
        method=Payout.Method.STRIPE_TRANSFER,
        status__in=[Payout.Status.PENDING, Payout.Status.UNKNOWN],
    ).order_by("pk")
    for payout in to_send:
        # Not one transaction: payout_send claims, calls Stripe, then settles, each committed.
        sent = run.item(f"payout:{payout.pk}", functools.partial(payout_send, payout=payout),
                        atomic=False)
        if sent.ok:
            paid += sent.value.status == Payout.Status.PAID
            unknown += sent.value.status == Payout.Status.UNKNOWN
    run.finish()
    return PayoutRunResult(created=created, paid=paid, held=held, unknown=unknown)


def payouts_owed_csv(*, payouts) -> str:
    """CSV of manual payouts staff still owe: what to pay, to whom."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["payout_id", "shop", "shop_owner_email", "amount_cents", "currency",
                     "created", "status"])
    for payout in payouts:
        writer.writerow([payout.pk, payout.shop.slug, payout.shop.owner.email,
                         payout.amount_cents, payout.currency, payout.created.isoformat(),
                         payout.status])
    return out.getvalue()
