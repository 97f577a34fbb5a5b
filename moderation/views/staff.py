"""The /staff/ pages: dashboard, queues, disputes, screening rules, reviews and audit log."""

from datetime import datetime, time
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from jobs.models import JobFailure
from jobs.services import job_failure_resolve, job_failures_open
from moderation import selectors
from moderation.dashboard import dashboard_sections
from moderation.errors import NotFound
from moderation.forms import AuditFilterForm, ResolveForm, ScreeningTermForm
from moderation.models import Report
from moderation.permissions import moderator_required
from moderation.services import disputes, listings, reviews, screening_terms, shops
from moderation.services.refunds import refund_retry_staff
from orders.selectors import order_money_split, orders_with_escrow
from orders.services.lifecycle import partial_refund_in_range
from payments.selectors import refunds_needing_attention
from sellers.models import ScreeningTerm, Shop
from sellers.templatetags.money import cents
from staffguard import fresh_code_required
from web.actions import act
from web.filters import status_filter_for_page

PAGE_SIZE = 25
SHOP_TABS = Shop.Status.choices  # the labels people read, from the shop state machine


def _page(request, rows):
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


@moderator_required
def dashboard(request):
    return render(request, "moderation/dashboard.html", {
        "figures": selectors.dashboard(), "job_failures": list(job_failures_open(limit=50)),
        "sections": dashboard_sections(),
    })


@require_POST
@moderator_required
def job_failure_close(request, failure_id: int):
    """A staff member has looked at a failing job item: close it (a new failure reopens it)."""
    if not JobFailure.objects.filter(pk=failure_id).exists():
        raise Http404("No such job failure.")
    job_failure_resolve(failure_id=failure_id, actor=request.user)
    messages.success(request, "Marked as looked at. If the item fails again it shows again.")
    return redirect("staff-dashboard")


@moderator_required
def listing_queue(request):
    page = _page(request, selectors.listing_queue())
    return render(request, "moderation/listings.html", {"page": page})


@require_POST
@moderator_required
def listing_action(request, listing_id: int, action: str):
    reason = request.POST.get("reason", "")
    user, back = request.user, reverse("staff-listings")
    if action == "approve":
        return act(request, lambda: listings.listing_approve(listing_id=listing_id, actor=user),
                   f"Listing #{listing_id} approved.", back)
    if action == "reject":
        return act(request, lambda: listings.listing_reject(listing_id=listing_id, actor=user,
                                                            reason=reason),
                   f"Listing #{listing_id} rejected.", back)
    if action == "take-down":
        return act(request, lambda: listings.listing_take_down(listing_id=listing_id,
                                                               actor=user, reason=reason),
                   f"Listing #{listing_id} taken down.", request.POST.get("back") == "reports"
                   and reverse("staff-reports") or back)
    raise Http404("No such action.")


@require_POST
@moderator_required
def listing_bulk_approve(request):
    ids = [pk for pk in request.POST.getlist("ids") if pk.isdigit()][:100]
    if not ids:
        messages.error(request, "Tick at least one listing to approve.")
        return redirect("staff-listings")
    approved, problems = listings.listings_approve_many(listing_ids=ids, actor=request.user)
    if approved:
        messages.success(request, f"{len(approved)} listing(s) approved.")
    for problem in problems:
        messages.error(request, problem)
    return redirect("staff-listings")


@moderator_required
def report_queue(request):
    status, code = status_filter_for_page(request, allowed=Report.Status.values, default="open")
    page = _page(request, selectors.report_queue(status=status))
    return render(request, "moderation/reports.html", {"page": page, "status": status},
                  status=code)


@require_POST
@moderator_required
def report_resolve(request, report_id: int):
    action = request.POST.get("action", "")
    done = "Listing taken down." if action == "take_down" else "Reports dismissed."
    return act(request, lambda: listings.report_resolve(
        report_id=report_id, actor=request.user, action=action,
        note=request.POST.get("note", "")), done, reverse("staff-reports"))


@moderator_required
def shop_queue(request):
    status, code = status_filter_for_page(request, allowed=dict(SHOP_TABS),
                                          default=Shop.Status.PENDING_VERIFICATION)
    query = request.GET.get("q", "")[:100]
    page = _page(request, selectors.shop_queue(status=status, query=query))
    return render(request, "moderation/shops.html",
                  {"page": page, "status": status, "tabs": SHOP_TABS, "query": query},
                  status=code)


@require_POST
@moderator_required
def shop_action(request, slug: str, action: str):
    user, reason = request.user, request.POST.get("reason", "")
    back = reverse("staff-shops")
    if request.POST.get("tab") in dict(SHOP_TABS):
        back += f"?status={request.POST['tab']}"
    calls = {
        "verify": (lambda: shops.shop_verify(slug=slug, actor=user), "verified"),
        "suspend": (lambda: shops.shop_suspend(slug=slug, actor=user, reason=reason),
                    "suspended"),
        "reinstate": (lambda: shops.shop_reinstate(slug=slug, actor=user, note=reason),
                      "reinstated"),
    }
    if action not in calls:
        raise Http404("No such action.")
    call, done = calls[action]
    return act(request, call, f"Shop {done}.", back)


@moderator_required
def dispute_queue(request):
    status, code = status_filter_for_page(
        request, allowed=selectors.DISPUTE_QUEUE_STATUSES, default="open")
    page = _page(request, selectors.dispute_queue(status=status))
    return render(request, "moderation/disputes.html", {"page": page, "status": status},
                  status=code)


def _dispute_page_order(order_id):
    try:
        order = selectors.dispute_detail(order_id=order_id)
    except NotFound:
        raise Http404("No dispute on that order.") from None
    return orders_with_escrow(orders=[order])[0]


@moderator_required
def dispute_detail(request, order_id: int):
    order = _dispute_page_order(order_id)
    needs_reason = disputes.dispute_needs_reason(order=order)
    return render(request, "moderation/dispute_detail.html", {
        "order": order, "escrow": order.escrow, "needs_reason": needs_reason,
        "answer_due": disputes.dispute_answer_due(order=order) if needs_reason else None,
        "form": ResolveForm(needs_reason=needs_reason),
        "statements": {s.role: s for s in order.statements.all()},
    })


def _decision_words(order, outcome: str, refund_cents: int | None) -> list[str]:
    """Who receives how much if this decision is confirmed, in plain words."""
    split = order_money_split(escrow=order.escrow, refund_cents={
        "refund": order.escrow.remaining_cents if order.escrow else 0,
        "partial_refund": refund_cents or 0}.get(outcome, 0))
    currency = order.currency
    buyer, shop = order.buyer.display_name, order.shop.name
    fee = f"less the {cents(split.fee_cents, currency)} marketplace fee"
    if outcome == "refund":
        return [f"{buyer} gets {cents(split.buyer_cents, currency)} back on their card.",
                f"{shop} receives nothing for this order."]
    if outcome == "release":
        return [f"{shop} receives {cents(split.seller_cents, currency)} (the "
                f"{cents(split.held_cents, currency)} held, {fee}).",
                f"{buyer} gets nothing back."]
    return [f"{buyer} gets {cents(split.buyer_cents, currency)} back on their card.",
            f"{shop} receives {cents(split.seller_cents, currency)} (the other "
            f"{cents(split.held_cents - split.buyer_cents, currency)}, {fee})."]


@require_POST
@moderator_required
@fresh_code_required
def dispute_resolve(request, order_id: int):
    """Staff decide a dispute: first a page that says who receives how much, then Confirm."""
    order = _dispute_page_order(order_id)
    back = reverse("staff-dispute", args=[order_id])
    form = ResolveForm(request.POST, needs_reason=disputes.dispute_needs_reason(order=order))
    if not form.is_valid():
        problems = [" ".join(errors) for errors in form.errors.values()]
        messages.error(request, "Could not resolve: " + " ".join(problems))
        return redirect(back)
    data = form.cleaned_data
    outcome, refund_cents = data["outcome"], form.refund_cents()
    held = order.escrow.remaining_cents if order.escrow else 0
    if outcome == "partial_refund" and not partial_refund_in_range(refund_cents=refund_cents,
                                                                    held_cents=held):
        messages.error(request, "Could not resolve: a partial refund must be more than $0.00 "
                                f"and less than {cents(held, order.currency)}.")
        return redirect(back)
    if request.POST.get("confirmed") != "yes" and order.status == "disputed":
        return render(request, "moderation/dispute_confirm.html", {
            "order": order, "lines": _decision_words(order, outcome, refund_cents),
            "data": data, "refund": data.get("refund"),
            "outcome_label": dict(form.fields["outcome"].choices)[outcome],
        })
    return act(request, lambda: disputes.dispute_resolve(
        order_id=order_id, actor=request.user, outcome=outcome, refund_cents=refund_cents,
        note=data["note"], override_reason=data.get("override_reason", "")),
        "Dispute resolved.", back)


@moderator_required
def screening_rules(request):
    terms = ScreeningTerm.objects.order_by("kind", "term", "id")
    return render(request, "moderation/screening.html",
                  {"terms": terms, "form": ScreeningTermForm()})


@require_POST
@moderator_required
def screening_save(request, term_id: int | None = None):
    values = {name: request.POST.get(name, "") for name in ("kind", "term", "note")}
    values["is_active"] = request.POST.get("is_active") in ("on", "true", "1")
    # Staff type the floor in dollars; the service (and the API) speak cents.
    floor = request.POST.get("price_floor", "").strip().lstrip("$").replace(",", "")
    try:
        values["price_floor_cents"] = int(Decimal(floor) * 100) if floor else ""
        if floor and Decimal(floor) * 100 != values["price_floor_cents"]:
            raise InvalidOperation
    except InvalidOperation:
        messages.error(request, "Enter the price floor in dollars (e.g. 200.00), or leave it "
                                "empty.")
        return redirect("staff-screening")
    return act(request, lambda: screening_terms.screening_term_save(
        actor=request.user, values=values, term_id=term_id), "Screening rules saved.",
        reverse("staff-screening"))


@moderator_required
def review_list(request):
    page = _page(request, selectors.reviews_for_staff())
    return render(request, "moderation/reviews.html", {"page": page})


@require_POST
@moderator_required
def review_hide(request, review_id: int):
    return act(request, lambda: reviews.review_hide(
        review_id=review_id, actor=request.user, reason=request.POST.get("reason", "")),
        "Review hidden and the shop's rating updated.", reverse("staff-reviews"))


@moderator_required
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    since = data.get("since")
    filters = selectors.AuditFilters(
        action=data.get("action", ""), object_type=data.get("object_type", ""),
        object_id=data.get("object_id", "").strip(), actor=data.get("actor", "").strip(),
        since=timezone.make_aware(datetime.combine(since, time.min)) if since else None,
    )
    page = _page(request, selectors.audit_log(filters=filters))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "moderation/audit.html",
                  {"page": page, "form": form, "query": query.urlencode()})


# --- failed refunds ----------------------------------------------------------------------------
@moderator_required
def refund_list(request):
    """Refunds Stripe refused (with a Retry button) and ones still waiting for an answer."""
    page = _page(request, refunds_needing_attention())
    return render(request, "moderation/refunds.html", {"page": page})


@require_http_methods(["GET", "HEAD", "POST"])
@moderator_required
@fresh_code_required
def refund_retry(request, refund_id: int):
    """GET: confirm who gets how much (works without JavaScript). POST: send it again."""
    if request.method == "GET":
        refund = refunds_needing_attention().filter(pk=refund_id).first()
        if refund is None:
            raise Http404("No failed refund with that number.")
        return render(request, "moderation/refund_retry_confirm.html", {"refund": refund})
    return act(request, lambda: refund_retry_staff(refund_id=refund_id, actor=request.user),
               "Refund sent again: it went through.", reverse("staff-refunds"))
