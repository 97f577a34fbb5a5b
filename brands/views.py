"""Pages of brand protection: the rights owner's application, dashboard and notices; the
seller's "notices against my shop"; the staff queues. Each parses, calls one service or
selector, renders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from brands import selectors, services
from brands.abuse import owners_flagged
from brands.documents import document_response
from brands.errors import BrandsError, NotFound
from brands.forms import AgentForm, ApplyForm, DecisionForm, NoticeForm
from brands.models import Notice, RightsOwner
from marketplace.ratelimit import RateLimited
from moderation.permissions import moderator_required
from sellers.selectors import shop_of_user_or_none
from web.actions import act
from web.filters import status_filter_for_page
from web.forms import form_errors_add

PAGE_SIZE = 25
APPLY_FIELDS = {"right_name": "right_name"}


def _page(request, rows):
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _too_many(request, exc: RateLimited):
    response = render(request, "security/429.html", {"message": str(exc)}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


# --- the rights owner -------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def apply(request):
    owner = selectors.owner_acting_for(user=request.user)
    if owner is not None and owner.status != RightsOwner.Status.REJECTED:
        return redirect("brands-dashboard")
    form = ApplyForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.owner_apply(
                    applicant=request.user, kind=data["kind"], name=data["name"],
                    contact_email=data["contact_email"],
                    right={"name": data["right_name"], "basis": data["basis"],
                           "registration_number": data["registration_number"],
                           "registration_office": data["registration_office"],
                           "explanation": data["explanation"]},
                    documents=request.FILES.getlist("documents"))
            except ValidationError as exc:
                form_errors_add(form, exc)
            except BrandsError as exc:
                form.add_error("documents" if exc.http_status in (413, 415) else None, str(exc))
                status = exc.http_status
            else:
                messages.success(request, "Thank you: our team checks your application and "
                                          "writes to you.")
                return redirect("brands-dashboard")
        status = status if status != 200 else 400
    return render(request, "brands/apply.html", {"form": form, "owner": owner}, status=status)


@login_required
def dashboard(request):
    owner = selectors.owner_acting_for(user=request.user)
    if owner is None:
        return redirect("brands-apply")
    is_applicant = owner.applicant_id == request.user.pk
    context = {
        "owner": owner, "is_applicant": is_applicant,
        "rights": list(owner.rights.all()),
        "documents": selectors.documents_of_owner(owner=owner),
        "agents": list(owner.agents.select_related("user")) if is_applicant else [],
        "page": _page(request, selectors.notices_of_owner(owner=owner)),
        "found": selectors.brand_listings_search(owner=owner) if owner.is_verified else [],
        "agent_form": AgentForm(),
    }
    return render(request, "brands/dashboard.html", context)


@login_required
@require_POST
def agent_add(request):
    form = AgentForm(request.POST)
    email = request.POST.get("email", "")
    return act(request, lambda: services.agent_add(actor=request.user, email=email),
               f"{email} can now file notices for you." if form.is_valid() else "Added.",
               reverse("brands-dashboard"))


@login_required
@require_POST
def agent_remove(request, agent_id: int):
    return act(request, lambda: services.agent_remove(actor=request.user, agent_id=agent_id),
               "They no longer act for you.", reverse("brands-dashboard"))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def notice_new(request):
    owner = selectors.owner_acting_for(user=request.user)
    if owner is None or not owner.is_verified or owner.filing_suspended:
        return render(request, "brands/not_allowed.html", {"owner": owner}, status=403)
    rights = list(owner.rights.all())
    initial = {"listings": request.GET.get("listing", "")[:20]}
    form = NoticeForm(request.POST or None, rights=rights, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                notice = services.notice_file(
                    actor=request.user, right_id=data["right"], listing_ids=form.listing_ids(),
                    reason=data["reason"], evidence=data["evidence"], sworn=data["sworn"],
                    signature_name=data["signature_name"])
            except ValidationError as exc:
                form_errors_add(form, exc)
            except RateLimited as exc:
                return _too_many(request, exc)
            except BrandsError as exc:
                form.add_error("listings" if exc.http_status in (404, 409) else None, str(exc))
                status = exc.http_status
            else:
                messages.success(request, f"Notice #{notice.pk} filed: the listings are down "
                                          "and our team reviews it.")
                return redirect("brands-notice", notice.pk)
        status = status if status != 200 else 400
    return render(request, "brands/notice_form.html",
                  {"form": form, "owner": owner, "statement": services.SWORN_STATEMENT},
                  status=status)


@login_required
def notice_detail(request, notice_id: int):
    try:
        notice = selectors.notice_for_owner_people(notice_id=notice_id, user=request.user)
    except NotFound as exc:
        raise Http404(str(exc)) from None
    return render(request, "brands/notice_detail.html", {"notice": notice})


@login_required
@require_POST
def notice_withdraw(request, notice_id: int):
    return act(request, lambda: services.notice_withdraw(
        actor=request.user, notice_id=notice_id, note=request.POST.get("note", "")),
        "Notice withdrawn: the listings are back on sale.",
        reverse("brands-notice", args=[notice_id]))


@login_required
def document(request, document_id: int):
    try:
        proof = selectors.document_for_viewer(document_id=document_id, user=request.user)
    except NotFound as exc:
        raise Http404(str(exc)) from None
    return document_response(proof)


# --- the seller -------------------------------------------------------------------------

@login_required
def seller_notices(request):
    shop = shop_of_user_or_none(user=request.user)
    if shop is None:
        return redirect("sell-dashboard")
    page = _page(request, selectors.notices_against_shop(shop=shop))
    return render(request, "brands/seller_notices.html", {"shop": shop, "page": page})


@login_required
def seller_notice(request, notice_id: int):
    shop = shop_of_user_or_none(user=request.user)
    try:
        notice = selectors.notice_for_seller(notice_id=notice_id, shop=shop)
    except NotFound as exc:
        raise Http404(str(exc)) from None
    return render(request, "brands/seller_notice.html", {"shop": shop, "notice": notice})


# --- staff ------------------------------------------------------------------------------

@moderator_required
def staff_owners(request):
    status, code = status_filter_for_page(request, allowed=RightsOwner.Status.values,
                                          default=RightsOwner.Status.PENDING)
    page = _page(request, selectors.owner_queue(status=status))
    return render(request, "brands/staff_owners.html",
                  {"page": page, "status": status, "tabs": RightsOwner.Status.choices},
                  status=code)


@moderator_required
def staff_owner(request, owner_id: int):
    try:
        owner = selectors.owner_with_details(owner_id=owner_id)
    except NotFound as exc:
        raise Http404(str(exc)) from None
    return render(request, "brands/staff_owner.html", {"owner": owner})


@require_POST
@moderator_required
def staff_owner_decide(request, owner_id: int, decision: str):
    if decision not in ("verify", "reject"):
        raise Http404("No such decision.")
    return act(request, lambda: services.owner_decide(
        owner_id=owner_id, actor=request.user, verify=decision == "verify",
        note=request.POST.get("note", "")),
        "Verified: the applicant is told." if decision == "verify"
        else "Not verified: the applicant is told why.",
        reverse("staff-brand-owner", args=[owner_id]))


@moderator_required
def staff_notices(request):
    status, code = status_filter_for_page(request, allowed=Notice.Status.values,
                                          default=Notice.Status.OPEN)
    page = _page(request, selectors.notice_queue(status=status))
    return render(request, "brands/staff_notices.html",
                  {"page": page, "status": status, "tabs": Notice.Status.choices,
                   "flagged_owners": owners_flagged().filter(filing_suspended=False).count()},
                  status=code)


@moderator_required
def staff_notice(request, notice_id: int):
    try:
        notice = selectors.notice_for_staff(notice_id=notice_id)
    except NotFound as exc:
        raise Http404(str(exc)) from None
    return render(request, "brands/staff_notice.html", {
        "notice": notice, "documents": selectors.documents_of_owner(owner=notice.owner),
        "shops": [(shop, len(selectors.shop_strikes(shop_id=shop.pk)))
                  for shop in {item.shop_id: item.shop for item in notice.items.all()}.values()],
        "form": DecisionForm()})


@require_POST
@moderator_required
def staff_notice_decide(request, notice_id: int):
    decision = request.POST.get("decision", "")
    return act(request, lambda: services.notice_decide(
        notice_id=notice_id, actor=request.user, decision=decision,
        note=request.POST.get("note", "")),
        "Notice upheld: the shop has a strike." if decision == "uphold"
        else "Notice reversed: the listings are back on sale.",
        reverse("staff-brand-notice", args=[notice_id]))
