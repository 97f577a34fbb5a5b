"""The double-entry ledger: account names, posting an entry, reading a balance.

Sign convention: a line's amount is credited to its account. The accounts that hold or record
money owed to someone — escrow:<ref>, seller_payable:<shop>, seller_payout_pending:<shop>,
seller_paid_out:<shop>, platform_fees, refunded, chargebacks — grow positive. Their mirror,
stripe_balance, carries the negative: −stripe_balance is everything captured at Stripe. So
every entry sums to zero per currency, and at any moment

    −stripe_balance = Σ escrow + Σ payable + Σ payout pending + Σ paid out + fees + refunded
                    + chargebacks + Σ hub_commission
                    + (Σ hub_cash_owed + Σ hub_cash_advanced, which is always 0).

Village hubs (payments knows a hub only as the account a registered provider names):
- hub_commission:<hub> — a managed shop's sale pays its hub a commission at release: one more
  line of the release entry, taken out of the seller's share (never out of the platform fee).
- A hub cash-out (an agent hands the owner cash or a check from the hub's own till) is a payout
  by other means: seller_payable:<shop> −X → seller_paid_out:<shop> +X, and in the same entry
  the hub's cash position: hub_cash_owed:<hub> +X (what the platform owes the hub) against its
  mirror hub_cash_advanced:<hub> −X (the hub's own cash that paid the owner). Staff settling the
  hub (paying it from the platform's bank) post hub_cash_owed −Y, hub_cash_advanced +Y. The two
  hub cash accounts always sum to zero together, so the identity above holds unchanged; the
  money itself left the platform through seller_paid_out, like a payout paid by hand.

seller_payable:<shop> may go negative: a chargeback lost after the money was released is
owed by the seller, and later releases pay it back before any payout.

Posting checks the sum here; a deferred constraint trigger checks it again at commit, and other
triggers refuse any UPDATE or DELETE of posted rows (migration 0002).
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Sum

from .errors import UnbalancedEntry
from .models import JournalEntry, JournalLine

STRIPE_BALANCE = "stripe_balance"
PLATFORM_FEES = "platform_fees"
REFUNDED = "refunded"
CHARGEBACKS = "chargebacks"  # money the buyer's bank took back through a lost chargeback


def escrow_account(reference: str) -> str:
    return f"escrow:{reference}"


def seller_payable_account(shop_id: int) -> str:
    return f"seller_payable:{shop_id}"


def seller_payout_pending_account(shop_id: int) -> str:
    return f"seller_payout_pending:{shop_id}"


def seller_paid_out_account(shop_id: int) -> str:
    return f"seller_paid_out:{shop_id}"


def hub_commission_account(hub_id: int) -> str:
    """What a hub earned from its managed shops' sales (one line of each release entry)."""
    return f"hub_commission:{hub_id}"


def hub_cash_owed_account(hub_id: int) -> str:
    """What the platform owes a hub for cash it handed to owners (its cash position), +."""
    return f"hub_cash_owed:{hub_id}"


def hub_cash_advanced_account(hub_id: int) -> str:
    """The mirror of hub_cash_owed: the hub's own cash that paid owners, −, until settled."""
    return f"hub_cash_advanced:{hub_id}"


@dataclass(frozen=True)
class Line:
    account: str
    amount_cents: int
    currency: str


def journal_post(
    *, key: str, kind: str, lines: list[Line], reference: str = "", shop=None, memo: str = "",
    actor=None,
) -> JournalEntry:
    """Post one balanced entry, or return the entry already posted under this key.

    Call inside the business action's transaction, after taking its row locks.
    """
    existing = JournalEntry.objects.filter(key=key).first()
    if existing is not None:
        return existing
    totals: dict[str, int] = defaultdict(int)
    for line in lines:
        if line.amount_cents == 0 or not isinstance(line.amount_cents, int):
            raise UnbalancedEntry(f"line {line} must be a non-zero whole number of cents")
        totals[line.currency] += line.amount_cents
    if not lines or any(totals.values()):
        raise UnbalancedEntry(f"entry {key} does not sum to zero per currency: {dict(totals)}")
    with transaction.atomic():
        entry = JournalEntry.objects.create(
            key=key, kind=kind, reference=reference, shop=shop, memo=memo[:200],
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        JournalLine.objects.bulk_create(
            JournalLine(
                entry=entry, account=line.account, amount_cents=line.amount_cents,
                currency=line.currency, shop=shop, reference=reference,
            )
            for line in lines
        )
    return entry


def account_balance(*, account: str, currency: str) -> int:
    """Return the sum of the account's lines in one currency."""
    total = JournalLine.objects.filter(account=account, currency=currency).aggregate(
        total=Sum("amount_cents")
    )["total"]
    return total or 0
