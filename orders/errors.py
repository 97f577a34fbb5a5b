"""Domain errors of the orders app; `http_status` is what the API answers (see marketplace.api)."""


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
