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
