"""Agents of a hub: a person applies, staff verify or decline, staff remove a verified agent.

Every change of HubAgent.status goes through `agent_status_set` and its one table of moves.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from moderation.models import AuditLog
from moderation.permissions import PERMISSION as MODERATE
from moderation.services.audit import audit_record
from notifications.services import notify, notify_staff

from ..errors import Conflict, NotAllowed, NotFound
from ..models import Hub, HubAct, HubAgent, ManagedShop
from .acts import act_record

Status = HubAgent.Status
# From each status, where staff may move it. Rejected and removed are final for that row;
# the person may apply again (a new row) once nothing of theirs is live.
ALLOWED_TRANSITIONS = {
    Status.PENDING: {Status.VERIFIED, Status.REJECTED},
    Status.VERIFIED: {Status.REMOVED},
    Status.REJECTED: set(),
    Status.REMOVED: set(),
}
DECISIONS = {"verify": Status.VERIFIED, "reject": Status.REJECTED}
STATEMENT_MIN = 20
STATEMENT_MAX = 2000
LIVE = (Status.PENDING, Status.VERIFIED)


def _text(value, *, limit: int) -> str:
    return str(value or "").strip()[:limit]


def _live_conflict(user) -> Conflict:
    live = (HubAgent.objects.select_related("hub").filter(user_id=user.pk, status__in=LIVE)
            .first())
    if live is None:  # the other request's row is not committed yet
        return Conflict("You already have an application in progress.")
    if live.status == Status.VERIFIED:
        return Conflict(f"You are already an agent of {live.hub.name}: a person is an agent of "
                        f"one hub at a time.")
    return Conflict(f"You already applied to {live.hub.name} and staff have not decided yet: "
                    f"one application at a time.")


def agent_apply(*, user, hub_slug, statement) -> HubAgent:
    """Apply to be an agent of an open hub: one live application (or agency) per person."""
    if not getattr(user, "is_authenticated", False):
        raise NotAllowed("Sign in to apply.")
    if not user.is_email_confirmed:
        raise NotAllowed("Confirm your e-mail address first: staff write to you there about "
                         "your application.")
    statement = _text(statement, limit=STATEMENT_MAX + 1)
    if len(statement) < STATEMENT_MIN:
        raise ValidationError({"statement": [
            f"Tell staff who you are and your tie to the village, in at least {STATEMENT_MIN} "
            f"characters."]})
    if len(statement) > STATEMENT_MAX:
        raise ValidationError({"statement": [
            f"Keep it to {STATEMENT_MAX:,} characters."]})
    hub = Hub.objects.filter(slug=str(hub_slug)[:100], is_open=True).first()
    if hub is None:
        raise NotFound("No hub with that address.")
    if HubAgent.objects.filter(user_id=user.pk, status__in=LIVE).exists():
        raise _live_conflict(user)
    try:
        with transaction.atomic():
            application = HubAgent.objects.create(hub=hub, user=user, statement=statement)
            act_record(hub=hub, action=HubAct.Action.AGENT_APPLIED, agent=user,
                       reference=f"hub_agent:{application.pk}", detail=user.display_name)
            notify_staff(kind="staff_new_hub_agent",
                         context={"hub_name": hub.name, "applicant_name": user.display_name},
                         dedupe_key=f"hub_agent_applied:{application.pk}",
                         url=reverse("staff-hub-agent", args=[application.pk]),
                         permission=MODERATE)
    except IntegrityError:
        # The database's one-live-per-person rule: another application won the race.
        raise _live_conflict(user) from None
    return application


def agent_status_set(*, agent: HubAgent, to: str, actor, note: str = "") -> HubAgent:
    """Move a locked HubAgent row to `to` if its table allows it; Conflict otherwise."""
    if to not in ALLOWED_TRANSITIONS[agent.status]:
        if agent.status in (Status.REJECTED, Status.REMOVED) or to != Status.REMOVED:
            raise Conflict(f"This application is already decided "
                           f"({agent.get_status_display().lower()}).")
        raise Conflict(f"Only a verified agent can be removed; this one is "
                       f"{agent.get_status_display().lower()}.")
    agent.status = to
    agent.decided_by, agent.decided_at, agent.decision_note = actor, timezone.now(), note
    agent.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return agent


def _agent_locked(agent_id) -> HubAgent:
    try:
        pk = int(agent_id)
    except (TypeError, ValueError):
        raise NotFound("No agent application with that number.") from None
    if not 0 < pk < 2**31:
        raise NotFound("No agent application with that number.")
    agent = (HubAgent.objects.select_for_update(of=("self",))
             .select_related("hub", "user").filter(pk=pk).first())
    if agent is None:
        raise NotFound("No agent application with that number.")
    return agent


def agent_decide(*, application_id, actor, decision: str, note: str = "") -> HubAgent:
    """Staff verify or decline a waiting application; audited, recorded, the applicant told."""
    to = DECISIONS.get(str(decision or ""))
    if to is None:
        raise ValidationError({"decision": ["Choose verify or reject."]})
    note = _text(note, limit=2000)
    if to == Status.REJECTED and not note:
        raise ValidationError({"note": ["Say why: the applicant reads it."]})
    with transaction.atomic():
        agent = _agent_locked(application_id)
        before = agent.status
        if to == Status.VERIFIED and before == Status.PENDING and not agent.hub.is_open:
            raise Conflict(f"{agent.hub.name} is closed: reopen it before verifying agents.")
        agent_status_set(agent=agent, to=to, actor=actor, note=note)
        verified = to == Status.VERIFIED
        audit = audit_record(
            actor=actor, action=AuditLog.Action.AGENT_VERIFIED if verified
            else AuditLog.Action.AGENT_REJECTED,
            object_type="hub_agent", object_id=agent.pk,
            object_repr=f"{agent.user.display_name} at {agent.hub.name}",
            reason=note or "Verified.", status_before=before, status_after=agent.status)
        act_record(hub=agent.hub, agent=actor, reference=f"hub_agent:{agent.pk}",
                   detail=agent.user.display_name,
                   action=HubAct.Action.AGENT_VERIFIED if verified
                   else HubAct.Action.AGENT_REJECTED)
        context = {"hub_name": agent.hub.name}
        if not verified:
            context["reason"] = note
        notify(recipient=agent.user,
               kind="hub_agent_verified" if verified else "hub_agent_rejected",
               context=context, dedupe_key=f"moderation:{audit.pk}",
               url=reverse("hub-dashboard") if verified
               else reverse("hub", args=[agent.hub.slug]))
    return agent


def agent_remove(*, agent_id, actor, note) -> HubAgent:
    """Staff remove a verified agent at once: every shop they manage goes back to its owner
    alone (ended with `agent_removed`, its listings and open orders untouched); the agent and
    each owner are told. Locks the agent's row, then their live managed shops."""
    note = _text(note, limit=2000)
    if not note:
        raise ValidationError({"note": ["Say why: the agent and the owners they helped read "
                                        "it."]})
    with transaction.atomic():
        agent = _agent_locked(agent_id)
        before = agent.status
        agent_status_set(agent=agent, to=Status.REMOVED, actor=actor, note=note)
        now = timezone.now()
        managed_shops = list(
            ManagedShop.objects.select_for_update(of=("self",))
            .select_related("shop", "shop__owner", "hub")
            .filter(agent_id=agent.user_id, ended_at__isnull=True).order_by("pk"))
        for managed in managed_shops:
            managed.ended_at, managed.ended_by = now, actor
            managed.end_reason = ManagedShop.EndReason.AGENT_REMOVED
            managed.save(update_fields=["ended_at", "ended_by", "end_reason"])
        audit = audit_record(
            actor=actor, action=AuditLog.Action.AGENT_REMOVED, object_type="hub_agent",
            object_id=agent.pk, object_repr=f"{agent.user.display_name} at {agent.hub.name}",
            reason=note + (f" Shops handed back to their owners: {len(managed_shops)}."
                           if managed_shops else ""),
            status_before=before, status_after=agent.status)
        act_record(hub=agent.hub, agent=actor, action=HubAct.Action.AGENT_REMOVED,
                   reference=f"hub_agent:{agent.pk}", detail=agent.user.display_name)
        for managed in managed_shops:
            act_record(hub=managed.hub, agent=actor, managed=managed,
                       action=HubAct.Action.AGENT_REMOVED,
                       reference=f"shop:{managed.shop_id}",
                       detail=f"{agent.user.display_name} no longer helps with this shop")
            notify(recipient=managed.shop.owner, kind="hub_agent_removed_owner",
                   context={"hub_name": agent.hub.name, "shop_name": managed.shop.name,
                            "agent_name": agent.user.display_name},
                   dedupe_key=f"moderation:{audit.pk}:shop:{managed.shop_id}",
                   url=reverse("sell-dashboard"))
        notify(recipient=agent.user, kind="hub_agent_removed",
               context={"hub_name": agent.hub.name, "reason": note},
               dedupe_key=f"moderation:{audit.pk}", url=reverse("hub", args=[agent.hub.slug]))
    return agent
