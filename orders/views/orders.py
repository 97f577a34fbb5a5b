from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from orders.errors import OrderError
from orders.forms import DisputeForm, PickupForm, ReviewForm, ShipForm
from orders.models import Order
from orders.selectors import order_detail_queryset, orders_for_buyer, orders_for_shop
from orders.services import lifecycle
from payments.errors import PaymentsError
from payments.selectors import escrow_summaries

PAGE_SIZE = 20


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _with_escrow(orders) -> list:
    escrows = escrow_summaries(references=[order.reference for order in orders])
    for order in orders:
        order.escrow = escrows.get(order.reference)
    return orders


def _order(request, order_id, *, as_seller: bool) -> Order:
    order = order_detail_queryset().filter(pk=order_id).first()
    if order is None:
        raise Http404("Order not found.")
    owner = order.shop.owner_id if as_seller else order.buyer_id
    if owner != request.user.pk:
        raise Http404("Order not found.")
    return _with_escrow([order])[0]


def _act(request, action, success: str, back: str):
    """Run one lifecycle action from a form post and come back with its outcome."""
    try:
        action()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except (OrderError, PaymentsError) as exc:
        if exc.http_status == 404:  # not this person's order: the same 404 as the page
            raise Http404(str(exc)) from None
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect(back)


@login_required
def buyer_orders_page(request):
    page = _page(request, orders_for_buyer(buyer=request.user))
    _with_escrow(page.object_list)
    return render(request, "orders/buyer_orders.html", {"page": page})


@login_required
def buyer_order_page(request, order_id: int):
    order = _order(request, order_id, as_seller=False)
    return render(request, "orders/buyer_order.html", {
        "order": order, "dispute_form": DisputeForm(), "review_form": ReviewForm(),
        "has_review": hasattr(order, "review"),
    })


@dataclass(frozen=True)
class Action:
    """A button on an order page: the service it calls, its form, and what to tell after."""

    run: Callable  # run(order_id=…, user=…, **form.cleaned_data)
    success: str
    form: type[forms.Form] | None = None
    invalid: str = ""


BUYER_ACTIONS = {
    "confirm": Action(lambda order_id, user: lifecycle.order_confirm_receipt(
        order_id=order_id, buyer=user), "Thanks! The seller has been paid."),
    "cancel": Action(lambda order_id, user: lifecycle.order_cancel(
        order_id=order_id, actor=user), "Order cancelled. Any payment is refunded in full."),
    "extend": Action(lambda order_id, user: lifecycle.order_extend_confirm_window(
        order_id=order_id, buyer=user), "You have 5 more days to confirm."),
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
    "pickup": Action(lambda order_id, user, code: lifecycle.order_pickup_complete(
        order_id=order_id, seller=user, code=code),
        "Handed over. The payment is released to you.",
        PickupForm, "Enter the buyer's 6-digit code."),
    "cancel": Action(lambda order_id, user: lifecycle.order_cancel(
        order_id=order_id, actor=user), "Order cancelled and the buyer refunded."),
}


def _order_action(request, actions: dict, order_id: int, action: str, back: str):
    chosen = actions.get(action)
    if chosen is None:
        raise Http404("Unknown action.")
    data = {}
    if chosen.form is not None:
        form = chosen.form(request.POST)
        if not form.is_valid():
            messages.error(request, chosen.invalid)
            return redirect(back)
        data = form.cleaned_data
    return _act(request, lambda: chosen.run(order_id=order_id, user=request.user, **data),
                chosen.success, back)


@login_required
@require_POST
def buyer_order_action(request, order_id: int, action: str):
    return _order_action(request, BUYER_ACTIONS, order_id, action, f"/orders/{order_id}/")


def _seller_shop(request):
    shop = getattr(request.user, "shop", None)
    if shop is None:
        raise Http404("You do not have a shop.")
    return shop


@login_required
def seller_orders_page(request):
    shop = _seller_shop(request)
    status = request.GET.get("status", "")
    if status not in Order.Status.values:
        status = ""
    page = _page(request, orders_for_shop(shop=shop, status=status))
    _with_escrow(page.object_list)
    return render(request, "orders/seller_orders.html", {
        "page": page, "status": status, "statuses": Order.Status.choices,
    })


@login_required
def seller_order_page(request, order_id: int):
    order = _order(request, order_id, as_seller=True)
    return render(request, "orders/seller_order.html", {
        "order": order, "ship_form": ShipForm(), "pickup_form": PickupForm(),
    })


@login_required
def seller_packing_slip(request, order_id: int):
    order = _order(request, order_id, as_seller=True)
    return render(request, "orders/packing_slip.html", {"order": order})


@login_required
@require_POST
def seller_order_action(request, order_id: int, action: str):
    return _order_action(request, SELLER_ACTIONS, order_id, action, f"/sell/orders/{order_id}/")
