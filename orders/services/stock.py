"""An order's stock: put back on sale when the order ends unsold (cancelled, refunded before
shipping, left unpaid). Stock itself is the sellers app's, returned through its services.

A module of its own so that checkout (below lifecycle) can cancel a checkout's orders too.
"""

from django.db import transaction

from orders.models import Order, OrderItem
from orders.services.transitions import order_transition
from sellers.services import listing_stock_return


def order_stock_return(order: Order) -> None:
    """Put an order's goods back on sale (it was cancelled, or refunded before shipping)."""
    for item in OrderItem.objects.filter(order=order).order_by("listing_id"):
        listing_stock_return(listing_id=item.listing_id, quantity=item.quantity)


def order_cancel_restock(*, order: Order, note: str, expected: set[str], actor=None) -> Order:
    """Cancel an order and put its stock back on sale (refunding is the caller's next step)."""
    with transaction.atomic():
        order = order_transition(
            order=order, to=Order.Status.CANCELLED, actor=actor, note=note, expected=expected
        )
        order_stock_return(order)
    return order
