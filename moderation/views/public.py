"""Pages for buyers and sellers: report a listing, give a dispute statement, reply to reviews."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from moderation.errors import NotFound
from moderation.forms import ReplyForm, ReportForm, StatementForm
from moderation.models import DisputeStatement
from moderation.selectors import reviews_of_shop
from moderation.services import disputes, listings
from moderation.views.common import DOMAIN_ERRORS
from orders.errors import OrderNotFound
from orders.selectors import order_for_party
from orders.services import reviews as order_reviews
from sellers.decorators import shop_required
from sellers.errors import NotFound as ListingNotFound
from sellers.selectors import listing_get_for_viewer
from web.actions import act
from web.forms import form_errors_add


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def listing_report(request, listing_id: int):
    try:
        listing = listing_get_for_viewer(listing_id=listing_id, user=None)
    except ListingNotFound:
        raise Http404("No listing with that number.") from None
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            listings.report_create(listing_id=listing.pk, reporter=request.user,
                                   **form.cleaned_data)
        except ValidationError as exc:
            form_errors_add(form, exc)
        except DOMAIN_ERRORS as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Thank you. Our team will look at this listing.")
            return redirect(listing.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(request, "moderation/report_form.html",
                  {"form": form, "listing": listing}, status=status)


def _statement_page(request, order_id: int, *, role: str, back: str):
    try:
        order = order_for_party(user=request.user, order_id=order_id, side=role)
    except OrderNotFound as exc:
        raise Http404(str(exc)) from None
    if not order.dispute_reason:
        raise Http404("Order not found.")
    statements = {s.role: s for s in
                  DisputeStatement.objects.filter(order=order).prefetch_related("photos")}
    form = StatementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            disputes.dispute_statement_add(order_id=order.pk, user=request.user,
                                           text=form.cleaned_data["text"],
                                           uploads=request.FILES.getlist("photos"))
        except ValidationError as exc:
            form_errors_add(form, exc)
        except (*DOMAIN_ERRORS, NotFound) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Your statement is with our staff.")
            return redirect(back, order_id=order.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "moderation/statement_form.html", {
        "form": form, "order": order, "role": role, "mine": statements.get(role),
        "other": statements.get("seller" if role == "buyer" else "buyer"),
    }, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def seller_dispute(request, order_id: int):
    return _statement_page(request, order_id, role=DisputeStatement.Role.SELLER,
                           back="seller-dispute")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def buyer_evidence(request, order_id: int):
    return _statement_page(request, order_id, role=DisputeStatement.Role.BUYER,
                           back="dispute-evidence")


@shop_required
def seller_reviews(request, shop):
    return render(request, "moderation/seller_reviews.html", {
        "shop": shop, "reviews": list(reviews_of_shop(shop=shop)), "form": ReplyForm()})


@login_required
@require_http_methods(["POST"])
def seller_review_reply(request, review_id: int):
    return act(request, lambda: order_reviews.review_reply(
        review_id=review_id, seller=request.user, text=request.POST.get("text", "")),
        "Reply posted.", reverse("seller-reviews"))
