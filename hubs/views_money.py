"""Pages of the money at a hub: the agent's cash list, a managed shop's cash-out and statement,
and staff's list of what the platform owes each hub with the settle form.

A person who is not a verified agent gets 403; another hub's or another agent's shop or
cash-out is 404. Refusals are shown on a plain page with their status (400/409/413/415).
"""

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from payments.selectors import hub_cash_out_rooms, hub_cash_owed, owner_statement
from staffguard import fresh_code_required
from staffguard.admin import staff_holds
from web.posted import post_text

from .errors import HubsError, NotFound
from .models import CashOut, Hub, HubSettlement
from .selectors import (
    agency_of,
    managed_shop_for_agent,
    managed_shops_of_agent,
    receipts_recent,
)
from .services import money

SETTLE_PERMISSION = "payments.manage_payouts"


def agent_required(view):
    """Anonymous → the log-in page; signed in but not a verified agent (now) → 403."""

    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        agency = agency_of(user=request.user)
        if agency is None:
            raise PermissionDenied("Only a hub's verified agents may do this.")
        return view(request, agency, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def settle_staff_required(view):
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        if not staff_holds(request.user, SETTLE_PERMISSION):
            raise PermissionDenied("Only staff who manage payouts may settle hubs.")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _domain_error(error: Exception) -> bool:
    """A refusal any app's errors.py defines (it carries an int `http_status`)."""
    return isinstance(getattr(error, "http_status", None), int)


def _refused(request, error: Exception, back: str):
    status = error.http_status
    if status == 404:
        raise Http404(str(error))
    return render(request, "hubs/money/refused.html", {"message": str(error), "back": back},
                  status=status)


def _managed_or_404(request, shop_id):
    """A shop the agent manages in their hub and does not own; anything else is 404."""
    try:
        managed = managed_shop_for_agent(user=request.user, shop_id=shop_id)
    except NotFound as error:
        raise Http404(str(error)) from None
    if managed.shop.owner_id == request.user.pk:
        raise Http404("No managed shop with that number.")
    return managed


def _cents(text) -> int:
    """Dollars typed on a form ("12.50", "$1,200") as cents; HubsError for anything else."""
    cleaned = str(text or "").strip().replace("$", "").replace(",", "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise HubsError("Enter the amount in dollars, like 25.00.") from None
    if not amount.is_finite() or amount <= 0 or amount > 10_000_000 or (
            amount != amount.quantize(Decimal("0.01"))):
        raise HubsError("Enter an amount in dollars and cents above zero, like 25.00.")
    return int(amount * 100)


@agent_required
@require_safe
def hub_cash(request, agency):
    """The agent's cash list: each managed shop with what its owner may collect, the
    cash-outs waiting for an owner's code, the last ones collected, what the platform owes
    the hub. Seven queries whatever the number of shops."""
    managed = list(managed_shops_of_agent(user=request.user))
    rooms = hub_cash_out_rooms(shops=[row.shop for row in managed])
    shops = [{"managed": row, "room_cents": rooms.get(row.shop_id, 0)} for row in managed]
    shop_ids = [row.shop_id for row in managed]
    waiting = list(CashOut.objects.select_related("shop").filter(
        hub_id=agency.hub_id, shop_id__in=shop_ids, status=CashOut.Status.AWAITING))
    collected = list(CashOut.objects.select_related("shop").filter(
        hub_id=agency.hub_id, status=CashOut.Status.COLLECTED)[:20])
    return render(request, "hubs/money/cash.html", {
        "hub": agency.hub, "shops": shops, "waiting": waiting, "collected": collected,
        "owed_cents": hub_cash_owed(hub_ids=[agency.hub_id]).get(agency.hub_id, 0),
    })


@agent_required
def shop_cash_out(request, agency, shop_id):
    """A managed shop's cash-out: start one (GET shows the form), or the one waiting."""
    managed = _managed_or_404(request, shop_id)
    back = reverse("hub-shop-cash-out", args=[managed.shop_id])
    if request.method == "POST":
        try:
            money.cash_out_start(user=request.user, shop_id=managed.shop_id,
                                 amount_cents=_cents(post_text(request, "amount")))
        except Exception as error:
            if not _domain_error(error):
                raise
            return _refused(request, error, back)
        messages.success(request, "Cash-out started: the owner was sent a code.")
        return redirect(back)
    if request.method not in ("GET", "HEAD"):
        return render(request, "hubs/money/refused.html",
                      {"message": "Use the form.", "back": back}, status=405)
    room = hub_cash_out_rooms(shops=[managed.shop]).get(managed.shop_id, 0)
    cash_outs = list(CashOut.objects.filter(shop_id=managed.shop_id, hub_id=agency.hub_id)[:10])
    waiting = next((row for row in cash_outs if row.status == CashOut.Status.AWAITING), None)
    return render(request, "hubs/money/shop_cash_out.html", {
        "managed": managed, "shop": managed.shop, "owner": managed.shop.owner,
        "room_cents": room, "waiting": waiting, "cash_outs": cash_outs,
        "locked": waiting is not None
        and waiting.code_failed_attempts >= money.CODE_MAX_FAILURES,
    })


def _cash_out_action(request, cash_out_id, call, success: str):
    found = CashOut.objects.filter(pk=cash_out_id).values_list("shop_id", flat=True).first()
    back = reverse("hub-shop-cash-out", args=[found]) if found else reverse("hub-cash")
    try:
        call()
    except Exception as error:
        if not _domain_error(error):
            raise
        return _refused(request, error, back)
    messages.success(request, success)
    return redirect(back)


@agent_required
@require_POST
def cash_out_confirm(request, agency, cash_out_id):
    receipt = request.FILES.get("receipt")
    return _cash_out_action(
        request, cash_out_id,
        lambda: money.cash_out_confirm(user=request.user, cash_out_id=cash_out_id,
                                       code=post_text(request, "code"), receipt=receipt),
        "Confirmed: the owner collected the money. It is on their statement.")


@agent_required
@require_POST
def cash_out_resend(request, agency, cash_out_id):
    return _cash_out_action(
        request, cash_out_id,
        lambda: money.cash_out_code_resend(user=request.user, cash_out_id=cash_out_id),
        "A new code was sent to the owner; the old one no longer works.")


@agent_required
@require_POST
def cash_out_cancel(request, agency, cash_out_id):
    return _cash_out_action(
        request, cash_out_id,
        lambda: money.cash_out_cancel(user=request.user, cash_out_id=cash_out_id),
        "Cash-out cancelled: the money stays on the owner's balance.")


@agent_required
@require_safe
def shop_statement(request, agency, shop_id):
    """The owner's statement, as the agent who manages the shop sees it (to read it aloud)."""
    managed = _managed_or_404(request, shop_id)
    return render(request, "hubs/money/shop_statement.html", {
        "managed": managed, "shop": managed.shop, "owner": managed.shop.owner,
        **owner_statement(shop=managed.shop, page=request.GET.get("page")),
    })


@settle_staff_required
@require_safe
def staff_hub_cash(request):
    """Every hub the platform owes cash to (or that ever handed out cash), with the settle
    form, and the last settlements. Three queries."""
    owed = hub_cash_owed()
    hubs = list(Hub.objects.select_related("village").filter(pk__in=list(owed))
                .order_by("name"))
    rows = [{"hub": hub, "owed_cents": owed.get(hub.pk, 0)} for hub in hubs]
    settlements = list(HubSettlement.objects.select_related("hub", "settled_by")[:20])
    return render(request, "hubs/money/staff_cash.html",
                  {"rows": rows, "settlements": settlements,
                   "receipts": receipts_recent()})


@settle_staff_required
@require_POST
@fresh_code_required
def staff_hub_settle(request, hub_id):
    back = reverse("staff-hub-cash")
    try:
        money.hub_settle(staff=request.user, hub_id=hub_id,
                         amount_cents=_cents(post_text(request, "amount")),
                         note=post_text(request, "note"))
    except Exception as error:
        if not _domain_error(error):
            raise
        return _refused(request, error, back)
    messages.success(request, "Settled: the hub's cash position is updated.")
    return redirect(back)
