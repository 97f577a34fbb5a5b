"""Closing an account, and the download of everything we hold about a person.

Closing is refused, with the plain reasons, while anything is open: an order not finished
(as buyer or as seller), money held or frozen in escrow, a refund not settled, a balance not
paid out or owed. Otherwise, in one transaction under the account's row lock: the shop is
closed through sellers, the orders forget their addresses, the notifications go, and the
account row keeps only an anonymous placeholder (orders, reviews and the ledger point at it).
Two requests at once: the second waits for the lock, then finds the account closed (409).
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from rest_framework.authtoken.models import Token

from marketplace.ratelimit import rate_limit_take
from notifications.models import Notification
from notifications.services import notifications_erase_for
from orders.models import Order, OrderItem, Review, SavedAddress
from orders.selectors import (
    orders_open_for_buyer,
    orders_open_for_shop,
    saved_addresses_for_user,
)
from orders.services.privacy import buyer_personal_data_erase
from payments.selectors import payout_account_of, references_with_open_money, shop_balance
from sellers.models import Shop
from sellers.services import shop_close

from .models import KnownBrowser, StaffToken
from .services import AccountConflict, account_email_later, password_check

User = get_user_model()

CLOSED_NAME = "Closed account"


class AccountCloseRefused(AccountConflict):
    """Something is still open: `reasons` says what, in plain words."""

    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__("We cannot close your account yet: " + " ".join(reasons))


def _numbers(orders) -> str:
    ids = [f"#{order.pk}" for order in orders[:5]]
    more = len(orders) - len(ids)
    return ", ".join(ids) + (f" and {more} more" if more > 0 else "")


def _dollars(cents: int) -> str:
    return f"${abs(cents) / 100:,.2f}"


def account_keeps_payout_account(*, user) -> bool:
    """Whether closing leaves a Stripe payout account behind: its row stays (the ledger and
    payouts reference it) and Stripe keeps the account; the person closes it there."""
    shop = Shop.objects.filter(owner=user).only("pk").first()
    return shop is not None and payout_account_of(shop_id=shop.pk) is not None


def account_close_blockers(*, user) -> list[str]:
    """What keeps `user`'s account open, in plain sentences; empty when it may close."""
    reasons = []
    bought = list(orders_open_for_buyer(buyer=user))
    if bought:
        reasons.append(f"Your order {_numbers(bought)} is not finished yet: wait until it is "
                       "received (or cancelled) and its money settled.")
    references = list(Order.objects.filter(buyer=user).values_list("id", flat=True))
    buyer_money = references_with_open_money(references=[f"order:{pk}" for pk in references])
    if buyer_money and not bought:
        reasons.append("A payment or refund of yours is still being settled (for example a "
                       "dispute with your bank): wait until it is decided.")
    shop = Shop.objects.filter(owner=user).first()
    if shop is not None and shop.status != Shop.Status.CLOSED:
        reasons.extend(_shop_blockers(shop=shop))
    return reasons


def _shop_blockers(*, shop) -> list[str]:
    """What keeps `shop` from closing: orders to finish, money held or owed."""
    reasons = []
    sold = list(orders_open_for_shop(shop=shop))
    if sold:
        reasons.append(f"Your shop has orders to finish ({_numbers(sold)}).")
    balance = shop_balance(shop=shop)
    held = balance.escrow_cents or balance.frozen_cents
    if held:
        reasons.append(f"{_dollars(held)} for your shop is still held in escrow.")
    if balance.available_cents > 0 or balance.payout_pending_cents:
        owed = balance.available_cents + balance.payout_pending_cents
        reasons.append(f"{_dollars(owed)} is still to be paid out to you.")
    if balance.available_cents < 0:
        reasons.append(f"Your shop owes {_dollars(balance.available_cents)} after a refund "
                       "or chargeback; it has to be settled first.")
    return reasons


def account_close(*, request, user, password: str) -> str:
    """Close `user`'s account and erase their personal data; return the address they had.

    Needs the password again (log-in throttle) and a slot of the account_close limit.
    Raises AccountCloseRefused (409) while something is open, AccountConflict if closed.
    """
    password_check(request=request, user=user, password=password)
    rate_limit_take(scope="account_close", who=f"user:{user.pk}")
    with transaction.atomic():
        person = User.objects.select_for_update().filter(pk=user.pk).first()
        if person is None or person.closed_at is not None:
            raise AccountConflict("This account is already closed.")
        reasons = account_close_blockers(user=person)
        if reasons:
            raise AccountCloseRefused(reasons)
        old_email, old_name = person.email, person.display_name
        shop = Shop.objects.filter(owner=person).exclude(status=Shop.Status.CLOSED).first()
        if shop is not None:
            # Closed first: shop_close locks the shop and archives its listings, taking the
            # listing locks a checkout at this moment holds. Once it has them, an order placed
            # meanwhile is committed and seen below, and a later checkout finds them archived.
            shop_close(shop_id=shop.pk)
            reasons = _shop_blockers(shop=shop)
            if reasons:  # raised inside the transaction: the shop and listings roll back
                raise AccountCloseRefused(reasons)
        buyer_personal_data_erase(buyer=person)
        notifications_erase_for(user=person)
        Token.objects.filter(user=person).delete()
        StaffToken.objects.filter(user=person).delete()
        KnownBrowser.objects.filter(user=person).delete()
        person.email = f"closed-{person.pk}@closed.invalid"
        person.phone = ""
        person.display_name = CLOSED_NAME
        person.set_unusable_password()
        person.is_active = False
        person.email_confirmed_at = None
        person.closed_at = timezone.now()
        person.save(update_fields=["email", "phone", "display_name", "password", "is_active",
                                   "email_confirmed_at", "closed_at"])
        if old_email:  # a hub's neighbour may have had no address
            account_email_later("account_closed", person.pk, to=old_email,
                                extra={"display_name": old_name})
    return old_email


# --- download my data ---------------------------------------------------------------------

def _items(order) -> list[dict]:
    return [{"title": item.title, "quantity": item.quantity,
             "unit_price_cents": item.unit_price_cents} for item in order.items.all()]


def _orders_query():
    return (Order.objects.select_related("shop")
            .prefetch_related(Prefetch("items", queryset=OrderItem.objects.order_by("id")))
            .order_by("id"))


def account_data(*, user) -> dict:
    """Everything we hold about `user`, as plain data (a fixed number of queries)."""
    bought = list(_orders_query().filter(buyer=user))
    shop = Shop.objects.select_related("village").filter(owner=user).first()
    sold = list(_orders_query().filter(shop=shop)) if shop is not None else []
    addresses = []
    for order in bought:
        if order.shipping_address and order.shipping_address not in addresses:
            addresses.append(order.shipping_address)
    review_fields = ("order_id", "shop__name", "rating", "text", "seller_reply", "created")
    return {
        "exported_at": timezone.now(),
        "profile": {
            "id": user.pk, "email": user.email, "phone": user.phone,
            "display_name": user.display_name, "date_joined": user.date_joined,
            "email_confirmed_at": user.email_confirmed_at,
            "time_zone": user.time_zone, "is_staff": user.is_staff,
        },
        "orders_as_buyer": [{
            "id": order.pk, "status": order.status, "shop": order.shop.name,
            "created": order.created, "paid_at": order.paid_at,
            "fulfillment": order.fulfillment, "shipping_address": order.shipping_address,
            "subtotal_cents": order.subtotal_cents, "shipping_cents": order.shipping_cents,
            "total_cents": order.total_cents, "currency": order.currency,
            "items": _items(order),
        } for order in bought],
        "shop": None if shop is None else {
            "name": shop.name, "slug": shop.slug, "description": shop.description,
            "village": f"{shop.village.name}, {shop.village.state}", "status": shop.status,
        },
        "orders_as_seller": [{
            "id": order.pk, "status": order.status, "created": order.created,
            "total_cents": order.total_cents, "currency": order.currency,
            "items": _items(order),
        } for order in sold],
        "reviews_written": list(Review.objects.filter(buyer=user).order_by("id")
                                .values(*review_fields)),
        "reviews_received": list(Review.objects.filter(shop=shop).order_by("id")
                                 .values(*review_fields)) if shop is not None else [],
        "notifications": list(Notification.objects.filter(recipient=user).order_by("id")
                              .values("created", "kind", "message", "url", "read_at")),
        "addresses": addresses,
        "saved_addresses": list(saved_addresses_for_user(user=user)
                                .values(*SavedAddress.FIELDS, "last_used")),
    }


def account_data_export(*, request, user, password: str) -> dict:
    """account_data, after the password again (log-in throttle) and the account_data limit."""
    password_check(request=request, user=user, password=password)
    rate_limit_take(scope="account_data", who=f"user:{user.pk}")
    return account_data(user=user)
