"""Reads of money that services, pages and the API share. Amounts are always ledger sums."""

from dataclasses import dataclass

from django.db.models import Case, IntegerField, Max, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate

from sellers.models import Shop

from .errors import EscrowNotFound
from .ledger import (
    CHARGEBACKS,
    PLATFORM_FEES,
    REFUNDED,
    seller_paid_out_account,
    seller_payable_account,
    seller_payout_pending_account,
)
from .models import Escrow, JournalEntry, JournalLine, Payout, PayoutAccount, Refund
from .transitions import escrow_status_label


@dataclass(frozen=True)
class EscrowSummary:
    reference: str
    shop_id: int
    status: str  # an Escrow.Status value
    currency: str
    held_cents: int
    released_cents: int
    refunded_cents: int
    fee_cents: int
    remaining_cents: int
    charged_back_cents: int = 0  # what a lost chargeback took back (from escrow or released)
    hub_commission_cents: int = 0  # a managed shop's hub commission taken at release

    @property
    def seller_cents(self) -> int:
        """What the release left the seller: released less the fee and any hub commission."""
        return self.released_cents - self.fee_cents - self.hub_commission_cents

    @property
    def status_label(self) -> str:
        return escrow_status_label(self.status)


def escrow_summary(*, reference: str) -> EscrowSummary:
    """The escrow of a reference with its held/released/refunded/fee sums (two queries)."""
    escrow = Escrow.objects.filter(reference=reference).first()
    if escrow is None:
        raise EscrowNotFound(f"Nothing is held in escrow for {reference}.")
    sums = _sums_by_kind(JournalLine.objects.filter(reference=reference))
    return EscrowSummary(
        reference=reference, shop_id=escrow.shop_id, status=escrow.status,
        currency=escrow.currency, **sums,
    )


def escrow_summary_or_none(*, reference: str) -> EscrowSummary | None:
    """Like escrow_summary, but None when nothing was ever held (API status "none")."""
    try:
        return escrow_summary(reference=reference)
    except EscrowNotFound:
        return None


def _kind_sum(kind, account_filter: Q, sign: int = 1):
    kinds = [kind] if isinstance(kind, str) else list(kind)
    return Coalesce(
        Sum(
            Case(
                When(Q(entry__kind__in=kinds) & account_filter, then="amount_cents"),
                default=Value(0), output_field=IntegerField(),
            )
        ) * sign,
        0,
    )


def _escrow_sum_expressions() -> dict:
    is_escrow = Q(account__startswith="escrow:")
    return {
        "held_cents": _kind_sum(JournalEntry.Kind.HOLD, is_escrow),
        "released_cents": _kind_sum(JournalEntry.Kind.RELEASE, is_escrow, -1),
        # What went back to the buyer: refunds (from escrow, or after release from the seller's
        # balance) less refunds Stripe later reported failed.
        "refunded_cents": Coalesce(
            Sum(Case(When(Q(account=REFUNDED), then="amount_cents"), default=Value(0),
                     output_field=IntegerField())), 0),
        "fee_cents": _kind_sum(JournalEntry.Kind.RELEASE, Q(account=PLATFORM_FEES)),
        "charged_back_cents": _kind_sum(JournalEntry.Kind.CHARGEBACK, Q(account=CHARGEBACKS)),
        "hub_commission_cents": _kind_sum(JournalEntry.Kind.RELEASE,
                                          Q(account__startswith="hub_commission:")),
        "remaining_cents": Coalesce(
            Sum(Case(When(is_escrow, then="amount_cents"), default=Value(0),
                     output_field=IntegerField())), 0),
    }


def _sums_by_kind(lines: QuerySet) -> dict:
    row = lines.aggregate(**_escrow_sum_expressions())
    return {key: int(value) for key, value in row.items()}


def escrow_summaries(*, references: list[str]) -> dict[str, EscrowSummary]:
    """Escrow summaries of many references in two queries (for lists); unheld ones are absent."""
    escrows = {e.reference: e for e in Escrow.objects.filter(reference__in=list(references))}
    if not escrows:
        return {}
    rows = (
        JournalLine.objects.filter(reference__in=list(escrows))
        .values("reference")
        .annotate(**_escrow_sum_expressions())
    )
    sums = {
        row.pop("reference"): {key: int(value) for key, value in row.items()} for row in rows
    }
    empty = dict.fromkeys(_escrow_sum_expressions(), 0)
    return {
        reference: EscrowSummary(
            reference=reference, shop_id=escrow.shop_id, status=escrow.status,
            currency=escrow.currency, **sums.get(reference, empty),
        )
        for reference, escrow in escrows.items()
    }


@dataclass(frozen=True)
class ShopBalance:
    currency: str
    escrow_cents: int
    available_cents: int
    payout_pending_cents: int
    paid_out_cents: int
    fees_cents: int
    refunded_cents: int
    frozen_cents: int = 0  # held or released money a chargeback has frozen: not paid out
    owed_cents: int = 0  # what the seller owes (a negative available balance), shown plainly


def shop_balance(*, shop, currency: str = "USD") -> ShopBalance:
    """A shop's money in one currency, from one aggregate query over its ledger lines."""
    def total(condition: Q):
        return Coalesce(
            Sum(Case(When(condition, then="amount_cents"), default=Value(0),
                     output_field=IntegerField())), 0)

    frozen_references = Escrow.objects.filter(shop=shop, status=Escrow.Status.FROZEN).values(
        "reference")
    row = JournalLine.objects.filter(shop=shop, currency=currency).aggregate(
        escrow_cents=total(Q(account__startswith="escrow:")),
        available_cents=total(Q(account=seller_payable_account(shop.pk))),
        payout_pending_cents=total(Q(account=seller_payout_pending_account(shop.pk))),
        paid_out_cents=total(Q(account=seller_paid_out_account(shop.pk))),
        fees_cents=total(Q(account=PLATFORM_FEES)),
        refunded_cents=total(Q(account=REFUNDED)),
        frozen_cents=total(
            Q(reference__in=frozen_references)
            & (Q(account__startswith="escrow:")
               | Q(entry__kind=JournalEntry.Kind.RELEASE,
                   account=seller_payable_account(shop.pk)))
        ),
    )
    values = {key: int(value) for key, value in row.items()}
    return ShopBalance(currency=currency, owed_cents=max(0, -values["available_cents"]),
                       **values)


def refunds_needing_attention() -> QuerySet[Refund]:
    """Refunds Stripe refused or reported failed (staff retry them), and ones with no answer
    yet (retried by the settle job), oldest first."""
    return (
        Refund.objects.filter(status__in=[Refund.Status.FAILED, Refund.Status.UNKNOWN])
        .select_related("escrow", "escrow__shop", "created_by")
        .order_by("created", "id")
    )


def refund_get(*, refund_id) -> Refund | None:
    """A refund with its escrow, or None (also for an id that is not a number)."""
    if not str(refund_id).isdigit():
        return None
    return Refund.objects.filter(pk=int(refund_id)).select_related("escrow").first()


def escrow_references_frozen(*, prefix: str) -> list[str]:
    """References (starting with `prefix`, e.g. "order:") whose escrow a chargeback froze."""
    return list(Escrow.objects.filter(status=Escrow.Status.FROZEN, reference__startswith=prefix)
                .values_list("reference", flat=True))


def escrow_references_held(*, prefix: str) -> list[str]:
    """References (starting with `prefix`) whose escrow still holds money, leaving out those
    with a refund Stripe refused: staff retry those (the failed refunds page), not a job."""
    held = Escrow.objects.filter(status=Escrow.Status.HELD, reference__startswith=prefix)
    return list(held.exclude(refunds__status=Refund.Status.FAILED)
                .values_list("reference", flat=True).distinct())


def payout_list(*, shop) -> QuerySet[Payout]:
    """A shop's payouts, newest first."""
    return Payout.objects.filter(shop=shop).order_by("-created", "-id")


def shop_statement(*, shop) -> QuerySet:
    """One row per escrow reference of a shop: held, released, fee, refunded, last movement.

    Only lines of escrow and platform-fee accounts carry a reference, so one GROUP BY query
    gives the whole page whatever its length.
    """
    is_escrow = Q(account__startswith="escrow:")

    def kind_total(kind, condition, sign=1):
        return Coalesce(Sum(Case(When(Q(entry__kind=kind) & condition, then="amount_cents"),
                                 default=Value(0), output_field=IntegerField())) * sign, 0)

    return (
        JournalLine.objects.filter(shop=shop)
        .exclude(reference="")
        .exclude(entry__kind=JournalEntry.Kind.HUB_CASH_OUT)  # on the money-out list instead
        .filter(is_escrow | Q(account__in=[PLATFORM_FEES, CHARGEBACKS, REFUNDED,
                                           seller_payable_account(shop.pk)])
                | Q(account__startswith="hub_commission:"))
        .values("reference", "currency")
        .annotate(
            held_cents=kind_total(JournalEntry.Kind.HOLD, is_escrow),
            released_cents=kind_total(JournalEntry.Kind.RELEASE, is_escrow, -1),
            fee_cents=kind_total(JournalEntry.Kind.RELEASE, Q(account=PLATFORM_FEES)),
            refunded_cents=Coalesce(Sum(Case(When(Q(account=REFUNDED), then="amount_cents"),
                                             default=Value(0), output_field=IntegerField())), 0),
            charged_back_cents=kind_total(JournalEntry.Kind.CHARGEBACK, Q(account=CHARGEBACKS)),
            # What the release left the owner (after the fee and any hub commission).
            owner_gets_cents=kind_total(JournalEntry.Kind.RELEASE,
                                        Q(account=seller_payable_account(shop.pk))),
            # A managed shop's hub commission, less what a refund after release took back.
            hub_commission_cents=Coalesce(Sum(Case(
                When(Q(account__startswith="hub_commission:"), then="amount_cents"),
                default=Value(0), output_field=IntegerField())), 0),
            last_at=Max("entry__created"),
        )
        .order_by("-last_at", "reference")
    )


def release_left_with_seller(*, escrow: Escrow) -> tuple[int, int]:
    """What of this escrow's release is still with the seller and the platform: (seller, fee).

    The release put the seller's share on seller_payable and the fee on platform_fees; a refund
    made after the release, or a lost chargeback, took some back (the same accounts, this
    reference). Whatever is taken next can only come out of what is left.
    """
    seller_account = seller_payable_account(escrow.shop_id)
    kinds = [JournalEntry.Kind.RELEASE, JournalEntry.Kind.REFUND, JournalEntry.Kind.CHARGEBACK]
    left = dict(
        JournalLine.objects.filter(
            reference=escrow.reference, currency=escrow.currency, entry__kind__in=kinds,
            account__in=[seller_account, PLATFORM_FEES],
        ).values("account").annotate(t=Sum("amount_cents")).values_list("account", "t")
    )
    return max(left.get(seller_account, 0), 0), max(left.get(PLATFORM_FEES, 0), 0)


def release_left_with_hub(*, escrow: Escrow) -> tuple[str, int]:
    """What of this escrow's release is still with a hub as its commission: (account, cents);
    ("", 0) when the shop's sale paid no hub. A refund after the release or a lost chargeback
    takes it back pro rata with the seller's share and the fee."""
    row = (
        JournalLine.objects.filter(
            reference=escrow.reference, currency=escrow.currency,
            account__startswith="hub_commission:",
        ).values("account").annotate(t=Sum("amount_cents")).order_by("account").first()
    )
    if row is None:
        return "", 0
    return row["account"], max(int(row["t"] or 0), 0)


def references_with_open_money(*, references: list[str]) -> list[str]:
    """Of these references, the ones whose money is not settled: held or frozen in escrow, or
    a refund Stripe has not finished (pending, unanswered, or refused and waiting for staff)."""
    if not references:
        return []
    open_escrows = Escrow.objects.filter(
        reference__in=references, status__in=[Escrow.Status.HELD, Escrow.Status.FROZEN]
    ).values_list("reference", flat=True)
    open_refunds = Refund.objects.filter(
        escrow__reference__in=references,
        status__in=[Refund.Status.PENDING, Refund.Status.UNKNOWN, Refund.Status.FAILED],
    ).values_list("escrow__reference", flat=True)
    return sorted(set(open_escrows) | set(open_refunds))


def payout_account_of(*, shop_id: int) -> PayoutAccount | None:
    """The shop's payout account (what Stripe last told us about it), or None."""
    return PayoutAccount.objects.filter(shop_id=shop_id).first()


def released_to_shops_by_day(*, start, end, zone, currency: str = "USD") -> list[dict]:
    """Money released from escrow to sellers (after fees) in [start, end), per shop and day
    (a calendar day in `zone`), with the shop's village: one query."""
    return list(
        JournalLine.objects.filter(
            entry__kind=JournalEntry.Kind.RELEASE, account__startswith="seller_payable:",
            currency=currency, entry__created__gte=start, entry__created__lt=end,
        )
        .annotate(day=TruncDate("entry__created", tzinfo=zone))
        .values("shop_id", "shop__village_id", "day")
        .annotate(cents=Sum("amount_cents"))
        .order_by()
    )


# --- Village hubs ---------------------------------------------------------------------------
def shop_money_out(*, shop, currency: str = "USD") -> QuerySet:
    """What left a shop's balance to its owner, newest first: payouts sent (by Stripe or by
    hand) and cash collected at a village hub. Rows: entry id, kind, reference, created,
    amount_cents (one query)."""
    return (
        JournalLine.objects.filter(
            shop=shop, currency=currency, account=seller_paid_out_account(shop.pk),
            entry__kind__in=[JournalEntry.Kind.PAYOUT_PAID, JournalEntry.Kind.HUB_CASH_OUT],
        )
        .values("entry_id", "entry__kind", "reference", "entry__created")
        .annotate(amount_cents=Sum("amount_cents"))
        .order_by("-entry__created", "-entry_id")
    )


def _hub_sums(prefix: str, currency: str, hub_ids=None) -> dict[int, int]:
    lines = JournalLine.objects.filter(account__startswith=f"{prefix}:", currency=currency)
    if hub_ids is not None:
        lines = lines.filter(account__in=[f"{prefix}:{hub_id}" for hub_id in hub_ids])
    rows = lines.values("account").annotate(t=Sum("amount_cents")).order_by()
    return {int(row["account"].split(":", 1)[1]): int(row["t"]) for row in rows}


def hub_cash_owed(*, hub_ids=None, currency: str = "USD") -> dict[int, int]:
    """What the platform owes each hub for cash it handed to owners (hub_cash_owed:<hub>),
    {hub_id: cents}, for the given hubs or every hub that ever handed out cash (one query)."""
    return _hub_sums("hub_cash_owed", currency, hub_ids)


def hub_commission_earned(*, hub_ids=None, currency: str = "USD") -> dict[int, int]:
    """What each hub earned in commission from its managed shops' sales (one query)."""
    return _hub_sums("hub_commission", currency, hub_ids)


def village_money_figures(*, currency: str = "USD") -> dict[int, dict[str, int]]:
    """Per village id of the shops, in one query: money released from escrow to sellers
    (after fees and hub commissions, `paid_to_sellers_cents`) and money owners collected in
    cash at village hubs (`collected_at_hubs_cents`): impact figures."""
    def total(condition: Q):
        return Coalesce(Sum(Case(When(condition, then="amount_cents"), default=Value(0),
                                 output_field=IntegerField())), 0)

    released = Q(entry__kind=JournalEntry.Kind.RELEASE, account__startswith="seller_payable:")
    collected = Q(entry__kind=JournalEntry.Kind.HUB_CASH_OUT,
                  account__startswith="seller_paid_out:")
    rows = (
        JournalLine.objects.filter(released | collected, currency=currency)
        .values("shop__village_id")
        .annotate(paid_to_sellers_cents=total(released),
                  collected_at_hubs_cents=total(collected))
        .order_by()
    )
    return {row.pop("shop__village_id"): {key: int(value) for key, value in row.items()}
            for row in rows}


def hub_cash_out_rooms(*, shops, currency: str = "USD") -> dict[int, int]:
    """What each shop's owner may collect at a hub now (the rule of
    payments.services.hub_cash_out_room), {shop_id: cents}, in three queries whatever the
    number of shops: 0 for a suspended shop or an owner whom Stripe pays."""
    shops = list(shops)
    ids = [shop.pk for shop in shops]
    if not ids:
        return {}
    payable = dict(
        JournalLine.objects.filter(
            shop_id__in=ids, currency=currency,
            account__in=[seller_payable_account(pk) for pk in ids],
        ).values("shop_id").annotate(t=Sum("amount_cents")).values_list("shop_id", "t")
        .order_by()
    )
    frozen = dict(
        JournalLine.objects.filter(
            shop_id__in=ids, currency=currency, entry__kind=JournalEntry.Kind.RELEASE,
            account__startswith="seller_payable:",
            reference__in=Escrow.objects.filter(
                shop_id__in=ids, status=Escrow.Status.FROZEN,
                frozen_from__in=[Escrow.Status.RELEASED, Escrow.Status.PARTIALLY_REFUNDED],
            ).values("reference"),
        ).values("shop_id").annotate(t=Sum("amount_cents")).values_list("shop_id", "t")
        .order_by()
    )
    paid_by_stripe = set(PayoutAccount.objects.filter(
        shop_id__in=ids, payouts_enabled=True).values_list("shop_id", flat=True))
    rooms = {}
    for shop in shops:
        blocked = shop.status == Shop.Status.SUSPENDED or shop.pk in paid_by_stripe
        room = int(payable.get(shop.pk) or 0) - int(frozen.get(shop.pk) or 0)
        rooms[shop.pk] = 0 if blocked else max(0, room)
    return rooms


@dataclass(frozen=True)
class StatementTotals:
    currency: str
    sales_cents: int  # released from escrow to the shop (before fee and commission)
    fees_cents: int
    hub_commission_cents: int
    owner_gets_cents: int  # what the release left the owner: sales − fee − commission
    refunded_cents: int
    paid_out_cents: int  # payouts sent (Stripe or by hand)
    collected_at_hub_cents: int  # cash collected at a hub


def statement_totals(*, shop, currency: str = "USD") -> StatementTotals:
    """The owner's statement totals in one query over the shop's ledger lines."""
    def total(condition: Q, sign: int = 1):
        return Coalesce(Sum(Case(When(condition, then="amount_cents"), default=Value(0),
                                 output_field=IntegerField())) * sign, 0)

    release = Q(entry__kind=JournalEntry.Kind.RELEASE)
    paid_out = Q(account=seller_paid_out_account(shop.pk))
    row = JournalLine.objects.filter(shop=shop, currency=currency).aggregate(
        sales_cents=total(release & Q(account__startswith="escrow:"), -1),
        fees_cents=total(release & Q(account=PLATFORM_FEES)),
        hub_commission_cents=total(release & Q(account__startswith="hub_commission:")),
        owner_gets_cents=total(release & Q(account=seller_payable_account(shop.pk))),
        refunded_cents=total(Q(account=REFUNDED)),
        paid_out_cents=total(paid_out & Q(entry__kind=JournalEntry.Kind.PAYOUT_PAID)),
        collected_at_hub_cents=total(paid_out & Q(entry__kind=JournalEntry.Kind.HUB_CASH_OUT)),
    )
    return StatementTotals(currency=currency, **{k: int(v) for k, v in row.items()})


def owner_statement(*, shop, page=None, currency: str = "USD") -> dict:
    """The owner's statement page, in five queries whatever its length: totals, the balance,
    each sale (25 a page) with price, platform fee, hub commission and what the owner got, and
    the last 50 payments to the owner (payouts and cash collected at a hub)."""
    from django.core.paginator import Paginator

    labels = dict(JournalEntry.Kind.choices)
    money_out = [
        {**row, "how": labels[row["entry__kind"]]}
        for row in shop_money_out(shop=shop, currency=currency)[:50]
    ]
    return {
        "totals": statement_totals(shop=shop, currency=currency),
        "balance": shop_balance(shop=shop, currency=currency),
        "sales": Paginator(shop_statement(shop=shop), 25).get_page(page),
        "money_out": money_out,
    }
