"""Domain errors of the moderation app; `http_status` is what the API answers with."""


class ModerationError(Exception):
    http_status = 400


class NotFound(ModerationError):
    http_status = 404


class Conflict(ModerationError):
    http_status = 409
