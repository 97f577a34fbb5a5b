"""Cart writes. A signed-in person's cart lives in the database; a visitor's in the session
and merges into the account at log-in."""

from django.db import transaction
from django.db.models import F

from orders.errors import CartInvalid, CartItemNotFound, Unavailable
from orders.models import Cart, CartItem, Checkout, Order, OrderItem
from orders.selectors import SESSION_CART_KEY, stock_reserved_for_buyer
from sellers.models import Listing, Shop

MAX_QUANTITY = 999
SESSION_KEY = SESSION_CART_KEY


def _buyable_listing(listing_id) -> Listing:
    try:
        listing = Listing.objects.select_related("shop").get(pk=int(listing_id))
    except (Listing.DoesNotExist, TypeError, ValueError):
        raise Unavailable("That listing does not exist or is no longer for sale.") from None
    if listing.status != Listing.Status.ACTIVE or listing.shop.status != Shop.Status.ACTIVE:
        raise Unavailable("That listing does not exist or is no longer for sale.")
    return listing


def _check_quantity(listing: Listing, quantity: int, *, reserved: int = 0) -> None:
    """`reserved`: units the buyer's own unpaid checkout holds, theirs to change."""
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        raise CartInvalid("Quantity must be a whole number of at least 1.")
    if quantity > MAX_QUANTITY:
        raise CartInvalid(f"You can buy at most {MAX_QUANTITY} of one item.")
    stock = listing.stock + reserved
    if quantity > stock:
        left = "It is sold out." if stock == 0 else f"Only {stock} left."
        raise CartInvalid(f"Not enough stock for “{listing.title}”. {left}")


def cart_for_user(*, user) -> Cart:
    cart, _ = Cart.objects.get_or_create(user=user)
    return cart


def cart_item_add(*, user, listing_id, quantity: int) -> CartItem:
    """Add a listing to the cart, or add to the quantity already there."""
    listing = _buyable_listing(listing_id)
    if listing.shop.owner_id == user.pk:
        raise CartInvalid("This is your own shop's listing; you cannot buy it.")
    with transaction.atomic():
        cart = cart_for_user(user=user)
        Cart.objects.select_for_update().filter(pk=cart.pk).get()
        # The item's own lock too: a payment taking bought units out of the cart waits.
        item = CartItem.objects.select_for_update().filter(cart=cart, listing=listing).first()
        total = quantity + (item.quantity if item else 0)
        reserved = stock_reserved_for_buyer(buyer=user, listing_id=listing.pk)
        _check_quantity(listing, quantity, reserved=reserved)
        _check_quantity(listing, total, reserved=reserved)
        if item is None:
            item = CartItem.objects.create(cart=cart, listing=listing, quantity=total)
        else:
            item.quantity = total
            item.save(update_fields=["quantity"])
    return item


def _own_item(user, item_id) -> CartItem:
    try:
        return CartItem.objects.select_related("listing").get(pk=int(item_id), cart__user=user)
    except (CartItem.DoesNotExist, TypeError, ValueError):
        raise CartItemNotFound() from None


def cart_item_update(*, user, item_id, quantity: int) -> CartItem:
    item = _own_item(user, item_id)
    _check_quantity(item.listing, quantity,
                    reserved=stock_reserved_for_buyer(buyer=user, listing_id=item.listing_id))
    item.quantity = quantity
    item.save(update_fields=["quantity"])
    return item


def cart_item_remove(*, user, item_id) -> None:
    _own_item(user, item_id).delete()


def session_cart_add(*, session, listing_id, quantity: int) -> None:
    """Keep a visitor's cart in the session: {listing id: quantity}."""
    listing = _buyable_listing(listing_id)
    cart = dict(session.get(SESSION_KEY, {}))
    total = quantity + int(cart.get(str(listing.pk), 0))
    _check_quantity(listing, quantity)
    _check_quantity(listing, total)
    cart[str(listing.pk)] = total
    session[SESSION_KEY] = cart


def session_cart_set(*, session, listing_id, quantity: int) -> None:
    cart = dict(session.get(SESSION_KEY, {}))
    if str(listing_id) not in cart:
        raise CartItemNotFound()
    if quantity == 0:
        cart.pop(str(listing_id))
    else:
        _check_quantity(_buyable_listing(listing_id), quantity)
        cart[str(listing_id)] = quantity
    session[SESSION_KEY] = cart


def cart_merge_session(*, user, session) -> int:
    """Move a visitor's session cart into the account's cart; return how many lines moved.

    A line that can no longer be bought (gone, own shop, over stock) is capped or skipped: the
    person is signing in, not checking out, so nothing here may fail the log-in.
    """
    lines = session.pop(SESSION_KEY, None) or {}
    moved = 0
    for listing_id, quantity in lines.items():
        try:
            listing = _buyable_listing(listing_id)
        except Unavailable:
            continue
        if listing.shop.owner_id == user.pk or listing.stock < 1:
            continue
        with transaction.atomic():
            cart = cart_for_user(user=user)
            item, created = CartItem.objects.select_for_update().get_or_create(
                cart=cart, listing=listing, defaults={"quantity": 1}
            )
            wanted = int(quantity) if created else item.quantity + int(quantity)
            item.quantity = max(1, min(wanted, listing.stock, MAX_QUANTITY))
            item.save(update_fields=["quantity"])
        moved += 1
    return moved


def cart_items_bought_remove(*, checkout: Checkout) -> None:
    """Take what a paid checkout bought out of its buyer's cart (lines it emptied go); the
    items of an order cancelled before the payment were not bought and stay.

    Called by the payment, holding the checkout's lock: the cart row is not locked (a new
    checkout locks the cart before the buyer's unpaid checkouts), only the items' rows.
    """
    bought: dict[int, int] = {}
    items = OrderItem.objects.filter(
        order__checkout=checkout, order__status=Order.Status.PAID
    ).values_list("listing_id", "quantity")
    for listing_id, quantity in items:
        bought[listing_id] = bought.get(listing_id, 0) + quantity
    lines = CartItem.objects.select_for_update().filter(
        cart__user_id=checkout.buyer_id, listing_id__in=bought
    ).order_by("pk")
    for line in lines:
        if line.quantity <= bought[line.listing_id]:
            line.delete()
        else:
            CartItem.objects.filter(pk=line.pk).update(
                quantity=F("quantity") - bought[line.listing_id]
            )
