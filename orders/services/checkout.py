"""Checkout: the cart becomes one order per shop, stock is reserved, one PaymentIntent is made.

The cart keeps its items until the payment succeeds: an unpaid checkout can be left (the buyer
goes back to change it, or it expires) and the cart is still there. A new checkout replaces
the buyer's unpaid ones, in the same transaction, so one cart never holds stock twice.

Lock order, always: cart → the buyer's unpaid checkouts (by pk) → their orders → listings
(by pk) → the new checkout → its orders. No call to Stripe is made while any of these rows is
locked.
"""

import hashlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from orders.errors import (
    BuyerNotAllowed,
    CartInvalid,
    CheckoutAlreadyPaid,
    CheckoutConflict,
    CheckoutNotFound,
    CheckoutPaymentProcessing,
    OutOfStock,
    PaymentUnavailable,
    Unavailable,
)
from orders.models import Cart, Checkout, Order, OrderEvent, OrderItem, balance_cents_for
from orders.selectors import cart_summary
from orders.services.checkout_states import checkout_transition
from orders.services.hub_points import HubPoint, hub_point_find
from orders.services.stock import order_cancel_restock
from payments.errors import GatewayRefused, PaymentProviderUnavailable, PaymentsError
from payments.services import payment_intent_cancel, payment_intent_create, payment_intent_sync
from sellers.errors import OutOfStock as ListingOutOfStock
from sellers.models import Listing, Shop
from sellers.services import listing_stock_take, listings_lock
from sellers.us_states import US_STATES

logger = logging.getLogger(__name__)
ZIP_CODE = re.compile(r"^\d{5}(-\d{4})?$")
PHONE = re.compile(r"^\+?[\d\s().-]{7,20}$")
ADDRESS_LIMITS = {"name": 100, "line1": 120, "line2": 120, "city": 80}


# Apps above orders say who may not buy from which shop (hubs: an agent from a shop they run),
# registered in their AppConfig.ready(). Each gets (buyer, shop ids in the cart) and answers
# with the reason the buyer reads, or "" when it has no objection.
_buyer_checks: list[Callable[..., str]] = []


def checkout_buyer_check_register(check: Callable[..., str]) -> None:
    """Register `check(*, buyer, shop_ids) -> reason or ""`, asked at every checkout."""
    if check not in _buyer_checks:
        _buyer_checks.append(check)


def checkout_buyer_refusal(*, buyer, shop_ids) -> str:
    """The first registered check's reason why `buyer` may not buy from `shop_ids`; ""."""
    shop_ids = frozenset(shop_ids)
    for check in _buyer_checks:
        reason = check(buyer=buyer, shop_ids=shop_ids)
        if reason:
            return reason
    return ""


@dataclass(frozen=True)
class CheckoutResult:
    checkout: Checkout
    created: bool
    replaced: tuple[int, ...] = ()  # the buyer's earlier unpaid checkouts it closed


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
    phone = raw.get("phone", "")
    phone = phone.strip() if isinstance(phone, str) else None
    if phone is None or (phone and not (PHONE.match(phone)
                                        and sum(c.isdigit() for c in phone) >= 7)):
        errors["phone"] = ["Enter a phone number with 7 to 15 digits, such as 563-555-0142."]
    if errors:
        raise ValidationError({f"shipping_address.{k}": v for k, v in errors.items()})
    extra = {"phone": phone} if phone else {}  # optional: kept only when given
    return {**clean, "state": state, "postal_code": postal, **extra, "country": "US"}


def _fingerprint(fulfillment: str, address: dict, hub_reference: str = "") -> str:
    fields = {"fulfillment": fulfillment, "address": address}
    if hub_reference:  # unchanged for every checkout without a hub
        fields["hub"] = hub_reference
    body = json.dumps(fields, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


def hub_point_for_checkout(*, hub, fulfillment: str, shipping_address) -> HubPoint:
    """The open hub a buyer chose to ship to; ValidationError (400) in plain words for an
    unknown or closed hub, pickup with a hub, or a hub together with an address."""
    if fulfillment != Order.Fulfillment.SHIP:
        raise ValidationError({"hub": ["A hub is a delivery address: choose shipping "
                                       "(\"ship\") to send your order to a hub."]})
    if shipping_address:
        raise ValidationError({"hub": ["Send either a hub or a shipping address, not both: "
                                       "the hub's address is where the parcel goes."]})
    point = hub_point_find(hub) if isinstance(hub, str) and len(hub) <= 100 else None
    if point is None:
        raise ValidationError({"hub": ["We know no hub by that name. Choose one from the "
                                       "list of hubs."]})
    if not point.is_open:
        raise ValidationError({"hub": [f"{point.name} is closed and takes no parcels now. "
                                       "Choose another hub."]})
    return point


def hub_address_for(*, point: HubPoint, buyer) -> dict:
    """The hub's address with the buyer's name on it, so the parcel finds them there."""
    who = (getattr(buyer, "display_name", "") or "").strip() or "Buyer"
    name = f"{who} c/o {point.name}"
    if len(name) > ADDRESS_LIMITS["name"]:
        name = f"{who[:40]} c/o {point.name}"[:ADDRESS_LIMITS["name"]]
    return {**point.address, "name": name, "country": "US"}


def _reserve_stock(lines) -> None:
    """Take the stock of every line from sellers, or raise OutOfStock naming the line."""
    wanted = {line.listing.pk: line for line in lines}
    try:
        listing_stock_take(quantities={pk: line.quantity for pk, line in wanted.items()})
    except ListingOutOfStock as short:
        raise OutOfStock(short.title or wanted[short.listing_id].listing.title,
                         short.available) from None


def _buyable_still_check(lines) -> None:
    """Raise Unavailable (409) if a line's shop or listing stopped selling since the cart was
    read; call holding the listings' locks."""
    shops = {line.listing.shop_id for line in lines}
    if Shop.objects.filter(pk__in=shops).exclude(status=Shop.Status.ACTIVE).exists():
        raise Unavailable("A shop in your cart has just closed; its goods cannot be bought.")
    gone = (Listing.objects.filter(pk__in=[line.listing.pk for line in lines])
            .exclude(status=Listing.Status.ACTIVE).order_by("pk").first())
    if gone is not None:
        raise Unavailable(f"“{gone.title}” is no longer available.")
    # The promise read with the cart must still be the listing's: a pre-order's date or
    # deposit changed (or it became in-stock) since then would put the wrong terms on the order.
    terms = {pk: (ships_by, deposit) for pk, ships_by, deposit in Listing.objects.filter(
        pk__in=[line.listing.pk for line in lines]).values_list(
        "pk", "preorder_ships_by", "preorder_deposit_bps")}
    for line in lines:
        ships_by, deposit = terms[line.listing.pk]
        if (ships_by != line.listing.preorder_ships_by
                or (ships_by and deposit != line.listing.preorder_deposit_bps)):
            raise Unavailable(f"The pre-order terms of “{line.listing.title}” have just "
                              "changed; please check your cart again.")


def _unpaid_checkouts_lock(*, buyer) -> list[Checkout]:
    """Lock the buyer's checkouts still waiting for payment, in pk order."""
    return list(
        Checkout.objects.select_for_update()
        .filter(buyer=buyer, status=Checkout.Status.PENDING_PAYMENT)
        .order_by("pk")
    )


def _checkout_close_unpaid(*, checkout: Checkout, note: str) -> Checkout:
    """Close a locked, unpaid checkout the buyer went back from: its orders are cancelled and
    their stock put back on sale; the cart was never emptied, so the items are still there.

    Its PaymentIntent is cancelled at Stripe after the commit (`checkout_payment_cancel`); a
    payment that succeeds there anyway is held and refunded at once, as any late payment.
    """
    for order in checkout.orders.filter(status=Order.Status.PENDING_PAYMENT).order_by("pk"):
        order_cancel_restock(order=order, note=note, actor=checkout.buyer,
                             expected={Order.Status.PENDING_PAYMENT})
    return checkout_transition(
        checkout=checkout, to=Checkout.Status.CANCELLED,
        expected={Checkout.Status.PENDING_PAYMENT},
        provider_cancel_due=bool(checkout.payment_intent_id), changed_at=timezone.now(),
    )


def _create_orders(*, buyer, checkout: Checkout, summary, fulfillment, address,
                   hub: HubPoint | None = None) -> None:
    for group in summary.shops:
        lines = group.buyable_lines
        if not lines:
            continue
        shipping = 0 if fulfillment == Order.Fulfillment.PICKUP else group.shipping_cents
        total = group.subtotal_cents + shipping
        order = Order.objects.create(
            checkout=checkout, buyer=buyer, shop=group.shop, fulfillment=fulfillment,
            shipping_address=address, subtotal_cents=group.subtotal_cents,
            shipping_cents=shipping, total_cents=total,
            currency=summary.currency, preorder_ships_by=group.preorder_ships_by,
            preorder_deposit_bps=group.preorder_deposit_bps,
            # A pre-order with a deposit: the rest is paid when the seller marks it ready.
            balance_cents=balance_cents_for(total_cents=total,
                                            deposit_bps=group.preorder_deposit_bps),
            **({"hub_reference": hub.reference, "hub_name": hub.name[:100],
                "hub_hours": hub.hours[:300]} if hub is not None else {}),
        )
        OrderItem.objects.bulk_create(
            OrderItem(order=order, listing=line.listing, title=line.listing.title,
                      quantity=line.quantity, unit_price_cents=line.listing.price_cents)
            for line in lines
        )
        OrderEvent.objects.create(
            order=order, status=Order.Status.PENDING_PAYMENT, actor=buyer,
            note="Order placed; waiting for payment." if hub is None else
                 f"Order placed, to be delivered to {hub.name}; waiting for payment."[:500],
        )


def _reserve(
    *, buyer, idempotency_key, fulfillment, address, fingerprint, save_address,
    hub: HubPoint | None = None,
) -> CheckoutResult:
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
        # Locked before the cart is read: a payment of one of them that committed first has
        # taken its items out of the cart, and one that comes later finds it closed (refunded).
        earlier = _unpaid_checkouts_lock(buyer=buyer)
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
        refusal = checkout_buyer_refusal(buyer=buyer,
                                         shop_ids={line.listing.shop_id for line in buyable})
        if refusal:
            raise BuyerNotAllowed(refusal)
        # Every listing the earlier checkouts give back or this one takes, locked in pk order
        # before any stock moves.
        returned = OrderItem.objects.filter(
            order__checkout__in=earlier, order__status=Order.Status.PENDING_PAYMENT
        ).values_list("listing_id", flat=True)
        listings_lock(listing_ids={line.listing.pk for line in buyable} | set(returned))
        # Read after the locks: a shop closing at this moment (shop_close archives its
        # listings under the same locks) has either finished, and is seen here, or waits for
        # this checkout and then finds its order.
        _buyable_still_check(buyable)
        for old in earlier:
            _checkout_close_unpaid(
                checkout=old, note="The buyer changed the checkout before paying; items back "
                                   "on sale.",
            )
        _reserve_stock(buyable)
        # Pre-orders with a deposit charge the deposit now, the balance later.
        total = sum(
            group.due_now_cents(pickup=fulfillment == Order.Fulfillment.PICKUP)
            for group in summary.shops if group.buyable_lines
        )
        checkout = Checkout.objects.create(
            buyer=buyer, idempotency_key=idempotency_key, request_fingerprint=fingerprint,
            amount_cents=total, currency=summary.currency, fulfillment=fulfillment,
            shipping_address=address,
            save_address=save_address and fulfillment == Order.Fulfillment.SHIP and hub is None,
            hub_reference=hub.reference if hub is not None else "",
            expires_at=timezone.now() + timezone.timedelta(
                minutes=settings.PAYMENT_EXPIRY_MINUTES
            ),
        )
        _create_orders(
            buyer=buyer, checkout=checkout, summary=summary, fulfillment=fulfillment,
            address=address, hub=hub,
        )
    return CheckoutResult(checkout=checkout, created=True,
                          replaced=tuple(old.pk for old in earlier))


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
    *, buyer, idempotency_key: str, fulfillment: str, shipping_address=None,
    save_address: bool = False, hub: str | None = None,
) -> CheckoutResult:
    """Turn the buyer's cart into orders and a PaymentIntent; repeat-safe per Idempotency-Key.

    The cart keeps its items until the payment succeeds; the buyer's earlier unpaid checkouts
    are closed and their stock released in the same transaction. Not enough stock for any
    line raises OutOfStock (409) and changes nothing. `save_address` keeps the shipping
    address for the buyer's next checkout once the payment succeeds. `hub` (a hub's slug)
    ships every order to that village hub instead of an address: the buyer collects there.
    """
    result = checkout_reserve(buyer=buyer, idempotency_key=idempotency_key,
                              fulfillment=fulfillment, shipping_address=shipping_address,
                              save_address=save_address, hub=hub)
    for replaced_id in result.replaced:  # no lock held now: tell Stripe, best effort
        checkout_payment_cancel(checkout_id=replaced_id)
    checkout = checkout_payment_intent_ensure(checkout=result.checkout)
    return CheckoutResult(checkout=checkout, created=result.created, replaced=result.replaced)


def checkout_reserve(
    *, buyer, idempotency_key: str, fulfillment: str, shipping_address=None,
    save_address: bool = False, hub: str | None = None,
) -> CheckoutResult:
    """The first half of checkout_create, without Stripe: the cart's stock reserved as orders
    awaiting payment (tests/builders.py stops here and records the payment itself)."""
    if not idempotency_key or len(idempotency_key) > 255:
        raise CartInvalid("Send an Idempotency-Key header of 1 to 255 characters.")
    if fulfillment not in Order.Fulfillment.values:
        raise ValidationError({"fulfillment": ['Choose "ship" or "pickup".']})
    point = None
    if hub is not None and hub != "":
        point = hub_point_for_checkout(hub=hub, fulfillment=fulfillment,
                                       shipping_address=shipping_address)
        address = hub_address_for(point=point, buyer=buyer)
    elif fulfillment == Order.Fulfillment.SHIP:
        address = shipping_address_clean(shipping_address)
    else:
        address = {}
    fingerprint = _fingerprint(fulfillment, address, point.reference if point else "")
    try:
        result = _reserve(
            buyer=buyer, idempotency_key=idempotency_key, fulfillment=fulfillment,
            address=address, fingerprint=fingerprint, save_address=bool(save_address),
            hub=point,
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


def checkout_close_for_closed_shop(*, checkout: Checkout) -> bool:
    """A locked, unpaid checkout with an order from a shop that has closed can no longer be
    paid: its orders are cancelled (stock back) and it is cancelled, as if its orders had been.

    Call holding the checkout's lock. Returns whether it was cancelled; its PaymentIntent is
    then cancelled at Stripe by checkout_payment_cancel after the commit, and a payment that
    arrives anyway is held and refunded at once, as any late payment.
    """
    if checkout.status != Checkout.Status.PENDING_PAYMENT:
        return False
    if not checkout.orders.filter(status=Order.Status.PENDING_PAYMENT,
                                  shop__status=Shop.Status.CLOSED).exists():
        return False
    for order in checkout.orders.filter(status=Order.Status.PENDING_PAYMENT).order_by("pk"):
        order_cancel_restock(order=order, note="A shop in this checkout has closed; cancelled "
                                               "before payment.",
                             expected={Order.Status.PENDING_PAYMENT})
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


def checkout_abandon(*, buyer, checkout_id) -> Checkout:
    """The buyer goes back from paying: close the unpaid checkout and release its stock.

    Its items are still in the cart (it is emptied only by a successful payment), so the buyer
    can change them, or pickup or shipping, and check out again. Stripe is asked first, with no
    lock held: a payment that already succeeded is applied, and going back is then refused
    (CheckoutAlreadyPaid, 409) with the orders standing. Under the checkout's lock the same
    check decides a payment applied at the same moment. A payment Stripe is still processing
    refuses it too (CheckoutPaymentProcessing, 409). If Stripe cannot be reached it goes back
    anyway; the PaymentIntent is then not cancelled yet (`payment_status` is not "canceled"),
    and a payment that succeeds later is refunded at once. Repeating it returns the closed
    checkout; another buyer's checkout is 404.
    """
    checkout = checkout_for_buyer(buyer=buyer, checkout_id=checkout_id)
    processing = False
    if checkout.status == Checkout.Status.PENDING_PAYMENT and checkout.payment_intent_id:
        try:
            # "processing" covers Stripe's "requires_capture": money may be on its way.
            processing = payment_intent_sync(reference=checkout.reference).status == "processing"
        except (PaymentsError, GatewayRefused) as error:
            # Stripe down: go back anyway; a payment that succeeds later is refunded at once.
            logger.warning("Checkout %s: provider not asked before going back (%r)",
                           checkout.pk, error)
    with transaction.atomic():
        locked = checkout_lock(checkout_id=checkout.pk)
        if locked.status == Checkout.Status.PAID:
            raise CheckoutAlreadyPaid()
        if locked.status != Checkout.Status.PENDING_PAYMENT:
            return locked  # closed already (gone back twice, expired): nothing is reserved
        if processing:
            raise CheckoutPaymentProcessing()
        locked = _checkout_close_unpaid(
            checkout=locked, note="The buyer went back to change the checkout before paying; "
                                  "items back on sale.",
        )
    checkout_payment_cancel(checkout_id=locked.pk)
    locked.refresh_from_db()
    return locked
