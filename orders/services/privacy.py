"""What orders forget when a buyer closes their account: addresses (on the orders and the
saved ones) and the cart.

The orders themselves stay (the seller's books and the ledger refer to them); the buyer's
name goes with the account row, which the marketplace anonymises.
"""

from django.db import transaction

from ..models import Cart, Order, SavedAddress


def buyer_personal_data_erase(*, buyer) -> int:
    """Blank the shipping address of every order of `buyer`, delete their saved addresses and
    empty their cart; return how many orders had an address. Runs inside the caller's
    transaction if any."""
    with transaction.atomic():
        erased = (Order.objects.filter(buyer=buyer).exclude(shipping_address={})
                  .update(shipping_address={}))
        SavedAddress.objects.filter(user=buyer).delete()
        Cart.objects.filter(user=buyer).delete()
    return erased
