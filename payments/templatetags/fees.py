"""The platform fee and payout rules as pages state them, from the settings the ledger uses."""

from django import template
from django.conf import settings

from ..money import fee_split
from ..services.payouts import PAYOUT_MINIMUM_CENTS

register = template.Library()


@register.simple_tag
def platform_fee_percent() -> str:
    """The fee as people read it: "5 %" (500 basis points), "2.5 %" (250)."""
    return f"{settings.PLATFORM_FEE_BPS / 100:g} %"


@register.simple_tag
def platform_fee_bps() -> int:
    """The fee in basis points, for the listing form's script (the same rounding rule)."""
    return settings.PLATFORM_FEE_BPS


@register.simple_tag
def payout_minimum_cents() -> int:
    return PAYOUT_MINIMUM_CENTS


@register.simple_tag
def seller_receives(price_cents) -> dict | None:
    """What the seller receives of a price after the fee: {price_cents, receive_cents, fee_cents},
    split by the ledger's own function; None for a missing or unusable price."""
    try:
        price = int(price_cents)
    except (TypeError, ValueError):
        return None
    if price <= 0:
        return None
    receive, fee = fee_split(amount_cents=price, fee_bps=settings.PLATFORM_FEE_BPS)
    return {"price_cents": price, "receive_cents": receive, "fee_cents": fee}
