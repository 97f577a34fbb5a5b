"""Domain errors of the brands app; `http_status` is what the API answers with."""


class BrandsError(Exception):
    http_status = 400


class NotFound(BrandsError):
    """Missing, or not yours: the two look the same from outside."""

    http_status = 404


class NotAllowed(BrandsError):
    http_status = 403


class Conflict(BrandsError):
    http_status = 409


class DocumentTooLarge(BrandsError):
    http_status = 413


class DocumentUnsupported(BrandsError):
    http_status = 415
