"""The hub's activity record: every act of an agent, "by agent X for owner Y", in the shop's
activity (`HubAct`) and in moderation's audit log. Staff decisions and cash-outs write their
own, more specific audit rows, so they are not written twice here."""

from moderation.models import AuditLog
from moderation.services.audit import audit_record

from ..models import HubAct, ManagedShop

# Acts whose service writes its own audit row (staff decisions, money), and applications
# (a person asking, kept in HubAgent, is no act on anything yet).
AUDITED_BY_THEIR_SERVICE = {
    HubAct.Action.AGENT_APPLIED, HubAct.Action.AGENT_VERIFIED, HubAct.Action.AGENT_REJECTED,
    HubAct.Action.AGENT_REMOVED,
    HubAct.Action.CASH_OUT_STARTED, HubAct.Action.CASH_OUT_CONFIRMED,
    HubAct.Action.CASH_OUT_CANCELLED, HubAct.Action.HUB_SETTLED, HubAct.Action.HUB_CREATED,
    HubAct.Action.HUB_CLOSED, HubAct.Action.HUB_REOPENED, HubAct.Action.COMMISSION_CHANGED,
}
AUDIT_OBJECT_TYPES = {"listing", "order", "shop"}


def act_record(*, hub, action: str, agent=None, managed: ManagedShop | None = None,
               reference: str = "", detail: str = "") -> HubAct:
    """Append one act; call it inside the business action's transaction."""
    act = HubAct.objects.create(
        hub=hub, agent=agent if getattr(agent, "pk", None) else None,
        owner=managed.shop.owner if managed is not None else None,
        shop=managed.shop if managed is not None else None,
        action=action, reference=reference[:64], detail=detail[:300],
    )
    if action not in AUDITED_BY_THEIR_SERVICE:
        kind, _, number = act.reference.partition(":")
        if kind not in AUDIT_OBJECT_TYPES or not number.isascii() or not number.isdigit():
            kind, number = "hub", hub.pk
        who = agent.display_name if getattr(agent, "pk", None) else "The owner"
        owner = f" for {managed.shop.owner.display_name}" if managed is not None else ""
        audit_record(actor=act.agent, action=AuditLog.Action.HUB_ACT, object_type=kind,
                     object_id=number, object_repr=act.get_action_display(),
                     reason=f"{who} at {hub.name}{owner}"
                            + (f": {act.detail}" if act.detail else ""))
    return act
