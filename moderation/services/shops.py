"""Shop verification, suspension and reinstatement by staff: audited, and the owner is told.

Suspension itself lives in sellers (status `suspended`): the public selectors hide the shop's
listings, checkout refuses its goods, and payments' payout job holds its money. Open orders
are not touched, so they can still ship, complete and release.
"""

from django.db import transaction
from django.urls import reverse

from moderation.models import AuditLog
from moderation.services.audit import audit_record
from moderation.services.listings import call_sellers
from notifications.services import notify
from sellers import services as sellers_services
from sellers.models import Shop

Action = AuditLog.Action


def _decide(*, slug, actor, service, action, kind, reason: str = "",
            pass_reason: bool = False) -> Shop:
    with transaction.atomic():
        shop = call_sellers(sellers_services.shop_lock, slug=slug)
        before = shop.status
        extra = {"reason": reason} if pass_reason else {}
        call_sellers(service, shop_id=shop.pk, **extra)
        shop.refresh_from_db(fields=["status", "status_reason", "verified_at"])
        audit = audit_record(actor=actor, action=action, object_type="shop",
                             object_id=shop.pk, object_repr=shop.name,
                             reason=shop.status_reason or reason, status_before=before,
                             status_after=shop.status)
        context = {"shop_name": shop.name}
        if kind == "shop_suspended":
            context["reason"] = shop.status_reason
        notify(recipient=shop.owner, kind=kind, context=context,
               dedupe_key=f"moderation:{audit.pk}", url=reverse("sell-dashboard"))
    return shop


def shop_verify(*, slug, actor, note: str = "") -> Shop:
    """A shop waiting for verification goes live."""
    return _decide(slug=slug, actor=actor, service=sellers_services.shop_verify,
                   action=Action.SHOP_VERIFIED, kind="shop_verified",
                   reason=(note or "").strip() or "Verified.")


def shop_suspend(*, slug, actor, reason: str) -> Shop:
    """Hide a shop and its listings, stop new checkouts of its goods, hold its payouts."""
    return _decide(slug=slug, actor=actor, service=sellers_services.shop_suspend,
                   action=Action.SHOP_SUSPENDED, kind="shop_suspended", reason=reason,
                   pass_reason=True)


def shop_reinstate(*, slug, actor, note: str = "") -> Shop:
    """Bring a suspended shop back; its owner is told it is live again."""
    return _decide(slug=slug, actor=actor, service=sellers_services.shop_reinstate,
                   action=Action.SHOP_REINSTATED, kind="shop_reinstated",
                   reason=(note or "").strip() or "Reinstated.")
