"""What an agent does for a managed shop: each act calls the sellers/orders/moderation service
with the shop's owner as `user` and records "by agent X for owner Y" in one transaction.

Every act first locks the live managed-shop row (`managed_lock_for_agent`), which re-reads the
agency: once the owner revokes, or staff remove the agent, the next act is NotFound, and an act
already under way finishes before the revocation does (it waits for the same row).
"""

from django.db import transaction

from moderation.services.disputes import dispute_statement_add
from orders.errors import PickupCodeWrong, PickupLocked
from orders.services.lifecycle import order_pickup_complete, order_ship
from sellers.errors import NotFound as ListingNotFound
from sellers.images import image_decode_upload, listing_image_store
from sellers.selectors import listing_of_owner
from sellers.services import listing_create, listing_image_add, listing_update

from ..models import HubAct
from .acts import act_record
from .managed import managed_lock_for_agent


def _record(managed, *, agent, action: str, reference: str, detail: str = "") -> None:
    act_record(hub=managed.hub, action=action, agent=agent, managed=managed,
               reference=reference, detail=detail)


def agent_listing_create(*, agent, shop_id, values: dict, photo=None):
    """List goods in the managed shop (a draft while it waits for verification), with an
    optional cover photo; a bad photo saves nothing."""
    image = image_decode_upload(photo) if photo else None
    with transaction.atomic():
        managed = managed_lock_for_agent(user=agent, shop_id=shop_id)
        listing = listing_create(user=managed.shop.owner, **values)
        if image is not None:
            listing_image_store(listing=listing, image=image, position=0)
        _record(managed, agent=agent, action=HubAct.Action.LISTING_CREATED,
                reference=f"listing:{listing.pk}",
                detail=listing.title + (" (with a photo)" if image is not None else ""))
    return listing


def agent_listing_update(*, agent, shop_id, listing_id, changes: dict):
    """Edit a listing of the managed shop; a change of stock alone is recorded as such."""
    with transaction.atomic():
        managed = managed_lock_for_agent(user=agent, shop_id=shop_id)
        before = _listing_stock(managed, listing_id)
        listing = listing_update(user=managed.shop.owner, listing_id=listing_id,
                                 changes=changes)
        only_stock = set(changes) <= {"stock"}
        _record(managed, agent=agent,
                action=HubAct.Action.STOCK_CHANGED if only_stock
                else HubAct.Action.LISTING_CHANGED,
                reference=f"listing:{listing.pk}",
                detail=(f"{listing.title}: stock {before} → {listing.stock}" if only_stock
                        else listing.title))
    return listing


def _listing_stock(managed, listing_id) -> int | None:
    try:
        return listing_of_owner(listing_id=listing_id, user=managed.shop.owner).stock
    except (ListingNotFound, TypeError, ValueError):
        return None  # listing_update answers it with its own NotFound


def agent_stock_set(*, agent, shop_id, listing_id, stock):
    """Set how many of a listing the managed shop has."""
    return agent_listing_update(agent=agent, shop_id=shop_id, listing_id=listing_id,
                                changes={"stock": stock})


def agent_photo_add(*, agent, shop_id, listing_id, upload):
    """Add a photo to a listing of the managed shop (checked and re-encoded by sellers)."""
    with transaction.atomic():
        managed = managed_lock_for_agent(user=agent, shop_id=shop_id)
        photo = listing_image_add(user=managed.shop.owner, listing_id=listing_id, upload=upload)
        _record(managed, agent=agent, action=HubAct.Action.LISTING_PHOTO_ADDED,
                reference=f"listing:{photo.listing_id}", detail=photo.listing.title)
    return photo


def agent_order_ship(*, agent, shop_id, order_id, carrier: str, tracking_number: str):
    """Mark an order of the managed shop shipped (the buyer is told as usual)."""
    with transaction.atomic():
        managed = managed_lock_for_agent(user=agent, shop_id=shop_id)
        order = order_ship(order_id=order_id, seller=managed.shop.owner, carrier=carrier,
                           tracking_number=tracking_number)
        _record(managed, agent=agent, action=HubAct.Action.ORDER_SHIPPED,
                reference=order.reference,
                detail=f"Order #{order.pk} with {order.carrier}, {order.tracking_number}")
    return order


def agent_order_hand_over(*, agent, shop_id, order_id, code: str):
    """Hand a pickup order over by the buyer's code: completed and released to the owner.

    A wrong code is counted (ten lock it), so it is raised after this transaction commits.
    """
    wrong = None
    with transaction.atomic():
        managed = managed_lock_for_agent(user=agent, shop_id=shop_id)
        try:
            order = order_pickup_complete(order_id=order_id, seller=managed.shop.owner,
                                          code=code)
        except (PickupCodeWrong, PickupLocked) as exc:
            wrong = exc
        else:
            _record(managed, agent=agent, action=HubAct.Action.ORDER_HANDED_OVER,
                    reference=order.reference, detail=f"Order #{order.pk}")
    if wrong is not None:
        raise wrong
    return order


def agent_dispute_answer(*, agent, shop_id, order_id, text: str, uploads=()):
    """Give the shop's one statement on a disputed order, in the owner's name."""
    with transaction.atomic():
        managed = managed_lock_for_agent(user=agent, shop_id=shop_id)
        # Staff deciding the dispute read who wrote the shop's side.
        signed = (f"Written by {agent.display_name}, agent at {managed.hub.name}, for "
                  f"{managed.shop.owner.display_name}:\n{str(text or '').strip()}")
        statement = dispute_statement_add(order_id=order_id, user=managed.shop.owner,
                                          text=signed if str(text or "").strip() else "",
                                          uploads=uploads)
        _record(managed, agent=agent, action=HubAct.Action.DISPUTE_ANSWERED,
                reference=f"order:{statement.order_id}", detail=f"Order #{statement.order_id}")
    return statement
