"""Who hears about what happens to an order. Each function calls `notify` with a dedupe key
naming the event, so a repeated or racing action tells each person once; called inside the
action's transaction, so a rolled-back action tells no one."""

from django.urls import reverse

from notifications.services import notify, notify_staff
from orders.models import Order


def _iso(value) -> str:
    return value.isoformat() if value else ""


def _buyer_url(order: Order) -> str:
    return reverse("order", args=[order.pk])


def _seller_url(order: Order) -> str:
    return reverse("seller-order", args=[order.pk])


def order_paid_notify(order: Order) -> None:
    notify(recipient=order.buyer, kind="order_placed", url=_buyer_url(order),
           dedupe_key=f"order_placed:{order.pk}",
           context={"order_id": order.pk, "shop_name": order.shop.name,
                    "total_cents": order.total_cents, "currency": order.currency})
    notify(recipient=order.shop.owner, kind="seller_order_paid", url=_seller_url(order),
           dedupe_key=f"seller_order_paid:{order.pk}",
           context={"order_id": order.pk, "total_cents": order.total_cents,
                    "currency": order.currency, "ship_by": _iso(order.ship_by),
                    "pickup": order.fulfillment == Order.Fulfillment.PICKUP})


def payment_failed_notify(*, buyer, checkout, reason: str) -> None:
    notify(recipient=buyer, kind="payment_failed", url=reverse("checkout-pay", args=[checkout.pk]),
           # Once per checkout: the decline reaches us from both confirm and the webhook.
           dedupe_key=f"payment_failed:{checkout.pk}",
           context={"amount_cents": checkout.amount_cents, "currency": checkout.currency,
                    "reason": (reason or "The card was declined.")[:300]})


def order_shipped_notify(order: Order) -> None:
    notify(recipient=order.buyer, kind="order_shipped", url=_buyer_url(order),
           dedupe_key=f"order_shipped:{order.pk}",
           context={"order_id": order.pk, "shop_name": order.shop.name,
                    "carrier": order.carrier, "tracking_number": order.tracking_number})


def order_completed_notify(order: Order, *, by_buyer: bool, released_cents: int) -> None:
    notify(recipient=order.buyer, kind="order_completed", url=_buyer_url(order),
           dedupe_key=f"order_completed:{order.pk}",
           context={"order_id": order.pk, "shop_name": order.shop.name})
    if by_buyer:
        notify(recipient=order.shop.owner, kind="buyer_confirmed", url=_seller_url(order),
               dedupe_key=f"buyer_confirmed:{order.pk}", context={"order_id": order.pk})
    if released_cents:
        notify(recipient=order.shop.owner, kind="escrow_released", url=reverse("seller-balance"),
               dedupe_key=f"escrow_released:{order.pk}",
               context={"order_id": order.pk, "amount_cents": released_cents,
                        "currency": order.currency})


def order_cancelled_notify(order: Order, *, reason: str, tell_buyer: bool,
                           tell_seller: bool) -> None:
    for person, url, wanted in ((order.buyer, _buyer_url(order), tell_buyer),
                                (order.shop.owner, _seller_url(order), tell_seller)):
        if wanted:
            notify(recipient=person, kind="order_cancelled", url=url,
                   dedupe_key=f"order_cancelled:{order.pk}",
                   context={"order_id": order.pk, "reason": reason})


def order_refunded_notify(order: Order, *, amount_cents: int) -> None:
    if amount_cents:
        notify(recipient=order.buyer, kind="order_refunded", url=_buyer_url(order),
               dedupe_key=f"order_refunded:{order.pk}:{amount_cents}",
               context={"order_id": order.pk, "amount_cents": amount_cents,
                        "currency": order.currency})


def dispute_opened_notify(order: Order) -> None:
    for person, url in ((order.buyer, _buyer_url(order)), (order.shop.owner, _seller_url(order))):
        notify(recipient=person, kind="dispute_opened", url=url,
               dedupe_key=f"dispute_opened:{order.pk}",
               context={"order_id": order.pk, "reason": order.get_dispute_reason_display()})
    notify_staff(kind="staff_new_dispute", url=reverse("staff-dispute", args=[order.pk]),
                 permission="moderation.moderate",
                 dedupe_key=f"staff_new_dispute:{order.pk}",
                 context={"order_id": order.pk, "reason": order.get_dispute_reason_display()})


def review_posted_notify(review) -> None:
    notify(recipient=review.shop.owner, kind="new_review",
           url=reverse("storefront", args=[review.shop.slug]),
           dedupe_key=f"new_review:{review.pk}",
           context={"order_id": review.order_id, "rating": review.rating, "text": review.text})


def ship_by_soon_notify(order: Order) -> None:
    notify(recipient=order.shop.owner, kind="ship_by_soon", url=_seller_url(order),
           dedupe_key=f"ship_by_soon:{order.pk}:{_iso(order.ship_by)}",
           context={"order_id": order.pk, "ship_by": _iso(order.ship_by),
                    "pickup": order.fulfillment == Order.Fulfillment.PICKUP})


def auto_confirm_soon_notify(order: Order) -> None:
    notify(recipient=order.buyer, kind="auto_confirm_soon", url=_buyer_url(order),
           dedupe_key=f"auto_confirm_soon:{order.pk}:{_iso(order.auto_confirm_at)}",
           context={"order_id": order.pk, "shop_name": order.shop.name,
                    "auto_confirm_at": _iso(order.auto_confirm_at)})


def order_marked_delivered_notify(order: Order) -> None:
    """The seller says it arrived: the buyer hears it, with the time the money is released."""
    notify(recipient=order.buyer, kind="order_marked_delivered", url=_buyer_url(order),
           dedupe_key=f"order_marked_delivered:{order.pk}",
           context={"order_id": order.pk, "shop_name": order.shop.name,
                    "auto_confirm_at": _iso(order.auto_confirm_at)})


def pickup_code_locked_notify(order: Order) -> None:
    for person, url in ((order.buyer, _buyer_url(order)), (order.shop.owner, _seller_url(order))):
        notify(recipient=person, kind="pickup_code_locked", url=url,
               dedupe_key=f"pickup_code_locked:{order.pk}:{order.pickup_code}",
               context={"order_id": order.pk})


def late_payment_refunded_notify(*, checkout, orders: list[Order]) -> None:
    """A payment arrived for orders already cancelled: it is refunded; tell the buyer once."""
    amount = sum(order.deposit_cents for order in orders)  # what this payment paid
    notify(recipient=checkout.buyer, kind="late_payment_refunded", url=reverse("orders"),
           dedupe_key=f"late_payment_refunded:{checkout.pk}",
           context={"amount_cents": amount, "currency": checkout.currency,
                    "order_ids": ", ".join(f"#{order.pk}" for order in orders)})


def preorder_balance_due_notify(order: Order) -> None:
    """The seller marked a pre-order ready: the buyer has the balance to pay, with a link."""
    notify(recipient=order.buyer, kind="preorder_balance_due",
           url=reverse("order-balance-pay", args=[order.pk]),
           dedupe_key=f"preorder_balance_due:{order.pk}",
           context={"order_id": order.pk, "shop_name": order.shop.name,
                    "balance_cents": order.balance_cents, "currency": order.currency,
                    "due_at": _iso(order.balance_due_at)})


def preorder_balance_paid_notify(order: Order, *, amount_cents: int) -> None:
    notify(recipient=order.shop.owner, kind="preorder_balance_paid", url=_seller_url(order),
           dedupe_key=f"preorder_balance_paid:{order.pk}",
           context={"order_id": order.pk, "balance_cents": amount_cents,
                    "currency": order.currency})


def hub_parcel_arrived_notify(order: Order) -> None:
    """The buyer's parcel waits at the hub they chose: where it is and when it is open."""
    address = order.shipping_address or {}
    street = ", ".join(part for part in (address.get("line1"), address.get("line2")) if part)
    notify(recipient=order.buyer, kind="hub_parcel_arrived", url=_buyer_url(order),
           dedupe_key=f"hub_parcel_arrived:{order.pk}",
           context={"order_id": order.pk, "shop_name": order.shop.name,
                    "hub_name": order.hub_name,
                    "hub_address": f"{street}, {address.get('city', '')}, "
                                   f"{address.get('state', '')} {address.get('postal_code', '')}",
                    "hub_hours": order.hub_hours, "pickup_code": order.pickup_code})
