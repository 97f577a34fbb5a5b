"""Payout accounts: a shop's Stripe Connect Express account, its onboarding link, its status.

Stripe owns the truth about an account. We create it once per shop (the idempotency key is the
shop, so two clicks make one account), send the seller to a single-use account link, and store
what Stripe says about it whenever we hear: the return page and `account.updated` webhooks both
fetch the account again and store it under the row lock, so whichever arrives first or last,
the stored state is Stripe's latest. No Stripe call is made while a row lock is held.
"""

import logging

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notifications.services import notify
from sellers.models import Shop
from sellers.services import shop_lock

from ..errors import GatewayRefused, PayoutAccountError
from ..gateway import as_dict, stripe_read, stripe_write
from ..models import PayoutAccount
from ..selectors import payout_account_of
from .hub_money import hub_commission_of_shop

logger = logging.getLogger(__name__)

# What Stripe's requirement names mean, in the seller's words (prefix match, first wins).
REQUIREMENT_WORDS = (
    ("external_account", "a bank account for your payouts"),
    ("tos_acceptance", "accepting Stripe's terms"),
    ("individual.verification", "a photo ID"),
    ("individual.dob", "your date of birth"),
    ("individual.ssn_last_4", "the last 4 digits of your Social Security number"),
    ("individual.id_number", "your Social Security number"),
    ("individual.address", "your home address"),
    ("individual.phone", "your phone number"),
    ("individual.email", "your e-mail address"),
    ("individual.first_name", "your legal name"),
    ("individual.last_name", "your legal name"),
    ("business_profile", "a few words about your business"),
    ("business_type", "what kind of business you are"),
    ("company", "your company's details"),
)


def requirement_words(names) -> list[str]:
    """Stripe's requirement names as plain words, each once, in Stripe's order."""
    words: list[str] = []
    for name in names or []:
        text = next((w for prefix, w in REQUIREMENT_WORDS if str(name).startswith(prefix)),
                    "other details Stripe asks for")
        if text not in words:
            words.append(text)
    return words


def _status_of(account: dict) -> str:
    requirements = account.get("requirements") or {}
    if account.get("payouts_enabled"):
        return PayoutAccount.Status.ENABLED
    if not account.get("details_submitted"):
        return PayoutAccount.Status.ONBOARDING
    if requirements.get("currently_due") or requirements.get("past_due") or requirements.get(
            "disabled_reason"):
        return PayoutAccount.Status.ACTION_NEEDED
    return PayoutAccount.Status.VERIFYING


def _stripe_fields(account: dict) -> dict:
    requirements = account.get("requirements") or {}
    due = list(dict.fromkeys([*(requirements.get("past_due") or []),
                              *(requirements.get("currently_due") or [])]))
    return {
        "status": _status_of(account),
        "charges_enabled": bool(account.get("charges_enabled")),
        "payouts_enabled": bool(account.get("payouts_enabled")),
        "details_submitted": bool(account.get("details_submitted")),
        "requirements_due": [str(name)[:120] for name in due][:50],
        "disabled_reason": str(requirements.get("disabled_reason") or "")[:120],
    }


def payout_account_store(*, stripe_account: dict) -> PayoutAccount | None:
    """Store what Stripe says about one of our connected accounts; None if it is not ours."""
    fields = _stripe_fields(stripe_account)
    with transaction.atomic():
        account = (PayoutAccount.objects.select_for_update(of=("self",))
                   .select_related("shop__owner")
                   .filter(stripe_account_id=stripe_account.get("id", "")).first())
        if account is None:
            return None
        changed = [name for name, value in fields.items() if getattr(account, name) != value]
        for name in changed:
            setattr(account, name, fields[name])
        account.synced_at = timezone.now()
        account.save(update_fields=[*changed, "synced_at"])
        if "status" in changed and account.status in {PayoutAccount.Status.ENABLED,
                                                      PayoutAccount.Status.ACTION_NEEDED}:
            # Told once per change: a repeated or racing fetch finds nothing changed.
            needed = ", ".join(requirement_words(account.requirements_due))
            notify(
                recipient=account.shop.owner, kind="payout_account_status",
                url=reverse("seller-payout-account"),
                dedupe_key=f"payout_account:{account.pk}:{account.synced_at.isoformat()}",
                context={"status_label": account.get_status_display(),
                         **({"needed": needed} if account.status != "enabled" else {})},
            )
    if "status" in changed:
        logger.info("Payout account %s is now %s", account.stripe_account_id, account.status)
    return account


def payout_account_start(*, shop: Shop, email: str = "") -> PayoutAccount:
    """The shop's payout account, created at Stripe (type express) the first time."""
    existing = payout_account_of(shop_id=shop.pk)
    if existing is not None:
        return existing
    if shop.status == Shop.Status.SUSPENDED:
        raise PayoutAccountError("Your shop is suspended: payouts are held, so a payout "
                                 "account cannot be set up now.")
    try:
        created = stripe_write(
            operation="account.create", idempotency_key=f"connect-account:shop:{shop.pk}",
            reference=f"shop:{shop.pk}", connect=True,
            send=lambda client, options: client.v1.accounts.create(
                params={
                    "type": "express", "country": "US",
                    **({"email": email} if email else {}),
                    "capabilities": {"transfers": {"requested": True}},
                    "business_profile": {"name": shop.name[:80]},
                    "metadata": {"shop_id": str(shop.pk), "shop": shop.slug},
                },
                options=options,
            ),
        )
    except GatewayRefused as refused:
        raise PayoutAccountError(f"Stripe refused to create the account: {refused}") from None
    data = as_dict(created)
    with transaction.atomic():
        # The shop's row is the lock: the same key gives the same account, stored once.
        shop_lock(shop_id=shop.pk)
        account, _ = PayoutAccount.objects.get_or_create(
            shop_id=shop.pk, defaults={"stripe_account_id": data["id"]}
        )
    return payout_account_store(stripe_account=data) or account


def payout_account_link(*, shop: Shop, return_url: str, refresh_url: str,
                        email: str = "") -> str:
    """A single-use Stripe onboarding link for the shop's payout account (created if new)."""
    account = payout_account_start(shop=shop, email=email)
    try:
        # Not recorded as a GatewayCall: a link moves no money and is made anew on each visit.
        link = stripe_read(
            lambda client: client.v1.account_links.create(params={
                "account": account.stripe_account_id, "type": "account_onboarding",
                "return_url": return_url, "refresh_url": refresh_url,
            }),
            connect=True,
        )
    except GatewayRefused as refused:
        raise PayoutAccountError(f"Stripe refused the set-up link: {refused}") from None
    return as_dict(link)["url"]


def payout_account_sync(*, stripe_account_id: str) -> PayoutAccount | None:
    """Fetch the account from Stripe and store it; None if the account is not ours."""
    if not PayoutAccount.objects.filter(stripe_account_id=stripe_account_id).exists():
        logger.info("Ignoring an account we did not create: %s", stripe_account_id)
        return None
    try:
        fetched = stripe_read(
            lambda client: client.v1.accounts.retrieve(stripe_account_id), connect=True
        )
    except GatewayRefused as refused:
        raise PayoutAccountError(f"Stripe refused to show the account: {refused}") from None
    return payout_account_store(stripe_account=as_dict(fetched))


def payout_account_refresh_for_shop(*, shop: Shop) -> PayoutAccount | None:
    """Ask Stripe now about the shop's account (the return page); None if it has none.

    When Stripe does not answer, PaymentProviderUnavailable is raised and the stored state
    stands; the next webhook or visit brings it up to date.
    """
    account = payout_account_of(shop_id=shop.pk)
    if account is None:
        return None
    return payout_account_sync(stripe_account_id=account.stripe_account_id) or account


def payout_hold_reason(*, shop: Shop, account: PayoutAccount | None) -> str:
    """Why the shop's available money is not paid out automatically, in plain words; ''."""
    if shop.status == Shop.Status.SUSPENDED:
        return "Your shop is suspended: payouts are held."
    if account is None and hub_commission_of_shop(shop_id=shop.pk) is not None:
        return ("You collect your money in cash or by check at your village hub: the agent "
                "sends you a code to confirm it. Set up a payout account to be paid to your "
                "bank instead.")
    if account is None:
        return ("You have not set up a payout account yet. Until you do, our team pays you "
                "by bank transfer.")
    if account.payouts_enabled:
        return ""
    if account.status == PayoutAccount.Status.ONBOARDING:
        return ("Your payout account is not finished: your available money stays on your "
                "balance until you finish setting it up with Stripe.")
    if account.status == PayoutAccount.Status.ACTION_NEEDED:
        needed = ", ".join(requirement_words(account.requirements_due)) or "more information"
        return (f"Stripe needs {needed} before it can pay you: your available money stays on "
                "your balance until then.")
    return ("Stripe is checking your details, usually within a few minutes and at most a "
            "couple of days: your available money stays on your balance until then.")
