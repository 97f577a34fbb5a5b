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
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone

from jobs.services import JobRun
from notifications.services import notify
from sellers.models import Shop
from sellers.services import owner_may_sell, shop_lock

from ..errors import InvalidAmount, PaymentsError, PayoutConflict
from ..gateway import GatewayRefused, as_dict, stripe_read, stripe_write
from ..ledger import (
    Line,
    account_balance,
    journal_post,
    seller_paid_out_account,
    seller_payable_account,
    seller_payout_pending_account,
)
from ..models import Escrow, GatewayCall, JournalEntry, JournalLine, Payout, PayoutAccount
from ..transitions import payout_transition
from .hub_money import hub_commission_of_shop

PAYOUT_MINIMUM_CENTS = 1_000  # $10: smaller balances wait for the next run
CLAIM_SECONDS = 300
PAYOUTS_JOB = "payouts-daily"  # its name in marketplace.jobs


@dataclass(frozen=True)
class PayoutRunResult:
    created: int
    paid: int
    held: int  # shops skipped: suspended, or their owner's e-mail address is not confirmed
    unknown: int


def payout_create(*, shop_id: int, currency: str = "USD") -> Payout | None:
    """Reserve the shop's whole available balance as one payout, if it reaches the minimum
    and the shop may be paid (not suspended, its owner's e-mail address confirmed)."""
    with transaction.atomic():
        shop = shop_lock(shop_id=shop_id)
        if shop.status == Shop.Status.SUSPENDED or not owner_may_sell(shop.owner):
            return None
        available = account_balance(
            account=seller_payable_account(shop.pk), currency=currency
        ) - frozen_released_cents(shop_id=shop.pk, currency=currency)
        if available < PAYOUT_MINIMUM_CENTS:
            return None  # includes a negative balance: what the seller owes is paid back first
        account = PayoutAccount.objects.filter(shop_id=shop.pk).first()
        if account is None and hub_commission_of_shop(shop_id=shop.pk) is not None:
            # A shop an agent runs for a neighbour with no payout account: the owner collects
            # at their hub (a hub cash-out), not by a payout staff send by hand.
            return None
        if account is not None and not account.payouts_enabled:
            # A payout account Stripe cannot pay yet: the balance waits for it (the balance
            # page says why). Shops with no payout account at all are paid by staff by hand.
            return None
        payout = Payout.objects.create(
            shop=shop, amount_cents=available, currency=currency,
            method=Payout.Method.STRIPE_TRANSFER if account else Payout.Method.MANUAL,
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


def frozen_released_cents(*, shop_id: int, currency: str) -> int:
    """What was released to the seller from escrows a chargeback has frozen: not paid out."""
    references = Escrow.objects.filter(
        shop_id=shop_id, status=Escrow.Status.FROZEN,
        frozen_from__in=[Escrow.Status.RELEASED, Escrow.Status.PARTIALLY_REFUNDED],
    ).values_list("reference", flat=True)
    return JournalLine.objects.filter(
        entry__kind=JournalEntry.Kind.RELEASE, account=seller_payable_account(shop_id),
        reference__in=list(references), currency=currency,
    ).aggregate(t=Sum("amount_cents"))["t"] or 0


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
        payout = payout_transition(
            payout_id=payout.pk, to=Payout.Status.PAID, provider_ref=provider_ref,
            paid_at=timezone.now(), claimed_at=None,
            marked_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        notify(
            recipient=payout.shop.owner, kind="payout_sent", url=reverse("seller-balance"),
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
        payout = payout_transition(
            payout_id=payout.pk, to=Payout.Status.FAILED, error=error[:2000], claimed_at=None
        )
    return payout


def _transfer_find(*, payout: Payout):
    """Find a transfer an earlier unanswered attempt may have made (by its transfer group)."""
    transfers = stripe_read(
        lambda client: client.v1.transfers.list(
            params={"transfer_group": payout.transfer_group, "limit": 100}
        ),
        connect=True,
    )
    for item in transfers.data:
        if (as_dict(item).get("metadata") or {}).get("payout_id") == str(payout.pk):
            return item
    return None


def payout_send(*, payout: Payout) -> Payout:
    """Send a Stripe Connect payout: a Transfer whose idempotency key is the payout id.

    Claimed first (one sender at a time), called with no lock held. A suspended shop's
    payout stays pending (held). A payout that got no answer stays `unknown`; before it is
    sent again, Stripe's transfer list is searched for it (Stripe keeps idempotency keys only
    about a day), so a lost answer never pays twice.
    """
    stale = timezone.now() - timedelta(seconds=CLAIM_SECONDS)
    account = PayoutAccount.objects.filter(shop_id=payout.shop_id).first()
    # A suspended shop, or an account Stripe stopped paying out to: the payout waits (held).
    sendable = account is not None and account.payouts_enabled and Shop.objects.filter(
        pk=payout.shop_id, status__in=[Shop.Status.ACTIVE, Shop.Status.PENDING_VERIFICATION]
    ).exists()
    # The claim filters on the payout's own columns only: a condition on a joined table makes
    # Django write `WHERE id IN (subquery)`, which PostgreSQL does not re-check against the
    # row a racing sender just claimed, so both would send.
    claimed = sendable and Payout.objects.filter(
        pk=payout.pk, method=Payout.Method.STRIPE_TRANSFER,
        status__in=[Payout.Status.PENDING, Payout.Status.UNKNOWN],
    ).filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale)).update(
        claimed_at=timezone.now()
    )
    payout.refresh_from_db()
    if not claimed:
        return payout
    shop = payout.shop
    found = None
    attempted = GatewayCall.objects.filter(idempotency_key=payout.idempotency_key).exists()
    if attempted or payout.status == Payout.Status.UNKNOWN:
        try:
            found = _transfer_find(payout=payout)
        except (GatewayRefused, PaymentsError) as error:
            # Whether the earlier try went through cannot be told: never treat it as refused
            # (its money back on the balance would be paid again by the next run).
            return payout_transition(
                payout_id=payout.pk, to=Payout.Status.UNKNOWN, claimed_at=None,
                error=f"Could not look up the earlier transfer: {error}"[:2000],
            )
        if found is not None:
            GatewayCall.objects.filter(idempotency_key=payout.idempotency_key).update(
                status=GatewayCall.Status.SUCCEEDED, stripe_object_id=found.id, error=""
            )
    try:
        transfer = found or stripe_write(
            operation="transfer.create", idempotency_key=payout.idempotency_key,
            reference=f"payout:{payout.pk}", connect=True,
            send=lambda client, options: client.v1.transfers.create(
                params={
                    "amount": payout.amount_cents, "currency": payout.currency.lower(),
                    "destination": account.stripe_account_id,
                    "transfer_group": payout.transfer_group,
                    "metadata": {"payout_id": str(payout.pk), "shop": shop.slug},
                },
                options=options,
            ),
        )
    except GatewayRefused as refused:
        return _payout_settle_failed(payout_id=payout.pk, error=str(refused))
    except PaymentsError as error:
        return payout_transition(
            payout_id=payout.pk, to=Payout.Status.UNKNOWN, error=str(error), claimed_at=None
        )
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
        shop = Shop.objects.select_related("owner").filter(pk=shop_id).first()
        if shop is None or shop.status == Shop.Status.SUSPENDED or not owner_may_sell(shop.owner):
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
