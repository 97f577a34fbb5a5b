"""The hub's activity record: every act of an agent, "by agent X for owner Y"."""

from ..models import HubAct, ManagedShop


def act_record(*, hub, action: str, agent=None, managed: ManagedShop | None = None,
               reference: str = "", detail: str = "") -> HubAct:
    """Append one act; call it inside the business action's transaction."""
    return HubAct.objects.create(
        hub=hub, agent=agent if getattr(agent, "pk", None) else None,
        owner=managed.shop.owner if managed is not None else None,
        shop=managed.shop if managed is not None else None,
        action=action, reference=reference[:64], detail=detail[:300],
    )
