"""Domain errors of the orders app; `http_status` is what the API answers (see marketplace.api)."""

from orders.models import Checkout


class OrderError(Exception):
    http_status = 409


class InvalidTransition(OrderError):
    def __init__(self, current: str, to: str):
        self.current, self.to = current, to
        readable = {"pending_payment": "waiting for payment"}.get(current, current)
        super().__init__(f"This order is {readable}; it cannot become {to} now.")


class NotAllowed(OrderError):
    http_status = 403


class OutOfStock(OrderError):
    def __init__(self, title: str, available: int):
        self.title, self.available = title, available
        left = "none left" if available <= 0 else f"only {available} left"
        super().__init__(f"Not enough stock for “{title}”: {left}.")


class Unavailable(OrderError):
    """A listing or shop cannot be bought right now (not active, suspended)."""


class CartInvalid(OrderError):
    http_status = 400


class CheckoutConflict(OrderError):
    """An Idempotency-Key reused with a different request body."""


class PickupCodeWrong(OrderError):
    http_status = 400


class PickupLocked(OrderError):
    """Ten wrong hand-over codes: locked until the buyer asks for a new code."""

    def __init__(self):
        super().__init__("Too many wrong hand-over codes: the code is locked. The buyer must "
                         "ask for a new code on their order page.")


class PaymentUnavailable(OrderError):
    http_status = 503


class CheckoutInvalidTransition(OrderError):
    def __init__(self, current: str, to: str):
        self.current, self.to = current, to
        label = Checkout.Status(current).label.lower()
        to_label = Checkout.Status(to).label.lower()
        super().__init__(f"This checkout is {label}; it cannot become {to_label}.")


class CartItemNotFound(OrderError):
    http_status = 404

    def __init__(self):
        super().__init__("That item is not in your cart.")


class CheckoutNotFound(OrderError):
    http_status = 404

    def __init__(self):
        super().__init__("Checkout not found.")


class ReviewNotFound(OrderError):
    http_status = 404

    def __init__(self):
        super().__init__("Review not found.")


class WindowOpen(OrderError):
    def __init__(self):
        super().__init__("The buyer's confirmation window is still open.")


class OrderNotFound(OrderError):
    http_status = 404

    def __init__(self):
        super().__init__("Order not found.")


class CheckoutExpired(OrderError):
    def __init__(self, *, refunded: bool = False):
        super().__init__(
            "This checkout expired before it was paid; its items went back on sale. "
            + ("The payment that arrived afterwards is refunded in full. " if refunded else "")
            + "Please check out again."
        )


class CheckoutCancelled(OrderError):
    """Every order of the checkout was cancelled, or the buyer went back to change it."""

    def __init__(self, *, refunded: bool = False, changed: bool = False):
        if changed:
            message = (
                "You changed this checkout before paying; the payment that arrived afterwards "
                "is refunded in full. Your items are in your cart." if refunded else
                "You changed this checkout before paying, so nothing was charged. Your items "
                "are in your cart."
            )
        else:
            message = (
                "These orders were cancelled; the payment that arrived afterwards is refunded "
                "in full." if refunded else "These orders were cancelled; nothing was charged."
            )
        super().__init__(message)


class CheckoutPaymentProcessing(OrderError):
    """The buyer went back from a checkout whose payment Stripe is still working on."""

    def __init__(self):
        super().__init__(
            "Your payment is being processed; this checkout can be changed only once it has "
            "gone through or failed. Please look again in a few minutes."
        )


class CheckoutAlreadyPaid(OrderError):
    """The buyer went back from a checkout whose payment had just succeeded."""

    def __init__(self):
        super().__init__(
            "This checkout was paid a moment ago, so it can no longer be changed. Your orders "
            "stand; you can cancel one from its order page until it ships."
        )


class SavedAddressNotFound(OrderError):
    http_status = 404

    def __init__(self):
        super().__init__("Saved address not found.")


class SavedAddressesFull(OrderError):
    def __init__(self, limit: int):
        super().__init__(f"You can keep up to {limit} addresses; remove one first.")


class BalanceUnpaid(OrderError):
    """A pre-order's balance is still to pay: it cannot ship (or be handed over) yet."""

    def __init__(self):
        super().__init__("The buyer has not paid the balance of this pre-order yet: it can be "
                         "shipped once the balance is paid.")


class NoBalanceDue(OrderError):
    """Nothing is left to pay on this order, or the seller has not marked it ready yet."""


class PreorderCancelClosed(OrderError):
    """A paid pre-order is the seller's harvest plan: the buyer cancels it only after a move."""

    def __init__(self):
        super().__init__(
            "A paid pre-order is held for you from the harvest, so it cannot be cancelled now. "
            "If the seller moves its ship date you may cancel within 7 days for a full refund, "
            "and if it is not shipped by the promised date it is refunded in full by itself."
        )


class HubParcelState(OrderError):
    """A parcel shipped to a hub is not where the act needs it (not shipped yet, not arrived,
    already arrived): 409 with the reason in words."""


class BuyerNotAllowed(OrderError):
    """This buyer may not buy from a shop in the cart (a hub agent and the shop they run)."""
