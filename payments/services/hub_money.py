"""Village hubs' money: the hub's commission at release, cash-outs at a hub, settling a hub.

payments knows no hubs: the hubs app registers one provider (in HubsConfig.ready()) that says,
for a shop, which hub's commission applies and at what rate *now* (`(hub_id, bps)`, or None
for a shop no agent manages). The ledger accounts are built here (payments/ledger.py):

- release of a managed shop's order: escrow → seller_payable (less the commission) +
  hub_commission:<hub> + platform_fees, one entry (escrow.py calls `hub_commission_lines`);
- a cash-out at a hub: seller_payable → seller_paid_out, hub_cash_advanced → hub_cash_owed;
- a settlement: hub_cash_owed → hub_cash_advanced (the platform paid the hub back).
"""

from collections.abc import Callable

from django.db import transaction

from sellers.models import Shop
from sellers.services import shop_lock

from ..errors import InvalidAmount, PayoutConflict
from ..ledger import (
    Line,
    account_balance,
    hub_cash_advanced_account,
    hub_cash_owed_account,
    hub_commission_account,
    journal_post,
    seller_paid_out_account,
    seller_payable_account,
)
from ..models import JournalEntry, PayoutAccount
from ..money import currency_normalize, hub_commission_cents
from ..selectors import hub_cash_out_rooms

_providers: list[Callable[[int], tuple[int, int] | None]] = []


def hub_commission_provider_register(provider: Callable[[int], tuple[int, int] | None]) -> None:
    """Hubs registers `provider(shop_id) -> (hub_id, commission_bps) | None` (AppConfig.ready)."""
    if provider not in _providers:
        _providers.append(provider)


def hub_commission_of_shop(*, shop_id: int) -> tuple[int, int] | None:
    """The hub whose commission applies to a shop's release now, and its rate; None if none."""
    for provider in _providers:
        found = provider(shop_id)
        if found is not None:
            hub_id, bps = found
            return int(hub_id), int(bps)
    return None


def hub_commission_lines(*, shop_id: int, released_cents: int, seller_cents: int,
                         currency: str) -> tuple[list[Line], int]:
    """The hub commission line of a release (empty for a shop no agent manages) and its
    amount: `released_cents` × the hub's rate at release time, rounded once here, taken out
    of `seller_cents` (never more than it; never out of the platform fee)."""
    found = hub_commission_of_shop(shop_id=shop_id)
    if found is None:
        return [], 0
    hub_id, bps = found
    commission = min(hub_commission_cents(amount_cents=released_cents, commission_bps=bps),
                     seller_cents)
    if commission <= 0:
        return [], 0
    return [Line(hub_commission_account(hub_id), commission, currency)], commission


def hub_cash_out_room(*, shop, currency: str = "USD") -> int:
    """What a shop's owner may collect at a hub now, in cents: the available balance (what a
    payout would reserve: no open payout's money, nothing a chargeback froze), or PayoutConflict
    saying why nothing may be: a suspended shop, or an owner whom Stripe pays."""
    currency = currency_normalize(currency)
    if shop.status == Shop.Status.SUSPENDED:
        raise PayoutConflict("The shop is suspended: its money waits until staff reinstate it.")
    if PayoutAccount.objects.filter(shop_id=shop.pk, payouts_enabled=True).exists():
        raise PayoutConflict("The owner has a payout account: their money goes to their bank.")
    return hub_cash_out_rooms(shops=[shop], currency=currency)[shop.pk]


def hub_cash_out_record(*, shop_id: int, hub_id: int, amount_cents: int, reference: str,
                        actor=None, currency: str = "USD") -> JournalEntry:
    """The owner of `shop_id` collected `amount_cents` at hub `hub_id` (reference
    "cash_out:<id>"): one entry under the shop's lock, idempotent by reference. More than
    the room left (another payout or cash-out took it) → PayoutConflict 409."""
    currency = currency_normalize(currency)
    if not isinstance(amount_cents, int) or isinstance(amount_cents, bool) or amount_cents <= 0:
        raise InvalidAmount("A cash-out must be a positive whole number of cents.")
    key = f"hub_cash_out:{reference}"
    with transaction.atomic():
        shop = shop_lock(shop_id=shop_id)
        existing = JournalEntry.objects.filter(key=key).first()
        if existing is not None:
            return existing
        room = hub_cash_out_room(shop=shop, currency=currency)
        if amount_cents > room:
            raise PayoutConflict(
                f"The shop has {room} cents to collect now, less than {amount_cents}.")
        return journal_post(
            key=key, kind=JournalEntry.Kind.HUB_CASH_OUT, reference=reference, shop=shop,
            memo=f"Collected at hub {hub_id}", actor=actor,
            lines=[
                Line(seller_payable_account(shop.pk), -amount_cents, currency),
                Line(seller_paid_out_account(shop.pk), amount_cents, currency),
                Line(hub_cash_advanced_account(hub_id), -amount_cents, currency),
                Line(hub_cash_owed_account(hub_id), amount_cents, currency),
            ],
        )


def hub_settlement_record(*, hub_id: int, amount_cents: int, reference: str, actor=None,
                          currency: str = "USD") -> JournalEntry:
    """Staff paid hub `hub_id` `amount_cents` of what the platform owes it (reference
    "hub_settlement:<id>"). Call inside your transaction holding the hub's lock, so two
    settlements cannot both pay the same debt; more than is owed → PayoutConflict 409."""
    currency = currency_normalize(currency)
    if not isinstance(amount_cents, int) or isinstance(amount_cents, bool) or amount_cents <= 0:
        raise InvalidAmount("A settlement must be a positive whole number of cents.")
    owed = account_balance(account=hub_cash_owed_account(hub_id), currency=currency)
    if amount_cents > owed:
        raise PayoutConflict(f"The platform owes this hub {owed} cents, less than {amount_cents}.")
    return journal_post(
        key=f"hub_settlement:{reference}", kind=JournalEntry.Kind.HUB_SETTLEMENT,
        reference=reference, memo=f"Hub {hub_id} settled", actor=actor,
        lines=[
            Line(hub_cash_owed_account(hub_id), -amount_cents, currency),
            Line(hub_cash_advanced_account(hub_id), amount_cents, currency),
        ],
    )
