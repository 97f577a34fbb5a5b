import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from orders.errors import (
    CheckoutAlreadyPaid,
    CheckoutCancelled,
    CheckoutConflict,
    CheckoutExpired,
    CheckoutNotFound,
    CheckoutPaymentProcessing,
    OrderError,
    SavedAddressNotFound,
)
from orders.forms import CheckoutForm
from orders.models import Checkout
from orders.selectors import (
    cart_summary,
    checkout_last_choices,
    checkout_unpaid_for_buyer,
    order_detail_queryset,
    saved_addresses_for_user,
)
from orders.services.addresses import saved_address_remove
from orders.services.checkout import checkout_abandon, checkout_create, checkout_for_buyer
from orders.services.hub_points import hub_point_find, hub_points_list
from orders.services.payment_outcomes import (
    checkout_pay,
    checkout_payable_for_buyer,
    checkout_sync,
)
from payments.errors import PaymentsError
from web.forms import form_errors_add
from web.posted import post_text


def stripe_js_url() -> str:
    """Stripe.js in production; localstripe's stand-in when STRIPE_API_BASE points at it."""
    base = settings.STRIPE_API_BASE.rstrip("/")
    return f"{base}/js.stripe.com/v3/" if base else "https://js.stripe.com/v3/"


def _initial(*, buyer, saved, pickup_available: bool) -> dict:
    """Start from the buyer's newest checkout (paying, gone back from, or paid)."""
    initial = {"idempotency_key": uuid.uuid4().hex,
               "saved_address": str(saved[0].pk) if saved else CheckoutForm.NEW_ADDRESS}
    last = checkout_last_choices(buyer=buyer)
    if last is None:
        return initial
    if last.hub_reference:  # shipped to a hub last time: offer that hub again
        point = hub_point_find(last.hub_reference)
        if point is not None and point.is_open:
            return initial | {"fulfillment": CheckoutForm.HUB, "hub": point.slug}
        return initial
    if last.fulfillment == "ship" or pickup_available:
        initial["fulfillment"] = last.fulfillment
    address = last.shipping_address or {}
    if not address:
        return initial
    for saved_address in saved:
        if saved_address.as_address() == address:
            return initial | {"saved_address": str(saved_address.pk)}
    fields = {name: address.get(name, "") for name in CheckoutForm.ADDRESS_FIELDS}
    return initial | fields | {"saved_address": CheckoutForm.NEW_ADDRESS,
                               "save_address": last.save_address}


def _checkout_create(request, form: CheckoutForm):
    """Create the checkout; a key already spent (a form restored by Back, then changed, or
    one whose checkout was left) gets a fresh one: the person means a new checkout."""
    fulfillment = form.cleaned_data["fulfillment"]
    hub = form.cleaned_data.get("hub") if fulfillment == CheckoutForm.HUB else None
    key = form.cleaned_data["idempotency_key"]
    for attempt in (1, 2):
        try:
            result = checkout_create(
                buyer=request.user, idempotency_key=key,
                # A hub is a delivery address: the order ships there.
                fulfillment="ship" if hub else fulfillment,
                shipping_address=form.address() if fulfillment == "ship" else None,
                save_address=fulfillment == "ship" and form.keeps_address(),
                hub=hub,
            )
        except CheckoutConflict:
            if attempt == 2:
                raise
        else:
            closed = result.checkout.status in (Checkout.Status.CANCELLED,
                                                Checkout.Status.EXPIRED)
            if result.created or not closed or attempt == 2:
                return result
        key = uuid.uuid4().hex


@login_required
@never_cache  # Back from the pay page asks again: the notice, and a fresh idempotency key
@require_http_methods(["GET", "HEAD", "POST"])
def checkout_page(request):
    cart = cart_summary(user=request.user)
    saved = list(saved_addresses_for_user(user=request.user))
    # The hubs a buyer may ship to; "hub_q" (the search box) narrows the list.
    hub_query = (post_text(request, "hub_q") or request.GET.get("hub_q") or "").strip()[:100]
    points = hub_points_list(query=hub_query)
    chosen = post_text(request, "hub") if request.method == "POST" else None
    if chosen and chosen not in {point.slug for point in points}:
        found = hub_point_find(chosen)  # chosen before the search narrowed the list
        if found is not None and found.is_open:
            points = [found, *points]
    initial = _initial(buyer=request.user, saved=saved, pickup_available=cart.pickup_available)
    if hub_query and request.method != "POST":
        initial["fulfillment"] = CheckoutForm.HUB
    form = CheckoutForm(request.POST or None, saved_addresses=saved, hub_points=points,
                        initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            result = _checkout_create(request, form)
        except ValidationError as exc:
            # The service names an address field "shipping_address.city", the form "city".
            names = {f"shipping_address.{name}": name for name in form.fields}
            form_errors_add(form, exc, names=names)
        except OrderError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("checkout-pay", checkout_id=result.checkout.pk)
    unpaid = checkout_unpaid_for_buyer(buyer=request.user)
    hub_groups: dict[tuple[str, str], list] = {}
    for point in points:  # by state, then village, as the listing orders them
        hub_groups.setdefault((point.address.get("state", ""), point.village), []).append(point)
    return render(request, "orders/checkout.html",
                  {"cart": cart, "form": form, "saved": saved, "unpaid": unpaid,
                   "hub_groups": [(state, village, group)
                                  for (state, village), group in hub_groups.items()],
                   "hub_query": hub_query, "hubs_shown": bool(points) or bool(hub_query)})


@login_required
@require_POST
def checkout_change_page(request, checkout_id: int):
    """"Change" on the pay page: close the unpaid checkout, back to the form or the cart."""
    try:
        closed = checkout_abandon(buyer=request.user, checkout_id=checkout_id)
    except CheckoutNotFound:
        raise Http404("Checkout not found.") from None
    except CheckoutAlreadyPaid as exc:
        messages.error(request, str(exc))
        return redirect("checkout-done", checkout_id=checkout_id)
    except CheckoutPaymentProcessing as exc:
        return render(request, "orders/checkout_processing.html", {"message": str(exc),
                      "checkout_id": checkout_id}, status=409)
    # Only a PaymentIntent Stripe confirmed cancelled (or none at all) can no longer charge.
    if not closed.payment_intent_id or closed.payment_status == "canceled":
        charged = "Nothing was charged."
    else:
        charged = ("We could not confirm with the payment provider that nothing was charged: "
                   "if a payment went through, it is refunded automatically.")
    messages.info(request, f"{charged} Your items are in your cart and no longer held for "
                           "you: change what you need, then check out again.")
    return redirect("cart" if request.POST.get("next") == "cart" else "checkout")


@login_required
@require_POST
def saved_address_remove_page(request, address_id: int):
    try:
        saved_address_remove(user=request.user, address_id=address_id)
    except SavedAddressNotFound:
        raise Http404("Saved address not found.") from None
    messages.success(request, "Address removed.")
    return redirect("checkout")


def _pay_context(request, checkout: Checkout, **extra) -> dict:
    return {
        "checkout": checkout,
        "orders": order_detail_queryset().filter(checkout=checkout).order_by("pk"),
        "stripe_js_url": stripe_js_url(),
        "stripe_publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        "is_test_mode": bool(settings.STRIPE_API_BASE),
        **extra,
    }


def _closed(request, checkout: Checkout, exc: OrderError):
    """A checkout with nothing left to pay: say why, show its orders, offer no payment."""
    checkout.refresh_from_db()
    return render(request, "orders/checkout_pay.html",
                  _pay_context(request, checkout, closed=str(exc)), status=exc.http_status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def checkout_pay_page(request, checkout_id: int):
    try:
        checkout = checkout_for_buyer(buyer=request.user, checkout_id=checkout_id)
    except OrderError:
        raise Http404("Checkout not found.") from None
    try:
        checkout = checkout_payable_for_buyer(buyer=request.user, checkout_id=checkout.pk)
    except (CheckoutCancelled, CheckoutExpired) as exc:
        return _closed(request, checkout, exc)
    if checkout.status == Checkout.Status.PAID:
        return redirect("checkout-done", checkout_id=checkout.pk)
    error, status = "", 200
    if request.method == "POST":
        try:
            method = request.POST.get("payment_method", "")
            if (not method and settings.DEVELOPMENT_CARD_FORM and settings.STRIPE_API_BASE
                    and request.POST.get("card_number")):
                # Development only: localstripe's stand-in Stripe.js cannot make PaymentMethods,
                # so its test card fields come here and are turned into one on localstripe.
                # Imported here so that a production process never loads the module.
                from payments.development_cards import development_card_payment_method_create

                method = development_card_payment_method_create(
                    number=request.POST.get("card_number", ""),
                    exp_month=request.POST.get("card_exp_month", ""),
                    exp_year=request.POST.get("card_exp_year", ""),
                    cvc=request.POST.get("card_cvc", ""),
                )
            checkout = checkout_pay(buyer=request.user, checkout_id=checkout.pk,
                                    payment_method=method)
        except (CheckoutCancelled, CheckoutExpired) as exc:  # cancelled while paying
            return _closed(request, checkout, exc)
        except (OrderError, PaymentsError) as exc:
            error, status = str(exc), getattr(exc, "http_status", 400)
            checkout.refresh_from_db()
        else:
            if checkout.status == Checkout.Status.PAID:
                # No flash: the page it lands on says the same in its heading.
                return redirect("checkout-done", checkout_id=checkout.pk)
            if checkout.payment_status == "requires_action":
                return render(request, "orders/checkout_pay.html",
                              _pay_context(request, checkout, needs_action=True))
            error = checkout.payment_message or "The payment did not go through."
    return render(request, "orders/checkout_pay.html",
                  _pay_context(request, checkout, error=error), status=status)


@login_required
@require_POST
def checkout_sync_page(request, checkout_id: int):
    try:
        checkout = checkout_sync(buyer=request.user, checkout_id=checkout_id)
    except (OrderError, PaymentsError) as exc:
        messages.error(request, str(exc))
        return redirect("checkout-pay", checkout_id=checkout_id)
    if checkout.status == Checkout.Status.PAID:
        return redirect("checkout-done", checkout_id=checkout.pk)
    messages.error(request, checkout.payment_message or "The payment is not complete yet.")
    return redirect("checkout-pay", checkout_id=checkout.pk)


@login_required
def checkout_done_page(request, checkout_id: int):
    try:
        checkout = checkout_for_buyer(buyer=request.user, checkout_id=checkout_id)
    except OrderError:
        raise Http404("Checkout not found.") from None
    if checkout.status != Checkout.Status.PAID:
        return redirect("checkout-pay", checkout_id=checkout.pk)
    return render(request, "orders/checkout_done.html", _pay_context(request, checkout))
