"""What the hub money tests share: the ledger's identity, a managed shop with money."""

from django.db.models import Sum

from payments.models import JournalLine
from tests.builders import completed_order, hub, hub_agent, managed_shop
from tests.factories import ListingFactory


def account_sums() -> dict[str, int]:
    rows = JournalLine.objects.values("account").annotate(t=Sum("amount_cents")).order_by()
    return {row["account"]: int(row["t"]) for row in rows}


def ledger_identity_holds() -> bool:
    """−stripe_balance = Σ every other account, and each hub's two cash accounts net to zero."""
    sums = account_sums()
    others = sum(value for account, value in sums.items() if account != "stripe_balance")
    hubs = {account.split(":")[1] for account in sums if account.startswith("hub_cash_")}
    paired = all(sums.get(f"hub_cash_owed:{h}", 0) + sums.get(f"hub_cash_advanced:{h}", 0) == 0
                 for h in hubs)
    return -sums.get("stripe_balance", 0) == others and paired


def managed_world(*, commission_bps: int = 300, sales: int = 1, price_cents: int = 1200):
    """A hub, its verified agent, a managed shop and `sales` completed (released) orders of
    it; returns (managed, agent)."""
    place = hub(commission_bps=commission_bps)
    agent = hub_agent(place=place)
    managed = managed_shop(place=place, agent=agent)
    for _ in range(sales):
        listing = ListingFactory(shop=managed.shop, price_cents=price_cents)
        completed_order(listing=listing)
    return managed, agent
