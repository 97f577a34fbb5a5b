from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from orders.errors import OrderError, OrderNotFound
from orders.forms import DisputeForm, PickupForm, ReviewForm, ShipForm
from orders.models import Order
from orders.selectors import (
    BUYER,
    SELLER,
    order_detail_queryset,
    order_for_party,
    order_is_in_status,
    order_money_split,
    orders_for_buyer,
    orders_for_shop,
    orders_with_escrow,
)
from orders.services import lifecycle, preorder_promise, preorders
from orders.views.checkout import stripe_js_url
from payments.errors import PaymentsError
from payments.money import fee_split
from sellers.decorators import shop_required
from sellers.templatetags.money import cents as money_cents
from web.actions import act
from web.filters import status_filter_for_page

PAGE_SIZE = 20


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _order(request, order_id, *, as_seller: bool) -> Order:
    try:
        order = order_for_party(user=request.user, order_id=order_id,
                                side=SELLER if as_seller else BUYER,
                                queryset=order_detail_queryset())
    except OrderNotFound as exc:
        raise Http404(str(exc)) from None
    return orders_with_escrow(orders=[order])[0]


@login_required
def buyer_orders_page(request):
    page = _page(request, orders_for_buyer(buyer=request.user))
    orders_with_escrow(orders=page.object_list)
    return render(request, "orders/buyer_orders.html", {"page": page})


@login_required
def buyer_order_page(request, order_id: int):
    order = _order(request, order_id, as_seller=False)
    return render(request, "orders/buyer_order.html", {
        "order": order, "dispute_form": DisputeForm(), "review_form": ReviewForm(),
        "has_review": hasattr(order, "review"), "now": timezone.now(),
    })


@dataclass(frozen=True)
class Confirmation:
    """The step before money moves: who receives how much, in plain words."""

    title: str
    lines: list[str]
    button: str


def _dollars(cents: int, currency: str) -> str:
    return money_cents(cents, currency)


def _confirm_receipt(order: Order) -> Confirmation | None:
    split = order_money_split(escrow=order.escrow)
    if not split.held_cents:
        return None
    currency = order.currency
    return Confirmation(
        f"Did order #{order.pk} arrive as described?",
        [f"{order.shop.name} will be paid the {_dollars(split.held_cents, currency)} we hold for "
         f"this order (they receive {_dollars(split.seller_cents, currency)} after the "
         f"{_dollars(split.fee_cents, currency)} marketplace fee).",
         "You cannot undo this. If something is wrong, go back and open a dispute instead."],
        f"Yes, release {_dollars(split.held_cents, currency)} to {order.shop.name}",
    )


def _buyer_cancel(order: Order) -> Confirmation | None:
    split = order_money_split(escrow=order.escrow, refund_cents=order.total_cents)
    if not split.buyer_cents:
        return None  # nothing paid yet: cancelling moves no money
    currency = order.currency
    return Confirmation(
        f"Cancel order #{order.pk}?",
        [f"You get {_dollars(split.buyer_cents, currency)} back on the card you paid with.",
         f"{order.shop.name} receives nothing, and the goods go back on sale."],
        f"Cancel and refund me {_dollars(split.buyer_cents, currency)}",
    )


def _seller_cancel(order: Order) -> Confirmation | None:
    split = order_money_split(escrow=order.escrow, refund_cents=order.total_cents)
    if not split.buyer_cents:
        return None
    currency = order.currency
    return Confirmation(
        f"Cancel order #{order.pk} and refund the buyer?",
        [f"{order.buyer.display_name} gets {_dollars(split.buyer_cents, currency)} back on their "
         "card.",
         "You receive nothing for this order, and the stock goes back on sale."],
        f"Cancel and refund {_dollars(split.buyer_cents, currency)}",
    )


def _buyer_cancel_after_move(order: Order) -> Confirmation | None:
    split = order_money_split(escrow=order.escrow, refund_cents=order.total_cents)
    if not split.buyer_cents:
        return None
    currency = order.currency
    return Confirmation(
        f"Cancel pre-order #{order.pk}?",
        [f"The seller moved the ship date; you may cancel until "
         f"{timezone.localtime(order.preorder_cancel_until):%b %-d, %Y, %-I:%M %p %Z}."
         if order.preorder_cancel_until else "The seller moved the ship date.",
         f"You get {_dollars(split.buyer_cents, currency)} back on the card you paid with.",
         f"{order.shop.name} receives nothing for this order."],
        f"Cancel and refund me {_dollars(split.buyer_cents, currency)}",
    )


@dataclass(frozen=True)
class Action:
    """A button on an order page: the service it calls, its form, and what to tell after."""

    run: Callable  # run(order_id=…, user=…, **form.cleaned_data)
    success: str
    form: type[forms.Form] | None = None
    invalid: str = ""
    confirm: Callable[[Order], Confirmation | None] | None = None  # a step before money moves
    done: str = ""  # the status the action leads to: a second click finds it there
    starts_from: frozenset = frozenset()  # statuses its confirmation step may be shown in


BUYER_ACTIONS = {
    "confirm": Action(lambda order_id, user: lifecycle.order_confirm_receipt(
        order_id=order_id, buyer=user), "Thanks! The seller has been paid.",
        confirm=_confirm_receipt, done=Order.Status.COMPLETED,
        starts_from=frozenset({Order.Status.SHIPPED})),
    "cancel": Action(lambda order_id, user: lifecycle.order_cancel(
        order_id=order_id, actor=user), "Order cancelled. Anything you paid is refunded in full.",
        confirm=_buyer_cancel, done=Order.Status.CANCELLED,
        starts_from=frozenset({Order.Status.PENDING_PAYMENT, Order.Status.PAID})),
    "cancel-after-move": Action(lambda order_id, user: preorder_promise.preorder_cancel_after_move(
        order_id=order_id, buyer=user), "Pre-order cancelled. What you paid is refunded in full.",
        confirm=_buyer_cancel_after_move, done=Order.Status.CANCELLED,
        starts_from=frozenset({Order.Status.PAID})),
    "extend": Action(lambda order_id, user: lifecycle.order_extend_confirm_window(
        order_id=order_id, buyer=user), "You have 5 more days to confirm."),
    "delivered": Action(lambda order_id, user: lifecycle.order_mark_delivered(
        order_id=order_id, user=user),
        "Marked as delivered. Your time to check the goods runs from today."),
    "new-code": Action(lambda order_id, user: lifecycle.order_pickup_code_renew(
        order_id=order_id, buyer=user),
        "Here is your new hand-over code. The old one no longer works."),
    "dispute": Action(lambda order_id, user, **data: lifecycle.order_dispute(
        order_id=order_id, buyer=user, **data),
        "Dispute opened. Payment stays in escrow while staff look at it.",
        DisputeForm, "Choose a reason and tell us what happened."),
    "review": Action(lambda order_id, user, **data: lifecycle.review_create(
        order_id=order_id, buyer=user, **data), "Thank you for your review.",
        ReviewForm, "Choose 1 to 5 stars."),
}
SELLER_ACTIONS = {
    "ship": Action(lambda order_id, user, **data: lifecycle.order_ship(
        order_id=order_id, seller=user, **data),
        "Marked as shipped. The buyer has the tracking number.",
        ShipForm, "Enter the carrier and the tracking number."),
    "delivered": Action(lambda order_id, user: lifecycle.order_mark_delivered(
        order_id=order_id, user=user),
        "Marked as delivered. The buyer's time to check the goods runs from today."),
    "ready": Action(lambda order_id, user: preorders.preorder_mark_ready(
        order_id=order_id, seller=user),
        "Marked ready to ship. The buyer has 5 days to pay the balance; you ship once it is "
        "paid."),
    "pickup": Action(lambda order_id, user, code: lifecycle.order_pickup_complete(
        order_id=order_id, seller=user, code=code),
        "Handed over. The payment is released to you.",
        PickupForm, "Enter the buyer's 6-digit code."),
    "cancel": Action(lambda order_id, user: lifecycle.order_cancel(
        order_id=order_id, actor=user), "Order cancelled and the buyer refunded.",
        confirm=_seller_cancel, done=Order.Status.CANCELLED,
        starts_from=frozenset({Order.Status.PENDING_PAYMENT, Order.Status.PAID})),
}


def _order_action(request, actions: dict, order_id: int, action: str, *, as_seller: bool):
    back = reverse("seller-order" if as_seller else "order", args=[order_id])
    chosen = actions.get(action)
    if chosen is None:
        raise Http404("Unknown action.")
    if request.method != "POST" and chosen.confirm is None:
        return HttpResponseNotAllowed(["POST"])
    if chosen.confirm is not None and request.POST.get("confirmed") != "yes":
        order = _order(request, order_id, as_seller=as_seller)
        if chosen.starts_from and order.status not in chosen.starts_from:
            # An old link or a back button: never offer a step that can no longer happen.
            messages.error(request, f"Order #{order.pk} is {order.get_status_display().lower()}"
                                    ": that is no longer possible.")
            return redirect(back)
        step = chosen.confirm(order)
        if step is not None:
            return render(request, "orders/confirm.html",
                          {"order": order, "step": step, "back": back,
                           "action_url": reverse(
                               "seller-order-action" if as_seller else "order-action",
                               args=[order_id, action])})
        if request.method != "POST":
            return redirect(back)
    data = {}
    if chosen.form is not None:
        form = chosen.form(request.POST)
        if not form.is_valid():
            messages.error(request, chosen.invalid)
            return redirect(back)
        data = form.cleaned_data
    already_done = None
    if chosen.done:
        def already_done() -> bool:
            return order_is_in_status(order_id=order_id, status=chosen.done)
    return act(request, lambda: chosen.run(order_id=order_id, user=request.user, **data),
               chosen.success, back, already_done=already_done)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def buyer_order_action(request, order_id: int, action: str):
    return _order_action(request, BUYER_ACTIONS, order_id, action, as_seller=False)


@shop_required
def seller_orders_page(request, shop):
    status, code = status_filter_for_page(request, allowed=Order.Status.values)
    page = _page(request, orders_for_shop(shop=shop, status=status))
    orders_with_escrow(orders=page.object_list)
    return render(request, "orders/seller_orders.html", {
        "page": page, "status": status, "statuses": Order.Status.choices,
    }, status=code)


@login_required
def seller_order_page(request, order_id: int):
    order = _order(request, order_id, as_seller=True)
    return render(request, "orders/seller_order.html", {
        "order": order, "ship_form": ShipForm(), "pickup_form": PickupForm(),
        "transit_days": settings.ESCROW_TRANSIT_DAYS,
    })


@login_required
def seller_packing_slip(request, order_id: int):
    order = _order(request, order_id, as_seller=True)
    return render(request, "orders/packing_slip.html", {"order": order})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def seller_order_action(request, order_id: int, action: str):
    return _order_action(request, SELLER_ACTIONS, order_id, action, as_seller=True)


def _balance_context(order: Order, **extra) -> dict:
    """The balance pay page: who gets how much, in plain words."""
    seller_cents, fee_cents = fee_split(amount_cents=order.total_cents,
                                        fee_bps=settings.PLATFORM_FEE_BPS)
    return {
        "order": order, "seller_cents": seller_cents, "fee_cents": fee_cents,
        "stripe_js_url": stripe_js_url(),
        "stripe_publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        "is_test_mode": bool(settings.STRIPE_API_BASE), **extra,
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def order_balance_pay_page(request, order_id: int):
    """The buyer pays a pre-order's balance: the same card form as checkout."""
    order = _order(request, order_id, as_seller=False)
    if not (order.status == Order.Status.PAID and order.balance_due):
        messages.info(request, "There is no balance to pay on this order now.")
        return redirect("order", order_id=order.pk)
    error, status = "", 200
    if request.method == "POST":
        try:
            method = request.POST.get("payment_method", "")
            if (not method and settings.DEVELOPMENT_CARD_FORM and settings.STRIPE_API_BASE
                    and request.POST.get("card_number")):
                # Development only, as on the checkout pay page; never loaded in production.
                from payments.development_cards import development_card_payment_method_create

                method = development_card_payment_method_create(
                    number=request.POST.get("card_number", ""),
                    exp_month=request.POST.get("card_exp_month", ""),
                    exp_year=request.POST.get("card_exp_year", ""),
                    cvc=request.POST.get("card_cvc", ""),
                )
            paid = preorders.preorder_balance_pay(buyer=request.user, order_id=order.pk,
                                                  payment_method=method)
        except (OrderError, PaymentsError) as exc:
            error, status = str(exc), getattr(exc, "http_status", 400)
        else:
            if not paid.balance_cents:
                messages.success(request, "Balance paid. It is held in escrow with your "
                                          "deposit until the order reaches you.")
                return redirect("order", order_id=order.pk)
            error = "The payment did not go through. Please try another card."
    return render(request, "orders/balance_pay.html", _balance_context(order, error=error),
                  status=status)
