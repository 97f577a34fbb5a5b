"""Pages for the answer to a notice: the seller's counter-notice, the owner's report of a court
action, and the staff's list of owners whose notices are often reversed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from brands.abuse import ABUSE_MIN_DECIDED, ABUSE_WINDOW, owners_flagged
from brands.errors import BrandsError
from brands.forms_answers import CounterNoticeForm, NoteForm
from brands.selectors import notice_for_owner_people, notice_for_seller
from brands.services import counter_notices, filing
from moderation.permissions import moderator_required
from sellers.decorators import shop_required
from web.actions import act
from web.forms import form_errors_add


def _seller_notice(notice_id, shop):
    try:
        return notice_for_seller(notice_id=notice_id, shop=shop)
    except BrandsError as exc:
        raise Http404(str(exc)) from None


@shop_required
@require_http_methods(["GET", "HEAD", "POST"])
def counter_notice(request, notice_id: int, shop):
    notice = _seller_notice(notice_id, shop)
    answer = getattr(notice, "counter_notice", None)
    form = CounterNoticeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                counter_notices.counter_notice_file(notice_id=notice.pk, user=request.user,
                                                    **form.cleaned_data)
            except ValidationError as exc:
                form_errors_add(form, exc)
            except BrandsError as exc:
                if exc.http_status == 404:
                    raise Http404(str(exc)) from None
                form.add_error(None, str(exc))
                status = exc.http_status
            else:
                messages.success(request, "Your counter-notice is sent. We told the rights "
                                          "owner and will tell you what happens next.")
                return redirect("brands-counter-notice", notice.pk)
    deadline = counter_notices.notice_answer_deadline(notice)
    return render(request, "brands/counter_notice.html", {
        "notice": notice, "answer": answer, "form": form, "deadline": deadline,
        "may_answer": (answer is None and notice.status == notice.Status.OPEN
                       and timezone.now() <= deadline),
    }, status=status if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def notice_action(request, notice_id: int):
    try:
        notice = notice_for_owner_people(notice_id=notice_id, user=request.user)
    except BrandsError as exc:
        raise Http404(str(exc)) from None
    if request.method == "POST":
        return act(request, lambda: counter_notices.notice_action_report(
            notice_id=notice.pk, user=request.user),
            "Thank you. The listings stay down; we told the seller.",
            back=request.path)
    return render(request, "brands/notice_action.html", {
        "notice": notice, "answer": getattr(notice, "counter_notice", None),
        "now": timezone.now()})


@moderator_required
def staff_flags(request):
    page = Paginator(owners_flagged(), 25).get_page(request.GET.get("page"))
    return render(request, "brands/staff_flags.html", {
        "page": page, "form": NoteForm(), "window_days": ABUSE_WINDOW.days,
        "min_decided": ABUSE_MIN_DECIDED})


@moderator_required
@require_POST
def staff_filing(request, owner_id: int, action: str):
    if action not in ("suspend", "restore"):
        raise Http404("No such action.")
    service = filing.owner_filing_suspend if action == "suspend" else filing.owner_filing_restore
    success = ("The owner may no longer file notices; we told them." if action == "suspend"
               else "The owner may file notices again.")
    return act(request, lambda: service(owner_id=owner_id, actor=request.user,
                                        note=request.POST.get("note", "")),
               success, back="staff-brand-flags")
