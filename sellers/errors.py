"""Domain errors of the sellers app: each carries the HTTP status the API answers with."""


class SellersError(Exception):
    http_status = 400


class NotFound(SellersError):
    """Missing, or someone else's: the two look the same from outside."""

    http_status = 404


class NotAllowed(SellersError):
    http_status = 403


class Conflict(SellersError):
    http_status = 409


class ImageInvalid(SellersError):
    http_status = 400


class ImageTooLarge(SellersError):
    http_status = 413


class ImageUnsupported(SellersError):
    http_status = 415


class InvalidTransition(Conflict):
    """A listing or shop cannot make this move from the status it is in (409)."""


class NoShop(SellersError):
    """The signed-in person has no shop: pages send them to "open a shop" with this message,
    the API answers 403 with it."""

    http_status = 403

    def __init__(self):
        super().__init__("You have no shop yet. Open a shop to sell here.")


class OutOfStock(Conflict):
    """A listing has less stock than asked for (or is no longer on sale)."""

    def __init__(self, *, listing_id: int, title: str, available: int):
        self.listing_id, self.title, self.available = listing_id, title, available
        left = "none left" if available <= 0 else f"only {available} left"
        super().__init__(f"Not enough stock for “{title}”: {left}.")
