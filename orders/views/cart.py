from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from orders.errors import OrderError
from orders.models import CartItem
from orders.selectors import cart_summary, checkout_unpaid_for_buyer
from orders.services.cart import (
    cart_item_add,
    cart_item_remove,
    cart_item_update,
    session_cart_add,
    session_cart_set,
)


def _quantity(request) -> int | None:
    raw = (request.POST.get("quantity") or "1").strip()
    return int(raw) if raw.isdigit() and len(raw) <= 4 else None


def _back(request, fallback: str) -> str:
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or fallback
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


@require_safe
@never_cache  # Back from the pay page asks again, so the notice of the unpaid checkout shows
def cart_page(request):
    summary = cart_summary(user=request.user, session=request.session)
    unpaid = (
        checkout_unpaid_for_buyer(buyer=request.user)
        if request.user.is_authenticated else None
    )
    return render(request, "orders/cart.html", {"cart": summary, "unpaid": unpaid})


@require_POST
def cart_add(request):
    quantity = _quantity(request)
    listing_id = request.POST.get("listing", "")
    if quantity is None or quantity < 1:
        messages.error(request, "Choose a quantity of at least 1.")
        return redirect(_back(request, reverse("cart")))
    try:
        if request.user.is_authenticated:
            cart_item_add(user=request.user, listing_id=listing_id, quantity=quantity)
        else:
            session_cart_add(session=request.session, listing_id=listing_id, quantity=quantity)
    except OrderError as exc:
        messages.error(request, str(exc))
        return redirect(_back(request, reverse("cart")))
    messages.success(request, "Added to your cart.")
    return redirect("cart")


@require_POST
def cart_update(request, listing_id: int):
    quantity = _quantity(request)
    if quantity is None:
        messages.error(request, "Enter a whole number.")
        return redirect("cart")
    try:
        if request.user.is_authenticated:
            item = CartItem.objects.filter(cart__user=request.user, listing_id=listing_id).first()
            item_id = item.pk if item else 0
            if quantity == 0:
                cart_item_remove(user=request.user, item_id=item_id)
            else:
                cart_item_update(user=request.user, item_id=item_id, quantity=quantity)
        else:
            session_cart_set(session=request.session, listing_id=listing_id, quantity=quantity)
    except OrderError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Removed from your cart." if quantity == 0 else "Cart updated.")
    return redirect("cart")
