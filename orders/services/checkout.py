"""Checkout: the cart becomes one order per shop, stock is reserved, one PaymentIntent is made.

Lock order, always: cart → listings (by pk) → checkout → orders (by pk). No call to Stripe is
made while any of these rows is locked.
"""

import hashlib
import json
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from orders.errors import (
    CartInvalid,
    CheckoutConflict,
    CheckoutNotFound,
    OutOfStock,
    PaymentUnavailable,
    Unavailable,
)
from orders.models import Cart, CartItem, Checkout, Order, OrderEvent, OrderItem
from orders.selectors import cart_summary
from orders.services.checkout_states import checkout_transition
from payments.errors import GatewayRefused, PaymentProviderUnavailable, PaymentsError
from payments.services import payment_intent_cancel, payment_intent_create
from sellers.errors import OutOfStock as ListingOutOfStock
from sellers.models import Shop
from sellers.services import listing_stock_take
from sellers.us_states import US_STATES

logger = logging.getLogger(__name__)
ZIP_CODE = re.compile(r"^\d{5}(-\d{4})?$")
ADDRESS_LIMITS = {"name": 100, "line1": 120, "line2": 120, "city": 80}


@dataclass(frozen=True)
class CheckoutResult:
    checkout: Checkout
    created: bool


def shipping_address_clean(raw) -> dict:
    """Validate a US shipping address; raise ValidationError with a message per field."""
    if not isinstance(raw, dict):
        raise ValidationError({"shipping_address": ["Enter a shipping address."]})
    errors: dict[str, list[str]] = {}
    clean: dict[str, str] = {}
    for name, limit in ADDRESS_LIMITS.items():
        value = raw.get(name, "")
        value = value.strip() if isinstance(value, str) else None
        if value is None or (name != "line2" and not value):
            errors[name] = ["This field is required."]
        elif len(value) > limit:
            errors[name] = [f"Use at most {limit} characters."]
        else:
            clean[name] = value
    state = raw.get("state", "")
    state = state.strip().upper() if isinstance(state, str) else ""
    if state not in US_STATES:
        errors["state"] = ["Use a two-letter US state code, such as IA."]
    postal = raw.get("postal_code", "")
    postal = postal.strip() if isinstance(postal, str) else ""
    if not ZIP_CODE.match(postal):
        errors["postal_code"] = ["Use a 5-digit ZIP code or ZIP+4, such as 52101 or 52101-1234."]
    country = raw.get("country", "US")
    country = country.strip().upper() if isinstance(country, str) else ""
    if country not in {"US", "USA"}:
        errors["country"] = ["We ship within the United States only."]
    if errors:
        raise ValidationError({f"shipping_address.{k}": v for k, v in errors.items()})
    return {**clean, "state": state, "postal_code": postal, "country": "US"}


def _fingerprint(fulfillment: str, address: dict) -> str:
    body = json.dumps({"fulfillment": fulfillment, "address": address}, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


def _reserve_stock(lines) -> None:
    """Take the stock of every line from sellers, or raise OutOfStock naming the line."""
    wanted = {line.listing.pk: line for line in lines}
    try:
        listing_stock_take(quantities={pk: line.quantity for pk, line in wanted.items()})
    except ListingOutOfStock as short:
        raise OutOfStock(short.title or wanted[short.listing_id].listing.title,
                         short.available) from None


def _create_orders(*, buyer, checkout: Checkout, summary, fulfillment, address) -> None:
    for group in summary.shops:
        lines = group.buyable_lines
        if not lines:
            continue
        shipping = 0 if fulfillment == Order.Fulfillment.PICKUP else group.shipping_cents
        order = Order.objects.create(
            checkout=checkout, buyer=buyer, shop=group.shop, fulfillment=fulfillment,
            shipping_address=address, subtotal_cents=group.subtotal_cents,
            shipping_cents=shipping, total_cents=group.subtotal_cents + shipping,
            currency=summary.currency,
        )
        OrderItem.objects.bulk_create(
            OrderItem(order=order, listing=line.listing, title=line.listing.title,
                      quantity=line.quantity, unit_price_cents=line.listing.price_cents)
            for line in lines
        )
        OrderEvent.objects.create(
            order=order, status=Order.Status.PENDING_PAYMENT, actor=buyer,
            note="Order placed; waiting for payment.",
        )


def _reserve(*, buyer, idempotency_key, fulfillment, address, fingerprint) -> CheckoutResult:
    with transaction.atomic():
        # The cart row lock serialises a double click: the second request waits, then finds
        # the first one's checkout under the same key.
        cart = Cart.objects.select_for_update().filter(user=buyer).first()
        existing = Checkout.objects.filter(buyer=buyer, idempotency_key=idempotency_key).first()
        if existing is not None:
            if existing.request_fingerprint != fingerprint:
                raise CheckoutConflict(
                    "This Idempotency-Key was already used for a different checkout."
                )
            return CheckoutResult(checkout=existing, created=False)
        summary = cart_summary(user=buyer, for_checkout=True) if cart else None
        if summary is None or not summary.lines:
            raise CartInvalid("Your cart is empty.")
        if not summary.buyable_count:
            # Everything in it was taken down, archived or its shop suspended: a conflict
            # with the listings' state (409), not a malformed request.
            raise Unavailable("Nothing in your cart can be bought right now.")
        if fulfillment == Order.Fulfillment.PICKUP and not summary.pickup_available:
            raise CartInvalid(
                "Local pickup is only possible when every item in the cart allows it."
            )
        buyable = [line for group in summary.shops for line in group.buyable_lines]
        shops = {line.listing.shop_id for line in buyable}
        if Shop.objects.filter(pk__in=shops).exclude(status=Shop.Status.ACTIVE).exists():
            # Suspended between reading the cart and locking it: same 409, a message that fits.
            raise Unavailable("A shop in your cart has just closed; its goods cannot be bought.")
        _reserve_stock(buyable)
        total = sum(
            group.subtotal_cents
            + (0 if fulfillment == Order.Fulfillment.PICKUP else group.shipping_cents)
            for group in summary.shops if group.buyable_lines
        )
        checkout = Checkout.objects.create(
            buyer=buyer, idempotency_key=idempotency_key, request_fingerprint=fingerprint,
            amount_cents=total, currency=summary.currency, fulfillment=fulfillment,
            shipping_address=address,
            expires_at=timezone.now() + timezone.timedelta(
                minutes=settings.PAYMENT_EXPIRY_MINUTES
            ),
        )
        _create_orders(
            buyer=buyer, checkout=checkout, summary=summary, fulfillment=fulfillment,
            address=address,
        )
        CartItem.objects.filter(pk__in=[line.id for line in buyable]).delete()
    return CheckoutResult(checkout=checkout, created=True)


def checkout_payment_intent_ensure(*, checkout: Checkout) -> Checkout:
    """Make sure the checkout has its PaymentIntent (created once, with a stored key)."""
    if checkout.payment_intent_id:
        return checkout
    try:
        intent = payment_intent_create(
            reference=checkout.reference, amount_cents=checkout.amount_cents,
            currency=checkout.currency, idempotency_key=f"checkout-{checkout.pk}",
            metadata={"buyer": checkout.buyer_id},
        )
    except PaymentProviderUnavailable:
        raise PaymentUnavailable(
            "We could not reach the payment provider. Your items stay reserved for "
            f"{settings.PAYMENT_EXPIRY_MINUTES} minutes: please try again in a moment."
        ) from None
    except PaymentsError as exc:
        raise PaymentUnavailable(str(exc)) from None
    Checkout.objects.filter(pk=checkout.pk, payment_intent_id="").update(
        payment_intent_id=intent.stripe_id or "", client_secret=intent.client_secret,
        payment_status=intent.status,
    )
    checkout.refresh_from_db()
    return checkout


def checkout_create(
    *, buyer, idempotency_key: str, fulfillment: str, shipping_address=None
) -> CheckoutResult:
    """Turn the buyer's cart into orders and a PaymentIntent; repeat-safe per Idempotency-Key.

    Not enough stock for any line raises OutOfStock (409) and reserves nothing.
    """
    result = checkout_reserve(buyer=buyer, idempotency_key=idempotency_key,
                              fulfillment=fulfillment, shipping_address=shipping_address)
    checkout = checkout_payment_intent_ensure(checkout=result.checkout)
    return CheckoutResult(checkout=checkout, created=result.created)


def checkout_reserve(
    *, buyer, idempotency_key: str, fulfillment: str, shipping_address=None
) -> CheckoutResult:
    """The first half of checkout_create, without Stripe: the cart's stock reserved as orders
    awaiting payment (tests/builders.py stops here and records the payment itself)."""
    if not idempotency_key or len(idempotency_key) > 255:
        raise CartInvalid("Send an Idempotency-Key header of 1 to 255 characters.")
    if fulfillment not in Order.Fulfillment.values:
        raise ValidationError({"fulfillment": ['Choose "ship" or "pickup".']})
    address = (
        shipping_address_clean(shipping_address)
        if fulfillment == Order.Fulfillment.SHIP
        else {}
    )
    fingerprint = _fingerprint(fulfillment, address)
    try:
        result = _reserve(
            buyer=buyer, idempotency_key=idempotency_key, fulfillment=fulfillment,
            address=address, fingerprint=fingerprint,
        )
    except IntegrityError:
        # Two first requests with one key and no cart row to lock: the loser reads the winner.
        existing = Checkout.objects.filter(buyer=buyer, idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        if existing.request_fingerprint != fingerprint:
            raise CheckoutConflict(
                "This Idempotency-Key was already used for a different checkout."
            ) from None
        result = CheckoutResult(checkout=existing, created=False)
    return result


def checkout_for_buyer(*, buyer, checkout_id) -> Checkout:
    try:
        return Checkout.objects.get(pk=int(checkout_id), buyer=buyer)
    except (Checkout.DoesNotExist, TypeError, ValueError):
        raise CheckoutNotFound() from None


def checkout_lock(*, checkout_id: int) -> Checkout:
    """Lock a checkout row; call it before locking any of its orders (the fixed lock order)."""
    return Checkout.objects.select_for_update().get(pk=checkout_id)


def checkout_close_if_unpayable(*, checkout_id: int) -> bool:
    """After an order was cancelled: an unpaid checkout with no order left to pay is cancelled.

    Call inside the cancelling transaction, holding the checkout's lock. Returns whether it
    was cancelled; its PaymentIntent is then cancelled at Stripe by checkout_payment_cancel,
    after the commit.
    """
    checkout = checkout_lock(checkout_id=checkout_id)
    if checkout.status != Checkout.Status.PENDING_PAYMENT:
        return False
    if checkout.orders.filter(status=Order.Status.PENDING_PAYMENT).exists():
        return False
    checkout_transition(
        checkout=checkout, to=Checkout.Status.CANCELLED,
        expected={Checkout.Status.PENDING_PAYMENT},
        provider_cancel_due=bool(checkout.payment_intent_id),
    )
    return True


def checkout_payment_intent_cancel_due(*, checkout: Checkout) -> None:
    """Cancel a cancelled checkout's PaymentIntent at Stripe; raises what the provider raises.

    Call with no lock held. If the payment succeeded meanwhile, the provider's answer is
    applied like any late payment (held, then refunded at once).
    """
    if not checkout.provider_cancel_due:
        return
    result = payment_intent_cancel(reference=checkout.reference)
    Checkout.objects.filter(pk=checkout.pk).update(
        provider_cancel_due=False, payment_status=result.status
    )


def checkout_payment_cancel(*, checkout_id: int) -> bool:
    """Best effort, for requests: cancel the PaymentIntent now, or leave it to the expiry job."""
    checkout = Checkout.objects.get(pk=checkout_id)
    try:
        checkout_payment_intent_cancel_due(checkout=checkout)
    except (PaymentsError, GatewayRefused) as error:
        logger.warning("Checkout %s: PaymentIntent not cancelled yet (%r); the expiry job "
                       "tries again", checkout.pk, error)
        return False
    return True
