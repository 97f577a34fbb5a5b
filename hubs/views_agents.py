"""Pages of hubs and their agents: the public hub pages, the application, the agent's
dashboard, and the staff pages for hubs and agents. Each parses, calls one service or
selector, renders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from moderation.permissions import moderator_required
from web.actions import act
from web.filters import status_filter_for_page
from web.forms import form_errors_add
from web.page_cache import anonymous_cache
from web.posted import post_text

from . import selectors
from .errors import HubsError, NotFound
from .forms import ApplyForm, DecisionForm, HubChangeForm, HubForm, RemoveForm
from .models import HubAgent
from .services.agents import agent_apply, agent_decide, agent_remove
from .services.hub_admin import hub_change, hub_create
from .services.takeover import takeover_link_send_by_staff

PAGE_SIZE = 25
ACTIVITY_ROWS = 20


def _page(request, rows):
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _hub_or_404(slug: str):
    try:
        return selectors.hub_get(slug=slug)
    except NotFound as exc:
        raise Http404(str(exc)) from None


# --- everyone ---------------------------------------------------------------------------

@require_safe
@anonymous_cache
def hubs(request):
    return render(request, "hubs/hubs.html", {"page": _page(request, selectors.hubs_open())})


@require_safe
@anonymous_cache
def hub(request, slug: str):
    place = _hub_or_404(slug)
    return render(request, "hubs/hub.html", {
        "hub": place, "agents": selectors.hub_verified_agents(hub=place),
        "managed": selectors.hub_managed_shops_public(hub=place),
        "application": selectors.agent_application_of(user=request.user),
    })


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def hub_apply(request, slug: str):
    place = _hub_or_404(slug)
    application = selectors.agent_application_of(user=request.user)
    live = application if application and application.status in (
        HubAgent.Status.PENDING, HubAgent.Status.VERIFIED) else None
    form = ApplyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                agent_apply(user=request.user, hub_slug=place.slug,
                            statement=form.cleaned_data["statement"])
            except ValidationError as exc:
                form_errors_add(form, exc)
            except NotFound as exc:
                raise Http404(str(exc)) from None
            except HubsError as exc:
                form.add_error(None, str(exc))
                status = exc.http_status
            else:
                messages.success(request, f"Thank you: staff read your application to "
                                          f"{place.name} and write to you.")
                return redirect("hub", place.slug)
    return render(request, "hubs/apply.html", {
        "hub": place, "form": form, "live": live, "application": application,
        "email_confirmed": request.user.is_email_confirmed,
    }, status=status)


# --- the agent --------------------------------------------------------------------------

@login_required
@require_safe
def hub_dashboard(request):
    agency = selectors.agency_of(user=request.user)
    if agency is None:
        return render(request, "hubs/not_agent.html", {
            "application": selectors.agent_application_of(user=request.user)}, status=403)
    return render(request, "hubs/dashboard.html",
                  {"board": selectors.agent_dashboard(agency=agency), "hub": agency.hub})


# --- staff ------------------------------------------------------------------------------

@moderator_required
@require_http_methods(["GET", "HEAD", "POST"])
def staff_hubs(request):
    form = HubForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                place = hub_create(actor=request.user, village_id=data["village"].pk,
                                   **{name: data[name] for name in (
                                       "name", "line1", "line2", "city", "state",
                                       "postal_code", "phone", "opening_hours",
                                       "commission_bps")})
            except ValidationError as exc:
                form_errors_add(form, exc)
            else:
                messages.success(request, f"{place.name} is open: people can apply to be "
                                          f"its agents.")
                return redirect("staff-hub", place.slug)
    return render(request, "hubs/staff_hubs.html", {
        "page": _page(request, selectors.hubs_for_staff()), "form": form,
    }, status=status)


@moderator_required
@require_safe
def staff_hub(request, slug: str):
    try:
        place = selectors.hub_for_staff(slug=slug)
    except NotFound as exc:
        raise Http404(str(exc)) from None
    return render(request, "hubs/staff_hub.html", {
        "hub": place, "agents": selectors.hub_verified_agents(hub=place),
        "change_form": HubChangeForm(initial={"commission_bps": place.commission_bps}),
        "acts": selectors.hub_activity(hub=place, limit=ACTIVITY_ROWS),
        "managed": selectors.hub_managed_shops(hub=place),
        "remove_form": RemoveForm(),
    })


@require_POST
@moderator_required
def staff_hub_change(request, slug: str):
    what = post_text(request, "what")
    note = post_text(request, "note")
    if what == "commission":
        raw = post_text(request, "commission_bps")
        return act(request, lambda: hub_change(actor=request.user, slug=slug,
                                               commission_bps=raw, note=note),
                   "Commission saved.", reverse("staff-hub", args=[slug]))
    if what in ("close", "reopen"):
        return act(request, lambda: hub_change(actor=request.user, slug=slug,
                                               is_open=what == "reopen", note=note),
                   "Hub reopened." if what == "reopen" else
                   "Hub closed: it takes no new agents, shops or parcels, and its agents "
                   "cannot act until it reopens.", reverse("staff-hub", args=[slug]))
    messages.error(request, "Choose what to change.")
    return redirect("staff-hub", slug)


@moderator_required
@require_safe
def staff_hub_agents(request):
    status, code = status_filter_for_page(request, allowed=HubAgent.Status.values,
                                          default=HubAgent.Status.PENDING)
    page = _page(request, selectors.agent_application_queue(status=status))
    return render(request, "hubs/staff_agents.html",
                  {"page": page, "status": status, "tabs": HubAgent.Status.choices},
                  status=code)


@moderator_required
@require_safe
def staff_hub_agent(request, application_id: int):
    try:
        agent = selectors.agent_application_for_staff(application_id=application_id)
    except NotFound as exc:
        raise Http404(str(exc)) from None
    return render(request, "hubs/staff_agent.html", {
        "agent": agent, "decision_form": DecisionForm(), "remove_form": RemoveForm(),
        "history": list(selectors.agent_applications_of(user=agent.user)
                        .exclude(pk=agent.pk)[:10]),
        "orphaned": (selectors.orphaned_shops_of_agent(user_id=agent.user_id)
                     if agent.status == HubAgent.Status.REMOVED else []),
    })


@require_POST
@moderator_required
def staff_hub_takeover_link(request, application_id: int, managed_id: int):
    """Staff send a take-over link to the owner of a shop whose agent they removed."""
    return act(request, lambda: takeover_link_send_by_staff(staff=request.user,
                                                           managed_id=managed_id),
               "Sent: the owner gets a link to set an e-mail address and a password.",
               reverse("staff-hub-agent", args=[application_id]))


@require_POST
@moderator_required
def staff_hub_agent_decide(request, application_id: int):
    decision = post_text(request, "decision")
    return act(request, lambda: agent_decide(
        application_id=application_id, actor=request.user, decision=decision,
        note=post_text(request, "note")),
        "Verified: the agent is told and can use their hub page." if decision == "verify"
        else "Not accepted: the applicant is told why.",
        reverse("staff-hub-agent", args=[application_id]))


@require_POST
@moderator_required
def staff_hub_agent_remove(request, application_id: int):
    return act(request, lambda: agent_remove(agent_id=application_id, actor=request.user,
                                             note=post_text(request, "note")),
               "Removed: the shops they managed are back with their owners, who are told.",
               reverse("staff-hub-agent", args=[application_id]))
