"""The seller's harvest page of a pre-order listing: its orders, units and money held, a
printable packing list, moving the date and a short harvest (with a confirmation step)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from orders.selectors import preorder_harvest
from orders.services import preorder_promise as preorders
from sellers.services import MOVE_MAX_DAYS
from sellers.templatetags.money import cents as money_cents
from web.actions import act


def _listing(request, listing_id: int):
    try:
        return preorders.preorder_listing_for_seller(listing_id=listing_id, seller=request.user)
    except Exception as exc:
        if getattr(exc, "http_status", None) in (404, 409):
            raise Http404(str(exc)) from None
        raise


@login_required
def harvest_page(request, listing_id: int):
    listing = _listing(request, listing_id)
    return render(request, "orders/harvest.html", {
        "harvest": preorder_harvest(listing=listing), "listing": listing,
        "move_max_days": MOVE_MAX_DAYS,
    })


@login_required
def harvest_packing_list(request, listing_id: int):
    listing = _listing(request, listing_id)
    return render(request, "orders/harvest_packing_list.html", {
        "harvest": preorder_harvest(listing=listing), "listing": listing,
    })


@login_required
@require_POST
def harvest_move(request, listing_id: int):
    listing = _listing(request, listing_id)
    back = reverse("seller-harvest", args=[listing.pk])
    return act(request, lambda: preorders.preorder_date_move(
        listing_id=listing.pk, seller=request.user, ships_by=request.POST.get("ships_by")),
        "The ship date is moved. Every buyer with an open order has been told and may cancel "
        "for a full refund within 7 days.", back)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def harvest_short(request, listing_id: int):
    """GET: the form. POST: the confirmation (who gets how much back); POST with
    confirmed=yes: the cancellations and refunds."""
    listing = _listing(request, listing_id)
    back = reverse("seller-harvest", args=[listing.pk])
    if request.method != "POST":
        return redirect(back)
    arguments = {
        "listing_id": listing.pk, "seller": request.user,
        "harvested": request.POST.get("harvested") or None,
        "order_ids": request.POST.getlist("orders") or None,
        "note": request.POST.get("note", ""),
    }
    try:
        plan = preorders.preorder_short_harvest_plan(**arguments)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    except Exception as exc:
        if getattr(exc, "http_status", None) is None:
            raise
        messages.error(request, str(exc))
        return redirect(back)
    if request.POST.get("confirmed") != "yes":
        return render(request, "orders/harvest_short_confirm.html", {
            "listing": listing, "plan": plan, "back": back,
            "lines": [(order, preorders.held_cents(order)) for order in plan.orders],
        })
    total = money_cents(plan.refund_cents, listing.currency)
    return act(request, lambda: preorders.preorder_short_harvest(**arguments),
               f"{len(plan.orders)} order{'s' if len(plan.orders) != 1 else ''} cancelled and "
               f"{total} refunded in full; each buyer has been told.", back)
