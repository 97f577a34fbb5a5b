"""Domain errors of village hubs; `http_status` is what the API answers with."""


class HubsError(Exception):
    http_status = 400


class NotFound(HubsError):
    """Missing, or not yours to act on (another hub's, another agent's): they look the same."""

    http_status = 404


class NotAllowed(HubsError):
    http_status = 403


class Conflict(HubsError):
    http_status = 409


class TooMany(HubsError):
    """A hub or agent act over its rate limit."""

    http_status = 429


class TakeoverLinkInvalid(HubsError):
    """A take-over link that is expired, altered or already used (the shop was taken over or
    the agent's help ended since)."""

    http_status = 400
