"""The hub agent's parcel pages: parcels on the way, waiting at the hub, collected; marking
one arrived and handing it over by the buyer's code."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from orders.errors import OrderError
from orders.models import Order
from orders.selectors import HUB_PARCEL_STATES

from .errors import HubsError
from .services.parcels import (
    parcel_for_agent,
    parcel_hand_over,
    parcel_mark_arrived,
    parcels_of_agent,
)

PARCELS_SHOWN = 50


class HandOverForm(forms.Form):
    code = forms.RegexField(
        label="The buyer's hand-over code", regex=r"^\d{6}$", max_length=6,
        error_messages={"invalid": "Enter the buyer's 6-digit code.",
                        "required": "Enter the buyer's 6-digit code."},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off",
                                      "pattern": r"\d{6}", "maxlength": "6"}),
    )


def _state(request) -> tuple[str, int]:
    state = request.GET.get("state") or Order.HubParcel.ON_THE_WAY
    if state not in HUB_PARCEL_STATES:
        messages.error(request, "Choose parcels on their way, waiting at the hub, or "
                                "collected.")
        return Order.HubParcel.ON_THE_WAY, 400
    return state, 200


def _list(request, *, state: str, status: int = 200):
    try:
        hub, counts, parcels = parcels_of_agent(user=request.user, state=state)
    except HubsError as exc:
        raise Http404(str(exc)) from None
    tabs = [(value, Order.HubParcel(value).label, counts[value]) for value in HUB_PARCEL_STATES]
    return render(request, "hubs/parcels/list.html", {
        "hub": hub, "state": state, "state_label": Order.HubParcel(state).label,
        "tabs": tabs, "parcels": list(parcels[:PARCELS_SHOWN]), "shown": PARCELS_SHOWN,
        "total": counts[state],
    }, status=status)


@login_required
def parcels_page(request):
    state, status = _state(request)
    return _list(request, state=state, status=status)


@login_required
@require_POST
def parcel_arrived_page(request, order_id: int):
    try:
        order = parcel_mark_arrived(user=request.user, order_id=order_id)
    except (HubsError, OrderError) as exc:
        if exc.http_status == 404:
            raise Http404(str(exc)) from None
        messages.error(request, str(exc))
        return _list(request, state=Order.HubParcel.ON_THE_WAY, status=exc.http_status)
    messages.success(request, f"Order #{order.pk} marked arrived. The buyer has been told to "
                              "come and collect it.")
    return redirect(f"{reverse('hub-parcels')}?state={Order.HubParcel.WAITING}")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def parcel_hand_over_page(request, order_id: int):
    try:
        hub, order = parcel_for_agent(user=request.user, order_id=order_id)
    except HubsError as exc:
        raise Http404(str(exc)) from None
    form = HandOverForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        else:
            try:
                order = parcel_hand_over(user=request.user, order_id=order.pk,
                                         code=form.cleaned_data["code"])
            except (HubsError, OrderError, ValidationError) as exc:
                status = getattr(exc, "http_status", 400)
                if status == 404:
                    raise Http404(str(exc)) from None
                form.add_error(None, " ".join(exc.messages) if isinstance(
                    exc, ValidationError) else str(exc))
                order.refresh_from_db()
            else:
                messages.success(request, f"Order #{order.pk} handed over. The seller is paid.")
                return redirect(f"{reverse('hub-parcels')}?state={Order.HubParcel.COLLECTED}")
    return render(request, "hubs/parcels/hand_over.html",
                  {"hub": hub, "order": order, "form": form}, status=status)
